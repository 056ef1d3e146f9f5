"""Read-only queries of the mentor's desk and of a mentee's coachings: the person's mentor
profiles, their office hours with the bookings, the bookings still to log, their coaching
records, the accounts of typed emails, a mentee's own ratings. Each function is one or two
statements, whatever the number of rows."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from eventhub.accounts.models import User
from eventhub.accounts.services import normalize_email
from eventhub.database import db
from eventhub.events.models import Event, EventStatus
from eventhub.mentors.models import (
    BookingStatus,
    Mentor,
    MentorBooking,
    MentorCoaching,
    MentorRating,
    MentorSlot,
)
from eventhub.mentors.services import LIVE
from eventhub.orgs.models import Organization

#: How far back the desk offers past bookings to log as coachings.
TO_LOG_DAYS = 30
#: The coaching records the desk lists at most (latest first).
COACHINGS_SHOWN = 100


def mentors_of(user: Any) -> list[Mentor]:
    """The user's mentor profiles (one per pool), by the pool's name."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(db.session.scalars(
        sa.select(Mentor).join(Organization, Organization.id == Mentor.org_id)
        .where(Mentor.user_id == user.id).order_by(Organization.name, Mentor.id)
    ))


def is_a_mentor(user: Any) -> bool:
    """Whether the user is in any mentor pool (the account menu links the desk then)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return db.session.scalar(sa.select(Mentor.id).where(Mentor.user_id == user.id).limit(1)) \
        is not None


def pool_names(mentors: list[Mentor]) -> dict[int, str]:
    """The names of the mentors' pools (organizations), by mentor id."""
    if not mentors:
        return {}
    names = dict(db.session.execute(
        sa.select(Organization.id, Organization.name)
        .where(Organization.id.in_({m.org_id for m in mentors}))
    ).all())
    return {m.id: names.get(m.org_id, "") for m in mentors}


def desk_slots(
    mentor_ids: list[int], now: datetime
) -> list[tuple[MentorSlot, list[MentorBooking]]]:
    """The mentors' office hours not over yet (running or to come), by time, each with its
    bookings holding a place (booked or no-show) in the order they were made."""
    if not mentor_ids:
        return []
    slots = list(db.session.scalars(
        sa.select(MentorSlot).where(MentorSlot.mentor_id.in_(mentor_ids),
                                    MentorSlot.cancelled_at.is_(None), MentorSlot.ends_at > now)
        .order_by(MentorSlot.starts_at, MentorSlot.id)
    ))
    bookings: dict[int, list[MentorBooking]] = {s.id: [] for s in slots}
    if slots:
        for booking in db.session.scalars(
            sa.select(MentorBooking).options(selectinload(MentorBooking.user))
            .where(MentorBooking.slot_id.in_(bookings), MentorBooking.status.in_(LIVE))
            .order_by(MentorBooking.created_at, MentorBooking.id)
        ):
            bookings[booking.slot_id].append(booking)
    return [(slot, bookings[slot.id]) for slot in slots]


def bookings_to_log(
    mentor_ids: list[int], now: datetime, days: int = TO_LOG_DAYS
) -> list[MentorBooking]:
    """The mentors' bookings whose office hour started in the last ``days`` days, that are
    still booked (not cancelled, not a no-show) and have no coaching record yet, latest
    first: what the mentor logs in one tap."""
    if not mentor_ids:
        return []
    logged = sa.select(MentorCoaching.id).where(MentorCoaching.booking_id == MentorBooking.id)
    return list(db.session.scalars(
        sa.select(MentorBooking).join(MentorBooking.slot)
        .options(selectinload(MentorBooking.user))
        .where(MentorSlot.mentor_id.in_(mentor_ids), MentorSlot.cancelled_at.is_(None),
               MentorSlot.starts_at <= now, MentorSlot.starts_at >= now - timedelta(days=days),
               MentorBooking.status == BookingStatus.booked, ~logged.exists())
        .order_by(MentorSlot.starts_at.desc(), MentorBooking.id)
    ))


def coachings_by(mentor_ids: list[int], most: int = COACHINGS_SHOWN) -> list[MentorCoaching]:
    """The mentors' coaching records, latest first, with their mentees."""
    if not mentor_ids:
        return []
    return list(db.session.scalars(
        sa.select(MentorCoaching).options(selectinload(MentorCoaching.mentees))
        .where(MentorCoaching.mentor_id.in_(mentor_ids))
        .order_by(MentorCoaching.started_at.desc(), MentorCoaching.id.desc()).limit(most)
    ))


def users_by_email(emails: list[str]) -> tuple[list[User], list[str]]:
    """The accounts of the typed emails (any case: accounts keep them normalized), and the
    emails no account has, as typed."""
    wanted = {normalize_email(e): e for e in emails}
    found = list(db.session.scalars(
        sa.select(User).where(User.email.in_(list(wanted))).order_by(User.id)
    )) if wanted else []
    known = {u.email for u in found}
    return found, [typed for key, typed in wanted.items() if key not in known]


def events_for_slots(org_ids: list[int], now: datetime) -> list[Event]:
    """The published events of these organizations that have not ended, by start: where an
    office hour may take place."""
    if not org_ids:
        return []
    return list(db.session.scalars(
        sa.select(Event).where(Event.org_id.in_(org_ids), Event.ends_at > now,
                               Event.status == EventStatus.published)
        .order_by(Event.starts_at, Event.id)
    ))


def my_ratings(user: Any, coaching_ids: list[int]) -> dict[int, MentorRating]:
    """The user's own ratings of these coachings, by coaching id."""
    if not coaching_ids:
        return {}
    return {r.coaching_id: r for r in db.session.scalars(
        sa.select(MentorRating).where(MentorRating.user_id == user.id,
                                      MentorRating.coaching_id.in_(coaching_ids))
    )}


def mentee_coachings(user: Any) -> list[MentorCoaching]:
    """The coachings the user received, latest first, with their mentors."""
    return list(db.session.scalars(
        sa.select(MentorCoaching).where(MentorCoaching.mentees.any(User.id == user.id))
        .order_by(MentorCoaching.started_at.desc(), MentorCoaching.id.desc())
    ))
