"""Contest tracks (组别) and entries: creating, editing and deleting them, their members, the
entry window in which team leaders submit their own entry, and who may change an entry and read
its attachment (a business plan PDF, stored by `attachments`). Bulk import lives in
`entry_import`.

Every public function that changes something takes the acting user first, checks what they
may do and audits the change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.attributes import set_committed_value

from eventhub import audit, permissions
from eventhub.accounts.models import NAME_MAX, User
from eventhub.database import after_commit, db, lock_for_write, transactional, unique_or, utcnow
from eventhub.errors import Conflict, NotAllowed, NotFound, ValidationFailed, raise_field_errors
from eventhub.events.models import Event
from eventhub.judging import attachments, checks, judges, rounds
from eventhub.judging.models import (
    Assignment,
    ContestSettings,
    Entry,
    Round,
    Scorecard,
    Track,
)
from eventhub.text import text_error

MEMBERS_MAX = 50


def entries_closed() -> Conflict:
    return Conflict(_l("Entries can only be submitted or changed while the entry window is "
                       "open."), code="entries_closed")


# Tracks -----------------------------------------------------------------------------------


@transactional
def create_track(actor: User, event: Event, name: str) -> Track:
    """Add a track (组别) to a contest. Raises NotAllowed, Conflict ``not_a_contest`` and
    ``name_taken``, ValidationFailed."""
    permissions.require(permissions.can_manage_event, actor, event)
    checks.require_contest(event)
    raise_field_errors({"name": text_error(name, limit=NAME_MAX, required=True)})
    position = db.session.scalar(
        sa.select(sa.func.count()).select_from(Track).where(Track.event_id == event.id)
    )
    track = Track(event_id=event.id, name=name.strip(), position=position or 0)
    with unique_or("name", _l("A track with this name exists already.")):
        db.session.add(track)
    audit.record("track.created", track, actor=actor, event_id=event.id,
                 after={"name": track.name})
    return track


def tracks_of(event: Event) -> list[Track]:
    """The contest's tracks in their order."""
    return list(
        db.session.scalars(
            sa.select(Track).where(Track.event_id == event.id).order_by(Track.position, Track.id)
        )
    )


@transactional
def rename_track(actor: User, track: Track, name: str) -> Track:
    """Rename a track (organizers). Raises NotAllowed, Conflict ``name_taken``,
    ValidationFailed."""
    event = db.session.get(Event, track.event_id)
    permissions.require(permissions.can_manage_event, actor, event)
    raise_field_errors({"name": text_error(name, limit=NAME_MAX, required=True)})
    before = {"name": track.name}
    with unique_or("name", _l("A track with this name exists already.")):
        track.name = name.strip()
    audit.record("track.renamed", track, actor=actor, event_id=event.id, before=before,
                 after={"name": track.name})
    return track


@transactional
def delete_track(actor: User, track: Track) -> None:
    """Delete an empty track (organizers). Raises NotAllowed, Conflict ``track_not_empty``."""
    event = db.session.get(Event, track.event_id)
    permissions.require(permissions.can_manage_event, actor, event)
    if db.session.scalar(sa.select(Entry.id).where(Entry.track_id == track.id).limit(1)):
        raise Conflict(_l("This track has entries. Move or delete them first."),
                       code="track_not_empty")
    audit.record("track.deleted", track, actor=actor, event_id=event.id,
                 before={"name": track.name})
    db.session.delete(track)
    db.session.flush()


def track_counts(event: Event) -> dict[int, int]:
    """How many entries each track of the contest has."""
    return dict(db.session.execute(
        sa.select(Track.id, sa.func.count(Entry.id))
        .outerjoin(Entry, Entry.track_id == Track.id)
        .where(Track.event_id == event.id)
        .group_by(Track.id)
    ).all())


# Members ----------------------------------------------------------------------------------


def check_members(members: Any) -> tuple[list[dict[str, str]], Any]:
    if not isinstance(members, list) or len(members) > MEMBERS_MAX:
        return [], _l("List at most %(n)d members.", n=MEMBERS_MAX)
    clean = []
    for member in members:
        if not isinstance(member, dict) \
                or text_error(member.get("name"), limit=NAME_MAX, required=True):
            return [], _l("Give every member a name (at most 200 characters).")
        if text_error(member.get("role"), limit=NAME_MAX) or set(member) - {"name", "role"}:
            return [], _l("A member has a name and a role (at most 200 characters).")
        clean.append({"name": member["name"].strip(), "role": (member.get("role") or "").strip()})
    return clean, None


_MEMBER_SPLIT = re.compile(r"[;；、,，\n]+")
_MEMBER_ROLE = re.compile(
    r"^(?P<name>[^:：(（]+?)\s*(?:[:：]\s*(?P<role>.*)|[(（](?P<role2>[^)）]*)[)）])?$"
)


def parse_members(text: str) -> list[dict[str, str]] | None:
    """Members typed in one cell or text area: ``张三:CEO; 李四:CTO``, ``张三（CEO）、李四`` or one
    ``姓名 角色``-less name per line. None when a part cannot be read."""
    members = []
    for part in _MEMBER_SPLIT.split(text or ""):
        part = part.strip()
        if not part:
            continue
        match = _MEMBER_ROLE.match(part)
        if match is None:
            return None
        role = match.group("role") or match.group("role2") or ""
        members.append({"name": match.group("name").strip(), "role": role.strip()})
    return members


def format_members(members: list[dict[str, Any]] | None) -> str:
    """Members as one line a person reads and `parse_members` reads back."""
    return "; ".join(
        f"{m.get('name', '')}:{m['role']}" if m.get("role") else str(m.get("name", ""))
        for m in members or ()
    )


# Entries ----------------------------------------------------------------------------------


@dataclass
class EntryInfo:
    title: str
    track_id: int
    team_name: str = ""
    institution: str = ""
    summary: str = ""
    members: list[dict[str, Any]] = field(default_factory=list)
    leader_id: int | None = None


@transactional
def create_entry(actor: User, event: Event, info: EntryInfo) -> Entry:
    """Enter a project in a contest (organizers). Raises NotAllowed, Conflict
    ``not_a_contest``, ValidationFailed."""
    permissions.require(permissions.can_manage_event, actor, event)
    checks.require_contest(event)
    track = db.session.get(Track, info.track_id) if isinstance(info.track_id, int) else None
    members, members_error = check_members(info.members)
    leader = db.session.get(User, info.leader_id) if info.leader_id is not None else None
    raise_field_errors(
        {
            "title": text_error(info.title, limit=NAME_MAX, required=True),
            "track_id": None
            if track is not None and track.event_id == event.id
            else _l("Choose a track of this contest."),
            "team_name": text_error(info.team_name, limit=NAME_MAX),
            "institution": text_error(info.institution, limit=NAME_MAX),
            "summary": text_error(info.summary, limit=checks.TEXT_MAX),
            "members": members_error,
            "leader_id": None
            if info.leader_id is None or leader is not None
            else _l("No such user."),
        }
    )
    entry = Entry(
        event_id=event.id,
        track_id=track.id,
        title=info.title.strip(),
        team_name=(info.team_name or "").strip(),
        institution=(info.institution or "").strip(),
        summary=info.summary or "",
        members=members,
        leader_id=info.leader_id,
    )
    db.session.add(entry)
    db.session.flush()
    audit.record("entry.created", entry, actor=actor, event_id=event.id,
                 after={"title": entry.title, "track_id": track.id})
    return entry


def entries_of(event: Event, track_id: int | None = None) -> list[Entry]:
    """The contest's entries by track, then in the order they were entered."""
    query = sa.select(Entry).where(Entry.event_id == event.id)
    if track_id is not None:
        query = query.where(Entry.track_id == track_id)
    return list(db.session.scalars(query.order_by(Entry.track_id, Entry.id)))


def search_entries(event: Event, track_id: int | None = None, q: str = "") -> list[Entry]:
    """The contest's entries, optionally of one track and matching ``q`` (title, team,
    institution), by track then in the order they were entered."""
    entries = entries_of(event, track_id)
    needle = (q or "").strip().casefold()
    if needle:
        entries = [e for e in entries if any(
            needle in (v or "").casefold() for v in (e.title, e.team_name, e.institution))]
    # The leaders in one query, set on their entries (no query per ``entry.leader``).
    leader_ids = {e.leader_id for e in entries if e.leader_id is not None}
    leaders = {u.id: u for u in db.session.scalars(
        sa.select(User).where(User.id.in_(leader_ids)))} if leader_ids else {}
    for entry in entries:
        set_committed_value(entry, "leader", leaders.get(entry.leader_id))
    return entries


# The entry window -------------------------------------------------------------------------


def contest_settings(event: Event) -> ContestSettings | None:
    """The contest's settings row, or None when nothing was set."""
    return db.session.get(ContestSettings, event.id)


def entry_window(event: Event) -> tuple[datetime | None, datetime | None]:
    """When team leaders may submit entries: (opens, closes); None where not set."""
    settings = contest_settings(event)
    if settings is None:
        return None, None
    return settings.entries_open_at, settings.entries_close_at


def entries_open(event: Event, now: datetime | None = None) -> bool:
    """Tell whether team leaders may submit and change entries now: the contest is published
    (not cancelled or archived), the window has an opening time that has passed, and its
    closing time (if any) has not."""
    opens, closes = entry_window(event)
    now = now or utcnow()
    return (
        event.kind == "contest"
        and event.status in ("published", "closed")
        and opens is not None
        and opens <= now
        and (closes is None or now < closes)
    )


@transactional
def set_entry_window(
    actor: User, event: Event, opens: datetime | None, closes: datetime | None
) -> ContestSettings:
    """Set when team leaders may submit entries (None: not set). Raises NotAllowed,
    Conflict ``not_a_contest``, ValidationFailed (closes before opens)."""
    permissions.require(permissions.can_manage_event, actor, event)
    checks.require_contest(event)
    if opens is not None and closes is not None and closes <= opens:
        raise ValidationFailed(fields={"entries_close_at": _l("Choose a time after the opening.")})
    if closes is not None and opens is None:
        raise ValidationFailed(fields={"entries_open_at": _l("Enter when the window opens.")})
    settings = contest_settings(event) or ContestSettings(event_id=event.id)
    before = _window_json(settings)
    settings.entries_open_at, settings.entries_close_at = opens, closes
    db.session.add(settings)
    db.session.flush()
    audit.record("contest.entry_window_set", event, actor=actor, event_id=event.id,
                 before=before, after=_window_json(settings))
    return settings


def _window_json(settings: ContestSettings) -> dict[str, Any]:
    return {
        name: value.isoformat() if value else None
        for name, value in (("entries_open_at", settings.entries_open_at),
                            ("entries_close_at", settings.entries_close_at))
    }


# Checking an entry's fields ---------------------------------------------------------------


#: What each text field of an entry may hold: (maximum length, required).
TEXT_FIELDS = {
    "title": (NAME_MAX, True),
    "team_name": (NAME_MAX, False),
    "institution": (NAME_MAX, False),
    "summary": (checks.TEXT_MAX, False),
}


def _checked(event: Event, changes: dict[str, Any]) -> dict[str, Any]:
    """The changes, cleaned (texts stripped, members checked, the track and leader known in
    this contest). Raises ValidationFailed with a reason per field."""
    errors: dict[str, Any] = {}
    clean: dict[str, Any] = {}
    for name, (limit, required) in TEXT_FIELDS.items():
        if name in changes:
            value = changes[name] if changes[name] is not None or required else ""
            errors[name] = text_error(value, limit=limit, required=required)
            if not errors[name]:
                clean[name] = value if name == "summary" else value.strip()
    if "members" in changes:
        clean["members"], errors["members"] = check_members(changes["members"])
    if "track_id" in changes:
        track = _track_in(event, changes["track_id"])
        errors["track_id"] = None if track else _l("Choose a track of this contest.")
        clean["track_id"] = track.id if track else None
    if changes.get("leader_id") is not None:
        leader = db.session.get(User, changes["leader_id"]) if isinstance(
            changes["leader_id"], int) else None
        errors["leader_id"] = None if leader else _l("No such user.")
        clean["leader_id"] = changes["leader_id"]
    elif "leader_id" in changes:
        clean["leader_id"] = None
    raise_field_errors(errors)
    return clean


def _track_in(event: Event, track_id: Any) -> Track | None:
    if not isinstance(track_id, int) or isinstance(track_id, bool):
        return None
    track = db.session.get(Track, track_id)
    return track if track is not None and track.event_id == event.id else None


def lock_contest(event: Event) -> None:
    """Serialize the decisions of one contest (one entry per leader) until the commit:
    ``SELECT … FOR UPDATE`` on the event row; SQLite's write lock."""
    lock_for_write()
    db.session.execute(sa.select(Event.id).where(Event.id == event.id).with_for_update())


def entry_of_leader(event: Event, user: Any) -> Entry | None:
    """The entry the user leads in the contest, or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(
        sa.select(Entry).where(Entry.event_id == event.id, Entry.leader_id == user.id)
        .order_by(Entry.id).limit(1)
    )


def _refuse_second_entry(event: Event, leader_id: int, entry: Entry | None = None) -> None:
    other = db.session.scalar(
        sa.select(Entry.id).where(
            Entry.event_id == event.id, Entry.leader_id == leader_id,
            Entry.id != (entry.id if entry is not None else 0),
        ).limit(1)
    )
    if other is not None:
        message = _l("This person leads another entry of this contest already.")
        raise Conflict(message, code="entry_exists", fields={"leader_id": message},
                       entry_id=other)


def _audit_json(entry: Entry) -> dict[str, Any]:
    return {"title": entry.title, "track_id": entry.track_id, "team_name": entry.team_name,
            "institution": entry.institution, "leader_id": entry.leader_id}


# A team leader's own entry ----------------------------------------------------------------


@transactional
def submit_entry(
    actor: User, event: Event, changes: dict[str, Any], now: datetime | None = None
) -> Entry:
    """Enter the actor's project in the contest, with the actor as its leader, while the
    entry window is open; one entry per leader. Raises NotAllowed (not signed in, cannot see
    the event), Conflict ``not_a_contest``, ``entries_closed``, ``entry_exists``,
    ValidationFailed."""
    if not getattr(actor, "is_authenticated", False) or not permissions.can_view_event(
        actor, event
    ):
        raise NotAllowed()
    checks.require_contest(event)
    clean = _checked(event, {"title": None, "track_id": None, **changes, "leader_id": None})
    lock_contest(event)
    if not entries_open(event, now):
        raise entries_closed()
    _refuse_second_entry(event, actor.id)
    entry = Entry(event_id=event.id, **{**clean, "leader_id": actor.id})
    db.session.add(entry)
    db.session.flush()
    audit.record("entry.submitted", entry, actor=actor, event_id=event.id,
                 after=_audit_json(entry))
    return entry


@transactional
def save_own_entry(
    actor: User, event: Event, changes: dict[str, Any], now: datetime | None = None
) -> tuple[Entry, bool]:
    """Submit the actor's entry, or change the one they lead (decided under the contest's
    lock, so two requests at once make one entry). Returns (entry, created). Raises as
    `submit_entry` and `update_entry`."""
    if not getattr(actor, "is_authenticated", False) or not permissions.can_view_event(
        actor, event
    ):
        raise NotAllowed()
    checks.require_contest(event)
    lock_contest(event)
    entry = entry_of_leader(event, actor)
    if entry is not None:
        return update_entry(actor, entry, {k: v for k, v in changes.items()
                                           if k != "leader_id"}, now), False
    return submit_entry(actor, event, changes, now), True


def may_edit_entry(user: Any, entry: Entry, now: datetime | None = None) -> bool:
    """Organizers of the contest at any time; the entry's leader while the window is open."""
    event = db.session.get(Event, entry.event_id)
    if permissions.can_manage_event(user, event):
        return True
    return is_leader(user, entry) and entries_open(event, now)


def is_leader(user: Any, entry: Entry) -> bool:
    return bool(getattr(user, "is_authenticated", False) and entry.leader_id == user.id)


def require_editor(actor: User, entry: Entry, now: datetime | None = None) -> Event:
    """The entry's event, when the actor may change the entry now. Raises NotAllowed,
    Conflict ``entries_closed`` (its leader, after the window)."""
    event = db.session.get(Event, entry.event_id)
    if permissions.can_manage_event(actor, event):
        return event
    if not is_leader(actor, entry):
        raise NotAllowed()
    if not entries_open(event, now):
        raise entries_closed()
    return event


# Editing and deleting ---------------------------------------------------------------------


@transactional
def update_entry(
    actor: User, entry: Entry, changes: dict[str, Any], now: datetime | None = None
) -> Entry:
    """Change an entry's fields (only those given). Organizers at any time (the leader too);
    the leader while the window is open (not the leader). Raises NotAllowed, Conflict
    ``entries_closed``, ``entry_exists``, ValidationFailed."""
    event = require_editor(actor, entry, now)
    if "leader_id" in changes:
        permissions.require(permissions.can_manage_event, actor, event)
    clean = _checked(event, changes)
    if clean.get("leader_id") is not None:
        lock_contest(event)
        _refuse_second_entry(event, clean["leader_id"], entry)
    before = _audit_json(entry)
    for name, value in clean.items():
        setattr(entry, name, value)
    entry.updated_at = utcnow()
    db.session.flush()
    audit.record("entry.updated", entry, actor=actor, event_id=event.id, before=before,
                 after=_audit_json(entry))
    return entry


def has_scores(entry: Entry) -> bool:
    """Tell whether any judge saved a scorecard (draft or submitted) for the entry."""
    return db.session.scalar(
        sa.select(sa.literal(True)).where(Scorecard.entry_id == entry.id).limit(1)
    ) is not None


@transactional
def delete_entry(actor: User, entry: Entry) -> None:
    """Delete an entry and its attachment (organizers). Refused once a judge saved a
    scorecard for it. Raises NotAllowed, Conflict ``entry_has_scores``."""
    event = db.session.get(Event, entry.event_id)
    permissions.require(permissions.can_manage_event, actor, event)
    if has_scores(entry):
        raise Conflict(_l("This entry has scores already and cannot be deleted."),
                       code="entry_has_scores")
    key = entry.attachment_key
    audit.record("entry.deleted", entry, actor=actor, event_id=event.id,
                 before=_audit_json(entry))
    db.session.delete(entry)
    db.session.flush()
    if key:
        after_commit(lambda: attachments.remove_file(key))


# The attachment ---------------------------------------------------------------------------


def save_attachment(
    actor: User, entry: Entry, stream: IO[bytes], filename: str | None,
    now: datetime | None = None,
) -> Entry:
    """Attach a PDF to the entry (replacing any earlier one): organizers at any time, the
    leader while the window is open. Raises NotAllowed, Conflict ``entries_closed``,
    ValidationFailed (not a PDF, empty, too large)."""
    require_editor(actor, entry, now)
    key, size = attachments.store(stream)
    try:
        _set_attachment(actor, entry, key, attachments.safe_name(filename), size, now)
    except BaseException:
        attachments.remove_file(key)
        raise
    return entry


@transactional
def _set_attachment(
    actor: User, entry: Entry, key: str | None, name: str, size: int | None,
    now: datetime | None,
) -> None:
    event = require_editor(actor, entry, now)
    old_key = entry.attachment_key
    before = {"name": entry.attachment_name, "size": entry.attachment_size} if old_key else None
    entry.attachment_key = key
    entry.attachment_name = name
    entry.attachment_size = size
    entry.attachment_type = attachments.PDF_TYPE if key else ""
    entry.updated_at = utcnow()
    db.session.flush()
    audit.record("entry.attachment_saved" if key else "entry.attachment_removed", entry,
                 actor=actor, event_id=event.id, before=before,
                 after={"name": name, "size": size} if key else None)
    if old_key and old_key != key:
        after_commit(lambda: attachments.remove_file(old_key))


def remove_attachment(actor: User, entry: Entry, now: datetime | None = None) -> None:
    """Remove the entry's attachment (as for saving one). Raises NotAllowed, NotFound (none),
    Conflict ``entries_closed``."""
    require_editor(actor, entry, now)
    if not entry.attachment_key:
        raise NotFound()
    _set_attachment(actor, entry, None, "", None, now)


def may_read_attachment(user: Any, entry: Entry) -> bool:
    """Organizers of the contest, the entry's leader, and judges assigned to the entry in
    any round without a conflict of interest."""
    if not getattr(user, "is_authenticated", False):
        return False
    event = db.session.get(Event, entry.event_id)
    if permissions.can_manage_event(user, event) or is_leader(user, entry):
        return True
    judge = judges.judge_of(user, entry.event_id)
    if judge is None:
        return False
    assigned = db.session.scalar(
        sa.select(sa.literal(True)).where(
            Assignment.judge_id == judge.id, Assignment.entry_id == entry.id
        ).limit(1)
    )
    return bool(assigned) and not judges.is_conflicted(judge, entry)


def attachment_download_name(user: Any, entry: Entry) -> str:
    """The name ``user`` downloads the attachment under: as it was uploaded, except for a
    judge assigned to the entry in an anonymous round, who gets a neutral ``参赛项目-<id>.pdf``
    (an uploaded name often carries the team's, which such a round hides from judges)."""
    name = entry.attachment_name or "entry.pdf"
    event = db.session.get(Event, entry.event_id)
    if permissions.can_manage_event(user, event) or is_leader(user, entry):
        return name
    judge = judges.judge_of(user, entry.event_id)
    if judge is None:
        return str(_l("entry-%(id)d.pdf", id=entry.id))
    judged_in = db.session.scalars(
        sa.select(Round)
        .join(Assignment, Assignment.round_id == Round.id)
        .where(Assignment.judge_id == judge.id, Assignment.entry_id == entry.id)
    )
    hidden = any(rounds.hides_team(round_) for round_ in judged_in)
    return str(_l("entry-%(id)d.pdf", id=entry.id)) if hidden else name


def open_attachment(actor: Any, entry: Entry) -> Path:
    """The attachment's file, to those who may read it. Raises NotAllowed, NotFound (no
    attachment, or its file is gone)."""
    permissions.require(may_read_attachment, actor, entry)
    if not entry.attachment_key:
        raise NotFound()
    path = attachments.attachment_path(entry.attachment_key)
    if not path.is_file():
        raise NotFound()
    return path
