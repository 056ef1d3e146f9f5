"""Capacity pools: the event, its categories and its sessions.

A registration is in the event's pool, in its category's pool (if any) and in the pool of each
session it booked. It may be confirmed only when every one of those pools has room. Only
confirmed registrations hold places; pending ones wait for approval and hold none.

Callers must hold the event's lock (`lock_event`) from counting until their commit, so that two
transactions never both see the last place free.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

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


def lock_pools(event: Event) -> Event:
    """Take the event's lock (as `lock_event`) but re-read only what a registration's capacity
    decision depends on, its capacity and approval flag, onto ``event``: cheaper than
    reloading the whole row, which registering does many times a second in a burst."""
    lock_for_write()
    limit, approval = db.session.execute(
        sa.select(Event.capacity, Event.requires_approval)
        .where(Event.id == event.id)
        .with_for_update()
    ).one()
    set_committed_value(event, "capacity", limit)
    set_committed_value(event, "requires_approval", approval)
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


def room_checks(
    event: Event,
    category: Category | None,
    sessions: Iterable[EventSession],
    in_event: Any,
    in_category: Any,
    in_session: Callable[[EventSession], Any],
) -> list[Any]:
    """The rule of room, once: one more confirmed registration fits when each limited pool it
    would be in holds fewer confirmed ones than its capacity. The counts are numbers (then
    the checks are booleans, `has_room`) or SQL expressions (then they are conditions for
    the database to decide in the statement that inserts, `insert_decided`)."""
    checks = []
    if event.capacity is not None:
        checks.append(in_event < event.capacity)
    if category is not None and category.capacity is not None:
        checks.append(in_category < category.capacity)
    checks.extend(in_session(s) < s.capacity for s in sessions if s.capacity is not None)
    return checks


def has_room(
    event: Event,
    category: Category | None,
    sessions: Iterable[EventSession],
    usage: Usage,
) -> bool:
    """Tell whether one more confirmed registration fits every pool it would be in."""
    return all(room_checks(
        event,
        category,
        sessions,
        usage.event,
        usage.categories[category.id] if category is not None else 0,
        lambda s: usage.sessions[s.id],
    ))


def insert_decided(
    event: Event,
    category: Category | None,
    values: dict[str, Any],
    *,
    pending: bool,
    ticket_code: str,
    now: Any,
) -> Registration | None:
    """Decide and insert a registration without sessions in one statement, under the event's
    lock: count the confirmed places of the event and of ``category`` and the waitlist, and
    insert the registration ``pending`` (when it needs approval), confirmed with
    ``ticket_code`` when `room_checks` pass, else waitlisted at the end of the line with its
    position. ``values`` are the other columns.

    Returns the registration (in the session, nothing left to load), or None when
    ``values["user_id"]`` already has a registration for the event: the caller then decides
    on that one (`count_usage` finds it).
    """
    shape = _Shape(
        tuple(values),
        pending,
        event.capacity is not None,
        category is not None,
        category is not None and category.capacity is not None,
        values.get("user_id") is not None,
    )
    statement = _DECIDING_INSERTS.get(shape)
    if statement is None:
        statement = _DECIDING_INSERTS[shape] = _deciding_insert(shape)
    params = {
        **values,
        "event_id": event.id,
        "category_id": category.id if category is not None else None,
        "event_capacity": event.capacity,
        "category_capacity": category.capacity if category is not None else None,
        "ticket_code": ticket_code,
        "confirmed_at": now,
        "confirmed": CONFIRMED,
        "waitlisted": RegistrationStatus.waitlisted,
        "pending": RegistrationStatus.pending,
    }
    row = db.session.execute(statement, params).one_or_none()
    if row is None:
        return None
    columns = dict(row._mapping)
    position = columns.pop("position")
    registration = Registration(**columns)
    sa.orm.make_transient_to_detached(registration)
    db.session.add(registration)
    registration.known_position = position
    set_committed_value(registration, "sessions", [])
    return registration


@dataclass(frozen=True)
class _Shape:
    """What makes one deciding insert differ from another (its values are parameters)."""

    names: tuple[str, ...]
    pending: bool
    event_limited: bool
    has_category: bool
    category_limited: bool
    has_user: bool


#: The deciding inserts by shape, built once: building one is costlier than running it.
_DECIDING_INSERTS: dict[_Shape, sa.Insert] = {}


@dataclass(frozen=True)
class _Pool:
    capacity: Any


def _deciding_insert(shape: _Shape) -> sa.Insert:
    """The statement of `insert_decided` for one shape, every value a bound parameter."""
    r = Registration.__table__

    def param(name: str, column: str | None = None) -> Any:
        return sa.bindparam(name, type_=r.c[column or name].type)

    confirmed = r.c.status == param("confirmed", "status")
    waitlisted = r.c.status == param("waitlisted", "status")
    mine = (  # a walk-in without an account has no registration to find
        sa.func.count(sa.case((r.c.user_id == param("user_id"), 1)))
        if shape.has_user
        else sa.literal(0)
    )
    in_category = (
        sa.func.count(sa.case((sa.and_(confirmed, r.c.category_id == param("category_id")), 1)))
        if shape.has_category
        else sa.literal(0)
    )
    usage = (
        sa.select(
            sa.func.count(sa.case((confirmed, 1))).label("in_event"),
            in_category.label("in_category"),
            sa.func.count(sa.case((waitlisted, 1))).label("waitlisted"),
            mine.label("mine"),
        )
        .where(r.c.event_id == param("event_id"))
        .subquery("usage")
    )
    limit = sa.bindparam  # the pools' capacities, as parameters of the rule
    room = sa.and_(sa.true(), *room_checks(
        _Pool(limit("event_capacity") if shape.event_limited else None),  # type: ignore[arg-type]
        _Pool(limit("category_capacity") if shape.category_limited else None)  # type: ignore[arg-type]
        if shape.has_category else None,
        [], usage.c.in_event, usage.c.in_category, lambda s: 0,
    ))

    def decided(name: str, if_full: Any) -> Any:
        if shape.pending:
            return sa.null()
        return sa.case((room, param(name)), else_=if_full)

    columns = {
        **{name: param(name) for name in shape.names},
        "event_id": param("event_id"),
        "category_id": param("category_id"),
        "status": param("pending", "status") if shape.pending
        else sa.case((room, param("confirmed", "status")), else_=param("waitlisted", "status")),
        "ticket_code": decided("ticket_code", sa.null()),
        "confirmed_at": decided("confirmed_at", sa.null()),
    }
    # A waitlisted registration is the last one (decided under the lock): its place is one
    # more than those queued before it. Counted in the RETURNING clause, which PostgreSQL and
    # SQLite both allow (unlike an INSERT inside a WITH), by values rather than by correlation,
    # which SQLite's RETURNING cannot name.
    ahead = r.alias("ahead")
    position = sa.case((r.c.status == param("waitlisted", "status"), sa.select(
        sa.func.count() + 1
    ).where(
        ahead.c.event_id == param("event_id"),
        ahead.c.status == param("waitlisted", "status"),
        ahead.c.queued_at < param("queued_at"),
    ).scalar_subquery()))
    return (
        sa.insert(r)
        .from_select(list(columns), sa.select(*columns.values()).where(usage.c.mine == 0))
        .returning(*r.c, position.label("position"))
    )


def remaining(event: Event, usage: Usage) -> int | None:
    """Places left in the event's own pool (None: no limit)."""
    if event.capacity is None:
        return None
    return max(event.capacity - usage.event, 0)
