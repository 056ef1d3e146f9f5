"""An event's figures (API.md, Reporting: ``GET /api/v1/events/{id}/stats``), one public
function per figure, each one aggregate query in the database (no Python loop over rows), so
the organization's and the alliance's reports, the exports and the pages reuse them.

Definitions (one of each, here):

- ``checked_in``: the event's confirmed registrations checked in on its main list at least
  once, reverted check-ins not counting (`checkin.services.checked_in_query`, the same
  definition certificates and polls use). Someone scanned twice counts once.
- ``checkin_rate``: checked_in / confirmed rounded to 4 decimals; 0 without confirmed.
- ``no_shows``: confirmed − checked_in once the event has ended (``ends_at <= now``), else None.
- A session's ``booked``: the event's confirmed registrations that chose the session; its
  ``checked_in``: those of them with an ok entry scan, not reverted, on a check-in list of that
  session (a session's own door; 0 when the session has no list). The main door says nothing
  about who went into a session.
- ``entries``: the contest's entries; ``judges``: the judges on its panel (invited, accepted or
  not).
- ``coachings``: the coaching records (辅导记录, logged or confirmed) linked to the event: from a
  booking of a mentor's office hours held at the event (the slot's ``event_id``), or about one of
  the event's contest entries; a record linked both ways counts once.
- ``survey``: ``{responses, average}`` of the satisfaction survey
  (`engagement.surveys.figures`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from eventhub.checkin.models import CheckinList, Scan
from eventhub.checkin.services import checked_in_query, scan_checks_in
from eventhub.database import db, utcnow
from eventhub.engagement import surveys
from eventhub.events.models import Event, EventSession
from eventhub.judging.models import Entry, Judge
from eventhub.mentors.models import MentorBooking, MentorCoaching, MentorSlot
from eventhub.registrations.models import (
    Category,
    Registration,
    RegistrationStatus,
    registration_sessions,
)

#: The registration statuses the figures count, in API.md's order.
STATUSES = (
    RegistrationStatus.confirmed,
    RegistrationStatus.pending,
    RegistrationStatus.waitlisted,
    RegistrationStatus.cancelled,
    RegistrationStatus.rejected,
)


def _count(query: sa.Select) -> int:
    """How many rows ``query`` returns, counted in the database."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0


def registrations_by_status(event: Event) -> dict[str, int]:
    """``{confirmed, pending, waitlisted, cancelled, rejected}``: the event's registrations per
    status (0 for a status without any)."""
    counts = dict(db.session.execute(
        sa.select(Registration.status, sa.func.count())
        .where(Registration.event_id == event.id)
        .group_by(Registration.status)
    ).all())
    return {status.value: counts.get(status, 0) for status in STATUSES}


def checked_in(event: Event) -> int:
    """Confirmed registrations checked in on the event's main list at least once (reverted
    check-ins not counting; someone scanned twice counts once)."""
    return _count(checked_in_query(event))


def checkin_rate(confirmed: int, checked: int) -> float:
    """``checked / confirmed`` rounded to 4 decimals; 0 without confirmed registrations."""
    return round(checked / confirmed, 4) if confirmed else 0


def no_shows(event: Event, confirmed: int, checked: int, now: datetime | None = None) -> int | None:
    """``confirmed − checked`` once the event has ended (at ``now``), else None: before the end
    nobody is a no-show yet."""
    return confirmed - checked if event.ends_at <= (now or utcnow()) else None


def categories(event: Event) -> list[dict[str, Any]]:
    """``[{id, name, confirmed, checked_in}]`` per category of the event, in the form's order:
    its confirmed registrations and those of them checked in (``checked_in``'s definition)."""
    confirmed = sa.and_(Registration.id.is_not(None),
                        Registration.status == RegistrationStatus.confirmed)
    there = Registration.id.in_(checked_in_query(event))
    rows = db.session.execute(
        sa.select(Category.id, Category.name,
                  sa.func.count(sa.case((confirmed, 1))),
                  sa.func.count(sa.case((sa.and_(confirmed, there), 1))))
        .outerjoin(Registration, Registration.category_id == Category.id)
        .where(Category.event_id == event.id)
        .group_by(Category.id, Category.name, Category.position)
        .order_by(Category.position, Category.id)
    ).all()
    return [{"id": id_, "name": name, "confirmed": n, "checked_in": c}
            for id_, name, n, c in rows]


def session_checked_in_query(event: Event) -> sa.Select:
    """``(registration_id, session_id)`` pairs: a registration with an ok entry scan, not
    reverted, on a check-in list of that session of the event."""
    return (
        sa.select(Scan.registration_id, CheckinList.session_id)
        .join(CheckinList, CheckinList.id == Scan.list_id)
        .where(CheckinList.event_id == event.id,
               CheckinList.session_id.is_not(None),
               scan_checks_in())
        .distinct()
    )


def sessions(event: Event) -> list[dict[str, Any]]:
    """``[{id, title, booked, checked_in}]`` per session of the event, by time: ``booked`` its
    confirmed registrations that chose it, ``checked_in`` those of them checked in at a check-in
    list of that session (0 when it has none)."""
    scanned = session_checked_in_query(event).subquery()
    booked = (
        sa.select(registration_sessions.c.session_id, registration_sessions.c.registration_id)
        .join(Registration, Registration.id == registration_sessions.c.registration_id)
        .where(Registration.event_id == event.id,
               Registration.status == RegistrationStatus.confirmed)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(EventSession.id, EventSession.title,
                  sa.func.count(booked.c.registration_id),
                  sa.func.count(scanned.c.registration_id))
        .outerjoin(booked, booked.c.session_id == EventSession.id)
        .outerjoin(scanned, sa.and_(scanned.c.session_id == EventSession.id,
                                    scanned.c.registration_id == booked.c.registration_id))
        .where(EventSession.event_id == event.id)
        .group_by(EventSession.id, EventSession.title, EventSession.starts_at)
        .order_by(EventSession.starts_at, EventSession.id)
    ).all()
    return [{"id": id_, "title": title, "booked": n, "checked_in": c}
            for id_, title, n, c in rows]


def entries(event: Event) -> int:
    """The contest's entries (0 for an event without a contest)."""
    return db.session.scalar(
        sa.select(sa.func.count(Entry.id)).where(Entry.event_id == event.id)) or 0


def judges(event: Event) -> int:
    """The judges on the contest's panel, invited, accepted or not."""
    return db.session.scalar(
        sa.select(sa.func.count(Judge.id)).where(Judge.event_id == event.id)) or 0


def coachings_query(event: Event) -> sa.Select:
    """The ids of the coaching records linked to the event: booked in a mentor's office hours
    held at the event, or about one of its contest entries (each record once)."""
    at_event = (
        sa.select(MentorBooking.id)
        .join(MentorSlot, MentorSlot.id == MentorBooking.slot_id)
        .where(MentorSlot.event_id == event.id)
    )
    about_entry = sa.select(Entry.id).where(Entry.event_id == event.id)
    return sa.select(MentorCoaching.id).where(sa.or_(
        MentorCoaching.booking_id.in_(at_event), MentorCoaching.entry_id.in_(about_entry)))


def coachings(event: Event) -> int:
    """How many coaching records are linked to the event (`coachings_query`)."""
    return _count(coachings_query(event))


def survey(event: Event) -> dict[str, Any]:
    """``{responses, average}`` of the event's satisfaction survey (average None without
    ratings)."""
    return surveys.figures(event.id)


def event_stats(event: Event, now: datetime | None = None) -> dict[str, Any]:
    """The event's figures as API.md's ``GET /api/v1/events/{id}/stats`` answers them (no
    personal data: counts, category names and session titles only); ``now`` decides whether
    the event has ended."""
    by_status = registrations_by_status(event)
    confirmed = by_status["confirmed"]
    checked = checked_in(event)
    return {
        "registrations": by_status,
        "checked_in": checked,
        "checkin_rate": checkin_rate(confirmed, checked),
        "no_shows": no_shows(event, confirmed, checked, now),
        "categories": categories(event),
        "sessions": sessions(event),
        "entries": entries(event),
        "judges": judges(event),
        "coachings": coachings(event),
        "survey": survey(event),
    }
