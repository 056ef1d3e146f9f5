"""Printable name badges: the person's name, organization, category and ticket QR code, as a
PDF of A4 sheets (eight badges to cut out) or one badge per page for badge printers."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from reportlab.lib.colors import Color, black, white
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from eventhub import audit, permissions
from eventhub.accounts.models import User
from eventhub.database import transactional
from eventhub.events.models import Event
from eventhub.pdf import CODE_FONT, FONT, cut_to_width, draw_qr, fit_line
from eventhub.registrations.models import Registration, RegistrationStatus
from eventhub.registrations.tickets import code_groups, qr_modules

BADGE_W, BADGE_H = 90 * mm, 65 * mm
SHEET_COLUMNS, SHEET_ROWS = 2, 4
LAYOUTS = ("sheet", "single")
MARGIN = 5 * mm
QR_SIZE = 30 * mm
ACCENT = Color(0.11, 0.37, 0.67)
GREY = Color(0.35, 0.35, 0.35)
CUT = Color(0.75, 0.75, 0.75)


@dataclass(frozen=True)
class Badge:
    name: str
    organization: str
    category: str
    code: str


@transactional
def badges_pdf(
    actor: User, event: Event, registrations: Iterable[Registration], layout: str = "sheet"
) -> bytes:
    """The badges of the confirmed ``registrations`` (others have no ticket to print).

    Badges carry personal data: organizers only, and every print is audited.
    Raises NotAllowed; ValueError for an unknown layout.
    """
    permissions.require(permissions.can_manage_event, actor, event)
    if layout not in LAYOUTS:
        raise ValueError(layout)
    badges = [
        Badge(r.name, r.organization, r.category.name if r.category else "", r.ticket_code)
        for r in registrations
        if r.event_id == event.id and r.status == RegistrationStatus.confirmed and r.ticket_code
    ]
    out = io.BytesIO()
    page_size = A4 if layout == "sheet" else (BADGE_W, BADGE_H)
    canvas = Canvas(out, pagesize=page_size, pageCompression=1)
    canvas.setTitle(f"{event.title} · badges")
    canvas.setCreator("eventhub")
    slots = _sheet_slots() if layout == "sheet" else [(0.0, 0.0)]
    for index, badge in enumerate(badges):
        slot = index % len(slots)
        if index and slot == 0:
            canvas.showPage()
        x, y = slots[slot]
        _draw(canvas, event.title, badge, x, y, cut_marks=layout == "sheet")
    if not badges:
        canvas.setFont(FONT, 12)
        canvas.drawString(MARGIN, page_size[1] / 2, "—")
    canvas.save()
    audit.record(
        "badges.printed", event, actor=actor, event_id=event.id,
        after={"layout": layout, "badges": len(badges)},
    )
    return out.getvalue()


def _sheet_slots() -> list[tuple[float, float]]:
    """Lower-left corners of the badges on an A4 page, centred, left to right, top down."""
    page_w, page_h = A4
    left = (page_w - SHEET_COLUMNS * BADGE_W) / 2
    bottom = (page_h - SHEET_ROWS * BADGE_H) / 2
    return [
        (left + column * BADGE_W, bottom + (SHEET_ROWS - 1 - row) * BADGE_H)
        for row in range(SHEET_ROWS)
        for column in range(SHEET_COLUMNS)
    ]


def _draw(canvas: Canvas, title: str, badge: Badge, x: float, y: float, cut_marks: bool) -> None:
    if cut_marks:
        canvas.setStrokeColor(CUT)
        canvas.setLineWidth(0.3)
        canvas.setDash(2, 2)
        canvas.rect(x, y, BADGE_W, BADGE_H)
        canvas.setDash()
    # The event, on a coloured band across the top.
    band = 9 * mm
    canvas.setFillColor(ACCENT)
    canvas.rect(x, y + BADGE_H - band, BADGE_W, band, stroke=0, fill=1)
    canvas.setFillColor(white)
    fit_line(canvas, title, x + MARGIN, y + BADGE_H - band + 3 * mm, BADGE_W - 2 * MARGIN, 10)

    text_w = BADGE_W - 3 * MARGIN - QR_SIZE
    top = y + BADGE_H - band - MARGIN
    canvas.setFillColor(black)
    size = fit_line(canvas, badge.name, x + MARGIN, top - 9 * mm, text_w, 24, min_size=12)
    line = top - 9 * mm - size * 0.6
    canvas.setFillColor(GREY)
    for part in _wrap(badge.organization, text_w, 10, lines=2):
        line -= 5 * mm
        canvas.setFont(FONT, 10)
        canvas.drawString(x + MARGIN, line, part)
    if badge.category:
        canvas.setFillColor(ACCENT)
        fit_line(canvas, badge.category, x + MARGIN, y + MARGIN + 5 * mm, text_w, 12)
    canvas.setFillColor(GREY)
    canvas.setFont(CODE_FONT, 6.5)
    canvas.drawString(x + MARGIN, y + MARGIN, code_groups(badge.code))
    # The white badge around the code is its quiet zone.
    draw_qr(canvas, qr_modules(badge.code), x + BADGE_W - MARGIN - QR_SIZE, y + MARGIN + 2 * mm,
            QR_SIZE)


def _wrap(text: str, width: float, size: float, lines: int) -> Iterator[str]:
    """Break ``text`` into at most ``lines`` lines by characters (Chinese has no spaces)."""
    rest = (text or "").strip()
    for number in range(lines):
        if not rest:
            return
        if number == lines - 1:
            yield cut_to_width(rest, width, size)
            return
        cut = len(rest)
        while cut > 1 and pdfmetrics.stringWidth(rest[:cut], FONT, size) > width:
            cut -= 1
        yield rest[:cut]
        rest = rest[cut:].lstrip()
