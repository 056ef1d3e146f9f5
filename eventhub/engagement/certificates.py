"""Certificates (参会证明, 获奖证书): issuing them, revoking them, their PDF and what the public
verification shows.

Who gets one:

- **attendance** (参会证明): every registration of the event checked in at its main door
  (`checkin.services.checked_in_query`: confirmed, an ok entry scan that was not reverted)
  and still linked to an account. Issuing again issues only the new ones. Naming registrations
  explicitly (``registration_ids``) issues to those only, and one that was not checked in is
  refused (409 ``not_checked_in``): a certificate of attendance for someone who was not there
  is impossible.
- **award** (获奖证书): the members of an entry's team who have an account, for the award the
  organizer names (一等奖). The contest's entries know one account, the leader's
  (`Entry.leader_id`); the other members are names and roles without accounts
  (`Entry.members`), so they have no owner to hand a certificate to. An entry without a
  leader is refused (409 ``no_recipient``). The same award of the same entry is issued once
  per person; another award (最佳人气奖) is a certificate of its own.

The database is the last guard (unique (registration, kind) and (entry, person, award)), so two
organizers issuing at once issue each certificate once. A revoked certificate still counts as
issued (it is not issued again); its verification page says so, with the reason and the time.

Privacy (USERS.md): the public page and API show only a masked name (张**), the event and the
dates; the full name is printed on the PDF, which only its owner and the event's organizers
may download.
"""

from __future__ import annotations

import io
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from babel.dates import format_date, format_interval
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from reportlab.lib.colors import Color, white
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from eventhub import audit, permissions
from eventhub.accounts.models import User
from eventhub.checkin.services import checked_in_query
from eventhub.database import db, insert_unless_taken, transactional, utcnow
from eventhub.engagement.models import Certificate, CertificateKind
from eventhub.errors import Conflict, NotFound, raise_field_errors
from eventhub.events.models import Event
from eventhub.formatting import mask_surname
from eventhub.ids import ID_MAX
from eventhub.judging.models import Entry
from eventhub.pdf import CODE_FONT, FONT, draw_qr, fit_line, qr_matrix
from eventhub.registrations.models import Registration
from eventhub.registrations.tickets import ALPHABET, normalize_code
from eventhub.text import check_text

#: Codes: 12 characters of Crockford's base32 (no I, L, O, U), 60 random bits.
CODE_LENGTH = 12
#: The longest award name (一等奖, 最佳人气奖) and revocation reason.
AWARD_MAX = 200
REASON_MAX = 1000

KINDS = tuple(CertificateKind)


# Codes and names ----------------------------------------------------------------------------


def new_code() -> str:
    """A fresh certificate code: `CODE_LENGTH` characters from `secrets`, unguessable."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def find(code: str) -> Certificate | None:
    """The certificate of ``code`` as typed or scanned (any case, dashes and spaces, I/L for
    1, O for 0), or None."""
    code = normalize_code(code or "")
    if len(code) != CODE_LENGTH:
        return None
    return db.session.scalar(sa.select(Certificate).where(Certificate.code == code))


def code_groups(code: str) -> str:
    """The code in groups of four, as printed: ``7K3M-Q9XD-2HBT``."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def masked_name(name: str | None) -> str:
    """张三丰 -> 张**: what anyone but the owner and the organizers sees of the name (the
    surname followed by ``**``, as the welcome wall shows it: `formatting.mask_surname`)."""
    return mask_surname(name)


def is_id(value: Any) -> bool:
    """A value that can name a row (an int a database id can hold; not a bool)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= ID_MAX


# Who may -----------------------------------------------------------------------------------


def can_issue(user: Any, event: Event) -> bool:
    """Issue and revoke the event's certificates, and see their list: its organizers."""
    return permissions.can_manage_event(user, event)


def can_download(user: Any, certificate: Certificate) -> bool:
    """The PDF (with the full name): its owner and the event's organizers."""
    if not getattr(user, "is_authenticated", False):
        return False
    if certificate.user_id is not None and certificate.user_id == user.id:
        return True
    return permissions.can_manage_event(user, event_of(certificate))


def event_of(certificate: Certificate) -> Event:
    return db.session.get(Event, certificate.event_id)


# Issuing -----------------------------------------------------------------------------------


def _attendance_candidates(event: Event) -> sa.Select:
    """The event's checked-in registrations with an account and no attendance certificate."""
    issued = sa.select(Certificate.registration_id).where(
        Certificate.event_id == event.id,
        Certificate.kind == CertificateKind.attendance,
        Certificate.registration_id.is_not(None),
    )
    return (
        sa.select(Registration)
        .where(
            Registration.id.in_(checked_in_query(event)),
            Registration.user_id.is_not(None),
            Registration.id.not_in(issued),
        )
        .order_by(Registration.id)
    )


def pending_attendance(event: Event) -> int:
    """How many attendance certificates issuing now would add (checked in, none yet)."""
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(_attendance_candidates(event).subquery())
    ) or 0


def _issue_attendance(
    actor: User, event: Event, registration_ids: list[int] | None, now: datetime
) -> list[Certificate]:
    query = _attendance_candidates(event)
    if registration_ids is not None:
        wanted = set(registration_ids)
        if not wanted or not all(is_id(i) for i in wanted):
            raise_field_errors({"registration_ids": _l("Choose registrations of this event.")})
        known = set(db.session.scalars(sa.select(Registration.id).where(
            Registration.event_id == event.id, Registration.id.in_(wanted))))
        if wanted - known:
            raise_field_errors({"registration_ids": _l("Choose registrations of this event.")})
        there = set(db.session.scalars(checked_in_query(event).where(
            Registration.id.in_(wanted))))
        if wanted - there:
            raise Conflict(
                _l("Only people who checked in at the event get a certificate of attendance: "
                   "%(n)d of them did not.", n=len(wanted - there)),
                code="not_checked_in", registration_ids=sorted(wanted - there),
            )
        query = query.where(Registration.id.in_(wanted))
    issued = []
    for registration in db.session.scalars(query).all():
        certificate = Certificate(
            code=new_code(), event_id=event.id, kind=CertificateKind.attendance,
            registration_id=registration.id, user_id=registration.user_id,
            name=registration.name, issued_at=now, issued_by_id=actor.id,
        )
        if insert_unless_taken(certificate):
            issued.append(certificate)
    return issued


def _issue_award(
    actor: User, event: Event, entry_id: Any, award: Any, now: datetime
) -> list[Certificate]:
    entry = db.session.get(Entry, entry_id) if is_id(entry_id) else None
    award_text, award_error = check_text(award, limit=AWARD_MAX, required=True)
    raise_field_errors({
        "entry_id": None if entry is not None and entry.event_id == event.id
        else _l("Choose an entry of this contest."),
        "award": award_error,
    })
    recipients = [entry.leader] if entry.leader is not None else []
    if not recipients:
        raise Conflict(_l("This entry has no team member with an account: set its leader "
                          "first."), code="no_recipient")
    issued = []
    for user in recipients:
        # The name the person gave on this event's form, else their account's.
        name = db.session.scalar(sa.select(Registration.name).where(
            Registration.event_id == event.id, Registration.user_id == user.id)) or user.name
        certificate = Certificate(
            code=new_code(), event_id=event.id, kind=CertificateKind.award, entry_id=entry.id,
            user_id=user.id, name=name, award=award_text, issued_at=now, issued_by_id=actor.id,
        )
        already = db.session.scalar(sa.select(Certificate.id).where(
            Certificate.entry_id == entry.id, Certificate.user_id == user.id,
            Certificate.award == award_text))
        if already is None and insert_unless_taken(certificate):
            issued.append(certificate)
    return issued


@transactional
def issue_certificates(
    actor: User,
    event: Event,
    kind: Any,
    *,
    entry_id: Any = None,
    award: Any = None,
    registration_ids: Iterable[int] | None = None,
    now: datetime | None = None,
) -> list[Certificate]:
    """Issue the event's certificates of ``kind`` (organizers) and return the new ones (none
    when everyone already has theirs); audited.

    ``attendance``: to every checked-in registration without one, or to ``registration_ids``
    only. ``award``: to the members with an account of ``entry_id``'s team (its leader), for
    ``award``. Raises NotAllowed, ValidationFailed (an unknown kind, entry or registration, a
    missing or too long award), Conflict ``not_checked_in`` (a named registration did not
    check in), Conflict ``no_recipient`` (an entry without a leader)."""
    permissions.require(can_issue, actor, event)
    now = now or utcnow()
    if kind == CertificateKind.attendance:
        ids = None if registration_ids is None else list(registration_ids)
        issued = _issue_attendance(actor, event, ids, now)
    elif kind == CertificateKind.award:
        issued = _issue_award(actor, event, entry_id, award, now)
    else:
        raise_field_errors({"kind": _l("Choose attendance or award.")})
    audit.record(
        "certificates.issued", event, actor=actor, event_id=event.id,
        after={"kind": str(kind), "entry_id": entry_id if kind == "award" else None,
               "award": issued[0].award if issued and kind == "award" else None,
               "certificates": [c.id for c in issued]},
    )
    return issued


@transactional
def revoke_certificate(
    actor: User, certificate: Certificate, reason: Any, now: datetime | None = None
) -> Certificate:
    """Revoke a certificate (the event's organizers), giving the reason the verification page
    shows; audited. Raises NotAllowed, ValidationFailed (no reason, or too long), Conflict
    ``already_revoked``."""
    permissions.require(can_issue, actor, event_of(certificate))
    text, error = check_text(reason, limit=REASON_MAX, required=True)
    raise_field_errors({"reason": error})
    db.session.refresh(certificate, with_for_update=True)
    if certificate.revoked_at is not None:
        raise Conflict(_l("This certificate was already revoked."), code="already_revoked")
    certificate.revoked_at = now or utcnow()
    certificate.revoked_by_id = actor.id
    certificate.revoke_reason = text
    db.session.flush()
    audit.record("certificate.revoked", certificate, actor=actor,
                 event_id=certificate.event_id, after={"code": certificate.code,
                                                       "reason": text})
    return certificate


# Reading -----------------------------------------------------------------------------------


def event_certificates(actor: User, event: Event) -> list[Certificate]:
    """The event's certificates, newest first (organizers). Raises NotAllowed."""
    permissions.require(can_issue, actor, event)
    return list(db.session.scalars(
        sa.select(Certificate).where(Certificate.event_id == event.id)
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    ))


def certificates_of(user: User) -> list[Certificate]:
    """The user's own certificates, newest first."""
    return list(db.session.scalars(
        sa.select(Certificate).where(Certificate.user_id == user.id)
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    ))


def events_of(certificates: Iterable[Certificate]) -> dict[int, Event]:
    """The events of ``certificates`` by id, in one query."""
    ids = {c.event_id for c in certificates}
    if not ids:
        return {}
    return {e.id: e for e in db.session.scalars(sa.select(Event).where(Event.id.in_(ids)))}


@dataclass(frozen=True)
class PublicView:
    """What anyone holding the code may see: never the full name."""

    code: str
    valid: bool
    kind: CertificateKind
    name: str
    event: str
    event_id: int
    organization: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    award: str | None
    issued_at: datetime
    revoked_at: datetime | None
    revoke_reason: str | None


def public_view(code: str) -> PublicView:
    """The public facts of the certificate of ``code``. Raises NotFound."""
    certificate = find(code)
    if certificate is None:
        raise NotFound()
    event = event_of(certificate)
    return PublicView(
        code=certificate.code, valid=certificate.valid, kind=certificate.kind,
        name=masked_name(certificate.name), event=event.title, event_id=event.id,
        organization=event.organization.name, starts_at=event.starts_at,
        ends_at=event.ends_at, timezone=event.timezone,
        award=certificate.award if certificate.kind == CertificateKind.award else None,
        issued_at=certificate.issued_at, revoked_at=certificate.revoked_at,
        revoke_reason=certificate.revoke_reason if certificate.revoked_at else None,
    )


def event_dates(event: Event) -> str:
    """The event's dates in its zone and the reader's language: "2026年5月18日" or
    "2026年5月18日至20日"."""
    zone = ZoneInfo(event.timezone)
    start, end = event.starts_at.astimezone(zone).date(), event.ends_at.astimezone(zone).date()
    if start == end:
        return format_date(start, "long", locale=get_locale())
    return format_interval(start, end, "yMMMd", locale=get_locale())


# The PDF -----------------------------------------------------------------------------------

PAGE = landscape(A4)
ACCENT = Color(0.62, 0.12, 0.12)
GOLD = Color(0.72, 0.55, 0.2)
GREY = Color(0.35, 0.35, 0.35)
QR_SIZE = 32 * mm


@transactional
def certificate_pdf(actor: User, certificate: Certificate, verify_url: str) -> bytes:
    """The certificate as a one-page A4 landscape PDF, in the reader's language: the
    organization, the kind, the person's full name, the event and its dates, the award, the
    serial (the code), the date of issue and a QR code of ``verify_url`` (the absolute link
    of its verification page). Its owner and the event's organizers only; an organizer's
    download is audited (it carries a full name). Raises NotAllowed."""
    permissions.require(can_download, actor, certificate)
    event = event_of(certificate)
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=PAGE, pageCompression=1)
    kind_title = _("Certificate of Award") if certificate.kind == CertificateKind.award \
        else _("Certificate of Attendance")
    canvas.setTitle(f"{kind_title} · {event.title}")
    canvas.setCreator("eventhub")
    _draw_certificate(canvas, certificate, event, kind_title, verify_url)
    canvas.save()
    if certificate.user_id != actor.id:
        audit.record("certificate.downloaded", certificate, actor=actor, event_id=event.id)
    return out.getvalue()


def _draw_certificate(
    canvas: Canvas, certificate: Certificate, event: Event, kind_title: str, verify_url: str
) -> None:
    width, height = PAGE
    centre = width / 2
    text_w = width - 70 * mm
    # A double frame.
    canvas.setStrokeColor(ACCENT)
    canvas.setLineWidth(3)
    canvas.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)
    canvas.setStrokeColor(GOLD)
    canvas.setLineWidth(0.8)
    canvas.rect(16 * mm, 16 * mm, width - 32 * mm, height - 32 * mm)

    canvas.setFillColor(GREY)
    fit_line(canvas, event.organization.name, centre, height - 38 * mm, text_w, 14,
             centred=True)
    canvas.setFillColor(ACCENT)
    fit_line(canvas, kind_title, centre, height - 62 * mm, text_w, 36, centred=True)

    canvas.setFillColor(Color(0, 0, 0))
    size = fit_line(canvas, certificate.name, centre, height - 92 * mm, 150 * mm, 30,
                    min_size=14, centred=True)
    canvas.setStrokeColor(GOLD)
    canvas.setLineWidth(0.8)
    canvas.line(centre - 60 * mm, height - 92 * mm - size * 0.35, centre + 60 * mm,
                height - 92 * mm - size * 0.35)

    dates = event_dates(event)
    canvas.setFillColor(GREY)
    if certificate.kind == CertificateKind.award:
        fit_line(canvas, _("was awarded, at “%(event)s” (%(dates)s),", event=event.title,
                           dates=dates), centre, height - 112 * mm, text_w, 15, centred=True)
        canvas.setFillColor(ACCENT)
        fit_line(canvas, certificate.award, centre, height - 132 * mm, text_w, 28,
                 centred=True)
        if certificate.entry is not None:
            canvas.setFillColor(GREY)
            fit_line(canvas, _("for the project “%(title)s”.", title=certificate.entry.title),
                     centre, height - 146 * mm, text_w, 13, centred=True)
    else:
        fit_line(canvas, _("took part in “%(event)s” (%(dates)s).", event=event.title,
                           dates=dates), centre, height - 112 * mm, text_w, 15, centred=True)
        fit_line(canvas, _("This certificate is awarded in recognition."), centre,
                 height - 124 * mm, text_w, 13, centred=True)

    # The foot: the issuer and date on the left, the QR code and the serial on the right.
    left, foot = 30 * mm, 30 * mm
    canvas.setFillColor(Color(0, 0, 0))
    fit_line(canvas, event.organization.name, left, foot + 12 * mm, 120 * mm, 13)
    canvas.setFillColor(GREY)
    issued = certificate.issued_at.astimezone(ZoneInfo(event.timezone)).date()
    fit_line(canvas, _("Issued on %(date)s",
                       date=format_date(issued, "long", locale=get_locale())),
             left, foot + 4 * mm, 120 * mm, 11)
    qr_x = width - 30 * mm - QR_SIZE
    canvas.setFillColor(white)
    canvas.rect(qr_x - 3 * mm, foot - 3 * mm, QR_SIZE + 6 * mm, QR_SIZE + 6 * mm, stroke=0,
                fill=1)
    draw_qr(canvas, qr_matrix(verify_url), qr_x, foot, QR_SIZE)
    canvas.setFillColor(GREY)
    fit_line(canvas, _("Scan to verify"), qr_x + QR_SIZE / 2, foot - 8 * mm, QR_SIZE + 20 * mm,
             9, centred=True)
    canvas.setFont(FONT, 9)
    canvas.drawRightString(qr_x - 6 * mm, foot + 4 * mm, _("Serial number"))
    canvas.setFont(CODE_FONT, 11)
    canvas.drawRightString(qr_x - 6 * mm, foot - 1 * mm, code_groups(certificate.code))
