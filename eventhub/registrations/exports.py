"""CSV and Excel exports of an event's registrations, one column per question."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from eventhub import audit, permissions
from eventhub.accounts.models import User
from eventhub.database import db, transactional
from eventhub.errors import NotAllowed
from eventhub.events.models import Event
from eventhub.formatting import format_when
from eventhub.registrations.answers import format_answer
from eventhub.registrations.models import Registration, RegistrationStatus
from eventhub.registrations.services import questions_of

STATUS_LABELS = {
    RegistrationStatus.pending: _l("pending"),
    RegistrationStatus.confirmed: _l("confirmed"),
    RegistrationStatus.waitlisted: _l("waitlisted"),
    RegistrationStatus.rejected: _l("rejected"),
    RegistrationStatus.cancelled: _l("cancelled"),
}

MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


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
                str(STATUS_LABELS[r.status]),
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


def csv_bytes(
    header: list[str], rows: list[list[Any]], title_lines: Sequence[str] = ()
) -> bytes:
    """A CSV file Excel opens right: UTF-8 with a BOM, cells guarded against formulas;
    ``title_lines`` (one cell each) go above the header."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerows([[_safe_cell(line)] for line in title_lines])
    writer.writerow([_safe_cell(v) for v in header])
    writer.writerows([[_safe_cell(v) for v in row] for row in rows])
    # The BOM makes Excel read UTF-8, so Chinese shows correctly.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _safe_cell(value: Any) -> Any:
    """Keep spreadsheet programs from running a cell as a formula (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def xlsx_bytes(
    title: str,
    header: list[str],
    rows: list[list[Any]],
    title_lines: Sequence[str] = (),
    number_format: str | None = None,
) -> bytes:
    """An Excel workbook of one sheet named ``title``: ``title_lines`` on top, then the bold
    header, frozen; cells guarded against formulas; float cells shown with ``number_format``
    (e.g. ``0.0000``) when given."""
    workbook = Workbook(write_only=False)
    sheet = workbook.active
    sheet.title = title[:31] or "registrations"
    for line in title_lines:
        sheet.append([_safe_cell(line)])
        sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True)
    sheet.append([_safe_cell(v) for v in header])
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_safe_cell(v) for v in row])
        if number_format:
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, float):
                    cell.number_format = number_format
    for index, name in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(
            max(len(str(name)) * 2, 10), 40
        )
    sheet.freeze_panes = f"A{header_row + 1}"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@transactional
def export(actor: User, event: Event, fmt: str) -> tuple[bytes, str, str]:
    """Export the registrations as ``csv`` or ``xlsx``; return (data, mimetype, filename).

    Exports hold personal data: only organizers may make them, and each one is audited.
    """
    if not permissions.can_manage_event(actor, event):
        raise NotAllowed()
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
