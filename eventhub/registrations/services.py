"""Registrations: the form, capacity and the waitlist, approval, tickets, mail and privacy.

Every rule of registering lives here, once; the HTML pages and the API both call these
functions. Capacity decisions happen under the event's lock (see `capacity.lock_event`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from eventhub import audit, permissions
from eventhub.accounts import services as accounts
from eventhub.accounts.models import NAME_MAX, User
from eventhub.database import db, is_unique_violation, transactional, unique_or, utcnow
from eventhub.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from eventhub.events.models import Event, EventSession, EventStatus
from eventhub.events.signals import capacity_changed
from eventhub.links import external_url
from eventhub.mail.services import queue_mail
from eventhub.registrations import capacity, tickets
from eventhub.registrations.answers import clean_answers
from eventhub.registrations.models import (
    Category,
    Question,
    QuestionKind,
    Registration,
    RegistrationSource,
    RegistrationStatus,
)

S = RegistrationStatus
T = TypeVar("T")
#: Statuses that keep a person "registered" (a new registration is refused while one exists).
ACTIVE = (S.pending, S.confirmed, S.waitlisted)
NOTES_MAX = 1_000


# Errors -----------------------------------------------------------------------------------


def event_not_open() -> Conflict:
    return Conflict(_l("This event is not open for registration."), code="event_not_open")


def registration_closed() -> Conflict:
    return Conflict(_l("Registration for this event is closed."), code="registration_closed")


def capacity_full() -> Conflict:
    return Conflict(_l("There are no places left."), code="capacity_full")


# Categories and questions (the form builder) ----------------------------------------------


def _check_text(value: Any, limit: int, required: bool = False) -> Any:
    if not isinstance(value, str):
        return _l("Enter text.")
    if required and not value.strip():
        return _l("This field is required.")
    if len(value) > limit:
        return _l("Use at most %(n)d characters.", n=limit)
    if "\x00" in value:
        return _l("Enter text.")
    return None


def _check_capacity(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 1_000_000:
        return _l("Enter a whole number of places, 0 or more (empty for no limit).")
    return None


def _require_manager(actor: User, event: Event) -> None:
    if not permissions.can_manage_event(actor, event):
        raise NotAllowed()


@transactional
def save_category(
    actor: User,
    event: Event,
    name: str,
    capacity_: int | None = None,
    requires_approval: bool = False,
    description: str = "",
    category: Category | None = None,
) -> Category:
    """Add a category (参会类型) or change one. Raises NotAllowed, ValidationFailed,
    Conflict ``name_taken``."""
    _require_manager(actor, event)
    capacity.lock_event(event.id)
    accounts.raise_field_errors(
        {
            "name": _check_text(name, NAME_MAX, required=True),
            "capacity": _check_capacity(capacity_),
            "description": _check_text(description, 500),
        }
    )
    if category is None:
        position = db.session.scalar(
            sa.select(sa.func.count()).select_from(Category).where(Category.event_id == event.id)
        )
        category = Category(event=event, position=position)
    with unique_or("name", _l("A category with this name exists already.")):
        category.name, category.capacity = name.strip(), capacity_
        category.requires_approval = bool(requires_approval)
        category.description = description
        db.session.add(category)
    audit.record(
        "category.saved",
        category,
        actor=actor,
        event_id=event.id,
        after={"name": category.name, "capacity": capacity_},
    )
    _after_capacity_change(event)
    return category


@transactional
def delete_category(actor: User, category: Category) -> None:
    """Remove a category nobody registered in. Raises NotAllowed, Conflict ``in_use``."""
    _require_manager(actor, category.event)
    used = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Registration)
        .where(Registration.category_id == category.id)
    )
    if used:
        raise Conflict(
            _l("People registered in this category; it cannot be removed."), code="in_use"
        )
    audit.record(
        "category.deleted",
        category,
        actor=actor,
        event_id=category.event_id,
        before={"name": category.name},
    )
    db.session.delete(category)


@dataclass
class QuestionInfo:
    label: str
    kind: str
    required: bool = False
    options: list[str] = field(default_factory=list)
    help_text: str = ""


def _check_question(info: QuestionInfo) -> None:
    errors: dict[str, Any] = {
        "label": _check_text(info.label, NAME_MAX, required=True),
        "help_text": _check_text(info.help_text, 500),
        "kind": None
        if info.kind in QuestionKind.__members__
        else _l("Choose a kind from the list."),
    }
    choices = info.kind in (QuestionKind.choice, QuestionKind.multichoice)
    if not isinstance(info.options, list) or not all(isinstance(o, str) for o in info.options):
        errors["options"] = _l("Give the options as a list of texts.")
    elif choices:
        options = [o.strip() for o in info.options if o.strip()]
        if len(options) < 2:
            errors["options"] = _l("Give at least two options.")
        elif len(set(options)) != len(options):
            errors["options"] = _l("Each option must be different.")
        elif len(options) > 100 or any(len(o) > NAME_MAX for o in options):
            errors["options"] = _l("At most 100 options of at most 200 characters.")
    accounts.raise_field_errors(errors)


@transactional
def save_question(
    actor: User, event: Event, info: QuestionInfo, question: Question | None = None
) -> Question:
    """Add a question to the event's form or change one. Raises NotAllowed, ValidationFailed."""
    _require_manager(actor, event)
    _check_question(info)
    if question is None:
        position = (
            db.session.scalar(
                sa.select(sa.func.coalesce(sa.func.max(Question.position), -1)).where(
                    Question.event_id == event.id
                )
            )
            + 1
        )
        question = Question(event_id=event.id, position=position)
        db.session.add(question)
    question.label, question.kind = info.label.strip(), QuestionKind(info.kind)
    question.required, question.help_text = bool(info.required), info.help_text.strip()
    question.options = (
        [o.strip() for o in info.options if o.strip()]
        if question.kind in (QuestionKind.choice, QuestionKind.multichoice)
        else []
    )
    db.session.flush()
    audit.record(
        "question.saved",
        question,
        actor=actor,
        event_id=event.id,
        after={"label": question.label, "kind": info.kind},
    )
    return question


@transactional
def delete_question(actor: User, event: Event, question: Question) -> None:
    """Remove a question (answers already given stay in the registrations)."""
    _require_manager(actor, event)
    audit.record(
        "question.deleted",
        question,
        actor=actor,
        event_id=event.id,
        before={"label": question.label},
    )
    db.session.delete(question)


@transactional
def move_question(actor: User, event: Event, question: Question, offset: int) -> None:
    """Move a question up (-1) or down (+1) in the form."""
    _require_manager(actor, event)
    ordered = questions_of(event)
    index = ordered.index(question)
    target = min(max(index + offset, 0), len(ordered) - 1)
    ordered.insert(target, ordered.pop(index))
    for position, q in enumerate(ordered):
        q.position = position


def questions_of(event: Event) -> list[Question]:
    return list(
        db.session.scalars(
            sa.select(Question)
            .where(Question.event_id == event.id)
            .order_by(Question.position, Question.id)
        )
    )


def categories_of(event: Event) -> list[Category]:
    return list(
        db.session.scalars(
            sa.select(Category)
            .where(Category.event_id == event.id)
            .order_by(Category.position, Category.id)
        )
    )


# Registering ------------------------------------------------------------------------------


@dataclass
class RegistrationInfo:
    """What a participant (or an organizer on their behalf) submits."""

    category_id: int | None = None
    session_ids: list[int] = field(default_factory=list)
    answers: dict[str, Any] = field(default_factory=dict)
    consent: bool = False
    #: The standard fields; None takes the account's value.
    name: str | None = None
    phone: str | None = None
    organization: str | None = None
    job_title: str | None = None


def _standard_fields(
    user: User | None, info: RegistrationInfo, require_phone: bool
) -> dict[str, str]:
    def value(name: str) -> Any:
        given = getattr(info, name)
        return given if given is not None or user is None else getattr(user, name)

    name = value("name") or ""
    phone = accounts.normalize_phone(value("phone"))
    organization = value("organization")
    job_title = value("job_title")
    errors = {
        "name": accounts.check_name(name) if isinstance(name, str) else _l("Enter your name."),
        "phone": accounts.check_phone(phone),
        "organization": _check_text(organization or "", NAME_MAX),
        "job_title": _check_text(job_title or "", NAME_MAX),
    }
    if require_phone and not phone and not errors["phone"]:
        errors["phone"] = _l("Enter your mobile number: door staff find you by it.")
    accounts.raise_field_errors(errors)
    return {
        "name": name.strip(),
        "email": user.email if user else "",
        "phone": phone or "",
        "organization": (organization or "").strip(),
        "job_title": (job_title or "").strip(),
    }


def _choose(event: Event, info: RegistrationInfo) -> tuple[Category | None, list[EventSession]]:
    """Resolve the chosen category and sessions. Raises ValidationFailed."""
    categories = categories_of(event)
    category = None
    if info.category_id is not None:
        category = next((c for c in categories if c.id == info.category_id), None)
        if category is None:
            raise ValidationFailed(fields={"category_id": _l("Choose a category of this event.")})
    elif categories:
        raise ValidationFailed(fields={"category_id": _l("Choose how you take part.")})
    ids = info.session_ids or []
    if not isinstance(ids, list) or len(set(ids)) != len(ids):
        raise ValidationFailed(fields={"session_ids": _l("Choose sessions of this event.")})
    if not ids:
        return category, []
    by_id = {s.id: s for s in event.sessions}
    if any(i not in by_id for i in ids):
        raise ValidationFailed(fields={"session_ids": _l("Choose sessions of this event.")})
    return category, [by_id[i] for i in ids]


def _gathering(errors: dict[str, Any], check: Callable[[], T], fallback: T) -> T:
    """``check()``'s result; when it raises ValidationFailed, its field reasons are added to
    ``errors`` and ``fallback`` is returned, so the next checks still run."""
    try:
        return check()
    except ValidationFailed as error:
        errors.update(error.fields)
        return fallback


def _needs_approval(event: Event, category: Category | None) -> bool:
    return event.requires_approval or bool(category and category.requires_approval)


def find_registration(event: Event, user: User, fresh: bool = False) -> Registration | None:
    """The user's registration for the event (``fresh``: reloaded, e.g. under the lock)."""
    query = sa.select(Registration).where(
        Registration.event_id == event.id, Registration.user_id == user.id
    )
    if fresh:
        query = query.execution_options(populate_existing=True)
    return db.session.scalar(query)


def _refuse_existing(existing: Registration | None, on_behalf: bool) -> None:
    if existing is None:
        return
    if existing.status in ACTIVE:
        raise already_registered(existing)
    if existing.status == S.rejected and not on_behalf:
        raise Conflict(
            _l("The organizer turned down your registration."), code="registration_rejected"
        )


def already_registered(registration: Registration) -> Conflict:
    return Conflict(
        _l("You are already registered for this event."),
        code="already_registered",
        registration_id=registration.id,
    )


@transactional
def register(
    user: User | None,
    event: Event,
    info: RegistrationInfo,
    *,
    actor: User | None = None,
    source: RegistrationSource = RegistrationSource.self,
    now: datetime | None = None,
    notify: bool = True,
) -> Registration:
    """Register ``user`` for ``event``: confirmed when every pool has room, waitlisted when one
    is full, pending when the event or category needs approval.

    ``actor`` is the organizer registering someone on their behalf (the window and consent
    then do not apply; the organizer answers for them). Raises Conflict
    ``event_not_open``/``registration_closed``/``already_registered``, ValidationFailed,
    NotAllowed.
    """
    now = now or utcnow()
    on_behalf = actor is not None and actor is not user
    if on_behalf and not permissions.can_check_in(actor, event):
        raise NotAllowed()
    if event.status != EventStatus.published and not (on_behalf and event.status != "cancelled"):
        raise event_not_open()
    if not on_behalf and not event.registration_open(now):
        raise registration_closed()
    # Everything that needs no lock is checked before taking it, and every field at once: a
    # phone should show all that is wrong after one submit, not one group per round trip.
    errors: dict[str, Any] = {}
    category, sessions = _gathering(errors, lambda: _choose(event, info), (None, []))
    # At the door there is no time for the form: questions may stay unanswered.
    answers = _gathering(errors, lambda: clean_answers(
        questions_of(event), info.answers, required=source != RegistrationSource.walk_in), {})
    fields_ = _gathering(
        errors, lambda: _standard_fields(user, info, require_phone=not on_behalf), {})
    if not on_behalf and info.consent is not True:
        errors["consent"] = _l("Please accept the privacy notice.")
    if errors:
        raise ValidationFailed(fields=errors)

    event = capacity.lock_event(event.id)
    # Double submits queue up here; a walk-in without an account has nothing to find.
    existing = find_registration(event, user, fresh=True) if user else None
    _refuse_existing(existing, on_behalf)
    registration = existing or Registration(event_id=event.id, user_id=user and user.id)
    for name, value in fields_.items():
        setattr(registration, name, value)
    registration.category = category
    registration.sessions = sessions
    registration.answers = answers
    registration.source = source
    registration.consent_version = (
        str(event.privacy_version) if not on_behalf else f"{event.privacy_version}/organizer"
    )
    registration.consent_at = now
    # Taken under the lock, so the waitlist order is the order in which places were decided
    # and a newly waitlisted registration is always the last one.
    registration.queued_at = utcnow()
    registration.cancelled_at = registration.decided_at = None
    registration.decision_message = ""
    if _needs_approval(event, category):
        registration.status = S.pending
    else:
        usage = capacity.count_usage(
            event, [category.id] if category else [], [s.id for s in sessions]
        )
        if capacity.has_room(event, category, sessions, usage):
            _confirm(registration, now)
        else:
            registration.status = S.waitlisted
            registration.known_position = usage.waitlisted + 1
    db.session.add(registration)
    try:
        db.session.flush()
    except sa.exc.IntegrityError as exc:
        # Unreachable while everyone takes the event's lock; the constraint is the last guard.
        if is_unique_violation(exc):
            raise Conflict(
                _l("You are already registered for this event."), code="already_registered"
            )
        raise
    if on_behalf:
        audit.record(
            "registration.created",
            registration,
            actor=actor,
            event_id=event.id,
            after={"status": registration.status.value, "user_id": registration.user_id},
        )
    if notify:
        _mail(registration, registration.status.value)
    return registration


def _confirm(registration: Registration, now: datetime) -> None:
    registration.status = S.confirmed
    registration.confirmed_at = now
    if registration.ticket_code is None:
        registration.ticket_code = tickets.new_code()


def waitlist_position(registration: Registration) -> int | None:
    """The registration's place on the event's waitlist (1 = next), or None."""
    if registration.status != S.waitlisted:
        return None
    ahead = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Registration)
        .where(
            Registration.event_id == registration.event_id,
            Registration.status == S.waitlisted,
            sa.or_(
                Registration.queued_at < registration.queued_at,
                sa.and_(
                    Registration.queued_at == registration.queued_at,
                    Registration.id < registration.id,
                ),
            ),
        )
    )
    return ahead + 1


def fill_from_waitlist(event: Event, now: datetime | None = None) -> list[Registration]:
    """Confirm waitlisted registrations, in arrival order, while their pools have room.

    Call with the event locked, inside the unit of work that freed the places.
    """
    now = now or utcnow()
    waiting = list(
        db.session.scalars(
            sa.select(Registration)
            .where(Registration.event_id == event.id, Registration.status == S.waitlisted)
            .order_by(Registration.queued_at, Registration.id)
            .options(
                sa.orm.selectinload(Registration.sessions),
                sa.orm.selectinload(Registration.category),
            )
        )
    )
    if not waiting:
        return []
    usage = capacity.count_usage(event)
    promoted = []
    for registration in waiting:
        if capacity.remaining(event, usage) == 0:
            break
        if capacity.has_room(event, registration.category, registration.sessions, usage):
            _confirm(registration, now)
            usage.take(registration.category_id, [s.id for s in registration.sessions])
            promoted.append(registration)
            audit.record(
                "registration.promoted",
                registration,
                event_id=event.id,
                after={"status": "confirmed"},
            )
            _mail(registration, "promoted")
    return promoted


def _after_capacity_change(event: Event) -> None:
    """A pool may have grown: let the waitlist move up (the event is locked already)."""
    fill_from_waitlist(event)


@capacity_changed.connect
def _on_capacity_changed(event: Event) -> None:
    """An event's or session's capacity changed: give freed places to the waitlist."""
    fill_from_waitlist(capacity.lock_event(event.id))


@transactional
def update_answers(
    actor: User, registration: Registration, info: RegistrationInfo, now: datetime | None = None
) -> Registration:
    """Change the answers and standard fields (not category or sessions) until the window
    closes; organizers may always. Raises NotAllowed, Conflict ``registration_closed``,
    ValidationFailed."""
    now = now or utcnow()
    event = registration.event
    organizer = permissions.can_manage_event(actor, event)
    if not organizer and registration.user_id != actor.id:
        raise NotFound()
    if registration.status in (S.cancelled, S.rejected):
        raise Conflict(_l("This registration is no longer active."), code="invalid_status")
    closes = event.registration_closes_at or event.starts_at
    if not organizer and now >= closes:
        raise registration_closed()
    owner = registration.user or actor
    errors: dict[str, Any] = {}
    fields_ = _gathering(
        errors, lambda: _standard_fields(owner, info, require_phone=not organizer), {})
    answers = _gathering(errors, lambda: clean_answers(questions_of(event), info.answers), {})
    if errors:
        raise ValidationFailed(fields=errors)
    registration.answers = answers
    for name, value in fields_.items():
        if name != "email":
            setattr(registration, name, value)
    if organizer and registration.user_id != actor.id:
        audit.record("registration.edited", registration, actor=actor, event_id=event.id)
    return registration


@transactional
def cancel(
    actor: User, registration: Registration, now: datetime | None = None, reason: str = ""
) -> Registration:
    """Cancel a registration (the participant until the event starts; organizers always).

    A freed place goes to the first waitlisted registration whose pools all have room, in
    the same transaction. Raises NotFound, Conflict ``invalid_status``/``event_started``.
    """
    now = now or utcnow()
    event = registration.event
    organizer = permissions.can_manage_event(actor, event)
    if not organizer and registration.user_id != actor.id:
        raise NotFound()
    if not organizer and now >= event.starts_at:
        raise Conflict(
            _l("The event has started; registrations can no longer be cancelled."),
            code="event_started",
        )
    event = capacity.lock_event(event.id)
    db.session.refresh(registration)
    if registration.status in (S.cancelled, S.rejected):
        raise Conflict(_l("This registration is already cancelled."), code="invalid_status")
    before = registration.status
    registration.status = S.cancelled
    registration.cancelled_at = now
    registration.decision_message = reason[:NOTES_MAX]
    audit.record(
        "registration.cancelled",
        registration,
        actor=actor,
        event_id=event.id,
        before={"status": before.value},
        after={"status": "cancelled"},
    )
    _mail(registration, "cancelled")
    if before == S.confirmed:
        db.session.flush()
        fill_from_waitlist(event, now)
    return registration


@transactional
def approve(
    actor: User, registration: Registration, message: str = "", now: datetime | None = None
) -> Registration:
    """Confirm a pending registration when its pools have room. Raises NotAllowed,
    Conflict ``invalid_status``/``capacity_full``."""
    now = now or utcnow()
    _require_manager(actor, registration.event)
    _check_message(message)
    event = capacity.lock_event(registration.event_id)
    db.session.refresh(registration)
    if registration.status != S.pending:
        raise Conflict(_l("Only pending registrations can be approved."), code="invalid_status")
    usage = capacity.count_usage(
        event,
        [registration.category_id] if registration.category_id else [],
        [s.id for s in registration.sessions],
    )
    if not capacity.has_room(event, registration.category, registration.sessions, usage):
        raise capacity_full()
    _confirm(registration, now)
    _decide(actor, registration, message, now, "approved")
    return registration


@transactional
def reject(
    actor: User, registration: Registration, message: str = "", now: datetime | None = None
) -> Registration:
    """Turn down a pending or waitlisted registration. Raises NotAllowed, Conflict."""
    now = now or utcnow()
    _require_manager(actor, registration.event)
    _check_message(message)
    capacity.lock_event(registration.event_id)
    db.session.refresh(registration)
    if registration.status not in (S.pending, S.waitlisted):
        raise Conflict(
            _l("Only pending or waitlisted registrations can be rejected."), code="invalid_status"
        )
    registration.status = S.rejected
    _decide(actor, registration, message, now, "rejected")
    return registration


def _check_message(message: str) -> None:
    accounts.raise_field_errors({"message": _check_text(message, NOTES_MAX)})


def _decide(
    actor: User, registration: Registration, message: str, now: datetime, kind: str
) -> None:
    registration.decision_message = message.strip()
    registration.decided_at = now
    registration.decided_by_id = actor.id
    audit.record(
        f"registration.{kind}",
        registration,
        actor=actor,
        event_id=registration.event_id,
        before={"status": "pending"},
        after={"status": registration.status.value, "message": message.strip()},
    )
    _mail(registration, kind)


@transactional
def decide_many(
    actor: User, event: Event, registration_ids: list[int], approve_: bool, message: str = ""
) -> dict[str, list]:
    """Approve or reject several registrations; each is decided on its own merits.

    Returns ``{"done": [ids], "failed": [{"id", "code", "message"}]}``.
    """
    _require_manager(actor, event)
    capacity.lock_event(event.id)
    done: list[int] = []
    failed: list[dict[str, Any]] = []
    for registration_id in registration_ids:
        registration = db.session.get(Registration, registration_id)
        if registration is None or registration.event_id != event.id:
            failed.append(
                {
                    "id": registration_id,
                    "code": "not_found",
                    "message": str(_l("Not found, or not visible to you.")),
                }
            )
            continue
        try:
            with db.session.begin_nested():
                (approve if approve_ else reject)(actor, registration, message)
            done.append(registration_id)
        except (Conflict, ValidationFailed) as error:
            failed.append({"id": registration_id, "code": error.code, "message": error.message})
    return {"done": done, "failed": failed}


@transactional
def set_notes(actor: User, registration: Registration, notes: str) -> Registration:
    """Organizer notes for the door: VIP, dietary needs, an interpreter."""
    _require_manager(actor, registration.event)
    accounts.raise_field_errors({"notes": _check_text(notes, NOTES_MAX)})
    registration.notes = notes.strip()
    return registration


@transactional
def regenerate_ticket(actor: User, registration: Registration) -> Registration:
    """Give a confirmed registration a new ticket code; the old one stops working at once."""
    _require_manager(actor, registration.event)
    if registration.status != S.confirmed:
        raise Conflict(_l("Only confirmed registrations have a ticket."), code="invalid_status")
    before = registration.ticket_code
    registration.ticket_code = tickets.new_code()
    audit.record(
        "ticket.regenerated",
        registration,
        actor=actor,
        event_id=registration.event_id,
        before={"code": before[-4:] if before else None},
    )
    _mail(registration, "ticket_changed")
    return registration


# Import -----------------------------------------------------------------------------------


@transactional
def register_person(
    actor: User,
    event: Event,
    email: str,
    info: RegistrationInfo,
    *,
    source: RegistrationSource = RegistrationSource.organizer,
    notify: bool = True,
) -> Registration:
    """Register someone on their behalf, by email: a person without an account gets one
    without a password (they claim it by a reset link). One unit of work, so a refused
    registration leaves no new account behind. Raises as `register`."""
    _require_manager(actor, event)
    user = accounts.ensure_user(email or "", info.name or "", info.phone)
    return register(user, event, info, actor=actor, source=source, notify=notify)


@transactional
def register_walk_in(
    actor: User, event: Event, info: RegistrationInfo, email: str = ""
) -> Registration:
    """Register someone who arrives at the door without a registration: door staff may, while
    there is room (nobody is waitlisted or left pending at the door). With an email they get an
    account and their ticket by mail; without, a registration of their own.

    Raises NotAllowed, ValidationFailed, Conflict ``already_registered`` (the same phone or
    email has a registration: find them by search instead), ``event_full``,
    ``approval_required``, and as `register`.
    """
    if not permissions.can_check_in(actor, event):
        raise NotAllowed()
    phone = accounts.normalize_phone(info.phone if isinstance(info.phone, str) else None)
    accounts.raise_field_errors(
        {"phone": accounts.check_phone(phone) if phone else _l("Enter the mobile number.")}
    )
    event = capacity.lock_event(event.id)  # two staff entering one person: one wins
    same_phone = db.session.scalar(
        sa.select(Registration).where(
            Registration.event_id == event.id,
            Registration.phone == phone,
            Registration.status.in_(ACTIVE),
        )
    )
    if same_phone is not None:
        raise already_registered(same_phone)
    user = accounts.ensure_user(email, info.name or "", phone) if email else None
    registration = register(
        user, event, info, actor=actor, source=RegistrationSource.walk_in, notify=False
    )
    if registration.status == S.waitlisted:
        raise Conflict(_l("No places left: the event is full."), code="event_full")
    if registration.status != S.confirmed:
        raise Conflict(
            _l("This category needs the organizer's approval."), code="approval_required"
        )
    if user is not None:
        _mail(registration, registration.status.value)
    return registration


@transactional
def import_people(
    actor: User, event: Event, people: list[dict[str, Any]], notify: bool = False
) -> dict[str, Any]:
    """Register a list of people on their behalf; each one follows the rules of `register`.

    Returns ``{created, skipped: [{index, reason}], registrations: [...]}``.
    """
    _require_manager(actor, event)
    capacity.lock_event(event.id)
    skipped: list[dict[str, Any]] = []
    rows: list[Registration] = []
    for index, person in enumerate(people):
        info = RegistrationInfo(
            category_id=person.get("category_id"),
            answers=person.get("answers") or {},
            name=person.get("name"),
            phone=person.get("phone"),
        )
        try:
            with db.session.begin_nested():
                rows.append(register_person(
                    actor, event, person.get("email") or "", info,
                    source=RegistrationSource.imported, notify=notify,
                ))
        except (Conflict, ValidationFailed) as error:
            reason = error.message
            if error.fields:
                reason = "; ".join(f"{k}: {v}" for k, v in error.fields.items())
            skipped.append({"index": index, "code": error.code, "reason": reason})
    return {"created": len(rows), "skipped": skipped, "registrations": rows}


# Mail -------------------------------------------------------------------------------------


def ticket_url(registration: Registration) -> str:
    return external_url("registrations.ticket", code=registration.ticket_code)


def _mail(registration: Registration, kind: str) -> None:
    """Queue the participant's mail about their registration, in their language."""
    user = registration.user
    if user is None or not registration.email:
        return
    queue_mail(
        registration.email,
        "registration",
        user.locale,
        kind=kind,
        registration=registration,
        event=registration.event,
        ticket_link=ticket_url(registration) if registration.ticket_code else None,
        event_link=external_url("events.detail", event_id=registration.event_id),
        my_data_link=external_url("registrations.my_registrations"),
        position=(
            registration.known_position
            if kind == "waitlisted" and registration.known_position
            else waitlist_position(registration)
        ),
    )


@transactional
def send_reminders(now: datetime | None = None) -> int:
    """Mail confirmed participants of events that start within the next 24 hours, once."""
    now = now or utcnow()
    due = db.session.scalars(
        sa.select(Registration)
        .join(Event, Event.id == Registration.event_id)
        .where(
            Event.status == EventStatus.published,
            Event.starts_at > now,
            Event.starts_at <= now + timedelta(hours=24),
            Registration.status == S.confirmed,
            Registration.reminded_at.is_(None),
        )
        .order_by(Registration.id)
    ).all()
    for registration in due:
        registration.reminded_at = now
        _mail(registration, "reminder")
    return len(due)
