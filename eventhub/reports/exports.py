"""An organization's or an alliance's report for a period as files (API.md, Reporting:
``GET /orgs/{id}/report.xlsx`` and ``.pdf``), and the consistency checks shown before export.

The figures are `reports.organizations`' (`org_report`, `event_rows`): this module only lays
them out, never counts anything itself.

- The workbook: 汇总 (the organization, the period, the figures, by kind, by month and, for an
  alliance, one row per member), 活动明细 (时间、主题、地点、类型、角色、报名、签到、签到率、负责人)
  and 导师 (the mentor figures; for the pool's owners and organizers also the 导师名单 of
  `mentors.report.sheet_table`). With ``layout="torch"`` 汇总 follows the 火炬统计 众创空间
  survey's activity block instead: 指标名称、计量单位、代码、数值, the members side by side.
- The PDF summary: the figures, the months, the members, the checks' warnings and the block
  the report is signed and sealed in (填报人、审核人、单位（盖章）、日期), page numbers at the foot.
- `consistency_checks`: the months add up to the period, no more checked in than confirmed,
  every event has a 负责人; warnings name events by title and date, never a participant.

Sheet names, headers and labels are in the reader's language, as every workbook of the app.
No file holds a participant's name, phone or email: counts only (the 负责人 is the organizer's
person in charge, the 导师名单 the pool's mentors, for the pool's managers only).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from eventhub import audit, permissions
from eventhub.accounts.models import User
from eventhub.database import transactional
from eventhub.events.labels import event_kind_label, partner_role_label
from eventhub.events.models import EventKind
from eventhub.formatting import format_when
from eventhub.mentors import report as mentor_reports
from eventhub.mentors.permissions import can_manage_pool
from eventhub.orgs.models import Organization, OrgKind
from eventhub.pdf import document, grid_table, styles
from eventhub.periods import period_text, platform_tz
from eventhub.reports import organizations
from eventhub.sheets import MIMETYPES, Number, Sheet, workbook_bytes
from eventhub.sheets import Table as SheetTable

#: The workbook's layouts: ``standard`` and ``torch`` (汇总 as the 火炬统计 survey's block).
LAYOUTS = ("standard", "torch")

RATE = "0.00%"
CREDITED = "0.0"


# The figures, one definition each -------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """A figure of the report: its key, label and unit (in the reader's language once
    rendered) and where it is in a report (or a member's figures)."""

    key: str
    label: Any
    unit: Any
    value: Callable[[dict], int | float]


def _role(role: str) -> Callable[[dict], int]:
    return lambda figures: figures["events"]["by_role"][role]


def _kind(kind: str) -> Callable[[dict], int]:
    return lambda figures: figures["events"]["by_kind"].get(kind, 0)


def _mentor(key: str) -> Callable[[dict], int]:
    return lambda figures: figures["mentors"][key]


#: The figures in the order of the 火炬统计 众创空间 survey's activity block; their position
#: (from 01) is their 代码 in the torch layout.
FIGURES = (
    Figure("events", _l("Innovation and entrepreneurship events held"), _l("event(s)"),
           lambda f: f["events"]["count"]),
    Figure("host", _l("of which: hosted (host)"), _l("event(s)"), _role("host")),
    Figure("co_host", _l("of which: co-hosted"), _l("event(s)"), _role("co_host")),
    Figure("undertaker", _l("of which: undertaken"), _l("event(s)"), _role("undertaker")),
    Figure("supporter", _l("of which: supported"), _l("event(s)"), _role("supporter")),
    Figure("credited", _l("Credited events (host 1, co-host or undertaker 0.5)"),
           _l("event(s)"), lambda f: f["events"]["credited"]),
    Figure("contests", _l("of which: innovation and entrepreneurship contests"), _l("event(s)"),
           _kind(EventKind.contest.value)),
    Figure("camps", _l("of which: entrepreneurship training and bootcamps"), _l("event(s)"),
           _kind(EventKind.camp.value)),
    Figure("roadshows", _l("of which: roadshows and investment matchmaking"), _l("event(s)"),
           _kind(EventKind.roadshow.value)),
    Figure("registrations", _l("Attendance (confirmed registrations)"), _l("person-time(s)"),
           lambda f: f["registrations"]),
    Figure("checked_in", _l("Attendance checked in"), _l("person-time(s)"),
           lambda f: f["checked_in"]),
    Figure("checkin_rate", _l("Check-in rate"), "%", lambda f: f["checkin_rate"]),
    Figure("participants", _l("People who took part (each once)"), _l("person(s)"),
           lambda f: f["participants"]),
    Figure("entries", _l("Contest entries (projects)"), _l("project(s)"), lambda f: f["entries"]),
    Figure("mentors", _l("Start-up mentors who coached"), _l("person(s)"), _mentor("mentors")),
    Figure("coachings", _l("Mentor coachings held"), _l("time(s)"), _mentor("coachings")),
    Figure("minutes", _l("Mentor coaching time"), _l("minute(s)"), _mentor("minutes")),
    Figure("mentees", _l("People coached"), _l("person(s)"), _mentor("mentees")),
)

#: The figures of the member table (one row per member of an alliance).
MEMBER_FIGURES = ("events", "credited", "registrations", "checked_in", "checkin_rate",
                  "participants", "entries", "mentors", "coachings")

_BY_KEY = {figure.key: figure for figure in FIGURES}


def _cell(figure: Figure, figures: dict) -> Any:
    """A figure's value as a workbook cell: the rate as a percentage, credited events with
    their half."""
    value = figure.value(figures)
    if figure.key == "checkin_rate":
        return Number(float(value), RATE)
    if figure.key == "credited":
        return Number(float(value), CREDITED)
    return value


def _text(figure: Figure, figures: dict) -> str:
    """A figure's value as text (the PDF): 62.50%, 2.5."""
    value = figure.value(figures)
    if figure.key == "checkin_rate":
        return f"{float(value) * 100:.2f}%"
    if figure.key == "credited":
        return f"{float(value):g}"
    return str(value)


# Consistency checks -------------------------------------------------------------------------


def _day(moment: datetime) -> str:
    return moment.astimezone(ZoneInfo(platform_tz())).date().isoformat()


def _events(rows: list[dict]) -> list[dict]:
    """Events as the warnings name them: id, title and date (in the platform's zone)."""
    return [{"id": row["id"], "title": row["title"], "date": _day(row["starts_at"])}
            for row in rows]


def consistency_checks(report: dict, rows: list[dict]) -> list[dict]:
    """What does not add up in a report (`organizations.org_report`) and its event rows
    (`organizations.event_rows`), as warnings ``{code, message, events: [{id, title, date}]}``
    in the reader's language:

    - ``months_do_not_add_up``: the months' events, confirmed or checked in differ from the
      period's (one warning per figure);
    - ``checked_in_over_confirmed``: more checked in than confirmed, overall or at an event
      (those events listed);
    - ``lead_missing``: events without a 负责人 (listed).

    No warning: an empty list."""
    warnings: list[dict] = []
    months = report.get("months") or []
    for key, total, label in (
        ("events", report["events"]["count"], _("events")),
        ("confirmed", report["registrations"], _("confirmed registrations")),
        ("checked_in", report["checked_in"], _("check-ins")),
    ):
        summed = sum(month[key] for month in months)
        if summed != total:
            warnings.append({"code": "months_do_not_add_up", "events": [], "message": _(
                "The months add up to %(months)d %(figure)s, the period has %(total)d.",
                months=summed, figure=label, total=total)})
    over = [row for row in rows if row["checked_in"] > row["confirmed"]]
    if over or report["checked_in"] > report["registrations"]:
        warnings.append({"code": "checked_in_over_confirmed", "events": _events(over),
                         "message": _(
            "More check-ins (%(checked_in)d) than confirmed registrations (%(confirmed)d): "
            "check the check-in lists of the events named.",
            checked_in=report["checked_in"], confirmed=report["registrations"])
            if not over else ngettext(
            "%(num)d event has more check-ins than confirmed registrations.",
            "%(num)d events have more check-ins than confirmed registrations.", len(over))})
    leaderless = [row for row in rows if not (row.get("lead_name") or "").strip()]
    if leaderless:
        warnings.append({"code": "lead_missing", "events": _events(leaderless),
                         "message": ngettext(
            "%(num)d event has no person in charge (负责人): add one on the event's form.",
            "%(num)d events have no person in charge (负责人): add one on the events' forms.",
            len(leaderless))})
    return warnings


def require_reader(actor: User, org: Organization) -> None:
    """Refuse unless ``actor`` may read the organization's report (its owners, organizers and
    viewers, platform admins). Raises NotAllowed."""
    permissions.require(permissions.can_read_org_figures, actor, org)


def checks(actor: User, org: Organization, from_: datetime, to: datetime) -> list[dict]:
    """`consistency_checks` of the organization's report for ``[from_, to)``: its readers.
    Raises NotAllowed."""
    require_reader(actor, org)
    return consistency_checks(organizations.org_report(org, from_, to),
                              organizations.event_rows(org, from_, to))


def warning_lines(warning: dict) -> list[str]:
    """A warning as lines of text: its message, then each event concerned (date, title)."""
    return [warning["message"]] + [f"{event['date']}  {event['title']}"
                                   for event in warning["events"]]


# The workbook -------------------------------------------------------------------------------


def report_title(org: Organization) -> str:
    """The report's title: the organization and what it reports."""
    what = (_("Alliance innovation and entrepreneurship activity report")
            if org.kind == OrgKind.alliance
            else _("Innovation and entrepreneurship activity report"))
    return f"{org.name} {what}"


def _title_lines(org: Organization, from_: datetime, to: datetime) -> list[str]:
    return [report_title(org), period_text(from_, to, platform_tz())]


def _member_header() -> list[str]:
    return [_("Member organization")] + [str(_BY_KEY[key].label) for key in MEMBER_FIGURES]


def _month_header() -> list[str]:
    return [_("Month"), _("Events held"), _("Registered"), _("Attended (checked in)")]


def _warnings_table(warnings: list[dict]) -> list[SheetTable]:
    if not warnings:
        return []
    return [SheetTable([_("Check"), _("Events concerned")],
                       [[w["message"], "；".join(f"{e['date']} {e['title']}"
                                                 for e in w["events"])] for w in warnings],
                       heading=_("Checks before export"))]


def summary_sheet(org: Organization, report: dict, warnings: list[dict]) -> Sheet:
    """汇总: the figures with their units, the events by kind, by month and, for an alliance,
    one row per member; the checks' warnings last."""
    tables = [
        SheetTable([_("Figure"), _("Unit of measure"), _("Value")],
                   [[str(f.label), str(f.unit), _cell(f, report)] for f in FIGURES]),
        SheetTable([_("Kind"), _("Events held")],
                   [[event_kind_label(kind), n]
                    for kind, n in report["events"]["by_kind"].items()],
                   heading=_("Events by kind")),
        SheetTable(_month_header(),
                   [[m["month"], m["events"], m["confirmed"], m["checked_in"]]
                    for m in report["months"]], heading=_("By month")),
    ]
    if "members" in report:
        tables.append(SheetTable(
            _member_header(),
            [[member["name"]] + [_cell(_BY_KEY[key], member) for key in MEMBER_FIGURES]
             for member in report["members"]],
            heading=_("Member organizations")))
    tables += _warnings_table(warnings)
    return Sheet(_("Report summary"), tables,
                 _title_lines(org, report["from"], report["to"]))


def torch_sheet(org: Organization, report: dict, warnings: list[dict]) -> Sheet:
    """汇总 laid out as the 火炬统计 众创空间 survey's activity block: 指标名称、计量单位、代码、
    数值 (the rate in percent), the row of column codes (甲、乙、丙、1) first; an alliance's
    members side by side after the total, one column each."""
    members = report.get("members", [])
    header = [_("Indicator"), _("Unit of measure"), _("Code"), _("Value")]
    header += [member["name"] for member in members]
    codes = [_("col. A"), _("col. B"), _("col. C")] + [str(n) for n in range(1, 2 + len(members))]

    def value(figure: Figure, figures: dict) -> Any:
        if figure.key == "checkin_rate":
            return Number(round(float(figure.value(figures)) * 100, 2), "0.00")
        return _cell(figure, figures)

    rows = [codes] + [
        [str(f.label), str(f.unit), f"{number:02d}", value(f, report)]
        + [value(f, member) for member in members]
        for number, f in enumerate(FIGURES, start=1)
    ]
    tables = [SheetTable(header, rows)] + _warnings_table(warnings)
    lines = _title_lines(org, report["from"], report["to"])
    lines.insert(1, _("Maker space (众创空间) statistics: innovation and entrepreneurship "
                      "activities"))
    return Sheet(_("Report summary"), tables, lines)


def detail_header() -> list[str]:
    """活动明细's columns: 时间、主题、地点、类型、角色、报名、签到、签到率、负责人."""
    return [_("Time"), _("Event topic"), _("Place"), _("Kind"), _("Role"), _("Registered"),
            _("Attended (checked in)"), _("Check-in rate"), _("Lead (person in charge)")]


def detail_rows(rows: list[dict]) -> list[list[Any]]:
    """活动明细's rows: the events by start, kind and role in words, the rate a percentage."""
    tz = platform_tz()
    return [[format_when(row["starts_at"], tz, "yyyy-MM-dd HH:mm"), row["title"], row["venue"],
             event_kind_label(row["kind"]), partner_role_label(row["role"]), row["confirmed"],
             row["checked_in"], Number(float(row["checkin_rate"]), RATE), row["lead_name"]]
            for row in rows]


def mentor_sheet(actor: User, org: Organization, report: dict) -> Sheet:
    """导师: the mentor figures (each member's for an alliance); for the pool's owners and
    organizers, the pool's 导师名单 for the period (`mentors.report.sheet_table`)."""
    keys = ("mentors", "coachings", "minutes", "mentees")
    tables = [SheetTable([_("Figure"), _("Unit of measure"), _("Value")],
                         [[str(_BY_KEY[k].label), str(_BY_KEY[k].unit), _BY_KEY[k].value(report)]
                          for k in keys])]
    if "members" in report:
        tables.append(SheetTable(
            [_("Member organization")] + [str(_BY_KEY[k].label) for k in keys],
            [[m["name"]] + [_BY_KEY[k].value(m) for k in keys] for m in report["members"]],
            heading=_("Member organizations")))
    elif can_manage_pool(actor, org):
        pool = mentor_reports.mentor_report(actor, org, report["from"], report["to"])
        header, rows = mentor_reports.sheet_table(pool, org.id)
        tables.append(SheetTable(header, rows, heading=_("Mentor list")))
    return Sheet(_("Mentors"), tables, _title_lines(org, report["from"], report["to"]),
                 number_format="0.00")


def workbook(actor: User, org: Organization, from_: datetime, to: datetime,
             layout: str = "standard") -> bytes:
    """The report as a workbook (汇总, 活动明细, 导师); ``layout`` `LAYOUTS`. The caller checks
    who may read it (`export_workbook` does)."""
    report = organizations.org_report(org, from_, to)
    rows = organizations.event_rows(org, from_, to)
    warnings = consistency_checks(report, rows)
    summary = (torch_sheet if layout == "torch" else summary_sheet)(org, report, warnings)
    details = Sheet(_("Event details"), [SheetTable(detail_header(), detail_rows(rows))],
                    _title_lines(org, from_, to))
    return workbook_bytes([summary, details, mentor_sheet(actor, org, report)])


def file_name(org: Organization, from_: datetime, to: datetime, suffix: str) -> str:
    """``report-<org id>-<first day>-<last day><suffix>`` (the days in the platform's zone)."""
    zone = ZoneInfo(platform_tz())
    first, last = from_.astimezone(zone), (to - timedelta(microseconds=1)).astimezone(zone)
    return f"report-{org.id}-{first:%Y%m%d}-{last:%Y%m%d}{suffix}"


@transactional
def export_workbook(actor: User, org: Organization, from_: datetime, to: datetime,
                    layout: str = "standard") -> tuple[bytes, str, str]:
    """The report's workbook for its readers (audited): (data, mimetype, filename).
    Raises NotAllowed."""
    require_reader(actor, org)
    data = workbook(actor, org, from_, to, layout)
    audit.record("org_report.exported", org, actor=actor, after={
        "format": "xlsx", "layout": layout, "from": from_.isoformat(), "to": to.isoformat()})
    suffix = "-torch.xlsx" if layout == "torch" else ".xlsx"
    return data, MIMETYPES["xlsx"], file_name(org, from_, to, suffix)


# The PDF summary ------------------------------------------------------------------------------


def _grid(data: list[list[Any]], widths: list[float], numbers_from: int = 1) -> Table:
    style = styles()["cell"]
    cells = [[Paragraph(escape(str(value)), style) for value in data[0]]]
    cells += [[Paragraph(escape(str(v)), style) if i < numbers_from else str(v)
               for i, v in enumerate(row)] for row in data[1:]]
    return grid_table(cells, widths, ("ALIGN", (numbers_from, 1), (-1, -1), "RIGHT"))


def signature_block() -> Flowable:
    """Where the report is signed and sealed: 填报人、审核人、单位（盖章）、日期."""
    style = styles()["body"]
    blank = "＿" * 10

    def line(label: str) -> Paragraph:
        return Paragraph(escape(f"{label}：{blank}"), style)

    block = Table([[line(_("Prepared by")), line(_("Reviewed by"))],
                   [line(_("Organization (seal)")), line(_("Date"))]],
                  colWidths=[90 * mm, 90 * mm], rowHeights=[14 * mm, 22 * mm])
    block.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "BOTTOM")]))
    return KeepTogether([Spacer(1, 4 * mm), block])


def summary_pdf(org: Organization, report: dict, warnings: list[dict]) -> bytes:
    """The printable summary: title, organization, period, the figures, the months, the
    members (an alliance), the warnings and the signature and seal block; page numbers."""
    style = styles()
    title = report_title(org)
    when = period_text(report["from"], report["to"], platform_tz())
    story: list[Flowable] = [
        Paragraph(escape(title), style["title"]),
        Paragraph(escape(f"{_('Organization')}：{org.name}"), style["body"]),
        Paragraph(escape(when), style["body"]),
        Paragraph(escape(_("Figures")), style["heading"]),
        _grid([[_("Figure"), _("Unit of measure"), _("Value")]]
              + [[str(f.label), str(f.unit), _text(f, report)] for f in FIGURES],
              [115 * mm, 30 * mm, 35 * mm], numbers_from=2),
        Paragraph(escape(_("By month")), style["heading"]),
        _grid([_month_header()] + [[m["month"], m["events"], m["confirmed"], m["checked_in"]]
                                   for m in report["months"]],
              [45 * mm, 45 * mm, 45 * mm, 45 * mm]),
    ]
    if "members" in report:
        keys = ("events", "credited", "registrations", "checked_in", "checkin_rate",
                "participants")
        story += [
            Paragraph(escape(_("Member organizations")), style["heading"]),
            _grid([[_("Member organization")] + [str(_BY_KEY[k].label) for k in keys]]
                  + [[m["name"]] + [_text(_BY_KEY[k], m) for k in keys]
                     for m in report["members"]],
                  [48 * mm] + [22 * mm] * len(keys)),
        ]
    if warnings:
        story.append(Paragraph(escape(_("Checks before export")), style["heading"]))
        events = ParagraphStyle("events", parent=style["cell"], leftIndent=6 * mm)
        for warning in warnings:
            message, *concerned = warning_lines(warning)
            story.append(Paragraph("• " + escape(message), style["body"]))
            if concerned:
                story.append(Paragraph("<br/>".join(escape(line) for line in concerned),
                                       events))
    story.append(signature_block())
    return document(story, title, A4, f"{title}  {when}")


@transactional
def export_pdf(actor: User, org: Organization, from_: datetime, to: datetime
               ) -> tuple[bytes, str, str]:
    """The report's PDF summary for its readers (audited): (data, mimetype, filename).
    Raises NotAllowed."""
    require_reader(actor, org)
    report = organizations.org_report(org, from_, to)
    warnings = consistency_checks(report, organizations.event_rows(org, from_, to))
    data = summary_pdf(org, report, warnings)
    audit.record("org_report.exported", org, actor=actor, after={
        "format": "pdf", "from": from_.isoformat(), "to": to.isoformat()})
    return data, "application/pdf", file_name(org, from_, to, ".pdf")
