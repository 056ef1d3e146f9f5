"""Registrations: registering, capacity and the waitlist, cancelling, approval, tickets, mail.

The form itself is built in `form_builder`, lists of people are registered by `imports`.
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
from eventhub.database import db, is_unique_violation, transactional, utcnow
from eventhub.errors import Conflict, NotAllowed, NotFound, ValidationFailed, raise_field_errors
from eventhub.events.models import Event, EventSession, EventStatus
from eventhub.events.signals import capacity_changed
from eventhub.links import external_url
from eventhub.mail.services import queue_mail, queue_unrendered, render_mail, renderer
from eventhub.registrations import capacity, queries, tickets
from eventhub.registrations.answers import clean_answers
from eventhub.registrations.models import (
    WALL_NAME_MAX,
    Category,
    Registration,
    RegistrationSource,
    RegistrationStatus,
)
from eventhub.text import check_text, text_error

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
    #: The welcome wall's opt-in and name (`set_wall_choice`); never ticked for anyone.
    show_on_wall: bool = False
    wall_name: str = ""


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
        "name": accounts.check_name(name),
        "phone": accounts.check_phone(phone),
        "organization": text_error(organization, limit=NAME_MAX),
        "job_title": text_error(job_title, limit=NAME_MAX),
    }
    if require_phone and not phone and not errors["phone"]:
        errors["phone"] = _l("Enter your mobile number: door staff find you by it.")
    raise_field_errors(errors)
    return {
        "name": name.strip(),
        "email": user.email if user else "",
        "phone": phone or "",
        "organization": (organization or "").strip(),
        "job_title": (job_title or "").strip(),
    }


def _choose(
    event: Event, form: queries.EventForm, info: RegistrationInfo
) -> tuple[queries.FormCategory | None, list[EventSession]]:
    """Resolve the chosen category (of the event's ``form``) and sessions. Raises
    ValidationFailed."""
    category = None
    if info.category_id is not None:
        category = next((c for c in form.categories if c.id == info.category_id), None)
        if category is None:
            raise ValidationFailed(fields={"category_id": _l("Choose a category of this event.")})
    elif form.categories:
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


def _needs_approval(event: Event, category: Category | queries.FormCategory | None) -> bool:
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
    if on_behalf:
        permissions.require(permissions.can_check_in, actor, event)
    if event.status != EventStatus.published and not (on_behalf and event.status != "cancelled"):
        raise event_not_open()
    if not on_behalf and not event.registration_open(now):
        raise registration_closed()
    # Everything that needs no lock is checked before taking it, and every field at once: a
    # phone should show all that is wrong after one submit, not one group per round trip.
    errors: dict[str, Any] = {}
    form = queries.form_of(event)
    category, sessions = _gathering(errors, lambda: _choose(event, form, info), (None, []))
    # At the door there is no time for the form: questions may stay unanswered.
    answers = _gathering(errors, lambda: clean_answers(
        form.questions, info.answers, required=source != RegistrationSource.walk_in), {})
    fields_ = _gathering(
        errors, lambda: _standard_fields(user, info, require_phone=not on_behalf), {})
    if not on_behalf and info.consent is not True:
        errors["consent"] = _l("Please accept the privacy notice.")
    # Only the registrant opts in to the wall: an organizer registering them cannot.
    show_on_wall = info.show_on_wall is True and not on_behalf
    wall_name, errors["wall_name"] = check_text(info.wall_name or None, limit=WALL_NAME_MAX)
    raise_field_errors(errors)

    values = {
        **fields_,
        "user_id": user.id if user else None,
        "answers": answers,
        "source": source,
        "show_on_wall": show_on_wall,
        "wall_name": (wall_name or "") if show_on_wall else "",
        "consent_version": (
            str(event.privacy_version) if not on_behalf else f"{event.privacy_version}/organizer"
        ),
        "consent_at": now,
        "cancelled_at": None,
        "decided_at": None,
        "decision_message": "",
    }
    # The person's mail is written before the lock, unrendered, and about whatever the
    # decision is (`_render_mail`): the lock is held for the decision and the commit alone.
    if notify and user is not None and values["email"]:
        queue_unrendered(values["email"], "registration", event_id=event.id, user_id=user.id)
    # Double submits queue up at the lock. Under it, a registration without sessions is
    # decided and inserted in one statement; one with sessions, or a second one of the same
    # person (refused, or a cancelled one taken up again), is decided here.
    event = capacity.lock_pools(event)
    # Taken under the lock, so the waitlist order is the order in which places were decided
    # and a newly waitlisted registration is always the last one.
    values["queued_at"] = utcnow()
    registration = None
    if not sessions:
        registration = _guarded_insert(lambda: capacity.insert_decided(
            event, category, values, pending=_needs_approval(event, category),
            ticket_code=tickets.new_code(), now=now,
        ))
    if registration is None:
        registration = _decide_with_sessions(event, category, sessions, values, on_behalf, now)
    if on_behalf:
        audit.record(
            "registration.created",
            registration,
            actor=actor,
            event_id=event.id,
            after={"status": registration.status.value, "user_id": registration.user_id},
        )
    return registration


def _decide_with_sessions(
    event: Event,
    category: queries.FormCategory | None,
    sessions: list[EventSession],
    values: dict[str, Any],
    on_behalf: bool,
    now: datetime,
) -> Registration:
    """Count the pools and decide one registration in Python (under the event's lock): one with
    sessions, or a person's second registration (refused while active; a cancelled one is
    taken up again)."""
    usage = capacity.count_usage(
        event,
        [category.id] if category else [],
        [s.id for s in sessions],
        user_id=values["user_id"],
    )
    existing = (
        db.session.get(Registration, usage.existing_id, populate_existing=True)
        if usage.existing_id is not None
        else None
    )
    _refuse_existing(existing, on_behalf)
    registration = existing or Registration(event_id=event.id)
    for name, value in values.items():
        setattr(registration, name, value)
    registration.category = db.session.get(Category, category.id) if category else None
    registration.sessions = sessions
    if _needs_approval(event, category):
        registration.status = S.pending
    elif capacity.has_room(event, category, sessions, usage):
        _confirm(registration, now)
    else:
        registration.status = S.waitlisted
        registration.known_position = usage.waitlisted + 1
    db.session.add(registration)
    return _guarded_insert(lambda: (db.session.flush(), registration)[1])


def _guarded_insert(insert: Callable[[], T]) -> T:
    """Run ``insert``; the unique constraint on (event, user) turned into the documented
    ``already_registered`` conflict. Unreachable while everyone takes the event's lock; the
    constraint is the last guard."""
    try:
        return insert()
    except sa.exc.IntegrityError as exc:
        if is_unique_violation(exc):
            raise Conflict(
                _l("You are already registered for this event."), code="already_registered"
            ) from exc
        raise


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
    questions = queries.questions_of(event)
    answers = _gathering(errors, lambda: clean_answers(questions, info.answers), {})
    raise_field_errors(errors)
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
    permissions.require(permissions.can_manage_event, actor, registration.event)
    message = _checked_message(message)
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
    permissions.require(permissions.can_manage_event, actor, registration.event)
    message = _checked_message(message)
    capacity.lock_event(registration.event_id)
    db.session.refresh(registration)
    if registration.status not in (S.pending, S.waitlisted):
        raise Conflict(
            _l("Only pending or waitlisted registrations can be rejected."), code="invalid_status"
        )
    registration.status = S.rejected
    _decide(actor, registration, message, now, "rejected")
    return registration


def _checked_message(message: Any) -> str:
    """The decision's message to the person, cleaned (none given: empty). Raises
    ValidationFailed on ``message``."""
    cleaned, error = check_text(message, limit=NOTES_MAX)
    raise_field_errors({"message": error})
    return cleaned or ""


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
    permissions.require(permissions.can_manage_event, actor, event)
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
    permissions.require(permissions.can_manage_event, actor, registration.event)
    cleaned, error = check_text(notes, limit=NOTES_MAX)
    raise_field_errors({"notes": error})
    registration.notes = cleaned or ""
    return registration


@transactional
def set_wall_choice(
    actor: User,
    registration: Registration,
    *,
    show_on_wall: bool | None = None,
    wall_name: str | None = None,
) -> Registration:
    """Opt in to (or out of) the event's welcome wall, and choose the name shown there ("":
    the default, the surname followed by ``**``). None leaves a value as it is.

    Consent is the registrant's own: only they may change it (an organizer of the event gets
    NotAllowed, anyone else NotFound), at any time, even after the event, so it can always be
    withdrawn. Raises NotFound, NotAllowed, ValidationFailed (``show_on_wall`` not a boolean,
    ``wall_name`` not text, longer than `WALL_NAME_MAX` or holding a forbidden character).
    """
    if registration.user_id is None or registration.user_id != actor.id:
        if permissions.can_manage_event(actor, registration.event):
            raise NotAllowed(_l("Only the registrant may choose to appear on the welcome wall."))
        raise NotFound()
    errors: dict[str, Any] = {}
    if show_on_wall is not None and not isinstance(show_on_wall, bool):
        errors["show_on_wall"] = _l("Choose yes or no.")
    name, errors["wall_name"] = check_text(wall_name, limit=WALL_NAME_MAX)
    raise_field_errors(errors)
    if show_on_wall is not None:
        registration.show_on_wall = show_on_wall
    if name is not None:
        registration.wall_name = name
    return registration


@transactional
def regenerate_ticket(actor: User, registration: Registration) -> Registration:
    """Give a confirmed registration a new ticket code; the old one stops working at once."""
    permissions.require(permissions.can_manage_event, actor, registration.event)
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


# The event page's registration box -------------------------------------------------------


def registration_window(event: Event, now: datetime | None = None) -> str:
    """Where the event's registration window stands: ``open``; ``paused`` by the organizer;
    ``soon`` (it opens at ``registration_opens_at``); ``closed`` (ended, or the event is not
    published)."""
    now = now or utcnow()
    if event.registration_open(now):
        return "open"
    if event.status == EventStatus.published and event.registration_paused:
        return "paused"
    if (
        event.status == EventStatus.published
        and event.registration_opens_at
        and now < event.registration_opens_at
    ):
        return "soon"
    return "closed"


def is_full(event: Event) -> bool:
    """No place is left to register for: the event is full, or every category is (a new
    registration goes onto the waitlist)."""
    usage = capacity.count_usage(event, session_ids=[])
    if capacity.remaining(event, usage) == 0:
        return True
    categories = queries.categories_of(event)
    return bool(categories) and all(
        c.capacity is not None and usage.categories[c.id] >= c.capacity for c in categories
    )


@dataclass(frozen=True)
class RegistrationBox:
    """What the event page's registration box (报名) shows to one person."""

    #: ``registered`` (they have a registration that is not cancelled), else the window's
    #: state (`registration_window`), with ``full`` for an open window without places.
    state: str
    registration: Registration | None = None
    #: Their place on the waitlist (1 = next), when they are on it.
    position: int | None = None


def registration_box(
    event: Event, user: User | None, now: datetime | None = None
) -> RegistrationBox:
    """The registration box's state for ``user`` (None or anonymous: a visitor):
    registered, open, full, soon, paused or closed."""
    if user is not None and getattr(user, "is_authenticated", False):
        mine = find_registration(event, user)
        if mine is not None and mine.status != S.cancelled:
            return RegistrationBox("registered", mine, waitlist_position(mine))
    window = registration_window(event, now)
    if window == "open" and is_full(event):
        return RegistrationBox("full")
    return RegistrationBox(window)


# At the door ------------------------------------------------------------------------------


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
    permissions.require(permissions.can_check_in, actor, event)
    phone = accounts.normalize_phone(info.phone if isinstance(info.phone, str) else None)
    raise_field_errors(
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


# Mail -------------------------------------------------------------------------------------


def ticket_url(registration: Registration) -> str:
    return external_url("registrations.ticket", code=registration.ticket_code)


def _mail(registration: Registration, kind: str) -> None:
    """Queue the participant's mail about their registration, in their language, with the
    change (the decisions that send one, registering, a promotion, a cancellation, an
    approval, hold the event's lock: the mail is rendered after the commit, out of it)."""
    if not _mailable(registration):
        return
    position = registration.known_position if kind == "waitlisted" else None
    queue_unrendered(registration.email, "registration", registration_id=registration.id,
                     kind=kind, position=position)


@renderer("registration")
def _render_mail(
    registration_id: int | None = None,
    kind: str | None = None,
    position: int | None = None,
    event_id: int | None = None,
    user_id: int | None = None,
) -> tuple[str, str, str] | None:
    """The registration mail of ``kind`` (`_mail`), or, given the event and the person
    instead (`register`, which writes it before deciding), about their registration as it
    is now: rendered just after the decision's commit, that is the decision."""
    if registration_id is not None:
        registration = db.session.get(Registration, registration_id)
    else:
        registration = _decided_here(event_id, user_id) or db.session.scalars(
            sa.select(Registration).where(
                Registration.event_id == event_id, Registration.user_id == user_id)
        ).first()
    if registration is None or not _mailable(registration):
        return None  # erased meanwhile
    if kind is None:
        kind = registration.status.value
        # Still the object that decided when this process renders it: its place as decided.
        position = registration.known_position if kind == "waitlisted" else None
    return render_mail("registration", registration.user.locale,
                       **_mail_context(registration, kind, position))


def _decided_here(event_id: int | None, user_id: int | None) -> Registration | None:
    """The person's registration at the event as this session's unit of work decided it,
    without a statement (the session keeps its objects as committed), or None: rendered
    elsewhere (a sender recovering the mail), it is read from the database."""
    for obj in db.session.identity_map.values():
        if (
            isinstance(obj, Registration)
            and obj.event_id == event_id
            and obj.user_id == user_id
        ):
            return obj
    return None


def _mailable(registration: Registration) -> bool:
    """Whether the registration has someone to mail: an account (its language) and an email."""
    return registration.user is not None and bool(registration.email)


def _mail_context(registration: Registration, kind: str, position: int | None) -> dict:
    """What the registration mail of ``kind`` shows (``position``: on the waitlist, as
    decided; None: as it is now)."""
    return {
        "kind": kind,
        "registration": registration,
        "event": registration.event,
        "ticket_link": ticket_url(registration) if registration.ticket_code else None,
        "event_link": external_url("events.detail", event_id=registration.event_id),
        "my_data_link": external_url("registrations.my_registrations"),
        "position": position or waitlist_position(registration),
    }


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
        if _mailable(registration):
            queue_mail(registration.email, "registration", registration.user.locale,
                       **_mail_context(registration, "reminder", None))
    return len(due)
