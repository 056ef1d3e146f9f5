"""What a door downloads to keep working offline: the list's tickets as hashes; and finding
people at the door (by the pinyin initials of their names too), with their state at the list.

A ticket appears as the first 16 bytes of ``sha256(code)`` (32 hex characters), never as the
code itself, so a lost phone holds no usable ticket. Each row carries what the door shows
(name, category, notes), whether the person may enter at this list and whether they are
checked in already.

Versions are opaque strings (the server's clock in microseconds when the list was read). A
delta ``since=version`` answers every registration changed (``updated_at``) or scanned at the
list (a scan, or a scan reverted) from a little before that moment on: the overlap covers
transactions that committed after the read although they started before it. Rows may come
again unchanged; a door replaces rows by registration id.
"""

from __future__ import annotations

import functools
import hashlib
import re
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from pypinyin import Style, lazy_pinyin

from eventhub import permissions
from eventhub.accounts.models import User
from eventhub.checkin import services
from eventhub.checkin.models import CheckinList, Scan, ScanType
from eventhub.database import db, utcnow
from eventhub.errors import ValidationFailed
from eventhub.registrations.models import Registration, RegistrationStatus, registration_sessions

#: How far before a version a delta looks again (slow transactions, clocks of two servers).
OVERLAP = timedelta(minutes=2)


def ticket_hash(code: str) -> str:
    """Return the first 16 bytes of sha256(code), as 32 hex characters."""
    return hashlib.sha256(code.encode("ascii")).digest()[:16].hex()


def make_version(moment: datetime) -> str:
    """Return the version string of a moment (microseconds since 1970, UTC)."""
    return str(int(moment.timestamp() * 1_000_000))


def parse_version(version: str) -> datetime:
    """Return the moment a version names. Raises ValidationFailed."""
    if not (isinstance(version, str) and version.isdigit() and len(version) <= 20):
        raise ValidationFailed(fields={"since": _l("Not a version this server gave.")})
    try:
        return datetime.fromtimestamp(int(version) / 1_000_000, UTC)
    except (OverflowError, OSError, ValueError):
        raise ValidationFailed(fields={"since": _l("Not a version this server gave.")}) from None


def door_tickets(
    actor: User, checkin_list: CheckinList, since: str | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """The list's tickets for offline checks: ``{version, full, items}``; with ``since`` only
    the rows that may have changed (``full`` false). Raises NotAllowed, ValidationFailed."""
    permissions.require(permissions.can_check_in, actor, checkin_list.event)
    version = make_version(now or utcnow())
    query = sa.select(Registration).where(Registration.event_id == checkin_list.event_id)
    if since is not None:
        after = parse_version(since) - OVERLAP
        scanned = sa.select(Scan.registration_id).where(
            Scan.list_id == checkin_list.id,
            Scan.registration_id.is_not(None),
            sa.or_(Scan.at >= after, Scan.reverted_at >= after),
        )
        query = query.where(sa.or_(Registration.updated_at >= after, Registration.id.in_(scanned)))
    else:
        query = query.where(Registration.ticket_code.is_not(None))
    registrations = list(
        db.session.scalars(
            query.options(sa.orm.joinedload(Registration.category)).order_by(Registration.id)
        )
    )
    ids = [r.id for r in registrations]
    entered, inside = entry_states(checkin_list, ids if since is not None else None)
    on_list = _on_list(checkin_list, ids if since is not None else None)
    items = [
        _row(r, entered.get(r.id), r.id in inside, on_list is None or r.id in on_list)
        for r in registrations
    ]
    return {"version": version, "full": since is None, "items": items}


def _row(
    registration: Registration, entered_at: datetime | None, inside: bool, on_list: bool
) -> dict[str, Any]:
    code = registration.ticket_code
    return {
        "h": ticket_hash(code) if code else None,
        "id": registration.id,
        "name": registration.name,
        "category": registration.category.name if registration.category else None,
        "notes": registration.notes or None,
        "status": registration.status.value,
        "valid": registration.status == RegistrationStatus.confirmed and on_list,
        "checked_in_at": entered_at.isoformat() if entered_at else None,
        "inside": inside,
    }


def entry_states(
    checkin_list: CheckinList, ids: list[int] | None
) -> tuple[dict[int, datetime], set[int]]:
    """Return the first entry time at the list of everyone who entered, and who is inside now
    (their latest ok scan is an entry), among registrations ``ids`` (None: everyone)."""
    ok = sa.and_(
        Scan.list_id == checkin_list.id,
        services.scan_stands(),
        Scan.registration_id.is_not(None),
    )
    if ids is not None:
        ok = sa.and_(ok, Scan.registration_id.in_(ids))
    entered: dict[int, datetime] = dict(
        db.session.execute(
            sa.select(Scan.registration_id, sa.func.min(Scan.at))
            .where(ok, Scan.type == ScanType.entry)
            .group_by(Scan.registration_id)
        ).all()
    )
    latest = (
        sa.select(sa.func.max(Scan.id).label("last_id")).where(ok).group_by(Scan.registration_id)
    ).subquery()
    inside = set(
        db.session.scalars(
            sa.select(Scan.registration_id)
            .join(latest, Scan.id == latest.c.last_id)
            .where(Scan.type == ScanType.entry)
        )
    )
    return entered, inside


def _on_list(checkin_list: CheckinList, ids: list[int] | None) -> set[int] | None:
    """Who booked the list's session (None: a list for the whole event)."""
    if checkin_list.session_id is None:
        return None
    query = sa.select(registration_sessions.c.registration_id).where(
        registration_sessions.c.session_id == checkin_list.session_id
    )
    if ids is not None:
        query = query.where(registration_sessions.c.registration_id.in_(ids))
    return set(db.session.scalars(query))


# Search by pinyin initials ----------------------------------------------------------------

#: "wt" finds 王涛: door staff type initials on a phone keyboard faster than characters.
_INITIALS_QUERY = re.compile(r"^[A-Za-z]{2,10}$")


@functools.lru_cache(maxsize=65_536)
def name_initials(name: str) -> str:
    """Return the pinyin initials of a name, lower case ("王涛" → "wt"; Latin letters kept)."""
    # Chinese characters come back as one letter each; other text as it is (initials of words).
    parts = lazy_pinyin(name, style=Style.FIRST_LETTER)
    return "".join(
        word[0] for part in parts for word in part.split() if word[0].isascii()
    ).lower()


def with_initials(
    checkin_list: CheckinList, q: str, found: list[Registration], limit: int = 20
) -> list[Registration]:
    """Add the people of the list's event whose name's pinyin initials start with ``q``
    (letters only) to ``found``, after it, up to ``limit``. One narrow query (id, name) of the
    event; the initials of a name are computed once per process."""
    q = q.strip().lower()
    if not _INITIALS_QUERY.match(q) or len(found) >= limit:
        return found
    known = {r.id for r in found}
    ids = [
        rid
        for rid, name in db.session.execute(
            sa.select(Registration.id, Registration.name)
            .where(Registration.event_id == checkin_list.event_id)
            .order_by(Registration.name, Registration.id)
        )
        if rid not in known and name_initials(name).startswith(q)
    ][: limit - len(found)]
    if not ids:
        return found
    extra = db.session.scalars(
        sa.select(Registration)
        .where(Registration.id.in_(ids))
        .options(sa.orm.joinedload(Registration.category))
        .order_by(Registration.name, Registration.id)
    )
    return [*found, *extra]


# Finding people at the door ----------------------------------------------------------------


class Found(NamedTuple):
    """A person found at the door, with their state at the list."""

    registration: Registration
    #: Their first entry at the list (not undone); None: not checked in.
    checked_in_at: datetime | None
    #: Their latest ok scan at the list is an entry.
    inside: bool


def find_at_door(
    actor: User, checkin_list: CheckinList, q: str, limit: int = 20
) -> list[Found]:
    """Find people of the list's event by name, pinyin initials, phone tail, email or ticket
    code (at most ``limit``), each with when they checked in at the list and whether they are
    inside: door staff see at once who came already. Raises NotAllowed."""
    permissions.require(permissions.can_check_in, actor, checkin_list.event)
    found = with_initials(checkin_list, q, services.search(checkin_list, q, limit), limit)
    if not found:
        return []
    entered, inside = entry_states(checkin_list, [r.id for r in found])
    return [Found(r, entered.get(r.id), r.id in inside) for r in found]
