"""Events and sessions: create, edit, publish, close, cancel; the public listing."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any
from zoneinfo import available_timezones

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from eventhub import audit, permissions
from eventhub.accounts.models import NAME_MAX, User
from eventhub.database import db, transactional, utcnow
from eventhub.errors import Conflict, ValidationFailed, raise_field_errors
from eventhub.events.labels import event_status_label
from eventhub.events.models import Event, EventKind, EventSession, EventStatus
from eventhub.events.series import check_series_of, notify_subscribers
from eventhub.orgs.models import Organization
from eventhub.text import check_text, text_error

TEXT_MAX = 10_000
CAPACITY_MAX = 1_000_000


@dataclass
class EventInfo:
    title: str
    kind: str
    starts_at: datetime
    ends_at: datetime
    timezone: str = "Asia/Shanghai"
    venue: str = ""
    address: str = ""
    #: The person answerable for the event (负责人), as the reports name them.
    lead_name: str = ""
    description: str = ""
    capacity: int | None = None
    registration_opens_at: datetime | None = None
    registration_closes_at: datetime | None = None
    requires_approval: bool = False
    registration_paused: bool = False
    is_listed: bool = True

    @classmethod
    def of(cls, event: Event) -> EventInfo:
        return cls(**{f.name: getattr(event, f.name) for f in fields(cls)})


EDITABLE = tuple(f.name for f in fields(EventInfo))


def _check_capacity(capacity: int | None) -> Any:
    if capacity is None:
        return None
    if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 0:
        return _l("Enter a whole number of places, 0 or more (empty for no limit).")
    if capacity > CAPACITY_MAX:
        return _l("At most %(n)d places.", n=CAPACITY_MAX)
    return None


def _aware(value: datetime | None) -> bool:
    return value is None or value.tzinfo is not None


def check_event_info(info: EventInfo) -> None:
    """Validate an event's fields together. Raises ValidationFailed with field reasons."""
    errors: dict[str, Any] = {
        "title": text_error(info.title, limit=NAME_MAX, required=True),
        "kind": None if info.kind in EventKind.__members__ else _l("Choose a kind from the list."),
        "venue": text_error(info.venue, limit=NAME_MAX),
        "address": text_error(info.address, limit=500),
        "lead_name": text_error(info.lead_name, limit=NAME_MAX),
        "description": text_error(info.description, limit=TEXT_MAX),
        "capacity": _check_capacity(info.capacity),
        "timezone": None if info.timezone in _timezones() else _l("Unknown time zone."),
    }
    for name in ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at"):
        if not _aware(getattr(info, name)):
            errors[name] = _l("Give the time with its time zone.")
    if not any(errors.get(k) for k in ("starts_at", "ends_at")) and info.ends_at < info.starts_at:
        errors["ends_at"] = _l("The end must not be before the start.")
    opens, closes = info.registration_opens_at, info.registration_closes_at
    if opens and closes and not errors.get("registration_closes_at") and closes <= opens:
        errors["registration_closes_at"] = _l("Registration must close after it opens.")
    if closes and not errors.get("registration_closes_at") and closes > info.ends_at:
        errors["registration_closes_at"] = _l("Registration must close before the event ends.")
    raise_field_errors(errors)


def _timezones() -> set[str]:
    global _TZ_CACHE
    if _TZ_CACHE is None:
        _TZ_CACHE = available_timezones()
    return _TZ_CACHE


_TZ_CACHE: set[str] | None = None


@transactional
def create_event(actor: User, org: Organization, info: EventInfo) -> Event:
    """Create a draft event for the organization. Raises NotAllowed, ValidationFailed."""
    permissions.require(permissions.can_create_event, actor, org)
    info.title = info.title.strip()
    check_event_info(info)
    event = Event(organization=org, status=EventStatus.draft, **_values(info))
    db.session.add(event)
    db.session.flush()
    audit.record("event.created", event, actor=actor, event_id=event.id,
                 after={"title": event.title})
    from eventhub.events.signals import event_created

    event_created.send(event)
    return event


def _values(info: EventInfo) -> dict[str, Any]:
    values = {name: getattr(info, name) for name in EDITABLE}
    values["kind"] = EventKind(info.kind)
    return values


@transactional
def update_event(actor: User, event: Event, **changes: Any) -> Event:
    """Change some fields of an event (the others stay); ``series_id`` puts it in a series of
    its organization (None takes it out). Raises NotAllowed, ValidationFailed, Conflict
    ``event_finished`` for archived and cancelled events."""
    permissions.require(permissions.can_manage_event, actor, event)
    if event.status in (EventStatus.archived, EventStatus.cancelled):
        raise Conflict(_l("This event can no longer be changed."), code="event_finished")
    unknown = set(changes) - set(EDITABLE) - {"series_id"}
    if unknown:
        raise ValidationFailed(fields={name: _l("Unknown field.") for name in unknown})
    info = EventInfo.of(event)
    for name, value in changes.items():
        if name != "series_id":
            setattr(info, name, value)
    info.title = info.title.strip()
    check_event_info(info)
    if "series_id" in changes:
        series = check_series_of(event, changes["series_id"])
    before = {k: _jsonable(getattr(event, k)) for k in changes}
    for name, value in _values(info).items():
        setattr(event, name, value)
    if "series_id" in changes:
        event.series_id = series.id if series else None
    if "capacity" in changes and before["capacity"] != event.capacity:
        from eventhub.events.signals import capacity_changed

        db.session.flush()
        capacity_changed.send(event)
    audit.record("event.updated", event, actor=actor, event_id=event.id, before=before,
                 after={k: _jsonable(getattr(event, k)) for k in changes})
    return event


@transactional
def update_privacy_notice(actor: User, event: Event, text: str) -> Event:
    """Replace the event's privacy notice; a changed text is a new version (consents record
    which one they accepted). Raises NotAllowed, ValidationFailed."""
    permissions.require(permissions.can_manage_event, actor, event)
    cleaned, error = check_text(text, limit=TEXT_MAX)
    raise_field_errors({"privacy_notice": error})
    text = cleaned or ""
    if text != (event.privacy_notice or ""):
        before = event.privacy_version
        event.privacy_notice = text
        event.privacy_version = before + 1
        audit.record("event.privacy_notice", event, actor=actor, event_id=event.id,
                     before={"version": before}, after={"version": event.privacy_version})
    return event


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value


#: Which status each action leads to, and from which statuses it may start.
TRANSITIONS = {
    "publish": ({EventStatus.draft, EventStatus.closed}, EventStatus.published),
    "close": ({EventStatus.published}, EventStatus.closed),
    "archive": ({EventStatus.closed}, EventStatus.archived),
    "cancel": ({EventStatus.draft, EventStatus.published, EventStatus.closed},
               EventStatus.cancelled),
}


@transactional
def change_status(actor: User, event: Event, action: str) -> Event:
    """Publish, close, archive or cancel an event.

    Raises NotAllowed, Conflict ``invalid_status``.
    """
    permissions.require(permissions.can_manage_event, actor, event)
    allowed_from, target = TRANSITIONS[action]
    if event.status not in allowed_from:
        raise Conflict(
            _l("An event that is %(status)s cannot be changed this way.",
               status=event_status_label(event.status)),
            code="invalid_status",
        )
    before = event.status.value
    event.status = target
    if target == EventStatus.published and event.published_at is None:
        event.published_at = utcnow()
    if target == EventStatus.published:
        notify_subscribers(event)
    audit.record(f"event.{action}", event, actor=actor, event_id=event.id,
                 before={"status": before}, after={"status": target.value})
    return event


# Sessions ---------------------------------------------------------------------------------


@dataclass
class SessionInfo:
    title: str
    starts_at: datetime
    ends_at: datetime
    room: str = ""
    capacity: int | None = None
    description: str = ""


def _check_session(event: Event, info: SessionInfo) -> None:
    errors: dict[str, Any] = {
        "title": text_error(info.title, limit=NAME_MAX, required=True),
        "room": text_error(info.room, limit=NAME_MAX),
        "description": text_error(info.description, limit=TEXT_MAX),
        "capacity": _check_capacity(info.capacity),
        "starts_at": None if _aware(info.starts_at) else _l("Give the time with its time zone."),
        "ends_at": None if _aware(info.ends_at) else _l("Give the time with its time zone."),
    }
    if not errors["starts_at"] and not errors["ends_at"] and info.ends_at < info.starts_at:
        errors["ends_at"] = _l("The end must not be before the start.")
    raise_field_errors(errors)


@transactional
def add_session(actor: User, event: Event, info: SessionInfo) -> EventSession:
    """Add a session (a forum, salon, roadshow of a week). Raises NotAllowed, ValidationFailed."""
    permissions.require(permissions.can_manage_event, actor, event)
    _check_session(event, info)
    session = EventSession(
        event=event, title=info.title.strip(), starts_at=info.starts_at, ends_at=info.ends_at,
        room=info.room.strip(), capacity=info.capacity, description=info.description,
    )
    db.session.add(session)
    db.session.flush()
    audit.record("session.created", session, actor=actor, event_id=event.id,
                 after={"title": session.title})
    return session


@transactional
def update_session(actor: User, session: EventSession, info: SessionInfo) -> EventSession:
    """Change a session. Raises NotAllowed, ValidationFailed."""
    permissions.require(permissions.can_manage_event, actor, session.event)
    _check_session(session.event, info)
    session.title, session.room = info.title.strip(), info.room.strip()
    session.starts_at, session.ends_at = info.starts_at, info.ends_at
    grew = info.capacity != session.capacity
    session.capacity, session.description = info.capacity, info.description
    if grew:
        from eventhub.events.signals import capacity_changed

        db.session.flush()
        capacity_changed.send(session.event)
    return session


@transactional
def delete_session(actor: User, session: EventSession) -> None:
    """Remove a session. Raises NotAllowed."""
    event = session.event
    permissions.require(permissions.can_manage_event, actor, event)
    audit.record("session.deleted", session, actor=actor, event_id=event.id,
                 before={"title": session.title})
    db.session.delete(session)


# Queries ----------------------------------------------------------------------------------


def public_events_query(
    *, kind: str | None = None, org_id: int | None = None, upcoming_only: bool = True,
    now: datetime | None = None,
) -> sa.Select:
    """Published, listed events, soonest first; optionally only one kind or organizer."""
    query = (
        sa.select(Event)
        .where(Event.status == EventStatus.published, Event.is_listed.is_(True))
        .order_by(Event.starts_at, Event.id)
    )
    if upcoming_only:
        query = query.where(Event.ends_at >= (now or utcnow()))
    if kind:
        query = query.where(Event.kind == kind)
    if org_id:
        query = query.where(Event.org_id == org_id)
    return query


def public_organizers(now: datetime | None = None) -> list[Organization]:
    """The organizations with upcoming published, listed events, by name (the home filter)."""
    upcoming = public_events_query(now=now).with_only_columns(Event.org_id).order_by(None)
    return list(
        db.session.scalars(
            sa.select(Organization).where(Organization.id.in_(upcoming)).order_by(Organization.name)
        )
    )


def org_events_query(org_id: int) -> sa.Select:
    """All of an organization's events, newest start first."""
    return sa.select(Event).where(Event.org_id == org_id).order_by(Event.starts_at.desc())
