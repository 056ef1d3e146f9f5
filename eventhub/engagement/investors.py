"""Investor interest at roadshows (融资对接): investors mark entries, teams accept them, and
then both sides see each other's contact details.

Who: an *investor* of an event is a person with a confirmed registration in one of its
investor categories (`Category.investor`); they mark the event's entries (感兴趣 / 想约谈 /
要BP), one mark per entry, changed by marking again. The entry's *leader* sees how many marks
of each level it has and an anonymous list of them; organizers see the counts only.

What "no identity" means: before the team accepts a mark, nothing that could name the investor
leaves the service: the team sees a mark's id, level, time and whether it can be accepted, but
never the investor's name, organization, contacts or note (a note is free text the investor
may sign, so it is revealed with the connection, not before). Organizers never see who marked.

Consent (PIPL: sharing contact details with a third party needs its own consent, recorded
with the notice version and time, and can be withdrawn):

- the investor gives it on the mark (``consent=True``, the page's checkbox, never pre-ticked;
  ``consent_to_share`` in the API); without it the mark still counts but cannot be connected
  (`accept_interest` answers 409 ``consent_required``, and the team's list says so);
- the leader gives theirs by accepting (the page's checkbox; in the API the accept call itself
  is the consent, and ``consent_to_share: false`` is refused);
- the connection row keeps both (time and `SHARE_CONSENT_VERSION`); the investor may withdraw
  theirs by marking again with ``consent=False``, which ends the connection too.

Then the investor and the leader who accepted see each other's name, organization, email and
phone (`connections_of`), and nobody else ever does (a later leader of the entry neither).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from eventhub import audit, permissions
from eventhub.accounts.models import User
from eventhub.database import db, insert_unless_taken, lock_for_write, transactional, utcnow
from eventhub.engagement.models import (
    NOTE_MAX,
    InterestLevel,
    InvestorConnection,
    InvestorInterest,
)
from eventhub.errors import Conflict, raise_field_errors
from eventhub.events.models import Event
from eventhub.judging import roadshow
from eventhub.judging.entries import entries_of, is_leader
from eventhub.judging.models import Entry, Round, Stage, StagePhase
from eventhub.registrations.models import Category, Registration, RegistrationStatus
from eventhub.text import text_error

#: The version of the consent texts both sides agree to (`investor_forms`' consent labels);
#: change it whenever that text changes, so each record names the text that was shown.
SHARE_CONSENT_VERSION = "contacts-1"

LEVELS = tuple(InterestLevel)


def consent_required() -> Conflict:
    return Conflict(
        _l("The investor has not agreed to share their contact details, so this cannot be "
           "connected."),
        code="consent_required",
    )


# Who ----------------------------------------------------------------------------------------


def investor_registration(user: Any, event_id: int) -> Registration | None:
    """The user's confirmed registration in an investor category of the event, or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(
        sa.select(Registration)
        .join(Category, Category.id == Registration.category_id)
        .where(
            Registration.event_id == event_id,
            Registration.user_id == user.id,
            Registration.status == RegistrationStatus.confirmed,
            Category.event_id == event_id,
            Category.investor.is_(True),
        )
    )


def is_investor_at(user: Any, event: Event) -> bool:
    """A confirmed registrant of the event in one of its investor categories."""
    return investor_registration(user, event.id) is not None


def can_mark(user: Any, entry: Entry) -> bool:
    """Mark interest in an entry: an investor of its event who does not lead it."""
    return not is_leader(user, entry) and investor_registration(user, entry.event_id) is not None


def can_see_counts(user: Any, entry: Entry) -> bool:
    """How many marks of each level an entry has: its leader and the event's organizers."""
    return is_leader(user, entry) or permissions.can_manage_event(user, entry_event(entry))


def entry_event(entry: Entry) -> Event:
    return db.session.get(Event, entry.event_id)


# Marking ------------------------------------------------------------------------------------


def mark_of(user: Any, entry: Entry) -> InvestorInterest | None:
    """The user's mark on the entry, or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(
        sa.select(InvestorInterest).where(
            InvestorInterest.entry_id == entry.id, InvestorInterest.investor_id == user.id
        )
    )


def _check_mark(level: Any, note: Any, consent: Any) -> InterestLevel:
    raise_field_errors({
        "level": None if level in LEVELS else _l("Choose interested, meeting or bp."),
        "note": text_error(note, limit=NOTE_MAX),
        "consent_to_share": None if consent is None or isinstance(consent, bool)
        else _l("Answer yes or no."),
    })
    return InterestLevel(level)


def _set_consent(mark: InvestorInterest, consent: bool | None, now: datetime) -> None:
    if consent is None:
        return
    if consent and mark.share_consent_at is None:
        mark.share_consent_at, mark.share_consent_version = now, SHARE_CONSENT_VERSION
    elif not consent and mark.share_consent_at is not None:
        mark.share_consent_at, mark.share_consent_version = None, ""
        connection = connection_of(mark)
        if connection is not None:  # withdrawing the consent ends the sharing
            audit.record("investor.consent_withdrawn", connection, actor=mark.investor,
                         before={"interest_id": mark.id})
            db.session.delete(connection)


@transactional
def mark_interest(
    actor: User,
    entry: Entry,
    level: str,
    note: str | None = None,
    consent: bool | None = None,
    now: datetime | None = None,
) -> tuple[InvestorInterest, bool]:
    """Mark the actor's interest in an entry at ``level`` (interested, meeting or bp), or
    change their mark; returns (mark, created). ``note`` None keeps the mark's note (a new
    one: empty). ``consent`` True records the actor's consent to share their contact details
    with the team if it accepts; False withdraws it (and ends a connection); None leaves it as
    it is (a new mark: not given). Two requests at once make one mark (the unique (entry,
    investor) constraint decides; the later one updates it). Raises NotAllowed (not an
    investor of the entry's event, or its leader), ValidationFailed."""
    permissions.require(can_mark, actor, entry)
    level_ = _check_mark(level, note, consent)
    now = now or utcnow()
    lock_for_write()
    mark = mark_of(actor, entry)
    created = False
    if mark is None:
        new = InvestorInterest(entry_id=entry.id, investor_id=actor.id, investor=actor,
                               level=level_, note=(note or "").strip(), created_at=now,
                               updated_at=now)
        _set_consent(new, consent, now)
        created = insert_unless_taken(new)
        mark = new if created else mark_of(actor, entry)
    if not created:
        mark.level = level_
        if note is not None:
            mark.note = note.strip()
        _set_consent(mark, consent, now)
        mark.updated_at = now
        db.session.flush()
    return mark, created


# The team's side ------------------------------------------------------------------------------


def connection_of(mark: InvestorInterest) -> InvestorConnection | None:
    """The connection made of the mark, or None."""
    return db.session.scalar(
        sa.select(InvestorConnection).where(InvestorConnection.interest_id == mark.id)
    )


@transactional
def accept_interest(
    actor: User, mark: InvestorInterest, consent: Any = True, now: datetime | None = None
) -> InvestorConnection:
    """Accept a mark on the entry the actor leads (对接): the actor consents to share their
    contact details with its investor, and the two see each other's from then on. Accepting
    again answers the same connection. Raises NotAllowed (not the entry's leader),
    ValidationFailed (``consent`` not True), Conflict ``consent_required`` (the investor has
    not consented, or withdrew)."""
    permissions.require(is_leader, actor, mark.entry)
    raise_field_errors({"consent_to_share": None if consent is True else _l(
        "Accepting shares your contact details with this investor: please agree to it.")})
    now = now or utcnow()
    lock_for_write()
    db.session.refresh(mark)  # the investor may have withdrawn a moment ago
    existing = connection_of(mark)
    if existing is not None:
        return existing
    if mark.share_consent_at is None:
        raise consent_required()
    connection = InvestorConnection(
        interest_id=mark.id, entry_id=mark.entry_id, investor_id=mark.investor_id,
        leader_id=actor.id, investor_consent_at=mark.share_consent_at,
        investor_consent_version=mark.share_consent_version, leader_consent_at=now,
        leader_consent_version=SHARE_CONSENT_VERSION, created_at=now,
    )
    if not insert_unless_taken(connection):  # a second accept at the same instant
        return connection_of(mark)
    audit.record("investor.connected", connection, actor=actor,
                 after={"interest_id": mark.id})
    return connection


@dataclass
class Summary:
    """What a viewer may see of an entry's marks: ``counts`` (leader and organizers),
    ``marks`` (the leader: anonymous), ``mine`` (an investor's own mark)."""

    entry: Entry
    counts: dict[str, int] | None = None
    connected: int | None = None
    marks: list[dict[str, Any]] | None = None
    mine: InvestorInterest | None = None
    mine_connected: bool = False

    @property
    def total(self) -> int:
        return sum((self.counts or {}).values())


def _counts(entry_ids: list[int]) -> dict[int, dict[str, int]]:
    """{entry id: {level: marks, "connected": connections}} in one aggregate query."""
    columns = [sa.func.count(sa.case((InvestorInterest.level == level, 1))).label(level.value)
               for level in LEVELS]
    rows = db.session.execute(
        sa.select(Entry.id, *columns, sa.func.count(InvestorConnection.id).label("connected"))
        .select_from(Entry)
        .outerjoin(InvestorInterest, InvestorInterest.entry_id == Entry.id)
        .outerjoin(InvestorConnection, InvestorConnection.interest_id == InvestorInterest.id)
        .where(Entry.id.in_(entry_ids))
        .group_by(Entry.id)
    ).all()
    return {row.id: {k: v for k, v in row._mapping.items() if k != "id"} for row in rows}


def anonymous_marks(entry: Entry) -> list[dict[str, Any]]:
    """The entry's marks as its leader sees them before accepting: id, level, when, whether
    it can be accepted (the investor consented) and whether it is connected; nothing that
    names the investor. Most recent first."""
    rows = db.session.execute(
        sa.select(InvestorInterest.id, InvestorInterest.level, InvestorInterest.created_at,
                  InvestorInterest.share_consent_at, InvestorConnection.id.label("connection"))
        .outerjoin(InvestorConnection, InvestorConnection.interest_id == InvestorInterest.id)
        .where(InvestorInterest.entry_id == entry.id)
        .order_by(InvestorInterest.created_at.desc(), InvestorInterest.id.desc())
    ).all()
    return [
        {"id": row.id, "level": row.level, "created_at": row.created_at,
         "connectable": row.share_consent_at is not None,
         "status": "connected" if row.connection else "pending"}
        for row in rows
    ]


def can_see_interest(user: Any, entry: Entry) -> bool:
    """Ask about an entry's marks: its leader and the event's organizers (the counts), the
    event's investors (their own mark)."""
    return can_see_counts(user, entry) or can_mark(user, entry)


def interest_summary(viewer: Any, entry: Entry) -> Summary:
    """What the viewer may see of the entry's marks (see `Summary`). Raises NotAllowed for
    anyone but its leader, the event's organizers and the event's investors."""
    permissions.require(can_see_interest, viewer, entry)
    leader = is_leader(viewer, entry)
    organizer = permissions.can_manage_event(viewer, entry_event(entry))
    investor = can_mark(viewer, entry)
    summary = Summary(entry=entry)
    if leader or organizer:
        counts = _counts([entry.id])[entry.id]
        summary.connected = counts.pop("connected")
        summary.counts = counts
    if leader:
        summary.marks = anonymous_marks(entry)
    if investor:
        summary.mine = mark_of(viewer, entry)
        summary.mine_connected = bool(summary.mine and connection_of(summary.mine))
    return summary


def event_figures(actor: Any, event: Event) -> list[dict[str, Any]]:
    """The organizers' 融资对接 figures: per entry of the event, its marks of each level and
    its connections (aggregate queries; no investor named). Raises NotAllowed."""
    permissions.require(permissions.can_manage_event, actor, event)
    entries = entries_of(event)
    counts = _counts([e.id for e in entries]) if entries else {}
    return [{"entry_id": e.id, "title": e.title, "team_name": e.team_name, **counts[e.id],
             "total": sum(counts[e.id][level] for level in LEVELS)} for e in entries]


# Connections ----------------------------------------------------------------------------------


def _contacts(pairs: set[tuple[int, int]]) -> dict[tuple[int, int], dict[str, str]]:
    """{(event id, user id): {name, organization, email, phone}}: the account's details,
    blanks filled from the person's registration at the event (two queries)."""
    user_ids = {u for _, u in pairs}
    users = {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(user_ids)))}
    registrations = {
        (r.event_id, r.user_id): r
        for r in db.session.scalars(sa.select(Registration).where(
            Registration.user_id.in_(user_ids),
            Registration.event_id.in_({e for e, _ in pairs})))
    }
    contacts = {}
    for event_id, user_id in pairs:
        user, registration = users.get(user_id), registrations.get((event_id, user_id))
        contact = {}
        for name in ("name", "organization", "email", "phone"):
            value = getattr(user, name, None) or getattr(registration, name, None) or ""
            contact[name] = value
        contacts[(event_id, user_id)] = contact
    return contacts


def connections_of(user: Any) -> list[dict[str, Any]]:
    """The user's connections, newest first: as the investor (the leader's contact details)
    and as the leader who accepted (the investor's, with their level and note). Nobody else's
    connections, ever."""
    if not getattr(user, "is_authenticated", False):
        return []
    rows = db.session.execute(
        sa.select(InvestorConnection, InvestorInterest, Entry)
        .join(InvestorInterest, InvestorInterest.id == InvestorConnection.interest_id)
        .join(Entry, Entry.id == InvestorConnection.entry_id)
        .where(sa.or_(InvestorConnection.investor_id == user.id,
                      InvestorConnection.leader_id == user.id))
        .order_by(InvestorConnection.created_at.desc(), InvestorConnection.id.desc())
    ).all()

    def other(connection: InvestorConnection) -> int:
        return (connection.leader_id if connection.investor_id == user.id
                else connection.investor_id)

    contacts = _contacts({(entry.event_id, other(c)) for c, _, entry in rows}) if rows else {}
    return [
        {"id": connection.id, "interest_id": mark.id, "entry_id": entry.id,
         "entry_title": entry.title, "event_id": entry.event_id,
         "role": "investor" if connection.investor_id == user.id else "team",
         "level": mark.level, "note": mark.note, "connected_at": connection.created_at,
         **contacts[(entry.event_id, other(connection))]}
        for connection, mark, entry in rows
    ]


# The investor's page ------------------------------------------------------------------------


def on_stage(event: Event) -> tuple[Round, Entry] | None:
    """The round whose roadshow has an entry on stage now, and that entry (the most recently
    changed stage when several do), or None."""
    stage = db.session.scalar(
        sa.select(Stage).join(Round, Round.id == Stage.round_id)
        .where(Round.event_id == event.id, Stage.entry_id.is_not(None),
               Stage.phase != StagePhase.idle)
        .order_by(Stage.updated_at.desc()).limit(1)
    )
    if stage is None or stage.entry is None:
        return None
    return stage.round, stage.entry


def investor_board(actor: Any, event: Event) -> list[dict[str, Any]]:
    """The event's entries as an investor marks them: the one on stage first (``live``), then
    the live round's order of appearance, then the others; each with the actor's mark and
    whether it is connected. Raises NotAllowed (not an investor of the event)."""
    permissions.require(is_investor_at, actor, event)
    live = on_stage(event)
    ordered = roadshow.stage_order(live[0]) if live else []
    seen = {e.id for e in ordered}
    entries = ordered + [e for e in entries_of(event) if e.id not in seen]
    if live:
        entries.sort(key=lambda e: e.id != live[1].id)  # stable: on stage first
    marks = {m.entry_id: m for m in db.session.scalars(sa.select(InvestorInterest).where(
        InvestorInterest.investor_id == actor.id,
        InvestorInterest.entry_id.in_([e.id for e in entries] or [0])))}
    connected = set(db.session.scalars(sa.select(InvestorConnection.entry_id).where(
        InvestorConnection.investor_id == actor.id,
        InvestorConnection.entry_id.in_([e.id for e in entries] or [0]))))
    return [{"entry": e, "live": bool(live) and e.id == live[1].id, "mark": marks.get(e.id),
             "connected": e.id in connected} for e in entries]
