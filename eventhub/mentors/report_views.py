"""The mentor report (绩效评估) page of an organization: a sortable table, a chart, the XLSX export,
mentors below the rule and the league table.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from eventhub.database import db
from eventhub.downloads import private_file
from eventhub.mentors import report, services
from eventhub.mentors.permissions import can_manage_pool
from eventhub.mentors.report_forms import PeriodForm, RuleForm
from eventhub.orgs.models import Organization
from eventhub.vendor import installed_version, send_vendor_file
from eventhub.webforms import domain_errors, form_status

bp = Blueprint("mentor_report", __name__)

#: The chart library (npm ``echarts``), by the name the page asks for: the build with the
#: common charts and components (bars, the rule's mark line, tooltips).
ECHARTS_FILES = {"echarts.js": "echarts/dist/echarts.common.min.js"}


def _tz() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def _me() -> Any:
    return current_user._get_current_object()


def _managed_org(slug: str) -> Organization:
    """The organization by its slug (404), if the signed-in user manages its pool (403)."""
    org = db.first_or_404(sa.select(Organization).where(Organization.slug == slug))
    if not can_manage_pool(current_user, org):
        abort(403)
    return org


def _period_form() -> PeriodForm:
    """The period of the query string; this calendar year when it names none."""
    args = request.args
    if not args.get("from") and not args.get("to"):
        first, last = report.PRESETS["this_year"](_today())
        args = MultiDict({"from": first.isoformat(), "to": last.isoformat()})
    return PeriodForm(formdata=args)


def _today() -> date:
    return datetime.now(ZoneInfo(_tz())).date()


def _sort() -> tuple[str, bool]:
    """The table's column and direction from ``?sort=&dir=``: by name by default; a column's
    first direction is the one `report.SORTABLE` says. The phones' sort form also sends the
    column it was showing (``sorted``): a new column starts in its first direction."""
    column = request.args.get("sort", "name")
    if column not in report.SORTABLE:
        column = "name"
    direction = request.args.get("dir")
    if request.args.get("sorted", column) != column:
        direction = None
    descending = direction == "desc" if direction in ("asc", "desc") else report.SORTABLE[column]
    return column, descending


def _chart_data(data: dict) -> dict[str, Any]:
    """What js/mentor-report.js draws: qualifying coachings per mentor, most first, and the
    rule's line, with the words it shows."""
    rows = report.sorted_rows(data["mentors"], "qualifying", True)
    need = data["rule"]["min_coachings"]
    return {
        "names": [row["name"] for row in rows],
        "values": [row["qualifying"] for row in rows],
        "meets": [row["meets_rule"] for row in rows],
        "rule": need,
        "series": _("Qualifying coachings"),
        "ruleLabel": _("Rule: %(n)d", n=need),
    }


def columns() -> list[tuple[str, str]]:
    """The report table's columns: (the report's key, its title)."""
    return [
        ("name", _("Mentor")), ("coachings", _("Number of coachings")),
        ("confirmed", _("Confirmed by mentees")), ("qualifying", _("Qualifying coachings")),
        ("minutes", _("Duration (minutes)")), ("mentees", _("People served")),
        ("bookings", _("Office-hour bookings")), ("no_shows", _("No-shows")),
        ("rating", _("Rating")), ("entries", _("Contest entries coached")),
        ("meets_rule", _("Meets the rule")),
    ]


def _link(endpoint: str, slug: str, period: PeriodForm, **changes: str) -> str:
    """The page (or its file) for the period shown, with ``changes`` to the query string."""
    args = {"from": period.start.data or "", "to": period.end.data or "",
            "sort": request.args.get("sort", ""), "dir": request.args.get("dir", "")}
    args.update(changes)
    return url_for(endpoint, slug=slug, **{k: v for k, v in args.items() if v})


@bp.route("/orgs/<slug>/mentors/report", methods=["GET", "POST"])
@login_required
def page(slug: str) -> str | Response | tuple[str, int]:
    org = _managed_org(slug)
    rule = services.rule_of(org.id)
    rule_form = RuleForm(data={"min_coachings": rule.min_coachings,
                               "min_minutes": rule.min_minutes})
    if rule_form.validate_on_submit():
        with domain_errors(rule_form):
            services.set_rule(_me(), org, rule_form.min_coachings.data,
                              rule_form.min_minutes.data)
            flash(_("The rule is saved."), "success")
            return redirect(request.full_path.rstrip("?"))
    period = _period_form()
    data = shortfalls = league = chart = None
    column, descending = _sort()
    if period.validate():
        assert period.first is not None and period.last is not None
        from_, to = report.period_of(period.first, period.last, _tz())
        data = report.mentor_report(_me(), org, from_, to)
        data["mentors"] = report.sorted_rows(data["mentors"], column, descending)
        shortfalls = report.falling_short(data)
        league = report.league_table(data)
        chart = _chart_data(data)
    today = _today()
    presets = [(label, *report.PRESETS[key](today)) for key, label in (
        ("this_year", _("This year")), ("last_year", _("Last year")),
        ("last_12_months", _("Last 12 months")))]
    status = form_status(rule_form) if request.method == "POST" else (200 if data else 422)
    return render_template(
        "mentors/report.html", org=org, period=period, rule_form=rule_form, report=data,
        rule_line=report.rule_text(asdict(rule)), shortfalls=shortfalls, league=league,
        chart=chart, presets=presets, columns=columns(), sort=column, descending=descending,
        first_descending=report.SORTABLE,
        link=lambda endpoint="mentor_report.page", **changes: _link(endpoint, slug, period,
                                                                    **changes),
        echarts_url=echarts_url(),
    ), status


@bp.route("/orgs/<slug>/mentors/report.xlsx")
@login_required
def export(slug: str) -> Response:
    """The report of the page's period as the sponsors' spreadsheet (导师名单)."""
    org = _managed_org(slug)
    period = _period_form()
    if not period.validate():
        abort(400)
    assert period.first is not None and period.last is not None
    from_, to = report.period_of(period.first, period.last, _tz())
    return private_file(*report.export_report(_me(), org, from_, to, _tz()))


def echarts_url() -> str:
    """Where a page loads the chart library (static/js/charts.js imports it), under its
    installed version; empty when it is not installed, and the page keeps its tables."""
    version = installed_version("echarts", ECHARTS_FILES.values())
    return url_for("mentor_report.vendor", version=version, name="echarts.js") if version else ""


@bp.route("/mentors/vendor/<version>/<name>")
def vendor(version: str, name: str) -> Response:
    """The chart library, under its version (cached for a year)."""
    if name not in ECHARTS_FILES or version != installed_version("echarts",
                                                                 ECHARTS_FILES.values()):
        abort(404)
    return send_vendor_file(ECHARTS_FILES[name])
