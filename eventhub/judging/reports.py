"""Organizers' reports of a contest round: the results table (per-criterion averages, the unit
and the masked name of each entry's leader), its CSV, Excel and PDF (成绩表) exports, the judge
statistics page's figures and an entry's audit trail.

Every number comes from `round_results` / `round_statistics` (and so from
`scoring`); nothing here computes a score."""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from eventhub import audit, permissions
from eventhub.accounts.models import User
from eventhub.audit import AuditEntry
from eventhub.database import db, transactional, utcnow
from eventhub.events.models import Event
from eventhub.formatting import format_when, list_separator
from eventhub.judging.entries import tracks_of
from eventhub.judging.judges import judge_names
from eventhub.judging.labels import (
    AGGREGATION_LABELS,
    aggregation_label,
    conflict_source_label,
    round_status_label,
)
from eventhub.judging.models import Criterion, Entry, Round, RoundStatus
from eventhub.judging.results import round_results, round_statistics
from eventhub.judging.rounds import round_entry_ids, rounds_of
from eventhub.pdf import FONT, grid_table, numbered_canvas
from eventhub.pdf import styles as pdf_styles
from eventhub.sheets import MIMETYPES as SHEET_MIMETYPES
from eventhub.sheets import csv_bytes, xlsx_bytes

FORMATS = ("csv", "xlsx", "pdf")
MIMETYPES = {**SHEET_MIMETYPES, "pdf": "application/pdf"}

#: Audit verbs as organizers read them on an entry's trail (unknown verbs are shown as they are).
ACTION_LABELS = {
    "entry.created": _l("Entry created"),
    "entry.updated": _l("Entry edited"),
    "entry.deleted": _l("Entry deleted"),
    "assignment.created": _l("Judge assigned"),
    "assignment.removed": _l("Judge unassigned"),
    "conflict.declared": _l("Conflict of interest declared"),
    "conflict.withdrawn": _l("Conflict of interest withdrawn"),
    "scorecard.saved": _l("Scorecard saved as a draft"),
    "scorecard.submitted": _l("Scorecard submitted"),
    "scorecard.reopened": _l("Scorecard reopened"),
    "round.created": _l("Round created"),
    "round.updated": _l("Round edited"),
    "round.open": _l("Round opened"),
    "round.closed": _l("Round closed"),
    "round.reopened": _l("Round reopened"),
    "round.published": _l("Results published"),
    "round.entries_set": _l("Entries of the round chosen"),
    "round.entries_advanced": _l("Advancing entries moved on"),
}

#: Entries of an audit trail per page.
AUDIT_PAGE_SIZE = 50

#: Spread of totals (points of 100) above which the statistics page flags an entry by default.
DEFAULT_MAX_SPREAD = 20.0


# Results ----------------------------------------------------------------------------------


def mask_name(name: str | None) -> str:
    """张三 -> 张*: what published results and exports show of a team leader."""
    name = (name or "").strip()
    if not name:
        return ""
    return name[0] + "*" * max(len(name) - 1, 1)


def leader_name(entry: Entry) -> str:
    """The leader's name: the linked account's, else the first team member's."""
    if entry.leader is not None:
        return entry.leader.name
    members = entry.members or []
    return members[0].get("name", "") if members else ""


@dataclass
class ResultRow:
    entry_id: int
    rank: int | None
    title: str
    team: str
    institution: str
    leader: str  # masked unless asked otherwise
    score: float | None
    n_scores: int
    advances: bool
    #: Mean raw points per criterion of the rubric (None without valid scorecards).
    averages: list[float | None]


@dataclass
class ResultTrack:
    track_id: int
    name: str
    rows: list[ResultRow] = field(default_factory=list)


@dataclass
class ResultsTable:
    round: Round
    method: str
    criteria: list[Criterion]
    tracks: list[ResultTrack]

    @property
    def rows(self) -> int:
        return sum(len(t.rows) for t in self.tracks)


def results_table(
    round_: Round, results: dict[str, Any], full_names: bool = False
) -> ResultsTable:
    """A round's ``results`` (`round_results`) with each entry's team, unit and
    leader's name (masked unless ``full_names``)."""
    ids = [row["entry_id"] for track in results["tracks"] for row in track["entries"]]
    entries = {
        e.id: e
        for e in db.session.scalars(
            sa.select(Entry).where(Entry.id.in_(ids or [0])).options(
                sa.orm.joinedload(Entry.leader))
        )
    }
    tracks = []
    for track in results["tracks"]:
        lines = ResultTrack(track["track_id"], track["name"])
        for row in track["entries"]:
            entry = entries[row["entry_id"]]
            leader = leader_name(entry)
            lines.rows.append(ResultRow(
                entry_id=entry.id, rank=row["rank"], title=row["title"], team=entry.team_name,
                institution=entry.institution, leader=leader if full_names else mask_name(leader),
                score=row["score"], n_scores=row["n_scores"], advances=row["advances"],
                averages=[c["average"] for c in row["criteria"]],
            ))
        tracks.append(lines)
    return ResultsTable(round_, results["method"], list(round_.criteria), tracks)


def _title_lines(table: ResultsTable) -> list[str]:
    round_ = table.round
    return [
        f"{round_.event.title} · {round_.name} · {_('Results')}",
        f"{_('Aggregation method')}: {aggregation_label(table.method)}",
    ]


def _sheet(table: ResultsTable) -> tuple[list[str], list[list[Any]]]:
    """The header and rows of the CSV and Excel files: one row per entry in track and rank order."""
    header = [
        _("Track"), _("Rank"), _("Project"), _("Team"), _("Unit"), _("Leader"), _("Score"),
        _("Scorecards"),
    ] + [
        _("%(criterion)s (average of %(max)s)", criterion=c.name, max=f"{c.max_points:g}")
        for c in table.criteria
    ] + [_("Advances")]
    yes, no = _("Yes"), _("No")
    rows = [
        [track.name, row.rank, row.title, row.team, row.institution, row.leader, row.score,
         row.n_scores, *row.averages, yes if row.advances else no]
        for track in table.tracks
        for row in track.rows
    ]
    return header, rows


@transactional
def export_results(
    actor: User, round_: Round, method: str, fmt: str, now: datetime | None = None,
    full_names: bool = False,
) -> tuple[bytes, str, str]:
    """A round's results by ``method`` as ``csv``, ``xlsx`` or ``pdf`` (the 成绩表); return
    (data, mimetype, filename). Leaders' names are masked (张*) unless ``full_names`` (the
    organizer needs them, e.g. for the award). Organizers only, before and after publication;
    every export is audited. Raises NotAllowed; ValueError for an unknown method or format."""
    permissions.require(permissions.can_manage_event, actor, round_.event)
    if method not in AGGREGATION_LABELS or fmt not in FORMATS:
        raise ValueError((method, fmt))
    table = results_table(round_, round_results(round_, method), full_names)
    if fmt == "pdf":
        data = results_pdf(table, now or utcnow())
    else:
        header, rows = _sheet(table)
        lines = _title_lines(table)
        data = (
            csv_bytes(header, rows, lines) if fmt == "csv"
            else xlsx_bytes(_("Results"), header, rows, lines, number_format="0.0000")
        )
    audit.record(
        "results.exported", round_, actor=actor, event_id=round_.event_id,
        after={"format": fmt, "method": method, "rows": table.rows, "full_names": full_names},
    )
    filename = f"results-{round_.event_id}-round-{round_.id}-{method}.{fmt}"
    return data, MIMETYPES[fmt], filename


# The PDF results sheet (成绩表) ------------------------------------------------------------


def results_pdf(table: ResultsTable, now: datetime) -> bytes:
    """The results sheet: title, method in words, date, notice period, a table per track, the
    signature lines, "page x of y" at the foot."""
    round_, event = table.round, table.round.event
    styles = pdf_styles()
    story: list[Any] = [
        Paragraph(escape(_("%(event)s %(round)s results sheet", event=event.title,
                           round=round_.name)), styles["title"]),
        Paragraph(escape(f"{_('Aggregation method')}: {aggregation_label(table.method)}"),
                  styles["body"]),
        Paragraph(escape(f"{_('Date')}: {format_when(now, event.timezone)}"), styles["body"]),
    ]
    if round_.status == RoundStatus.published:
        notice = _("Published.")
        if round_.notice_ends_at:
            notice += " " + _("Public notice until %(date)s.",
                              date=format_when(round_.notice_ends_at, event.timezone))
        story.append(Paragraph(escape(notice), styles["body"]))
    else:
        story.append(Paragraph(escape(_("Not published: only the organizers see these results.")),
                               styles["body"]))
    header = [_("Rank"), _("Project"), _("Unit"), _("Score"), _("Scorecards"), _("Advances")]
    widths = [14 * mm, 62 * mm, 48 * mm, 22 * mm, 16 * mm, 18 * mm]
    for track in table.tracks:
        story.append(Paragraph(escape(track.name), styles["heading"]))
        data = [[Paragraph(escape(h), styles["cell"]) for h in header]]
        for row in track.rows:
            data.append([
                "–" if row.rank is None else str(row.rank),
                Paragraph(escape(row.title), styles["cell"]),
                Paragraph(escape(row.institution), styles["cell"]),
                "–" if row.score is None else f"{row.score:.4f}",
                str(row.n_scores),
                _("Yes") if row.advances else "",
            ])
        story.append(grid_table(data, widths, ("ALIGN", (0, 1), (0, -1), "CENTER"),
                                ("ALIGN", (3, 1), (4, -1), "RIGHT"),
                                ("ALIGN", (5, 1), (5, -1), "CENTER")))
    line = "_" * 28
    judges, supervisor, date = _("Judges' signatures"), _("Supervisor's signature"), _("Date")
    signatures = Table(
        [[f"{judges}: {line * 2}", ""], [f"{supervisor}: {line}", f"{date}: {line}"]],
        colWidths=[100 * mm, 80 * mm],
    )
    signatures.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), FONT, 10),
                                    ("SPAN", (0, 0), (1, 0)),
                                    ("TOPPADDING", (0, 0), (-1, -1), 10 * mm)]))
    story.append(KeepTogether([Spacer(1, 8 * mm), signatures]))
    out = io.BytesIO()
    document = SimpleDocTemplate(
        out, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
        bottomMargin=18 * mm, title=f"{event.title} {round_.name}", creator="eventhub",
    )
    document.build(story, canvasmaker=numbered_canvas(
        lambda page, pages: _("Page %(page)d of %(pages)d", page=page, pages=pages)))
    return out.getvalue()


# Judge statistics ---------------------------------------------------------------------------


def agreement_words(w: float | None) -> str:
    """Kendall's W in plain words (the usual reading of its bands)."""
    if w is None:
        return _("Not defined: every judge of the track must score every entry.")
    if w >= 0.7:
        return _("Strong agreement")
    if w >= 0.5:
        return _("Moderate agreement")
    if w >= 0.3:
        return _("Weak agreement")
    return _("Little or no agreement")


def agreement_reading(track: dict[str, Any]) -> str:
    """A track's Kendall's W in plain words (`agreement_words`), or why it cannot be computed
    (a row of `round_statistics`)."""
    why = track["undefined_because"]
    if why == "incomplete":
        return _("Cannot be computed: every judge must score all %(entries)d entries of the "
                 "track; %(complete)d of its %(judges)d judges did.", entries=track["entries"],
                 complete=track["complete"], judges=track["judges"])
    if why == "entries":
        return _("Cannot be computed: the track needs at least two entries.")
    if why == "judges":
        return _("Cannot be computed: at least two judges must score the track.")
    if why == "ties":
        return _("Cannot be computed: every judge gave every entry the same total.")
    return agreement_words(track["kendall_w"])


def statistics_view(round_: Round, max_spread: float | None) -> dict[str, Any]:
    """`round_statistics` with names and titles, for the organizers' page: judges
    (with their missing scorecards), outliers by |z|, entries by spread (widest first), tracks
    with Kendall's W in words (or why it cannot be computed), and the missing scorecards."""
    stats = round_statistics(round_, max_spread)
    titles = dict(db.session.execute(
        sa.select(Entry.id, Entry.title).where(Entry.event_id == round_.event_id)).all())
    names = judge_names(round_.event_id)
    missing = Counter(m["judge_id"] for m in stats["missing"])
    judges = [{**j, "missing": missing.get(j["judge_id"], 0)} for j in stats["judges"]]
    seen = {j["judge_id"] for j in judges}
    judges += [
        {"judge_id": judge_id, "name": names.get(judge_id, ""), "n": 0, "mean": None,
         "sd": None, "deviation": None, "missing": count}
        for judge_id, count in missing.items() if judge_id not in seen
    ]
    return {
        "judges": sorted(judges, key=lambda j: j["name"]),
        "outliers": sorted(
            ({**o, "name": names.get(o["judge_id"], ""), "title": titles.get(o["entry_id"], "")}
             for o in stats["outliers"]),
            key=lambda o: -abs(o["z"]),
        ),
        "entries": sorted(
            ({**e, "title": titles.get(e["entry_id"], "")} for e in stats["entries"]),
            key=lambda e: (e["spread"] is None, -(e["spread"] or 0), e["entry_id"]),
        ),
        "tracks": [{**t, "reading": agreement_reading(t)} for t in stats["tracks"]],
        "missing": [
            {**m, "name": names.get(m["judge_id"], ""), "title": titles.get(m["entry_id"], "")}
            for m in stats["missing"]
        ],
    }


# An entry's audit trail ---------------------------------------------------------------------


@dataclass
class ScoreChange:
    criterion: str
    before: Any
    after: Any


@dataclass
class Detail:
    """One field of an audit row: its value before and after (None: not recorded on that side)."""

    label: str
    before: str | None
    after: str | None


@dataclass
class AuditLine:
    id: int
    at: datetime
    actor: str
    action: str
    label: str
    round: str = ""
    judge: str = ""
    version: int | None = None
    status: str = ""
    scores: list[ScoreChange] = field(default_factory=list)
    comment: tuple[str, str] | None = None
    details: list[Detail] = field(default_factory=list)


#: Fields of audit rows as organizers read them (others are shown by their key).
DETAIL_LABELS = {
    "title": _l("Title"),
    "track_id": _l("Track"),
    "team_name": _l("Team"),
    "institution": _l("Unit"),
    "leader_id": _l("Leader"),
    "reason": _l("Reason"),
    "source": _l("Declared by"),
    "status": _l("Status"),
    "notice_ends_at": _l("End of the notice period"),
    "aggregation": _l("Aggregation method"),
    "auto": _l("Assigned automatically"),
    "anonymous": _l("Anonymous review"),
    "opens_at": _l("Scoring opens"),
    "closes_at": _l("Scoring closes"),
    "advance_top_n": _l("The top N of each track"),
    "advance_top_percent": _l("The top percent of each track"),
    "advance_threshold": _l("Everyone with at least this score"),
}


@dataclass
class _Names:
    """What an audit trail shows by name instead of by id."""

    rounds: dict[int, Round]
    criteria: dict[str, str]
    judges: dict[int, str]
    tracks: dict[int, str]
    users: dict[int, str]
    #: The event's time zone, for the times recorded.
    timezone: str


def _entry_rows_filter(event: Event, entry: Entry) -> sa.ColumnElement[bool]:
    """Audit rows about the entry: on it, naming it in their before/after, or a status change
    of a round it takes part in."""
    round_ids = [r.id for r in rounds_of(event)
                 if entry.id in round_entry_ids(r)]
    return sa.and_(
        AuditEntry.event_id == entry.event_id,
        sa.or_(
            sa.and_(AuditEntry.object_type == Entry.__tablename__,
                    AuditEntry.object_id == entry.id),
            AuditEntry.after["entry_id"].as_integer() == entry.id,
            AuditEntry.before["entry_id"].as_integer() == entry.id,
            sa.and_(AuditEntry.object_type == Round.__tablename__,
                    AuditEntry.object_id.in_(round_ids or [0]),
                    AuditEntry.action.like("round.%")),
        ),
    )


def entry_audit(event: Event, entry: Entry, page: int = 1) -> tuple[list[AuditLine], Any]:
    """A page of the entry's audit trail, newest first, and its Flask-SQLAlchemy pagination: who
    did what when, scorecards with their version and each criterion's score before and after
    (by name), comments changed, judges by name."""
    pagination = db.paginate(
        sa.select(AuditEntry).where(_entry_rows_filter(event, entry))
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()),
        page=max(page, 1), per_page=AUDIT_PAGE_SIZE, error_out=False, count=True,
    )
    rows = list(pagination.items)
    user_ids = {r.actor_id for r in rows} | {
        side.get("leader_id") for r in rows for side in (r.before, r.after)
        if isinstance(side, dict) and isinstance(side.get("leader_id"), int)
    }
    rounds = {r.id: r for r in rounds_of(event)}
    names = _Names(
        rounds=rounds,
        criteria={str(c.id): c.name for r in rounds.values() for c in r.criteria},
        judges=judge_names(event.id),
        tracks={t.id: t.name for t in tracks_of(event)},
        users=dict(db.session.execute(
            sa.select(User.id, User.name).where(User.id.in_(user_ids - {None} or {0}))).all()),
        timezone=event.timezone,
    )
    return [_line(row, names) for row in rows], pagination


def _line(row: AuditEntry, names: _Names) -> AuditLine:
    before = row.before if isinstance(row.before, dict) else {}
    after = row.after if isinstance(row.after, dict) else {}
    both = {**before, **after}
    round_id = row.object_id if row.object_type == Round.__tablename__ else both.get("round_id")
    line = AuditLine(
        id=row.id, at=row.at, actor=names.users.get(row.actor_id, ""), action=row.action,
        label=str(ACTION_LABELS.get(row.action, row.action)),
        round=names.rounds[round_id].name if round_id in names.rounds else "",
        judge=names.judges.get(both.get("judge_id"), "") if "judge_id" in both else "",
    )
    if row.object_type == "scorecards":
        line.version = after.get("version")
        line.status = after.get("status", "")
        old, new = before.get("scores") or {}, after.get("scores") or {}
        order = {key: i for i, key in enumerate(names.criteria)}
        line.scores = [
            ScoreChange(names.criteria.get(key, key), old.get(key), new.get(key))
            for key in sorted({*old, *new}, key=lambda k: (order.get(k, len(order)), k))
        ]
        if before.get("comment", "") != after.get("comment", ""):
            line.comment = (before.get("comment") or "", after.get("comment") or "")
        return line
    skip = {"round_id", "judge_id", "entry_id", "scores", "comment", "version"}
    if row.object_type == Round.__tablename__:
        skip.add("name")  # the round's badge shows it
    edited = bool(before) and bool(after)
    for key in both:
        if key in skip or (edited and before.get(key) == after.get(key)):
            continue
        line.details.append(Detail(
            str(DETAIL_LABELS.get(key, key)),
            _shown(key, before[key], names) if key in before else None,
            _shown(key, after[key], names) if key in after else None,
        ))
    return line


def _shown(key: str, value: Any, names: _Names) -> str:
    """A recorded value as text: tracks and users by name, statuses, methods and yes/no in
    words, times in the event's zone, lists joined."""
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if key == "status":
        return round_status_label(value)
    if key == "aggregation":
        return aggregation_label(value)
    if key.endswith("_at") and isinstance(value, str):
        try:
            return format_when(datetime.fromisoformat(value), names.timezone)
        except ValueError:
            return value
    if key == "track_id":
        return names.tracks.get(value, str(value))
    if key == "leader_id":
        return names.users.get(value, str(value))
    if key == "source":
        return conflict_source_label(value)
    if isinstance(value, list):
        return list_separator().join(str(v) for v in value)
    return str(value)
