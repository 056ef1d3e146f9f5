"""Events and their sessions (see API.md)."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import marshmallow as ma
from flask_babel import gettext
from flask_login import current_user

from eventhub import permissions
from eventhub.api.common import (
    TEXT_MAX,
    Bool,
    IdArg,
    Int,
    NoBodySchema,
    PageArgsSchema,
    Str,
    StrictSchema,
    Time,
    doc_errors,
    event_tz,
    get_or_404,
    load_or_404,
    make_blueprint,
    optional_auth,
    page_of,
    paginate,
    paginate_list,
    require_user,
    signed_in,
)
from eventhub.errors import NotAllowed, ValidationFailed
from eventhub.events import services
from eventhub.events.models import Event, EventKind, EventSession, EventStatus
from eventhub.orgs.models import Organization

blp = make_blueprint("api_events", "Events and their sessions.")


class EventFieldsSchema(StrictSchema):
    """The editable fields of an event; creating one requires the first four."""

    title = Str()
    kind = ma.fields.Enum(EventKind)
    starts_at = Time()
    ends_at = Time()
    timezone = Str(max_length=64, metadata={"example": "Asia/Shanghai"})
    venue = Str()
    address = Str(max_length=500)
    lead_name = Str(metadata={
        "description": "The person in charge (负责人) the organization's reports name; "
                       "empty: not given (the reports' checks warn)."})
    description = Str(max_length=TEXT_MAX, metadata={"description": "Markdown."})
    capacity = Int(allow_none=True, metadata={"description": "null: no limit."})
    registration_opens_at = Time(allow_none=True)
    registration_closes_at = Time(
        allow_none=True, metadata={"description": "null: open until the event starts."}
    )
    requires_approval = Bool()
    registration_paused = Bool()
    is_listed = Bool(metadata={"description": "Unlisted events are reachable by link only."})


class EventPatchSchema(EventFieldsSchema):
    """What a PATCH may change: the event's fields and its series."""

    series_id = Int(
        allow_none=True,
        metadata={"description": "A series of the event's organization (422 otherwise); "
                  "null takes the event out of its series."},
    )


class EventCreateSchema(EventFieldsSchema):
    title = Str(required=True)
    kind = ma.fields.Enum(EventKind, required=True)
    starts_at = Time(required=True)
    ends_at = Time(required=True)


class OrgRefSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    slug = ma.fields.String(required=True)
    name = ma.fields.String(required=True)


class EventSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    org_id = ma.fields.Integer(required=True)
    organization = ma.fields.Nested(OrgRefSchema, required=True)
    title = ma.fields.String(required=True)
    kind = ma.fields.Enum(EventKind, required=True)
    status = ma.fields.Enum(EventStatus, required=True)
    description = ma.fields.String()
    venue = ma.fields.String()
    address = ma.fields.String()
    lead_name = ma.fields.Method("_lead_name", metadata={
        "description": "The person in charge (负责人): only to the event's organizers "
                       "(absent for others).", "type": "string"})
    starts_at = Time(required=True, tz_of=event_tz)
    ends_at = Time(required=True, tz_of=event_tz)
    timezone = ma.fields.String(required=True)
    capacity = ma.fields.Integer(allow_none=True)
    registration_opens_at = Time(allow_none=True, tz_of=event_tz)
    registration_closes_at = Time(allow_none=True, tz_of=event_tz)
    registration_paused = ma.fields.Boolean()
    requires_approval = ma.fields.Boolean()
    is_listed = ma.fields.Boolean()
    published_at = Time(allow_none=True, tz_of=event_tz)
    series_id = ma.fields.Integer(allow_none=True)
    created_at = Time(tz_of=event_tz)
    updated_at = Time(tz_of=event_tz)
    page_url = ma.fields.Function(
        lambda event: f"/events/{event.id}", metadata={"description": "The public HTML page."}
    )

    def _lead_name(self, event: Event) -> Any:
        if not permissions.can_manage_event(current_user, event):
            return ma.missing
        return event.lead_name or ""


EventPageSchema = page_of(EventSchema, "EventPage")


class EventListArgsSchema(PageArgsSchema):
    org = IdArg(metadata={"description": "Only this organization's events."})
    kind = ma.fields.Enum(EventKind)
    include_drafts = ma.fields.Boolean(
        load_default=False,
        metadata={
            "description": "With `org`, for its members: every event of the organization, "
            "drafts, closed and cancelled ones included."
        },
    )
    upcoming = ma.fields.Boolean(
        load_default=True, metadata={"description": "false: past published events too."}
    )


class SessionFieldsSchema(StrictSchema):
    title = Str()
    starts_at = Time()
    ends_at = Time()
    room = Str()
    capacity = Int(allow_none=True, metadata={"description": "null: no limit."})
    description = Str(max_length=TEXT_MAX)


class SessionCreateSchema(SessionFieldsSchema):
    title = Str(required=True)
    starts_at = Time(required=True)
    ends_at = Time(required=True)


class SessionSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    event_id = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    description = ma.fields.String()
    starts_at = Time(required=True, tz_of=event_tz)
    ends_at = Time(required=True, tz_of=event_tz)
    room = ma.fields.String()
    capacity = ma.fields.Integer(allow_none=True)


SessionPageSchema = page_of(SessionSchema, "SessionPage")


def _visible(event: Event) -> bool:
    return permissions.can_view_event(current_user, event)


def load_event(event_id: int) -> Event:
    """The event, or 404 when it does not exist or is not visible to the caller."""
    return load_or_404(Event, event_id, visible=_visible)


def managed_event(event_id: int) -> Event:
    """The event, to its organizers: 404 when invisible, 403 when not an organizer."""
    return load_or_404(Event, event_id, visible=_visible, allowed=lambda event: (
        permissions.can_manage_event(require_user(), event)))


def load_session(session_id: int) -> EventSession:
    """The session, or 404 unless its event is visible to the caller."""
    return load_or_404(EventSession, session_id, visible=lambda s: _visible(s.event))


def _enum_values(data: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.value if isinstance(v, EventKind) else v) for k, v in data.items()}


# Events -------------------------------------------------------------------------------


@blp.route("/orgs/<id:org_id>/events", methods=["POST"])
@blp.response(201, EventSchema)
@doc_errors(blp, 400, 401, 403, 404, 422)
@signed_in(blp)
@blp.arguments(EventCreateSchema)
def create_event(data: dict, org_id: int) -> object:
    """Create a draft event (owners and organizers of the organization)."""
    org = get_or_404(Organization, org_id)
    return services.create_event(require_user(), org, services.EventInfo(**_enum_values(data)))


@blp.route("/events", methods=["GET"])
@blp.response(200, EventPageSchema)
@doc_errors(blp, 400, 401, 403, 404, 422)
@optional_auth(blp)
@blp.arguments(EventListArgsSchema, location="query")
def list_events(args: dict) -> dict:
    """Published, listed events, soonest first; organizers may list their own drafts."""
    kind = args["kind"].value if args.get("kind") else None
    if args["include_drafts"]:
        if not args.get("org"):
            raise ValidationFailed(fields={"org": gettext("Choose an organization.")})
        org = get_or_404(Organization, args["org"])
        if not permissions.can_view_org_dashboard(require_user(), org):
            raise NotAllowed()
        query = services.org_events_query(org.id)
        if kind:
            query = query.where(Event.kind == kind)
    else:
        query = services.public_events_query(
            kind=kind, org_id=args.get("org"), upcoming_only=args["upcoming"]
        )
    return paginate(query, args["page"], args["per_page"])


@blp.route("/events/<id:event_id>", methods=["GET"])
@blp.response(200, EventSchema)
@doc_errors(blp, 404)
@optional_auth(blp)
def get_event(event_id: int) -> object:
    """An event (drafts only for its organization)."""
    return load_event(event_id)


@blp.route("/events/<id:event_id>", methods=["PATCH"])
@blp.response(200, EventSchema)
@doc_errors(blp, 400, 401, 403, 404, 409, 422)
@signed_in(blp)
@blp.arguments(EventPatchSchema)
def update_event(data: dict, event_id: int) -> object:
    """Change some fields of an event; the others stay as they are."""
    event = load_event(event_id)
    return services.update_event(require_user(), event, **_enum_values(data))


@blp.route("/events/<id:event_id>/publish", methods=["POST"])
@blp.response(200, EventSchema)
@doc_errors(blp, 400, 401, 403, 404, 409, 422)
@signed_in(blp)
@blp.arguments(NoBodySchema, required=False)
def publish_event(_: dict, event_id: int) -> object:
    """Publish a draft or closed event; otherwise 409 `invalid_status`."""
    return services.change_status(require_user(), load_event(event_id), "publish")


@blp.route("/events/<id:event_id>/close", methods=["POST"])
@blp.response(200, EventSchema)
@doc_errors(blp, 400, 401, 403, 404, 409, 422)
@signed_in(blp)
@blp.arguments(NoBodySchema, required=False)
def close_event(_: dict, event_id: int) -> object:
    """Close a published event; otherwise 409 `invalid_status`."""
    return services.change_status(require_user(), load_event(event_id), "close")


@blp.route("/events/<id:event_id>/cancel", methods=["POST"])
@blp.response(200, EventSchema)
@doc_errors(blp, 400, 401, 403, 404, 409, 422)
@signed_in(blp)
@blp.arguments(NoBodySchema, required=False)
def cancel_event(_: dict, event_id: int) -> object:
    """Cancel a draft, published or closed event; otherwise 409 `invalid_status`."""
    return services.change_status(require_user(), load_event(event_id), "cancel")


# Sessions -----------------------------------------------------------------------------


@blp.route("/events/<id:event_id>/sessions", methods=["POST"])
@blp.response(201, SessionSchema)
@doc_errors(blp, 400, 401, 403, 404, 422)
@signed_in(blp)
@blp.arguments(SessionCreateSchema)
def create_session(data: dict, event_id: int) -> object:
    """Add a session (a forum, salon or roadshow of a week)."""
    event = load_event(event_id)
    return services.add_session(require_user(), event, services.SessionInfo(**data))


@blp.route("/events/<id:event_id>/sessions", methods=["GET"])
@blp.response(200, SessionPageSchema)
@doc_errors(blp, 400, 404, 422)
@optional_auth(blp)
@blp.arguments(PageArgsSchema, location="query")
def list_sessions(args: dict, event_id: int) -> dict:
    """An event's sessions, in time order."""
    event = load_event(event_id)
    return paginate_list(list(event.sessions), args["page"], args["per_page"])


@blp.route("/sessions/<id:session_id>", methods=["GET"])
@blp.response(200, SessionSchema)
@doc_errors(blp, 404)
@optional_auth(blp)
def get_session(session_id: int) -> object:
    """One session."""
    return load_session(session_id)


@blp.route("/sessions/<id:session_id>", methods=["PATCH"])
@blp.response(200, SessionSchema)
@doc_errors(blp, 400, 401, 403, 404, 422)
@signed_in(blp)
@blp.arguments(SessionFieldsSchema)
def update_session(data: dict, session_id: int) -> object:
    """Change some fields of a session; the others stay as they are."""
    session = load_session(session_id)
    info = services.SessionInfo(
        **{f.name: data.get(f.name, getattr(session, f.name)) for f in fields(services.SessionInfo)}
    )
    return services.update_session(require_user(), session, info)


@blp.route("/sessions/<id:session_id>", methods=["DELETE"])
@blp.response(204)
@doc_errors(blp, 400, 401, 403, 404)
@signed_in(blp)
def delete_session(session_id: int) -> None:
    """Remove a session."""
    services.delete_session(require_user(), load_session(session_id))
