"""Check-in: lists, scans, reverting a scan, numbers and search at the door."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import marshmallow as ma
from flask import Response
from flask_login import current_user

from eventhub import permissions
from eventhub.accounts.auth import note_token_caller, sole_bearer_token
from eventhub.api.common import (
    DEVICE_MAX,
    Bool,
    Email,
    IdField,
    NoBodySchema,
    PageArgsSchema,
    Phone,
    Str,
    StrictSchema,
    Time,
    as_built,
    doc_errors,
    list_of,
    make_blueprint,
    require_user,
    signed_in,
    signed_in_or_sole_bearer,
)
from eventhub.api.events import load_event
from eventhub.checkin import services, sync
from eventhub.checkin.models import CheckinList, ScanStatus, ScanType
from eventhub.checkin.services import Door
from eventhub.errors import NotAllowed, NotFound
from eventhub.formatting import mask_phone
from eventhub.registrations.services import RegistrationInfo

blp = make_blueprint("api_checkin", "Check-in lists, scans at the door and live numbers.")


class CheckinListInSchema(StrictSchema):
    name = Str(required=True)
    session_id = IdField(allow_none=True)
    allow_reentry = Bool(load_default=False)


class CheckinListSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    event_id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    session_id = ma.fields.Integer(allow_none=True)
    is_main = ma.fields.Boolean(required=True)
    allow_reentry = ma.fields.Boolean(required=True)


ListListSchema = list_of(CheckinListSchema, "CheckinListList")


class ScanRequestSchema(StrictSchema):
    code = Str(required=True, metadata={"description": "The ticket code as scanned or typed."})
    nonce = Str(
        required=True,
        max_length=DEVICE_MAX,
        metadata={
            "description": "Chosen by the device (a UUID); the same nonce again at the same "
            "list returns the first answer and records nothing (at another list it is a scan "
            "of its own)."
        },
    )
    type = ma.fields.Enum(ScanType, load_default=ScanType.entry)
    device = Str(max_length=DEVICE_MAX, load_default="")
    at = Time(metadata={"description": "When the device scanned it (offline queue)."})


class ScannedPersonSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    category = ma.fields.String(allow_none=True)
    notes = ma.fields.String(allow_none=True)


class PreviousScanSchema(ma.Schema):
    at = ma.fields.String(required=True)
    device = ma.fields.String(required=True)


class ScanAnswerSchema(ma.Schema):
    status = ma.fields.String(
        required=True, metadata={"enum": [s.value for s in ScanStatus]}
    )
    registration = ma.fields.Nested(ScannedPersonSchema)
    checkin_id = ma.fields.Integer()
    at = ma.fields.String(required=True)
    previous = ma.fields.Nested(PreviousScanSchema)


class CheckinStatsSchema(ma.Schema):
    expected = ma.fields.Integer(required=True)
    checked_in = ma.fields.Integer(required=True)
    inside = ma.fields.Integer(required=True)


class CheckinSearchArgsSchema(PageArgsSchema):
    q = Str(
        required=True,
        metadata={"description": "Name, pinyin initials, phone tail, email or ticket code."},
    )


class FoundPersonSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    phone = ma.fields.String()
    email = ma.fields.String()
    category = ma.fields.String(allow_none=True)
    status = ma.fields.String(required=True)
    ticket_code = ma.fields.String(allow_none=True)
    notes = ma.fields.String()
    checked_in_at = ma.fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "Their first entry at this list; null: not checked in."},
    )
    inside = ma.fields.Boolean(
        required=True, metadata={"description": "Their latest scan at this list is an entry."}
    )


FoundListSchema = list_of(FoundPersonSchema, "CheckinSearchResult")


def door_list(list_id: int) -> CheckinList:
    """The list, to door staff of its event: 404 when invisible, 403 when not staff."""
    checkin_list = services.load_list(list_id)
    return _to_door_staff(checkin_list, require_user(), lambda: checkin_list.event)


def _to_door_staff(door: Door | CheckinList | None, user: Any, event: Callable[[], Any]) -> Any:
    """``door`` (a list, as loaded with its event's organization) if ``user`` is door staff
    of its event: NotFound when there is none or the user does not see the event (as
    `load_event` says), NotAllowed when they see it but are not staff."""
    if door is None:
        raise NotFound()
    if permissions.can_check_in(user, door.event):
        return door
    raise NotAllowed() if permissions.can_view_event(user, event()) else NotFound()


@blp.route("/events/<id:event_id>/checkin-lists", methods=["GET"])
@blp.response(200, ListListSchema)
@doc_errors(blp, 401, 403, 404)
@signed_in(blp)
def list_lists(event_id: int) -> dict:
    """The event's check-in lists, the main one (`is_main`) first."""
    event = load_event(event_id)
    if not permissions.can_check_in(require_user(), event):
        raise NotAllowed()
    return {"items": services.lists_of(event)}


@blp.route("/events/<id:event_id>/checkin-lists", methods=["POST"])
@blp.response(201, CheckinListSchema)
@doc_errors(blp, 400, 401, 403, 404, 409, 422)
@signed_in(blp)
@blp.arguments(CheckinListInSchema)
def create_list(data: dict, event_id: int) -> object:
    """Add a list for a session (only those who booked it are on it) or another door."""
    event = load_event(event_id)
    return services.create_list(
        require_user(), event, data["name"], data.get("session_id"), data["allow_reentry"]
    )


@blp.route("/checkin-lists/<id:list_id>/scans", methods=["POST"])
@blp.response(200, ScanAnswerSchema, description="200 for every well-formed scan.")
@doc_errors(blp, 400, 401, 403, 404, 422)
@signed_in_or_sole_bearer(blp)
@blp.arguments(ScanRequestSchema)
def scan(data: dict, list_id: int) -> Response:
    """Scan a ticket: `ok`, `already_checked_in` (with `previous`), `invalid`, `wrong_event`,
    `not_on_list`, `not_confirmed` or `cancelled`."""
    # A scanner's sole Bearer token is read with the door, in its statement.
    door, caller = services.load_door(list_id, data["code"], sole_bearer_token())
    if caller is not None:
        note_token_caller(caller)
    caller = caller or require_user()
    door = _to_door_staff(door, caller, lambda: services.load_list(list_id).event)  # rarely
    answer = services.scan(
        caller,
        door,
        data["code"],
        data["nonce"],
        scan_type=data["type"],
        device=data["device"],
        client_at=data.get("at"),
    )
    return as_built(answer)


@blp.route("/checkins/<id:checkin_id>/revert", methods=["POST"])
@blp.response(200, ScanAnswerSchema)
@doc_errors(blp, 400, 401, 404, 409, 422)
@signed_in(blp)
@blp.arguments(NoBodySchema, required=False)
def revert(_: dict, checkin_id: int) -> dict:
    """Undo a mistaken check-in; audited. 409 when it is not an ok scan or undone already."""
    record = services.revert(require_user(), checkin_id)
    return {**record.response, "checkin_id": record.id}


@blp.route("/checkin-lists/<id:list_id>/stats", methods=["GET"])
@blp.response(200, CheckinStatsSchema)
@doc_errors(blp, 401, 403, 404)
@signed_in(blp)
def list_stats(list_id: int) -> dict:
    """Expected on the list, checked in (at least once), and inside now."""
    return services.stats(door_list(list_id))


@blp.route("/checkin-lists/<id:list_id>/search", methods=["GET"])
@blp.response(200, FoundListSchema)
@doc_errors(blp, 400, 401, 403, 404, 422)
@signed_in(blp)
@blp.arguments(CheckinSearchArgsSchema, location="query")
def search(args: dict, list_id: int) -> dict:
    """Find people by name, pinyin initials (`wt` finds 王涛), phone tail, email or ticket
    code (at most 20), each with when they checked in at this list (`checked_in_at`) and
    whether they are `inside`. Door staff see phones masked (`138****5678`); organizers see
    them whole."""
    checkin_list = door_list(list_id)
    full_phone = permissions.sees_full_phone(current_user, checkin_list.event)
    found = sync.find_at_door(require_user(), checkin_list, args["q"])
    return {"items": [_found(f, full_phone) for f in found]}


def _found(found: sync.Found, full_phone: bool) -> dict[str, Any]:
    registration = found.registration
    return {
        "id": registration.id,
        "name": registration.name,
        "phone": registration.phone if full_phone else mask_phone(registration.phone),
        "email": registration.email if full_phone else "",
        "category": registration.category.name if registration.category else None,
        "status": registration.status.value,
        "ticket_code": registration.ticket_code,
        "notes": registration.notes,
        "checked_in_at": found.checked_in_at.isoformat() if found.checked_in_at else None,
        "inside": found.inside,
    }


class WalkInSchema(StrictSchema):
    name = Str(required=True)
    phone = Phone(required=True)
    email = Email(load_default="", metadata={"description": "Mails the ticket."})
    organization = Str(allow_none=True)
    category_id = IdField(allow_none=True)
    answers = ma.fields.Dict(keys=ma.fields.String(), load_default=dict)
    nonce = Str(
        required=True,
        max_length=DEVICE_MAX,
        metadata={"description": "As for a scan: the same nonce again registers nobody."},
    )
    device = Str(max_length=DEVICE_MAX, load_default="")


class WalkInPersonSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    status = ma.fields.String(required=True)
    ticket_code = ma.fields.String(required=True)


class WalkInAnswerSchema(ma.Schema):
    registration = ma.fields.Nested(WalkInPersonSchema, required=True)
    scan = ma.fields.Nested(ScanAnswerSchema, required=True)


@blp.route("/checkin-lists/<id:list_id>/walk-ins", methods=["POST"])
@blp.response(201, WalkInAnswerSchema)
@doc_errors(blp, 400, 401, 403, 404, 409, 422)
@signed_in(blp)
@blp.arguments(WalkInSchema)
def walk_in(data: dict, list_id: int) -> dict:
    """Register someone at the door and check them in at once (door staff), while there is
    room. 409 `already_registered` (that phone has a registration: search for it),
    `event_full`, `approval_required`."""
    checkin_list = door_list(list_id)
    info = RegistrationInfo(
        category_id=data.get("category_id"),
        answers=data["answers"],
        name=data["name"],
        phone=data["phone"],
        organization=data.get("organization"),
    )
    registration, answer = services.walk_in(
        require_user(), checkin_list, info, data["nonce"], data["email"], data["device"]
    )
    return {"registration": registration, "scan": answer}


# Offline doors --------------------------------------------------------------------------


class DoorTicketsArgsSchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    since = Str(
        max_length=20,
        metadata={"description": "A `version` of an earlier answer: only what changed since."},
    )


class DoorTicketSchema(ma.Schema):
    h = ma.fields.String(
        allow_none=True,
        required=True,
        metadata={"description": "sha256(ticket code), first 16 bytes in hex; null: no ticket."},
    )
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    category = ma.fields.String(allow_none=True)
    notes = ma.fields.String(allow_none=True)
    status = ma.fields.String(required=True)
    valid = ma.fields.Boolean(
        required=True, metadata={"description": "Confirmed and on this list."}
    )
    checked_in_at = ma.fields.String(allow_none=True)
    inside = ma.fields.Boolean(required=True)


class DoorTicketListSchema(ma.Schema):
    version = ma.fields.String(required=True)
    full = ma.fields.Boolean(
        required=True, metadata={"description": "False: a delta, rows replace rows by `id`."}
    )
    items = ma.fields.List(ma.fields.Nested(DoorTicketSchema), required=True)


@blp.route("/checkin-lists/<id:list_id>/tickets", methods=["GET"])
@blp.response(200, DoorTicketListSchema)
@doc_errors(blp, 401, 403, 404, 422)
@signed_in(blp)
@blp.arguments(DoorTicketsArgsSchema, location="query")
def door_tickets(args: dict, list_id: int) -> dict:
    """The list's tickets as hashes, for checks while offline; `since` gives a delta."""
    checkin_list = door_list(list_id)
    return sync.door_tickets(require_user(), checkin_list, args.get("since"))
