"""Capacity pools: the event, its categories and its sessions.

A registration is in the event's pool, in its category's pool (if any) and in the pool of each
session it booked. It may be confirmed only when every one of those pools has room. Only
confirmed registrations hold places; pending ones wait for approval and hold none.

Callers must hold the event's lock (`lock_event`) from counting until their commit, so that two
transactions never both see the last place free.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa

from eventhub.database import db, lock_for_write
from eventhub.events.models import Event, EventSession
from eventhub.registrations.models import (
    Category,
    Registration,
    RegistrationStatus,
    registration_sessions,
)

CONFIRMED = RegistrationStatus.confirmed


def lock_event(event_id: int) -> Event:
    """Serialize capacity decisions of one event until the end of the transaction.

    PostgreSQL and MariaDB: ``SELECT … FOR UPDATE`` on the event row. SQLite: ``BEGIN
    IMMEDIATE`` takes the database's write lock. Returns the event, reloaded under the lock.
    """
    lock_for_write()
    event = db.session.scalars(
        sa.select(Event)
        .where(Event.id == event_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    return event


@dataclass
class Usage:
    """Confirmed places taken per pool, as counted under the event's lock."""

    event: int = 0
    #: Registrations on the event's waitlist.
    waitlisted: int = 0
    #: The id of ``user_id``'s registration for the event, of any status (when asked).
    existing_id: int | None = None
    categories: Counter[int] = field(default_factory=Counter)
    sessions: Counter[int] = field(default_factory=Counter)

    def take(self, category_id: int | None, session_ids: Iterable[int], n: int = 1) -> None:
        self.event += n
        if category_id is not None:
            self.categories[category_id] += n
        for session_id in session_ids:
            self.sessions[session_id] += n


def count_usage(
    event: Event,
    category_ids: Iterable[int] | None = None,
    session_ids: Iterable[int] | None = None,
    user_id: int | None = None,
) -> Usage:
    """Count confirmed places of the event and of the given (default: all) categories and
    sessions; with ``user_id``, find that user's registration in the same statement."""
    usage = Usage()
    confirmed = sa.and_(Registration.event_id == event.id, Registration.status == CONFIRMED)
    counted = Registration.status.in_([CONFIRMED, RegistrationStatus.waitlisted])
    mine = sa.func.max(sa.case((Registration.user_id == user_id, Registration.id)))
    rows = db.session.execute(
        sa.select(
            Registration.status,
            Registration.category_id,
            sa.func.count(),
            mine if user_id is not None else sa.null(),
        )
        .where(
            Registration.event_id == event.id,
            counted if user_id is None else sa.or_(counted, Registration.user_id == user_id),
        )
        .group_by(Registration.status, Registration.category_id)
    ).all()
    for status, category_id, count, existing_id in rows:
        if existing_id is not None:
            usage.existing_id = existing_id
        if status == RegistrationStatus.waitlisted:
            usage.waitlisted += count
            continue
        if status != CONFIRMED:  # only the user's own row, found rather than counted
            continue
        usage.event += count
        if category_id is not None:
            usage.categories[category_id] = count
    if category_ids is not None:
        wanted = set(category_ids)
        usage.categories = Counter({k: v for k, v in usage.categories.items() if k in wanted})
    if session_ids is None or session_ids:
        query = (
            sa.select(registration_sessions.c.session_id, sa.func.count())
            .join(Registration, Registration.id == registration_sessions.c.registration_id)
            .where(confirmed)
            .group_by(registration_sessions.c.session_id)
        )
        if session_ids is not None:
            query = query.where(registration_sessions.c.session_id.in_(list(session_ids)))
        usage.sessions.update(dict(db.session.execute(query).all()))
    return usage


def has_room(
    event: Event,
    category: Category | None,
    sessions: Iterable[EventSession],
    usage: Usage,
) -> bool:
    """Tell whether one more confirmed registration fits every pool it would be in."""
    if event.capacity is not None and usage.event >= event.capacity:
        return False
    if (
        category is not None
        and category.capacity is not None
        and usage.categories[category.id] >= category.capacity
    ):
        return False
    return all(s.capacity is None or usage.sessions[s.id] < s.capacity for s in sessions)


def remaining(event: Event, usage: Usage) -> int | None:
    """Places left in the event's own pool (None: no limit)."""
    if event.capacity is None:
        return None
    return max(event.capacity - usage.event, 0)
