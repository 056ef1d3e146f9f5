"""Read-only queries of the mentor directory's pages: the expertise tags and pools to filter by,
each mentor's next office hour with places left, the office hours shown on an event page.

What a viewer may see is `services.directory_query`'s rule, used here as a subquery, so the
pages and the API never disagree about who is listed. Each function is one statement.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from eventhub.database import db
from eventhub.events.models import Event
from eventhub.mentors.models import BookingStatus, Mentor, MentorBooking, MentorSlot
from eventhub.mentors.services import LIVE, directory_query
from eventhub.orgs.models import Organization

#: The expertise chips a directory offers at most (the most common tags).
TAGS_SHOWN = 12


def _taken() -> sa.ScalarSelect:
    """The places taken in the outer query's slot (booked or no-show)."""
    return (
        sa.select(sa.func.count()).where(
            MentorBooking.slot_id == MentorSlot.id, MentorBooking.status.in_(LIVE)
        ).correlate(MentorSlot).scalar_subquery()
    )


def _visible_ids(viewer: Any) -> sa.Select:
    """The ids of the mentors ``viewer`` may see in the directory."""
    return directory_query(viewer).with_only_columns(Mentor.id).order_by(None)


def expertise_tags(viewer: Any, org_id: int | None = None, most: int = TAGS_SHOWN) -> list[str]:
    """The most common expertise tags of the mentors the viewer may see (of one pool when
    ``org_id``), most common first, then alphabetically."""
    query = directory_query(viewer, org_id).with_only_columns(Mentor.expertise).order_by(None)
    counts = Counter(tag for tags in db.session.scalars(query) for tag in (tags or []))
    return [tag for tag, _n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:most]]


def pools(viewer: Any) -> list[Organization]:
    """The organizations with a mentor the viewer may see, by name."""
    org_ids = directory_query(viewer).with_only_columns(Mentor.org_id).order_by(None)
    return list(db.session.scalars(
        sa.select(Organization).where(Organization.id.in_(org_ids))
        .order_by(Organization.name, Organization.id)
    ))


def next_open_slots(mentor_ids: list[int], now: datetime) -> dict[int, tuple[MentorSlot, int]]:
    """Each mentor's next office hour that has not started, is not cancelled and has a place
    left, with the places left (mentors without one are absent)."""
    if not mentor_ids:
        return {}
    taken = _taken()
    rank = sa.func.row_number().over(partition_by=MentorSlot.mentor_id,
                                     order_by=(MentorSlot.starts_at, MentorSlot.id))
    open_slots = (
        sa.select(MentorSlot.id.label("slot_id"), (MentorSlot.capacity - taken).label("left"),
                  rank.label("rank"))
        .where(MentorSlot.mentor_id.in_(mentor_ids), MentorSlot.cancelled_at.is_(None),
               MentorSlot.starts_at > now, MentorSlot.capacity > taken)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(MentorSlot, open_slots.c.left)
        .join(open_slots, open_slots.c.slot_id == MentorSlot.id)
        .where(open_slots.c.rank == 1)
    ).all()
    return {slot.mentor_id: (slot, left) for slot, left in rows}


def events_by_id(event_ids: set[int | None]) -> dict[int, Event]:
    """The events office hours take place at, by id."""
    ids = sorted(i for i in event_ids if i is not None)
    if not ids:
        return {}
    return {e.id: e for e in db.session.scalars(sa.select(Event).where(Event.id.in_(ids)))}


def booked_slot_ids(user: Any, slot_ids: list[int]) -> set[int]:
    """Which of these office hours the user holds a live booking of."""
    if not slot_ids or not getattr(user, "is_authenticated", False):
        return set()
    return set(db.session.scalars(
        sa.select(MentorBooking.slot_id).where(
            MentorBooking.user_id == user.id, MentorBooking.slot_id.in_(slot_ids),
            MentorBooking.status == BookingStatus.booked)
    ))


def event_slots(viewer: Any, event_id: int, now: datetime) -> list[tuple[MentorSlot, int]]:
    """The office hours held at an event that have not started, of mentors the viewer may see,
    by time, each with its places taken (one statement)."""
    taken = _taken()
    return [(slot, booked) for slot, booked in db.session.execute(
        sa.select(MentorSlot, taken)
        .where(MentorSlot.event_id == event_id, MentorSlot.cancelled_at.is_(None),
               MentorSlot.starts_at > now, MentorSlot.mentor_id.in_(_visible_ids(viewer)))
        .order_by(MentorSlot.starts_at, MentorSlot.id)
    ).all()]
