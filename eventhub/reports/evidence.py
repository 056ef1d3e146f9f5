"""The subsidy evidence pack (补贴材料) of an event: the photos its organizers upload and the zip
that proves the event happened (签到表.pdf and .xlsx, 活动通知.pdf, 统计.json, 照片/).

Only the host's organizers (`permissions.can_manage_event`) upload photos and make the pack:
the 签到表 holds names, so partners and sponsor viewers never get it. Phones are masked
(`formatting.mask_phone`) and each pack made is audited, as every export of personal data.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any
from xml.sax.saxutils import escape

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer
from reportlab.platypus.flowables import Flowable

from eventhub import audit, permissions, uploads
from eventhub.accounts.models import User
from eventhub.checkin.models import CheckinList, Scan
from eventhub.checkin.services import scan_checks_in
from eventhub.database import after_commit, db, transactional
from eventhub.errors import NotFound
from eventhub.events.models import Event
from eventhub.formatting import format_range, format_when, mask_phone
from eventhub.pdf import document, grid_table, styles
from eventhub.registrations.models import Category, Registration, RegistrationStatus
from eventhub.reports import figures
from eventhub.reports.models import EventPhoto
from eventhub.sheets import xlsx_bytes

#: The kind of upload (`eventhub.uploads`) of evidence photos.
PHOTO_KIND = "evidence"
#: The formats a photo may be: what every reviewer's computer opens.
PHOTO_FORMATS = ("JPEG", "PNG")
#: The longest side of a stored photo, in pixels (large enough to print on A4).
PHOTO_SIDE = 4096
#: The zip's file names (API.md), the same in every language.
SHEET_PDF, SHEET_XLSX, NOTICE_PDF, STATS_JSON, PHOTO_FOLDER = (
    "签到表.pdf", "签到表.xlsx", "活动通知.pdf", "统计.json", "照片/")
EXTENSIONS = {"JPEG": "jpg", "PNG": "png"}


def max_photo_bytes() -> int:
    """The largest photo one may upload (``EVIDENCE_PHOTO_MAX_BYTES``, default 10 MB)."""
    return int(current_app.config.get("EVIDENCE_PHOTO_MAX_BYTES") or 10 * 1024 * 1024)


# Photos -------------------------------------------------------------------------------------


def photos_of(event: Event) -> list[EventPhoto]:
    """The event's evidence photos, oldest first."""
    return list(db.session.scalars(
        sa.select(EventPhoto).where(EventPhoto.event_id == event.id).order_by(EventPhoto.id)))


def photo_of(event: Event, photo_id: int) -> EventPhoto:
    """The event's photo ``photo_id``. Raises NotFound (another event's photo too)."""
    photo = db.session.get(EventPhoto, photo_id)
    if photo is None or photo.event_id != event.id:
        raise NotFound()
    return photo


def photo_path(photo: EventPhoto) -> Path:
    """Where the photo's file is stored."""
    return uploads.path_of(PHOTO_KIND, photo.key)


def add_photo(actor: User, event: Event, stream: IO[bytes]) -> EventPhoto:
    """Store an evidence photo of the event: the host's organizers. It must really be a JPEG
    or PNG image (by its content) of at most `max_photo_bytes`; it is stored re-encoded,
    without its metadata (EXIF, GPS position). Raises NotAllowed, ValidationFailed on
    ``photo`` (``photo_too_large``) and then stores nothing."""
    permissions.require(permissions.can_manage_event, actor, event)
    key = uploads.store_image(PHOTO_KIND, stream, max_photo_bytes(), PHOTO_SIDE,
                              code="photo_too_large", field="photo", formats=PHOTO_FORMATS)
    try:
        return _add_photo(actor, event, key)
    except BaseException:
        uploads.remove(PHOTO_KIND, key)
        raise


@transactional
def _add_photo(actor: User, event: Event, key: str) -> EventPhoto:
    path = uploads.path_of(PHOTO_KIND, key)
    found = uploads.image_type(path)
    photo = EventPhoto(event_id=event.id, key=key, size=path.stat().st_size,
                       format="PNG" if found == "image/png" else "JPEG", uploaded_by_id=actor.id)
    db.session.add(photo)
    db.session.flush()
    audit.record("evidence.photo_added", photo, actor=actor, event_id=event.id)
    return photo


@transactional
def remove_photo(actor: User, photo: EventPhoto) -> None:
    """Delete an evidence photo and, once committed, its file: the host's organizers.
    Raises NotAllowed."""
    event = db.session.get(Event, photo.event_id)
    permissions.require(permissions.can_manage_event, actor, event)
    key = photo.key
    audit.record("evidence.photo_removed", photo, actor=actor, event_id=photo.event_id)
    db.session.delete(photo)
    db.session.flush()
    after_commit(lambda: uploads.remove(PHOTO_KIND, key))


# The 签到表 ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SheetRow:
    """One line of the 签到表: a confirmed registration."""

    number: int
    name: str
    organization: str
    phone: str  #: masked (138****5678)
    category: str
    checked_in_at: datetime | None  #: the first check-in at the main door, None: never


def first_checkins(event: Event) -> sa.Subquery:
    """Each registration's first check-in at the event's main list (an ok entry scan that was
    not reverted): ``registration_id``, ``first_at``."""
    return (
        sa.select(Scan.registration_id, sa.func.min(Scan.at).label("first_at"))
        .join(CheckinList, CheckinList.id == Scan.list_id)
        .where(CheckinList.event_id == event.id, CheckinList.is_main.is_(True),
               scan_checks_in())
        .group_by(Scan.registration_id)
        .subquery()
    )


def sheet_rows(event: Event) -> list[SheetRow]:
    """Every confirmed registration of the event in registration order, with its first
    check-in time (one query)."""
    first = first_checkins(event)
    found = db.session.execute(
        sa.select(Registration.name, Registration.organization, Registration.phone,
                  Category.name, first.c.first_at)
        .outerjoin(Category, Category.id == Registration.category_id)
        .outerjoin(first, first.c.registration_id == Registration.id)
        .where(Registration.event_id == event.id,
               Registration.status == RegistrationStatus.confirmed)
        .order_by(Registration.id)
    )
    return [SheetRow(number, name, organization or "", mask_phone(phone), category or "", at)
            for number, (name, organization, phone, category, at) in enumerate(found, start=1)]


def sheet_header() -> list[str]:
    """The 签到表's columns, in the reader's language."""
    return [_("No."), _("Name"), _("Organization"), _("Mobile"), _("Category"),
            _("Checked in at"), _("Signature")]


def _cells(event: Event, row: SheetRow) -> list[Any]:
    when = format_when(row.checked_in_at, event.timezone, "yyyy-MM-dd HH:mm") \
        if row.checked_in_at else ""
    return [row.number, row.name, row.organization, row.phone, row.category, when, ""]


def _event_line(event: Event) -> str:
    place = " ".join(part for part in (event.venue, event.address) if part)
    return "  ".join(part for part in (
        format_range(event.starts_at, event.ends_at, event.timezone), place,
        event.organization.name) if part)


def sheet_xlsx(event: Event, rows: list[SheetRow]) -> bytes:
    """The 签到表 as a workbook: the event's title and time on top, one row per registration."""
    return xlsx_bytes(_("Sign-in sheet"), sheet_header(), [_cells(event, r) for r in rows],
                      title_lines=[event.title, _event_line(event)])


def _pdf(story: list[Flowable], title: str, header: str, pagesize: tuple[float, float]) -> bytes:
    """A PDF of ``story`` with ``header`` at the top and "page x of y" at the foot of every
    page."""
    return document(story, title, pagesize, header)


def sheet_pdf(event: Event, rows: list[SheetRow]) -> bytes:
    """The 签到表 to print and sign: the event on every page's top, one row per confirmed
    registration with an empty signature cell, page numbers at the foot."""
    style = styles()
    page = landscape(A4)
    title = _("%(event)s sign-in sheet", event=event.title)
    data: list[list[Any]] = [[Paragraph(escape(h), style["cell"]) for h in sheet_header()]]
    for row in rows:
        cells = _cells(event, row)
        data.append([str(cells[0])] + [Paragraph(escape(str(c)), style["cell"])
                                       for c in cells[1:]])
    widths = [12 * mm, 34 * mm, 62 * mm, 30 * mm, 30 * mm, 34 * mm, 45 * mm]
    grid = grid_table(data, widths, ("ALIGN", (0, 1), (0, -1), "CENTER"),
                      ("TOPPADDING", (0, 1), (-1, -1), 3 * mm),
                      ("BOTTOMPADDING", (0, 1), (-1, -1), 3 * mm))
    story: list[Flowable] = [
        Paragraph(escape(title), style["title"]),
        Paragraph(escape(_event_line(event)), style["body"]),
        Paragraph(escape(_("Confirmed registrations: %(n)d", n=len(rows))), style["body"]),
        Spacer(1, 4 * mm),
        grid,
    ]
    return _pdf(story, title, f"{event.title}  {_event_line(event)}", page)


# 活动通知 ------------------------------------------------------------------------------------


def notice_pdf(event: Event) -> bytes:
    """The event's notice (活动通知): title, time, venue, organizer, description and programme
    (its sessions)."""
    style = styles()
    place = " ".join(part for part in (event.venue, event.address) if part)
    story: list[Flowable] = [Paragraph(escape(event.title), style["title"])]
    for label, value in ((_("Time"), format_range(event.starts_at, event.ends_at,
                                                   event.timezone)),
                         (_("Venue"), place), (_("Hosted by"), event.organization.name)):
        if value:
            story.append(Paragraph(escape(f"{label}: {value}"), style["body"]))
    if event.description.strip():
        story.append(Paragraph(escape(_("About this event")), style["heading"]))
        for block in event.description.split("\n\n"):
            if block.strip():
                story.append(Paragraph(escape(block.strip()).replace("\n", "<br/>"),
                                       style["body"]))
    if event.sessions:
        story.append(Paragraph(escape(_("Programme")), style["heading"]))
        data = [[Paragraph(escape(h), style["cell"])
                 for h in (_("Time"), _("Session"), _("Room"))]]
        for session in event.sessions:
            data.append([Paragraph(escape(format_range(session.starts_at, session.ends_at,
                                                       event.timezone)), style["cell"]),
                         Paragraph(escape(session.title), style["cell"]),
                         Paragraph(escape(session.room), style["cell"])])
        story.append(grid_table(data, [60 * mm, 80 * mm, 40 * mm],
                                ("VALIGN", (0, 0), (-1, -1), "TOP")))
    return _pdf(story, event.title, event.title, A4)


# The pack ---------------------------------------------------------------------------------------


def pack_name(event: Event) -> str:
    """The zip's file name."""
    return f"evidence-{event.id}.zip"


@transactional
def evidence_pack(actor: User, event: Event) -> bytes:
    """The event's evidence pack as a zip: 签到表.pdf, 签到表.xlsx, 活动通知.pdf, 统计.json
    (`figures.event_stats`, as ``GET /events/{id}/stats`` answers) and 照片/ (the photos,
    numbered in upload order): the host's organizers, audited.
    Raises NotAllowed."""
    permissions.require(permissions.can_manage_event, actor, event)
    rows = sheet_rows(event)
    photos = photos_of(event)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as pack:
        pack.writestr(SHEET_PDF, sheet_pdf(event, rows))
        pack.writestr(SHEET_XLSX, sheet_xlsx(event, rows))
        pack.writestr(NOTICE_PDF, notice_pdf(event))
        pack.writestr(STATS_JSON, json.dumps(figures.event_stats(event), ensure_ascii=False,
                                             indent=2))
        pack.writestr(zipfile.ZipInfo(PHOTO_FOLDER), b"")
        for number, photo in enumerate(photos, start=1):
            if not photo_path(photo).is_file():  # lost from the disk: the pack goes without
                current_app.logger.warning("Evidence photo %s has no file", photo.id)
                continue
            pack.write(photo_path(photo),
                       f"{PHOTO_FOLDER}{number:03d}.{EXTENSIONS.get(photo.format, 'jpg')}",
                       compress_type=zipfile.ZIP_STORED)
    audit.record("evidence.exported", event, actor=actor, event_id=event.id,
                 after={"rows": len(rows), "photos": len(photos)})
    return out.getvalue()
