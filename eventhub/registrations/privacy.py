"""Privacy (PIPL): a person's copy of their data, deleting an account, purging old events.

Anonymizing keeps a registration's row, status and event (so organizers' counts by status stay
right) and drops everything that names the person: the standard fields, the answers, the
organizer's notes about them, and the link to their account.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from eventhub import audit
from eventhub.accounts.models import ApiToken, User
from eventhub.accounts.services import verify_password
from eventhub.database import db, transactional, utcnow
from eventhub.errors import ValidationFailed
from eventhub.events.models import Event
from eventhub.mail.models import OutboxMessage
from eventhub.orgs.models import Membership
from eventhub.registrations import capacity, services
from eventhub.registrations.answers import format_answer
from eventhub.registrations.models import Question, Registration, RegistrationStatus

S = RegistrationStatus
#: The name an anonymized registration shows in lists and exports.
PLACEHOLDER_NAME = "已注销用户"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


# Export -----------------------------------------------------------------------------------


def _registrations_of(user: User) -> list[Registration]:
    return list(
        db.session.scalars(
            sa.select(Registration)
            .join(Event, Event.id == Registration.event_id)
            .where(Registration.user_id == user.id)
            .options(
                sa.orm.contains_eager(Registration.event),
                sa.orm.selectinload(Registration.sessions),
                sa.orm.joinedload(Registration.category),
            )
            .order_by(Event.starts_at, Registration.id)
        ).unique()
    )


def _labelled_answers(registration: Registration, questions: dict[int, Question]) -> list[dict]:
    """The answers with their questions' labels, in form order (answers to questions removed
    since stay, under their id)."""
    rows = []
    for key, value in registration.answers.items():
        question = questions.get(int(key)) if key.isdigit() else None
        rows.append(
            {
                "question_id": int(key) if key.isdigit() else key,
                "question": question.label if question else f"#{key}",
                "value": value,
                "text": format_answer(question, value) if question else str(value),
                "_order": (question.position, question.id) if question else (10**9, 0),
            }
        )
    rows.sort(key=lambda r: r.pop("_order"))
    return rows


def _registration_data(registration: Registration, questions: dict[int, Question]) -> dict:
    event = registration.event
    return {
        "id": registration.id,
        "event": {
            "id": event.id,
            "title": event.title,
            "organizer": event.organization.name,
            "starts_at": _iso(event.starts_at),
            "ends_at": _iso(event.ends_at),
            "venue": event.venue,
            "timezone": event.timezone,
        },
        "status": registration.status.value,
        "category": registration.category.name if registration.category else None,
        "sessions": [s.title for s in registration.sessions],
        "name": registration.name,
        "email": registration.email,
        "phone": registration.phone,
        "organization": registration.organization,
        "job_title": registration.job_title,
        "answers": _labelled_answers(registration, questions),
        "consent": {"version": registration.consent_version, "at": _iso(registration.consent_at)},
        "ticket_code": registration.ticket_code if registration.status == S.confirmed else None,
        "decision_message": registration.decision_message,
        "registered_at": _iso(registration.created_at),
        "confirmed_at": _iso(registration.confirmed_at),
        "cancelled_at": _iso(registration.cancelled_at),
    }


@transactional
def export_my_data(user: User, now: datetime | None = None) -> dict[str, Any]:
    """Return everything eventhub holds about ``user`` as JSON-serializable data: the profile,
    memberships and every registration with its event, status, labelled answers and consent.

    The export itself is audited (it is a view of personal data).
    """
    now = now or utcnow()
    registrations = _registrations_of(user)
    event_ids = {r.event_id for r in registrations}
    questions = {
        q.id: q
        for q in db.session.scalars(sa.select(Question).where(Question.event_id.in_(event_ids)))
    } if event_ids else {}
    memberships = db.session.scalars(
        sa.select(Membership).where(Membership.user_id == user.id).order_by(Membership.id)
    )
    data = {
        "exported_at": _iso(now),
        "profile": {
            "id": user.id,
            "email": user.email,
            "name": user.name,
            "phone": user.phone,
            "organization": user.organization,
            "job_title": user.job_title,
            "locale": user.locale,
            "created_at": _iso(user.created_at),
            "last_login_at": _iso(user.last_login_at),
        },
        "memberships": [
            {"organization": m.organization.name, "role": m.role.value} for m in memberships
        ],
        "registrations": [_registration_data(r, questions) for r in registrations],
    }
    audit.record(
        "privacy.exported", user, actor=user, after={"registrations": len(registrations)}
    )
    return data


# Anonymizing ------------------------------------------------------------------------------


def _anonymize(registration: Registration, now: datetime) -> None:
    registration.name = PLACEHOLDER_NAME
    registration.email = registration.phone = ""
    registration.organization = registration.job_title = ""
    registration.answers = {}
    registration.notes = registration.decision_message = ""
    registration.user = None
    registration.user_id = None
    if registration.status != S.confirmed:
        registration.ticket_code = None
    registration.anonymized_at = now


def _cancel_for_deletion(registration: Registration, now: datetime) -> None:
    """Cancel an active registration of an event that has not ended, giving its place to the
    waitlist as `services.cancel` does (no mail: the person is leaving)."""
    event = capacity.lock_event(registration.event_id)
    db.session.refresh(registration)
    before = registration.status
    if before not in services.ACTIVE:
        return
    registration.status = S.cancelled
    registration.cancelled_at = now
    audit.record(
        "registration.cancelled",
        registration,
        event_id=event.id,
        before={"status": before.value},
        after={"status": "cancelled", "reason": "account_deleted"},
    )
    if before == S.confirmed:
        db.session.flush()
        services.fill_from_waitlist(event, now)


@transactional
def delete_account(user: User, password: str, now: datetime | None = None) -> int:
    """Delete ``user``'s account after checking their password; return how many registrations
    were anonymized.

    Active registrations of events that have not ended are cancelled first (their places go
    to the waitlist); then every registration is anonymized and unlinked, and the memberships,
    API tokens, queued mail and the account itself are removed. Raises ValidationFailed
    (``wrong_password``).
    """
    now = now or utcnow()
    if not isinstance(password, str) or not verify_password(user, password):
        raise ValidationFailed(
            _l("The password is not right."),
            code="wrong_password",
            fields={"password": _l("The password is not right.")},
        )
    registrations = _registrations_of(user)
    active = sorted(
        (r for r in registrations if r.status in services.ACTIVE and r.event.ends_at > now),
        key=lambda r: r.event_id,  # one lock order for every deletion: no deadlocks
    )
    for registration in active:
        _cancel_for_deletion(registration, now)
    for registration in registrations:
        _anonymize(registration, now)
    audit.record(
        "account.deleted",
        user,
        actor=user,
        after={"registrations": len(registrations), "cancelled": len(active)},
    )
    db.session.flush()
    user_id, email = user.id, user.email
    db.session.execute(sa.delete(ApiToken).where(ApiToken.user_id == user_id))
    db.session.execute(sa.delete(Membership).where(Membership.user_id == user_id))
    # Mail to them (queued or kept as sent) holds their name and tickets.
    db.session.execute(sa.delete(OutboxMessage).where(OutboxMessage.to_addr == email))
    # The audit log keeps its entries; the database unlinks their actor (ON DELETE SET NULL).
    db.session.execute(sa.delete(User).where(User.id == user_id))
    db.session.expunge(user)
    db.session.expire_all()  # collections (an organization's members) reload without them
    return len(registrations)


@transactional
def purge_ended_events(days: int, now: datetime | None = None) -> int:
    """Anonymize the registrations of events that ended more than ``days`` days ago; return
    how many were anonymized now (those done before are left alone, so it is idempotent)."""
    if days < 0:
        raise ValueError("days must be 0 or more")
    now = now or utcnow()
    cutoff = now - timedelta(days=days)
    due = list(
        db.session.scalars(
            sa.select(Registration)
            .join(Event, Event.id == Registration.event_id)
            .where(Event.ends_at < cutoff, Registration.anonymized_at.is_(None))
            .order_by(Registration.event_id, Registration.id)
        )
    )
    per_event: dict[int, int] = {}
    for registration in due:
        _anonymize(registration, now)
        per_event[registration.event_id] = per_event.get(registration.event_id, 0) + 1
    for event_id, n in per_event.items():
        audit.record(
            "registrations.purged",
            db.session.get(Event, event_id),
            event_id=event_id,
            after={"count": n, "days": days},
        )
    return len(due)
