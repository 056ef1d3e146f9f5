"""Subsidy evidence: an event's photos and its evidence pack (签到表, 活动通知, 统计).

The rules (host organizers only, photos checked by content and stripped of their metadata,
the pack's files) are `eventhub.reports.evidence`'s."""

from __future__ import annotations

import marshmallow as ma
from flask import request
from flask_babel import gettext
from werkzeug.wrappers import Response

from eventhub import permissions
from eventhub.api.common import (
    ErrorSchema,
    doc_errors,
    list_of,
    make_blueprint,
    require_user,
    signed_in,
)
from eventhub.api.events import managed_event
from eventhub.downloads import private_file
from eventhub.errors import ValidationFailed
from eventhub.reports import evidence
from eventhub.reports.models import EventPhoto

blp = make_blueprint(
    "api_evidence",
    "Subsidy evidence: an event's photos and its evidence pack (签到表, 活动通知, 统计).",
)


class PhotoSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    event_id = ma.fields.Integer(required=True)
    format = ma.fields.String(required=True, metadata={"description": "`JPEG` or `PNG`."})
    size = ma.fields.Integer(required=True, metadata={
        "description": "Bytes of the stored photo (re-encoded without its metadata)."})
    created_at = ma.fields.AwareDateTime(required=True)


PHOTO_BODY = {
    "required": True,
    "content": {"multipart/form-data": {"schema": {
        "type": "object", "required": ["photo"],
        "properties": {"photo": {"type": "string", "format": "binary",
                                 "description": "A JPEG or PNG image (checked by its content), "
                                                "at most 10 MB; its EXIF data (GPS position "
                                                "included) is removed."}},
    }}},
}


@blp.route("/events/<id:event_id>/photos", methods=["POST"])
@blp.response(201, PhotoSchema)
@doc_errors(blp, 401, 403, 404, 422)
@blp.alt_response(413, schema=ErrorSchema, description=(
    "The request is larger than the server takes (`payload_too_large`)."))
@blp.doc(requestBody=PHOTO_BODY)
@signed_in(blp)
def add_photo(event_id: int) -> EventPhoto:
    """Upload a photo of the event for its evidence pack (multipart/form-data, field `photo`):
    the host's organizers. 422 when it is not a JPEG or PNG image, or `photo_too_large`
    (over 10 MB); 413 `payload_too_large` for a request over the server's limit."""
    event = managed_event(event_id)
    user = require_user()
    permissions.require(permissions.can_manage_event, user, event)  # 403 before reading it
    upload = request.files.get("photo")
    if upload is None or not upload.filename:
        raise ValidationFailed(fields={"photo": gettext("Choose a file.")})
    return evidence.add_photo(user, event, upload.stream)


@blp.route("/events/<id:event_id>/photos", methods=["GET"])
@blp.response(200, list_of(PhotoSchema, "PhotoList"))
@doc_errors(blp, 401, 403, 404)
@signed_in(blp)
def list_photos(event_id: int) -> dict:
    """The event's evidence photos, oldest first: the host's organizers."""
    return {"items": evidence.photos_of(managed_event(event_id))}


@blp.route("/events/<id:event_id>/photos/<id:photo_id>", methods=["DELETE"])
@blp.response(204)
@doc_errors(blp, 401, 403, 404)
@signed_in(blp)
def delete_photo(event_id: int, photo_id: int) -> None:
    """Delete an evidence photo (and its file): the host's organizers; another event's photo
    is 404."""
    event = managed_event(event_id)
    evidence.remove_photo(require_user(), evidence.photo_of(event, photo_id))


@blp.route("/events/<id:event_id>/evidence.zip", methods=["GET"])
@doc_errors(blp, 401, 403, 404)
@blp.response(200, content_type="application/zip", description=(
    "A zip: `签到表.pdf` (every confirmed registration: name, organization, masked phone, "
    "category, first check-in time or blank, a signature column; the event on every page's "
    "top, page numbers at the foot), `签到表.xlsx` (the same rows), `活动通知.pdf` (title, "
    "time, venue, description, programme), `统计.json` (confirmed, checked_in, checkin_rate "
    "of the same rows) and the folder `照片/` with the uploaded photos."))
@signed_in(blp)
def evidence_pack(event_id: int) -> Response:
    """The event's evidence pack for a subsidy claim: the host's organizers (audited)."""
    event = managed_event(event_id)
    return private_file(evidence.evidence_pack(require_user(), event), "application/zip",
                        evidence.pack_name(event))
