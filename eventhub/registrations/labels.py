"""Registrations in words: one label table per value family (status, source, history action).

Pages (through the Jinja filters the registrations blueprint registers: ``registration_status``,
``registration_source``, ``registration_action``), exports, the door's scanner and flashes all
take their words from here, so a status reads the same everywhere and no raw value reaches a
page.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from eventhub.registrations.models import RegistrationSource, RegistrationStatus

S = RegistrationStatus

#: A registration's status, as participants and organizers read it.
STATUS_LABELS = {
    S.pending: _l("Awaiting approval"),
    S.confirmed: _l("Confirmed"),
    S.waitlisted: _l("On the waitlist"),
    S.rejected: _l("Not accepted"),
    S.cancelled: _l("Cancelled"),
}

#: How a registration was made.
SOURCE_LABELS = {
    RegistrationSource.self: _l("by themselves"),
    RegistrationSource.organizer: _l("by an organizer"),
    RegistrationSource.imported: _l("imported"),
    RegistrationSource.walk_in: _l("walk-in at the door"),
}

#: A registration's history (its audit rows) in words; other actions show as recorded.
HISTORY_LABELS = {
    "registration.created": _l("Registered"),
    "registration.edited": _l("Answers edited"),
    "registration.approved": _l("Approved"),
    "registration.rejected": _l("Rejected"),
    "registration.promoted": _l("Moved up from the waitlist"),
    "registration.cancelled": _l("Cancelled"),
    "ticket.regenerated": _l("New ticket code"),
}


def status_label(status: RegistrationStatus | str) -> str:
    """A registration status in words (``"confirmed"`` → 已确认), in the current language."""
    return str(STATUS_LABELS.get(status, status))


def source_label(source: RegistrationSource | str) -> str:
    """How a registration was made, in words."""
    return str(SOURCE_LABELS.get(source, source))


def action_label(action: str) -> str:
    """An action of a registration's history in words; an action without words as recorded."""
    return str(HISTORY_LABELS.get(action, action))


def status_labels() -> dict[str, str]:
    """Every status with its words, in the current language (for the door's scanner)."""
    return {status.value: str(label) for status, label in STATUS_LABELS.items()}
