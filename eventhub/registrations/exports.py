"""CSV and Excel exports of an event's registrations, one column per question."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from eventhub import audit, permissions
from eventhub.accounts.models import User
from eventhub.database import db, transactional
from eventhub.events.models import Event
from eventhub.formatting import format_when
from eventhub.registrations.answers import format_answer
from eventhub.registrations.labels import status_label
from eventhub.registrations.models import Registration
from eventhub.registrations.queries import questions_of
from eventhub.sheets import MIMETYPES, csv_bytes, xlsx_bytes


def table(event: Event) -> tuple[list[str], list[list[Any]]]:
    """The header and rows of the export: standard fields, then one column per question."""
    questions = questions_of(event)
    header = [
        _("ID"),
        _("Status"),
        _("Category"),
        _("Name"),
        _("Mobile"),
        _("Email"),
        _("Organization"),
        _("Job title"),
        _("Sessions"),
        _("Ticket code"),
        _("Registered at"),
        _("Notes"),
    ] + [q.label for q in questions]
    registrations = db.session.scalars(
        sa.select(Registration)
        .where(Registration.event_id == event.id)
        .options(
            sa.orm.selectinload(Registration.sessions), sa.orm.joinedload(Registration.category)
        )
        .order_by(Registration.id)
    )
    rows = []
    for r in registrations:
        rows.append(
            [
                r.id,
                status_label(r.status),
                r.category.name if r.category else "",
                r.name,
                r.phone,
                r.email,
                r.organization,
                r.job_title,
                "; ".join(s.title for s in r.sessions),
                r.ticket_code or "",
                format_when(r.created_at, event.timezone, "yyyy-MM-dd HH:mm"),
                r.notes,
            ]
            + [format_answer(q, r.answers.get(str(q.id))) for q in questions]
        )
    return header, rows


@transactional
def export(actor: User, event: Event, fmt: str) -> tuple[bytes, str, str]:
    """Export the registrations as ``csv`` or ``xlsx``; return (data, mimetype, filename).

    Exports hold personal data: only organizers may make them, and each one is audited.
    """
    permissions.require(permissions.can_manage_event, actor, event)
    header, rows = table(event)
    data = (
        csv_bytes(header, rows) if fmt == "csv" else xlsx_bytes(_("Registrations"), header, rows)
    )
    audit.record(
        "registrations.exported",
        event,
        actor=actor,
        event_id=event.id,
        after={"format": fmt, "rows": len(rows)},
    )
    return data, MIMETYPES[fmt], f"registrations-{event.id}.{fmt}"
