"""Read-only queries over registrations: the event's form (categories, questions), the
organizer's list, search, waitlist places."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from eventhub.accounts.models import User
from eventhub.audit import AuditEntry
from eventhub.database import db
from eventhub.events.models import Event
from eventhub.registrations.models import Category, Question, Registration, RegistrationStatus
from eventhub.registrations.tickets import looks_like_code, normalize_code


def questions_of(event: Event) -> list[Question]:
    """The event's custom questions, in the order of its form."""
    return list(
        db.session.scalars(
            sa.select(Question)
            .where(Question.event_id == event.id)
            .order_by(Question.position, Question.id)
        )
    )


def categories_of(event: Event) -> list[Category]:
    """The event's categories (参会类型), in the order of its form."""
    return list(
        db.session.scalars(
            sa.select(Category)
            .where(Category.event_id == event.id)
            .order_by(Category.position, Category.id)
        )
    )


@dataclass(frozen=True)
class FormCategory:
    """A category as registering reads it: plain values, shared by requests and threads."""

    id: int
    name: str
    capacity: int | None
    requires_approval: bool


@dataclass(frozen=True)
class FormQuestion:
    """A question as registering reads it (what `answers.clean_answers` needs)."""

    id: int
    label: str
    kind: Any
    required: bool
    options: tuple[str, ...]


@dataclass(frozen=True)
class EventForm:
    """The event's registration form: its categories and questions, in form order."""

    categories: tuple[FormCategory, ...]
    questions: tuple[FormQuestion, ...]


#: Forms by (event id, event created_at, form version): the version changes with every edit
#: of the form (eventhub.registrations.models), the creation time tells apart two events of
#: one id (SQLite may reuse the id of a deleted event).
_FORMS: dict[tuple[Any, ...], EventForm] = {}
_FORMS_KEPT = 512


def form_of(event: Event) -> EventForm:
    """The event's registration form, read once per form version and process: a burst of
    registrations reads it from memory, not with two queries each."""
    version = event.form_version
    key = (event.id, event.created_at, version)
    form = _FORMS.get(key) if version is not None else None
    if form is None:
        form = EventForm(
            tuple(
                FormCategory(c.id, c.name, c.capacity, c.requires_approval)
                for c in categories_of(event)
            ),
            tuple(
                FormQuestion(q.id, q.label, q.kind, q.required, tuple(q.options or ()))
                for q in questions_of(event)
            ),
        )
        if version is not None:  # None: changed in this unit of work, not known yet
            if len(_FORMS) >= _FORMS_KEPT:
                _FORMS.clear()
            _FORMS[key] = form
    return form


def search_clause(q: str) -> sa.ColumnElement[bool]:
    """Match a name, email, phone (or its last digits) or a ticket code."""
    q = q.strip()
    clauses = [
        Registration.name.icontains(q, autoescape=True),
        Registration.email.icontains(q, autoescape=True),
    ]
    digits = "".join(c for c in q if c.isdigit())
    if digits and len(digits) >= 3 and len(digits) == len(q.replace(" ", "").replace("-", "")):
        clauses.append(Registration.phone.endswith(digits, autoescape=True))
    code = normalize_code(q)
    if looks_like_code(code):
        clauses.append(Registration.ticket_code == code)
    return sa.or_(*clauses)


def registrations_query(
    event: Event,
    *,
    status: RegistrationStatus | str | None = None,
    q: str | None = None,
    category_id: int | None = None,
) -> sa.Select:
    """The event's registrations, newest first, optionally filtered and searched."""
    query = (
        sa.select(Registration)
        .where(Registration.event_id == event.id)
        .options(
            sa.orm.selectinload(Registration.sessions), sa.orm.joinedload(Registration.category)
        )
        .order_by(Registration.created_at.desc(), Registration.id.desc())
    )
    if status:
        query = query.where(Registration.status == status)
    if category_id:
        query = query.where(Registration.category_id == category_id)
    if q and q.strip():
        query = query.where(search_clause(q))
    return query


def registrations_of(user: User) -> sa.Select:
    """A person's own registrations, the soonest event first."""
    return (
        sa.select(Registration)
        .join(Event, Event.id == Registration.event_id)
        .where(Registration.user_id == user.id)
        .options(
            sa.orm.contains_eager(Registration.event),
            sa.orm.selectinload(Registration.sessions),
            sa.orm.joinedload(Registration.category),
        )
        .order_by(Event.starts_at.desc(), Registration.id)
    )


def waitlist_positions(event: Event, ids: Iterable[int]) -> dict[int, int]:
    """Waitlist places (1 = next) of the given registrations, in one query."""
    ids = list(ids)
    if not ids:
        return {}
    ranked = (
        sa.select(
            Registration.id,
            sa.func.row_number()
            .over(order_by=(Registration.queued_at, Registration.id))
            .label("position"),
        )
        .where(
            Registration.event_id == event.id, Registration.status == RegistrationStatus.waitlisted
        )
        .subquery()
    )
    rows = db.session.execute(sa.select(ranked).where(ranked.c.id.in_(ids)))
    return {row.id: row.position for row in rows}


def status_counts(event: Event) -> dict[str, int]:
    """How many registrations the event has in each status."""
    rows = db.session.execute(
        sa.select(Registration.status, sa.func.count())
        .where(Registration.event_id == event.id)
        .group_by(Registration.status)
    )
    counts = {status.value: 0 for status in RegistrationStatus}
    counts.update({status.value: n for status, n in rows})
    return counts


def category_counts(event: Event) -> dict[int | None, dict[str, int]]:
    """Registrations per category (None: without one) and status."""
    rows = db.session.execute(
        sa.select(Registration.category_id, Registration.status, sa.func.count())
        .where(Registration.event_id == event.id)
        .group_by(Registration.category_id, Registration.status)
    )
    counts: dict[int | None, dict[str, int]] = {}
    for category_id, status, n in rows:
        counts.setdefault(category_id, {})[status.value] = n
    return counts


def history(registration: Registration) -> list[AuditEntry]:
    """The audit entries of a registration, oldest first, with their actors."""
    return list(
        db.session.scalars(
            sa.select(AuditEntry)
            .where(
                AuditEntry.object_type == Registration.__tablename__,
                AuditEntry.object_id == registration.id,
            )
            .order_by(AuditEntry.at, AuditEntry.id)
        )
    )


def actors(entries: Iterable[AuditEntry]) -> dict[int, User]:
    """The users who made the given audit entries, by id, in one query."""
    ids = {e.actor_id for e in entries if e.actor_id}
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(ids)))}
