"""People registered on their behalf by organizers: one by email, or a list (the import).

Each of them follows the rules of `services.register` (capacity, waitlist, duplicates); a person
without an account gets one without a password, which they claim by a reset link.
"""

from __future__ import annotations

from typing import Any

from eventhub import permissions
from eventhub.accounts import services as accounts
from eventhub.accounts.models import User
from eventhub.database import db, transactional
from eventhub.errors import Conflict, ValidationFailed
from eventhub.events.models import Event
from eventhub.registrations import capacity
from eventhub.registrations.models import Registration, RegistrationSource
from eventhub.registrations.services import RegistrationInfo, register


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
    permissions.require(permissions.can_manage_event, actor, event)
    user = accounts.ensure_user(email or "", info.name or "", info.phone)
    return register(user, event, info, actor=actor, source=source, notify=notify)


@transactional
def import_people(
    actor: User, event: Event, people: list[dict[str, Any]], notify: bool = False
) -> dict[str, Any]:
    """Register a list of people on their behalf; each one follows the rules of `register`.

    Returns ``{created, skipped: [{index, reason}], registrations: [...]}``.
    """
    permissions.require(permissions.can_manage_event, actor, event)
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
