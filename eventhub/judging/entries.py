"""Contest entries beyond creation: the entry window, a team leader's own entry, editing and
deleting entries and tracks, the attachment (a business plan PDF) and bulk import from CSV or
XLSX with a report of the rejected rows.

Attachments are stored under ``UPLOAD_FOLDER/entries`` by a random key (never the uploader's
file name): written to a temporary file, checked (size, the ``%PDF-`` magic bytes), renamed
into place, and the file it replaces is removed only once the change is committed.
"""

from __future__ import annotations

import csv
import io
import os
import re
import secrets
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.attributes import set_committed_value

from eventhub import audit, permissions, sheets
from eventhub.accounts import services as accounts
from eventhub.accounts.models import NAME_MAX, User
from eventhub.database import after_commit, db, lock_for_write, transactional, unique_or, utcnow
from eventhub.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from eventhub.events.models import Event
from eventhub.judging import services
from eventhub.judging.models import (
    Assignment,
    ContestSettings,
    Entry,
    Round,
    Scorecard,
    Track,
)
from eventhub.text import strip_forbidden

PDF_MAGIC = b"%PDF-"
PDF_TYPE = "application/pdf"
#: The columns of an import, in the order of the template and of the rejected-rows file.
IMPORT_FIELDS = ("title", "track", "team_name", "institution", "summary", "members",
                 "leader_email")
#: Header names accepted for each column (compared without spaces, case and a trailing ``*``).
IMPORT_HEADERS = {
    "title": ("title", "项目名称", "项目", "名称", "作品名称"),
    "track": ("track", "组别", "赛道", "行业", "组别/赛道", "行业/赛道"),
    "track_id": ("track_id",),
    "team_name": ("team_name", "team", "团队名称", "团队"),
    "institution": ("institution", "单位", "学校", "单位/学校", "学校/单位", "所在单位"),
    "summary": ("summary", "简介", "项目简介"),
    "members": ("members", "成员", "团队成员"),
    "leader_email": ("leader_email", "负责人邮箱", "邮箱", "email"),
}
#: The headers of the rejected-rows file (the Chinese ones, as organizers' sheets use).
IMPORT_TEMPLATE_HEADERS = ("项目名称", "组别", "团队名称", "单位/学校", "简介", "成员",
                           "负责人邮箱")
IMPORT_MAX_COLUMNS = 30
#: The most an XLSX file may hold once unpacked (its XML is far larger than its data).
XLSX_MAX_UNPACKED = 100 * 1024 * 1024


# Errors ------------------------------------------------------------------------------------


def entries_closed() -> Conflict:
    return Conflict(_l("Entries can only be submitted or changed while the entry window is "
                       "open."), code="entries_closed")


def _require_manager(actor: User, event: Event) -> None:
    if not permissions.can_manage_event(actor, event):
        raise NotAllowed()


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
    _require_manager(actor, event)
    services._require_contest(event)
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
    "summary": (services.TEXT_MAX, False),
}


def _checked(event: Event, changes: dict[str, Any]) -> dict[str, Any]:
    """The changes, cleaned (texts stripped, members checked, the track and leader known in
    this contest). Raises ValidationFailed with a reason per field."""
    errors: dict[str, Any] = {}
    clean: dict[str, Any] = {}
    for name, (limit, required) in TEXT_FIELDS.items():
        if name in changes:
            value = changes[name] if changes[name] is not None or required else ""
            errors[name] = services._text(value, limit, required)
            if not errors[name]:
                clean[name] = value if name == "summary" else value.strip()
    if "members" in changes:
        clean["members"], errors["members"] = services._check_members(changes["members"])
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
    accounts.raise_field_errors(errors)
    return clean


def _track_in(event: Event, track_id: Any) -> Track | None:
    if not isinstance(track_id, int) or isinstance(track_id, bool):
        return None
    track = db.session.get(Track, track_id)
    return track if track is not None and track.event_id == event.id else None


def _lock_event(event: Event) -> None:
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
    services._require_contest(event)
    clean = _checked(event, {"title": None, "track_id": None, **changes, "leader_id": None})
    _lock_event(event)
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
    services._require_contest(event)
    _lock_event(event)
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
    if "leader_id" in changes and not permissions.can_manage_event(actor, event):
        raise NotAllowed()
    clean = _checked(event, changes)
    if clean.get("leader_id") is not None:
        _lock_event(event)
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
    _require_manager(actor, event)
    if has_scores(entry):
        raise Conflict(_l("This entry has scores already and cannot be deleted."),
                       code="entry_has_scores")
    key = entry.attachment_key
    audit.record("entry.deleted", entry, actor=actor, event_id=event.id,
                 before=_audit_json(entry))
    db.session.delete(entry)
    db.session.flush()
    if key:
        after_commit(lambda: _remove_file(key))


@transactional
def rename_track(actor: User, track: Track, name: str) -> Track:
    """Rename a track (organizers). Raises NotAllowed, Conflict ``name_taken``,
    ValidationFailed."""
    event = db.session.get(Event, track.event_id)
    _require_manager(actor, event)
    accounts.raise_field_errors({"name": services._text(name, required=True)})
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
    _require_manager(actor, event)
    if db.session.scalar(sa.select(Entry.id).where(Entry.track_id == track.id).limit(1)):
        raise Conflict(_l("This track has entries. Move or delete them first."),
                       code="track_not_empty")
    audit.record("track.deleted", track, actor=actor, event_id=event.id,
                 before={"name": track.name})
    db.session.delete(track)
    db.session.flush()


def track_counts(event: Event) -> dict[int, int]:
    """How many entries each track of the contest has."""
    rows = db.session.execute(
        sa.select(Entry.track_id, sa.func.count()).where(Entry.event_id == event.id)
        .group_by(Entry.track_id)
    )
    return {row[0]: row[1] for row in rows}


def search_entries(event: Event, track_id: int | None = None, q: str = "") -> list[Entry]:
    """The contest's entries, optionally of one track and matching ``q`` (title, team,
    institution), by track then in the order they were entered."""
    entries = services.entries_of(event, track_id)
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


# Attachments ------------------------------------------------------------------------------


def upload_folder() -> Path:
    """Where attachments live (created on first use)."""
    base = current_app.config.get("UPLOAD_FOLDER") or os.path.join(
        current_app.instance_path, "uploads")
    folder = Path(base) / "entries"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def attachment_path(key: str) -> Path:
    if not re.fullmatch(r"[0-9a-f]{32}", key or ""):
        raise NotFound()
    return upload_folder() / key


def max_attachment_bytes() -> int:
    return int(current_app.config.get("ENTRY_ATTACHMENT_MAX_BYTES") or 10 * 1024 * 1024)


def _remove_file(key: str) -> None:
    try:
        attachment_path(key).unlink(missing_ok=True)
    except (NotFound, OSError):
        current_app.logger.warning("Could not remove attachment %s", key)


def _store(stream: IO[bytes]) -> tuple[str, int]:
    """Copy an upload to a new file under a random key; check its size and that it is a PDF.
    Raises ValidationFailed (``file``) and leaves nothing behind."""
    limit = max_attachment_bytes()
    folder = upload_folder()
    key = secrets.token_hex(16)
    temp = folder / f".{key}.part"
    size = 0
    head = b""
    try:
        with open(temp, "wb") as out:
            while chunk := stream.read(64 * 1024):
                if len(head) < len(PDF_MAGIC):
                    head += chunk[: len(PDF_MAGIC)]
                size += len(chunk)
                if size > limit:
                    raise ValidationFailed(
                        _l("The file is too large."), code="file_too_large",
                        fields={"file": _l("The file is larger than %(n)d MB.",
                                           n=limit // (1024 * 1024))})
                out.write(chunk)
        if size == 0:
            raise ValidationFailed(fields={"file": _l("Choose a file.")})
        if not head.startswith(PDF_MAGIC):
            raise ValidationFailed(fields={"file": _l("Upload a PDF file.")})
        os.replace(temp, folder / key)
    finally:
        temp.unlink(missing_ok=True)
    return key, size


def _safe_name(filename: str | None) -> str:
    """The name to show for the file: no folders, no control characters, at most 200
    characters, ending in .pdf."""
    name = re.split(r"[\\/]", filename or "")[-1]
    name = "".join(c for c in name if c.isprintable()).strip() or "attachment.pdf"
    if not name.lower().endswith(".pdf"):
        name += ".pdf"
    return name[-NAME_MAX:]


def save_attachment(
    actor: User, entry: Entry, stream: IO[bytes], filename: str | None,
    now: datetime | None = None,
) -> Entry:
    """Attach a PDF to the entry (replacing any earlier one): organizers at any time, the
    leader while the window is open. Raises NotAllowed, Conflict ``entries_closed``,
    ValidationFailed (not a PDF, empty, too large)."""
    require_editor(actor, entry, now)
    key, size = _store(stream)
    try:
        _set_attachment(actor, entry, key, _safe_name(filename), size, now)
    except BaseException:
        _remove_file(key)
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
    entry.attachment_type = PDF_TYPE if key else ""
    entry.updated_at = utcnow()
    db.session.flush()
    audit.record("entry.attachment_saved" if key else "entry.attachment_removed", entry,
                 actor=actor, event_id=event.id, before=before,
                 after={"name": name, "size": size} if key else None)
    if old_key and old_key != key:
        after_commit(lambda: _remove_file(old_key))


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
    judge = services.judge_of(user, entry.event_id)
    if judge is None:
        return False
    assigned = db.session.scalar(
        sa.select(sa.literal(True)).where(
            Assignment.judge_id == judge.id, Assignment.entry_id == entry.id
        ).limit(1)
    )
    return bool(assigned) and not services.is_conflicted(judge, entry)


def attachment_download_name(user: Any, entry: Entry) -> str:
    """The name ``user`` downloads the attachment under: as it was uploaded, except for a
    judge assigned to the entry in an anonymous round, who gets a neutral ``参赛项目-<id>.pdf``
    (an uploaded name often carries the team's, which such a round hides from judges)."""
    name = entry.attachment_name or "entry.pdf"
    event = db.session.get(Event, entry.event_id)
    if permissions.can_manage_event(user, event) or is_leader(user, entry):
        return name
    judge = services.judge_of(user, entry.event_id)
    anonymous = judge is not None and db.session.scalar(
        sa.select(sa.literal(True))
        .select_from(Assignment)
        .join(Round, Round.id == Assignment.round_id)
        .where(Assignment.judge_id == judge.id, Assignment.entry_id == entry.id, Round.anonymous)
        .limit(1)
    )
    return str(_l("entry-%(id)d.pdf", id=entry.id)) if anonymous or judge is None else name


def open_attachment(actor: Any, entry: Entry) -> Path:
    """The attachment's file, to those who may read it. Raises NotAllowed, NotFound (no
    attachment, or its file is gone)."""
    if not may_read_attachment(actor, entry):
        raise NotAllowed()
    if not entry.attachment_key:
        raise NotFound()
    path = attachment_path(entry.attachment_key)
    if not path.is_file():
        raise NotFound()
    return path


# Import -----------------------------------------------------------------------------------


@dataclass
class RejectedRow:
    #: The row's number as the spreadsheet shows it (the header is row 1).
    row: int
    #: Why, per column (``title``, ``track``, ...; ``_row`` for the row as a whole).
    errors: dict[str, str]
    #: The row's cells, by column name, to write back into a file to fix and upload again.
    values: dict[str, str] = field(default_factory=dict)


@dataclass
class ImportReport:
    created: list[Entry] = field(default_factory=list)
    rejected: list[RejectedRow] = field(default_factory=list)


def _header_key(name: Any) -> str:
    return re.sub(r"\s+", "", str(name or "")).rstrip("*").casefold()


_HEADER_LOOKUP = {_header_key(h): name for name, headers in IMPORT_HEADERS.items()
                  for h in headers}


def _cell(value: Any) -> str:
    """A spreadsheet cell as text, without the characters no text may hold (a person cannot
    see them in the file, so they are dropped, as forms do: `eventhub.text`)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return strip_forbidden(str(value)).strip()


def _rows_of(table: Iterable[Iterable[Any]], max_rows: int) -> list[tuple[int, dict[str, str]]]:
    """(row number, {column: text}) of each non-blank row under the header. Raises
    ValidationFailed (``file``) when the header lacks the title or track column or there are
    too many rows."""
    iterator = iter(table)
    header = next(iterator, None)
    columns = [_HEADER_LOOKUP.get(_header_key(h)) for h in (header or ())]
    if "title" not in columns or not {"track", "track_id"} & set(columns):
        raise ValidationFailed(fields={"file": _l(
            "The first row must name the columns; 项目名称 (title) and 组别 (track) are "
            "required.")})
    rows = []
    for number, cells in enumerate(iterator, start=2):
        values = {name: _cell(v) for name, v in zip(columns, cells, strict=False) if name}
        if not any(values.values()):
            continue
        if len(rows) >= max_rows:
            raise ValidationFailed(fields={"file": _l("Import at most %(n)d rows at a time.",
                                                      n=max_rows)})
        rows.append((number, values))
    return rows


def _decode_csv(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationFailed(fields={"file": _l("Save the file as CSV in UTF-8 or GB18030.")})


def _xlsx_rows(data: bytes) -> Iterator[tuple[Any, ...]]:
    from openpyxl import load_workbook

    try:
        # A small file that unpacks into gigabytes (a zip bomb) is refused before reading.
        unpacked = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist())
        if unpacked > XLSX_MAX_UNPACKED:
            raise ValidationFailed(fields={"file": _l("The file is too large.")})
        # data_only: a formula cell gives the value Excel saved with it, never the formula.
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except ValidationFailed:
        raise
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for a broken file
        raise ValidationFailed(
            fields={"file": _l("This is not an Excel (.xlsx) file.")}) from None
    try:
        sheet = book.worksheets[0]
        yield from sheet.iter_rows(max_col=IMPORT_MAX_COLUMNS, values_only=True)
    finally:
        book.close()


def read_import_file(filename: str | None, data: bytes) -> list[tuple[int, dict[str, str]]]:
    """The rows of an uploaded CSV (UTF-8 with or without BOM, or GB18030) or XLSX file, by
    column name with the spreadsheet's row numbers. Raises ValidationFailed (``file``)."""
    config = current_app.config
    max_rows = int(config.get("ENTRY_IMPORT_MAX_ROWS") or 5000)
    if len(data) > int(config.get("ENTRY_IMPORT_MAX_BYTES") or 5 * 1024 * 1024):
        raise ValidationFailed(fields={"file": _l("The file is too large.")})
    if not data:
        raise ValidationFailed(fields={"file": _l("Choose a file.")})
    name = (filename or "").lower()
    if name.endswith(".xlsx") or data[:2] == b"PK":
        try:
            return _rows_of(_xlsx_rows(data), max_rows)
        except (ValueError, KeyError, OSError):
            raise ValidationFailed(
                fields={"file": _l("This is not an Excel (.xlsx) file.")}) from None
    if not name.endswith((".csv", ".txt")) and name:
        raise ValidationFailed(fields={"file": _l("Upload a .csv or .xlsx file.")})
    text = _decode_csv(data)
    if "\x00" in text:
        raise ValidationFailed(fields={"file": _l("Save the file as CSV in UTF-8 or GB18030.")})
    try:
        return _rows_of(csv.reader(io.StringIO(text, newline="")), max_rows)
    except csv.Error:
        raise ValidationFailed(fields={"file": _l("The CSV file could not be read.")}) from None


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


def _title_key(title: str) -> str:
    return re.sub(r"\s+", "", title or "").casefold()


@transactional
def import_entries(
    actor: User, event: Event, rows: list[tuple[int, dict[str, Any]]]
) -> ImportReport:
    """Create an entry for every acceptable row (all in one unit of work) and report the
    others with a reason per column: title missing, too long or already in the contest or
    the file; unknown track (tracks are not created by an import); unreadable members;
    no account or a second entry for the leader's email. Raises NotAllowed, Conflict
    ``not_a_contest``."""
    _require_manager(actor, event)
    services._require_contest(event)
    _lock_event(event)
    tracks = services.tracks_of(event)
    by_name = {_title_key(t.name): t for t in tracks}
    by_id = {t.id: t for t in tracks}
    titles = {_title_key(t) for t in db.session.scalars(
        sa.select(Entry.title).where(Entry.event_id == event.id))}
    leaders = set(db.session.scalars(
        sa.select(Entry.leader_id).where(Entry.event_id == event.id,
                                          Entry.leader_id.is_not(None))))
    report = ImportReport()
    for number, values in rows:
        errors, entry = _import_row(event, values, by_name, by_id, titles, leaders)
        if errors:
            report.rejected.append(RejectedRow(number, errors, _row_text(values)))
            continue
        db.session.add(entry)
        report.created.append(entry)
    db.session.flush()
    if report.created:
        audit.record("entry.imported", event, actor=actor, event_id=event.id,
                     after={"created": [e.id for e in report.created],
                            "rejected": len(report.rejected)})
    return report


def _row_text(values: dict[str, Any]) -> dict[str, str]:
    text = {}
    for name, value in values.items():
        if name == "members" and isinstance(value, list):
            value = format_members([m for m in value if isinstance(m, dict)])
        text[name] = value if isinstance(value, str) else ("" if value is None else str(value))
    return text


def _import_row(
    event: Event, values: dict[str, Any], by_name: dict[str, Track], by_id: dict[int, Track],
    titles: set[str], leaders: set[int],
) -> tuple[dict[str, str], Entry | None]:
    """Check one import row: (reasons per column, the new entry when there are none)."""
    errors: dict[str, Any] = {}
    for name, (limit, required) in TEXT_FIELDS.items():
        value = values.get(name)
        errors[name] = services._text(value if value is not None else "", limit, required)
    title = (values.get("title") or "").strip() if not errors["title"] else ""
    if title and _title_key(title) in titles:
        errors["title"] = _l("An entry with this title exists already.")
    track = _import_track(values, by_name, by_id)
    if track is None:
        errors["track"] = _l("Unknown track.")
    members, errors["members"] = _import_members(values.get("members"))
    leader_id, errors["leader_email"] = _import_leader(values.get("leader_email"), leaders)
    errors = {k: str(v) for k, v in errors.items() if v}
    if errors:
        return errors, None
    titles.add(_title_key(title))
    if leader_id is not None:
        leaders.add(leader_id)
    entry = Entry(
        event_id=event.id, track_id=track.id, title=title,
        team_name=(values.get("team_name") or "").strip(),
        institution=(values.get("institution") or "").strip(),
        summary=values.get("summary") or "", members=members, leader_id=leader_id,
    )
    return {}, entry


def _import_track(
    values: dict[str, Any], by_name: dict[str, Track], by_id: dict[int, Track]
) -> Track | None:
    track_id = values.get("track_id")
    if track_id not in (None, ""):
        if isinstance(track_id, str) and track_id.isdigit():
            track_id = int(track_id)
        return by_id.get(track_id) if isinstance(track_id, int) else None
    name = values.get("track")
    return by_name.get(_title_key(name)) if isinstance(name, str) and name.strip() else None


def _import_members(value: Any) -> tuple[list[dict[str, str]], Any]:
    if value in (None, ""):
        return [], None
    if isinstance(value, str):
        if len(value) > services.TEXT_MAX:
            return [], _l("Use at most %(n)d characters.", n=services.TEXT_MAX)
        parsed = parse_members(value)
        if parsed is None:
            return [], _l("Write members as 张三:CEO; 李四:CTO.")
        value = parsed
    return services._check_members(value)


def _import_leader(value: Any, leaders: set[int]) -> tuple[int | None, Any]:
    if value in (None, ""):
        return None, None
    if not isinstance(value, str) or len(value) > 254:
        return None, _l("Enter an email address.")
    user = accounts.find_user_by_email(value.strip())
    if user is None:
        return None, _l("No account has this email. Leave it empty, or ask the leader to "
                        "sign up first.")
    if user.id in leaders:
        return None, _l("This person leads another entry of this contest already.")
    return user.id, None


def rejected_csv(rejected: list[RejectedRow]) -> bytes:
    """The rejected rows as a CSV file Excel opens (UTF-8 with a BOM), in the import's own
    columns plus the row number and the reasons, so the organizer fixes and uploads it."""
    return sheets.csv_bytes(
        ["行号", *IMPORT_TEMPLATE_HEADERS, "原因"],
        [[row.row, *(row.values.get(name, "") for name in IMPORT_FIELDS),
          "; ".join(row.errors.values())] for row in rejected],
    )
