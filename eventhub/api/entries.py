"""JSON API of contest entries beyond creation: editing, deleting, attachments and bulk
import."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Response, request, url_for
from flask_babel import gettext
from flask_login import current_user

from eventhub.api.common import (
    IdField,
    Str,
    StrictSchema,
    Time,
    doc_errors,
    event_tz,
    get_or_404,
    load_or_404,
    make_blueprint,
    require_user,
    signed_in,
)
from eventhub.api.events import load_event, managed_event
from eventhub.api.judging import (
    EntryMemberSchema,
    EntrySchema,
    TrackSchema,
    contest_event,
    managed_judging,
)
from eventhub.errors import NotFound, ValidationFailed
from eventhub.judging import checks, entries, entry_import
from eventhub.judging.entry_views import send_attachment
from eventhub.judging.models import Entry, Track
from eventhub.judging.permissions import can_see_entry

blp = make_blueprint("api_entries", "Contest entries: edit, delete, attachments, import.")


# Schemas ----------------------------------------------------------------------------------


class EntryPatchSchema(StrictSchema):
    """Only the fields sent change. Team leaders may not change ``leader_id``."""

    title = Str()
    track_id = IdField()
    team_name = Str()
    institution = Str()
    summary = Str(max_length=checks.TEXT_MAX)
    members = ma.fields.List(ma.fields.Nested(EntryMemberSchema))
    leader_id = IdField(allow_none=True)


class EntryAttachmentSchema(ma.Schema):
    name = ma.fields.String(required=True, metadata={"description": "As it was uploaded."})
    size = ma.fields.Integer(required=True, metadata={"description": "Bytes."})
    type = ma.fields.String(required=True, metadata={"example": "application/pdf"})
    url = ma.fields.String(required=True, metadata={"description": "GET it (the PDF)."})


def _attachment(entry: Entry) -> dict[str, Any] | None:
    if not entry.attachment_key:
        return None
    return {"name": entry.attachment_name, "size": entry.attachment_size,
            "type": entry.attachment_type,
            "url": url_for("api_entries.get_attachment", entry_id=entry.id)}


class EntryDetailSchema(EntrySchema):
    attachment = ma.fields.Function(
        _attachment, metadata={"description": "null: none. {name, size, type, url}."}
    )
    updated_at = Time()


class TrackRenameSchema(StrictSchema):
    name = Str(required=True)


class ContestSettingsInSchema(StrictSchema):
    """Only the fields sent change; null clears a time. Without an opening time the window
    is closed; without a closing time it stays open."""

    entries_open_at = Time(allow_none=True)
    entries_close_at = Time(allow_none=True)


class ContestSettingsSchema(ma.Schema):
    entries_open_at = Time(allow_none=True, tz_of=event_tz)
    entries_close_at = Time(allow_none=True, tz_of=event_tz)
    entries_open = ma.fields.Boolean(
        required=True, metadata={"description": "Team leaders may submit entries now."}
    )


class EntryImportRowSchema(StrictSchema):
    """One row. Missing or unacceptable values reject the row (see `rejected`), not the
    request; give the track by ``track`` (its name) or ``track_id``."""

    title = Str(allow_none=True)
    track = Str(allow_none=True, metadata={"description": "The track's name (组别)."})
    track_id = IdField(allow_none=True)
    team_name = Str(allow_none=True)
    institution = Str(allow_none=True)
    summary = Str(max_length=checks.TEXT_MAX, allow_none=True)
    members = ma.fields.List(ma.fields.Nested(EntryMemberSchema), allow_none=True)
    leader_email = Str(max_length=254, allow_none=True, metadata={
        "description": "An existing user's email: they become the leader."})


class EntryImportInSchema(StrictSchema):
    entries = ma.fields.List(
        ma.fields.Nested(EntryImportRowSchema), required=True,
        validate=ma.validate.Length(min=1, max=5000),
    )


class EntryImportRejectedSchema(ma.Schema):
    row = ma.fields.Integer(required=True, metadata={"description": "Index in entries, from 1."})
    errors = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String(), required=True,
                            metadata={"description": "Why, per field."})


class EntryImportResultSchema(ma.Schema):
    created = ma.fields.List(ma.fields.Integer(), required=True,
                             metadata={"description": "Ids of the new entries, in row order."})
    rejected = ma.fields.List(ma.fields.Nested(EntryImportRejectedSchema), required=True)


# Loading ----------------------------------------------------------------------------------


def _entry(entry_id: int) -> Entry:
    """The entry, or 404 unless the caller may see its contest and the entry
    (`can_see_entry`)."""
    return load_or_404(Entry, entry_id, visible=lambda entry: (
        contest_event(entry.event_id) and can_see_entry(current_user, entry)))


def _track(track_id: int) -> Track:
    """The track, to the contest's organizers: 404 unless the caller sees its judging side."""
    track = get_or_404(Track, track_id)
    managed_judging(track.event_id)
    return track


# Entries ----------------------------------------------------------------------------------


@blp.route("/entries/<id:entry_id>", methods=["GET"])
@blp.response(200, EntryDetailSchema)
@doc_errors(blp, 401, 403, 404)
@signed_in(blp)
def get_entry(entry_id: int) -> Entry:
    """One entry (its organizers and its leader)."""
    entry = _entry(entry_id)
    user = require_user()
    if not (entries.is_leader(user, entry) or entries.may_edit_entry(user, entry)):
        raise NotFound()
    return entry


@blp.route("/entries/<id:entry_id>", methods=["PATCH"])
@blp.response(200, EntryDetailSchema)
@doc_errors(blp, 400, 401, 403, 404, 409, 422)
@signed_in(blp)
@blp.arguments(EntryPatchSchema)
def update_entry(data: dict, entry_id: int) -> Entry:
    """Change an entry: organizers at any time, its leader while the entry window is open
    (409 `entries_closed`). 409 `entry_exists` when the new leader leads another entry."""
    return entries.update_entry(require_user(), _entry(entry_id), data)


@blp.route("/entries/<id:entry_id>", methods=["DELETE"])
@blp.response(204)
@doc_errors(blp, 401, 403, 404, 409)
@signed_in(blp)
def delete_entry(entry_id: int) -> None:
    """Delete an entry and its attachment (organizers). 409 `entry_has_scores` once a judge
    saved a scorecard for it."""
    entries.delete_entry(require_user(), _entry(entry_id))


@blp.route("/events/<id:event_id>/my-entry", methods=["GET"])
@blp.response(200, EntryDetailSchema)
@doc_errors(blp, 401, 404)
@signed_in(blp)
def my_entry(event_id: int) -> Entry:
    """The entry the caller leads in the contest; 404 when there is none."""
    entry = entries.entry_of_leader(load_event(event_id), require_user())
    if entry is None:
        raise NotFound()
    return entry


class MyEntryInSchema(StrictSchema):
    title = Str(required=True)
    track_id = IdField(required=True)
    team_name = Str(load_default="")
    institution = Str(load_default="")
    summary = Str(max_length=checks.TEXT_MAX, load_default="")
    members = ma.fields.List(ma.fields.Nested(EntryMemberSchema), load_default=list)


@blp.route("/events/<id:event_id>/my-entry", methods=["PUT"])
@blp.response(200, EntryDetailSchema, description="The entry changed.")
@blp.alt_response(201, schema=EntryDetailSchema, success=True,
                  description="The entry submitted (a new one).")
@doc_errors(blp, 400, 401, 403, 404, 409, 422)
@signed_in(blp)
@blp.arguments(MyEntryInSchema)
def put_my_entry(data: dict, event_id: int) -> tuple[Entry, int]:
    """Submit the caller's entry as its team leader (201), or change it (200), while the
    entry window is open: 409 `entries_closed`; one entry per leader and contest."""
    entry, created = entries.save_own_entry(require_user(), load_event(event_id), data)
    return entry, 201 if created else 200


# Attachments ------------------------------------------------------------------------------


@blp.route("/entries/<id:entry_id>/attachment", methods=["GET"])
@doc_errors(blp, 401, 403, 404)
@blp.doc(responses={"200": {
    "description": "The PDF, as a download (`Content-Disposition: attachment`).",
    "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
}})
@signed_in(blp)
def get_attachment(entry_id: int) -> Response:
    """The entry's attachment: its organizers, its leader, and judges assigned to it in any
    round without a conflict of interest. Judges assigned to it in an anonymous round get it
    under a neutral name (`参赛项目-<id>.pdf`): the uploaded name may carry the team's."""
    entry = _entry(entry_id)
    return send_attachment(require_user(), entry)


@blp.route("/entries/<id:entry_id>/attachment", methods=["PUT"])
@blp.response(200, EntryAttachmentSchema)
@doc_errors(blp, 401, 403, 404, 409, 422)
@blp.doc(requestBody={
    "required": True,
    "content": {"multipart/form-data": {"schema": {
        "type": "object", "required": ["file"],
        "properties": {"file": {"type": "string", "format": "binary",
                                "description": "A PDF (checked by its content)."}},
    }}},
})
@signed_in(blp)
def put_attachment(entry_id: int) -> dict[str, Any] | None:
    """Attach a PDF (multipart/form-data, field `file`), replacing any earlier one:
    organizers at any time, the leader while the entry window is open (409
    `entries_closed`). 422 when it is not a PDF or is too large (`file_too_large`)."""
    entry = _entry(entry_id)
    user = require_user()
    entries.require_editor(user, entry)  # 403 or 409 before reading the upload
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ValidationFailed(fields={"file": gettext("Choose a file.")})
    entries.save_attachment(user, entry, upload.stream, upload.filename)
    return _attachment(entry)


@blp.route("/entries/<id:entry_id>/attachment", methods=["DELETE"])
@blp.response(204)
@doc_errors(blp, 401, 403, 404, 409)
@signed_in(blp)
def delete_attachment(entry_id: int) -> None:
    """Remove the entry's attachment (as for uploading one); 404 when there is none."""
    entries.remove_attachment(require_user(), _entry(entry_id))


# Tracks -----------------------------------------------------------------------------------


@blp.route("/tracks/<id:track_id>", methods=["PATCH"])
@blp.response(200, TrackSchema)
@doc_errors(blp, 400, 401, 403, 404, 409, 422)
@signed_in(blp)
@blp.arguments(TrackRenameSchema)
def rename_track(data: dict, track_id: int) -> Track:
    """Rename a track (organizers). 409 `name_taken`."""
    return entries.rename_track(require_user(), _track(track_id), data["name"])


@blp.route("/tracks/<id:track_id>", methods=["DELETE"])
@blp.response(204)
@doc_errors(blp, 401, 403, 404, 409)
@signed_in(blp)
def delete_track(track_id: int) -> None:
    """Delete an empty track (organizers). 409 `track_not_empty`."""
    entries.delete_track(require_user(), _track(track_id))


# The contest's entry window ---------------------------------------------------------------


def _settings(event: Any) -> dict[str, Any]:
    opens, closes = entries.entry_window(event)
    return {"entries_open_at": opens, "entries_close_at": closes,
            "entries_open": entries.entries_open(event), "timezone": event.timezone}


@blp.route("/events/<id:event_id>/contest", methods=["GET"])
@blp.response(200, ContestSettingsSchema)
@doc_errors(blp, 404)
def get_contest(event_id: int) -> dict[str, Any]:
    """The contest's entry window (anyone who sees the event)."""
    event = load_event(event_id)
    if event.kind != "contest":
        raise NotFound()
    return _settings(event)


@blp.route("/events/<id:event_id>/contest", methods=["PATCH"])
@blp.response(200, ContestSettingsSchema)
@doc_errors(blp, 400, 401, 403, 404, 409, 422)
@signed_in(blp)
@blp.arguments(ContestSettingsInSchema)
def update_contest(data: dict, event_id: int) -> dict[str, Any]:
    """Set when team leaders may submit entries (organizers). 409 `not_a_contest`."""
    event = managed_event(event_id)
    opens, closes = entries.entry_window(event)
    entries.set_entry_window(require_user(), event, data.get("entries_open_at", opens),
                             data.get("entries_close_at", closes))
    return _settings(event)


# Import -----------------------------------------------------------------------------------


@blp.route("/events/<id:event_id>/entries/import", methods=["POST"])
@blp.response(200, EntryImportResultSchema)
@doc_errors(blp, 400, 401, 403, 404, 409, 422)
@signed_in(blp)
@blp.arguments(EntryImportInSchema)
def import_entries(data: dict, event_id: int) -> dict[str, Any]:
    """Create many entries at once (organizers): every acceptable row in one unit of work;
    the others are reported with a reason per field (unknown track, duplicate title, ...).
    Tracks are not created by an import."""
    event = managed_event(event_id)
    rows = [(i, {k: v for k, v in row.items() if v is not None})
            for i, row in enumerate(data["entries"], start=1)]
    report = entry_import.import_entries(require_user(), event, rows)
    return {"created": [e.id for e in report.created],
            "rejected": [{"row": r.row, "errors": r.errors} for r in report.rejected]}

