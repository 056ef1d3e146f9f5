"""Bulk import of contest entries from a CSV (UTF-8 with or without BOM, or GB18030) or XLSX
file: every acceptable row becomes an entry in one unit of work, and the others come back
with a reason per column, as a file to fix and upload again (`rejected_csv`).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from eventhub import audit, permissions, sheets
from eventhub.accounts import services as accounts
from eventhub.accounts.models import User
from eventhub.database import db, transactional
from eventhub.errors import ValidationFailed
from eventhub.events.models import Event
from eventhub.judging import checks, entries
from eventhub.judging.models import Entry, Track
from eventhub.text import strip_forbidden, text_error

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


# Reading a file ---------------------------------------------------------------------------


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


# Creating the entries ---------------------------------------------------------------------


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
    permissions.require(permissions.can_manage_event, actor, event)
    checks.require_contest(event)
    entries.lock_contest(event)
    tracks = entries.tracks_of(event)
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
            value = entries.format_members([m for m in value if isinstance(m, dict)])
        text[name] = value if isinstance(value, str) else ("" if value is None else str(value))
    return text


def _import_row(
    event: Event, values: dict[str, Any], by_name: dict[str, Track], by_id: dict[int, Track],
    titles: set[str], leaders: set[int],
) -> tuple[dict[str, str], Entry | None]:
    """Check one import row: (reasons per column, the new entry when there are none)."""
    errors: dict[str, Any] = {}
    for name, (limit, required) in entries.TEXT_FIELDS.items():
        value = values.get(name)
        given = value if value is not None else ""
        errors[name] = text_error(given, limit=limit, required=required)
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
        problem = text_error(value, limit=checks.TEXT_MAX)
        if problem:
            return [], problem
        parsed = entries.parse_members(value)
        if parsed is None:
            return [], _l("Write members as 张三:CEO; 李四:CTO.")
        value = parsed
    return entries.check_members(value)


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
