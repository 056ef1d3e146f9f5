"""Dashboards: an organization's or an alliance's figures for a period, with charts, for its
organizers and viewers, and read-only through a signed, expiring link.

``/orgs/<slug>/dashboard`` is the page of the organization's readers (owners, organizers,
viewers; admins); ``/dashboards/<key>`` shows the same page to anyone holding a link the owners
or organizers made (`dashboard_links`), without the links to manage anything. Both take the
period as ``?period=2026`` (a year), ``2026-Q2`` (a quarter) or ``2026-05`` (a month); this year
by default. The page shows counts only: never a participant's name, phone, email or answer.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from eventhub import periods, permissions
from eventhub.database import db
from eventhub.errors import DomainError, NotFound
from eventhub.events.labels import event_kind_label, partner_role_label
from eventhub.formatting import format_when, format_zone
from eventhub.mentors.report_views import echarts_url
from eventhub.orgs.models import Organization, OrgKind
from eventhub.reports import dashboard_links, exports, organizations
from eventhub.reports.dashboard_forms import DashboardLinkForm, RevokeLinkForm
from eventhub.reports.dashboard_links import LINK_DAYS, can_share_dashboard
from eventhub.webforms import Form, flash_domain_error

bp = Blueprint("dashboards", __name__)

#: The API's report files (API.md, Reporting), by endpoint.
WORKBOOK = "api_report_exports.report_workbook"
PDF = "api_report_exports.report_pdf"
#: How many years back the period picker offers (besides the years events happened in).
YEARS_BACK = 5


def can_read_dashboard(user: Any, org: Organization) -> bool:
    """Read the organization's dashboard: whom the organization's report lets in (owners,
    organizers, viewers; admins)."""
    return permissions.can_read_org_figures(user, org)


@bp.app_template_global("org_dashboard_url")
def org_dashboard_url(org: Organization) -> str | None:
    """The organization page's link to its dashboard, for those who may read it, else
    None."""
    if not can_read_dashboard(current_user, org):
        return None
    return url_for("dashboards.page", slug=org.slug)


# The period ---------------------------------------------------------------------------------


def _this_year() -> str:
    return str(periods.today(periods.platform_tz()).year)


def _period(name: str | None) -> tuple[str, datetime, datetime, str] | None:
    """``(name, from, to, label)`` of the query string's period (this year when it names
    none), or None when it names no month, quarter or year."""
    name = (name or "").strip() or _this_year()
    try:
        start, end, label = periods.named_period(name, periods.platform_tz())
    except ValueError:
        return None
    return name, start, end, label


def _picker(name: str) -> dict[str, Any]:
    """The period picker's choices around the period ``name`` (a year, ``YYYY-Qn`` or
    ``YYYY-MM``): the years, the quarters and the months of its year."""
    year = int(name[:4])
    this_year = int(_this_year())
    years = sorted({*range(this_year - YEARS_BACK, this_year + 2), year}, reverse=True)
    return {
        "year": year,
        "years": years,
        "quarters": [(f"{year}-Q{q}", _("Q%(quarter)d", quarter=q)) for q in range(1, 5)],
        "months": [(f"{year}-{m:02d}", format_date(date(year, m, 1), "MMM"))
                   for m in range(1, 13)],
    }


# The figures ---------------------------------------------------------------------------------


def _percent(rate: float | None) -> float:
    return round((rate or 0) * 100, 1)


def _charts(report: dict[str, Any], rows: list[dict[str, Any]], tz: str) -> dict[str, Any]:
    """What js/org-dashboard.js draws, with the words it shows: events, confirmed and checked
    in per month; 签到率 per event by date; events by kind; members side by side."""
    zone = ZoneInfo(tz)
    events = sorted(rows, key=lambda row: row["starts_at"])
    months = report.get("months", [])
    charts: dict[str, Any] = {
        "labels": {
            "events": _("Events"), "confirmed": _("Confirmed"), "checkedIn": _("Checked in"),
            "rate": _("Check-in rate"), "credited": _("Credited events"),
            "people": _("People"),
        },
        "months": {
            "names": [m["month"] for m in months],
            "events": [m["events"] for m in months],
            "confirmed": [m["confirmed"] for m in months],
            "checkedIn": [m["checked_in"] for m in months],
        },
        "rates": {
            "names": [row["title"] for row in events],
            "dates": [row["starts_at"].astimezone(zone).strftime("%m-%d") for row in events],
            "values": [_percent(row["checkin_rate"]) for row in events],
        },
        "kinds": [{"name": event_kind_label(kind), "value": n}
                  for kind, n in sorted(report["events"]["by_kind"].items(),
                                        key=lambda item: -item[1]) if n],
    }
    if report.get("members") is not None:
        charts["members"] = {
            "names": [m["name"] for m in report["members"]],
            "events": [m["events"]["count"] for m in report["members"]],
            "credited": [m["events"]["credited"] for m in report["members"]],
            "checkedIn": [m["checked_in"] for m in report["members"]],
        }
    return charts


def _tiles(report: dict[str, Any]) -> list[tuple[str, str, Any]]:
    """The figure tiles: (key, label, value shown)."""
    mentors = report.get("mentors") or {}
    return [
        ("events", _("Number of events"), report["events"]["count"]),
        ("credited", _("Credited events"), _number(report["events"]["credited"])),
        ("registrations", _("Registrations (confirmed)"), report["registrations"]),
        ("checked_in", _("Checked in"), report["checked_in"]),
        ("checkin_rate", _("Check-in rate"), f"{_percent(report['checkin_rate']):.1f}%"),
        ("participants", _("Participants"), report["participants"]),
        ("entries", _("Contest entries"), report["entries"]),
        ("coachings", _("Mentor coachings"), mentors.get("coachings", 0)),
    ]


def _period_days(start: datetime, end: datetime, tz: str) -> str:
    """The period's first and last days and its time zone: "2026-04-01 – 2026-06-30，北京时间
    （UTC+8）"."""
    zone = ZoneInfo(tz)
    return _("%(first)s to %(last)s, %(zone)s", first=start.astimezone(zone).date().isoformat(),
             last=(end.astimezone(zone) - timedelta(days=1)).date().isoformat(),
             zone=format_zone(tz, start))


def _number(value: float) -> str:
    """A credited count as people write it: 3, 2.5."""
    return f"{value:g}"


def _api_file(org: Organization, endpoint: str, start: datetime, end: datetime,
              **extra: str) -> str:
    """The API's file of the organization's report for the period (API.md, Reporting), its
    bounds as the days they are midnights of."""
    tz = ZoneInfo(periods.platform_tz())
    return url_for(endpoint, org_id=org.id, **{
        "from": start.astimezone(tz).date().isoformat(),
        "to": end.astimezone(tz).date().isoformat()}, **extra)


def _render(org: Organization, *, shared_key: str | None = None,
            status: int = 200) -> tuple[str, int]:
    """The dashboard of ``org`` for the query string's period; read-only (no management, no
    downloads) when shown through the link ``shared_key``."""
    tz = periods.platform_tz()
    found = _period(request.args.get("period"))
    endpoint_args = {"key": shared_key} if shared_key else {"slug": org.slug}
    endpoint = "dashboards.shared" if shared_key else "dashboards.page"
    context: dict[str, Any] = {
        "org": org, "is_alliance": org.kind == OrgKind.alliance, "shared": bool(shared_key),
        "period_url": lambda name: url_for(endpoint, **endpoint_args, period=name),
        "form_action": url_for(endpoint, **endpoint_args),
        "echarts_url": echarts_url(),
    }
    if found is None:
        context.update(bad_period=request.args.get("period", ""), picker=_picker(_this_year()),
                       period_name=None)
        return render_template("reports/dashboard.html", **context), 422
    name, start, end, label = found
    report = organizations.org_report(org, start, end)
    rows = organizations.event_rows(org, start, end)
    context.update(
        period_name=name, period_label=label, period_text=_period_days(start, end, tz),
        picker=_picker(name), report=report, tiles=_tiles(report),
        charts=_charts(report, rows, tz),
        members=None if report.get("members") is None else [
            {**m, "credited_text": _number(m["events"]["credited"])} for m in report["members"]],
        rows=[{**row, "kind_label": event_kind_label(row["kind"]),
               "role_label": partner_role_label(row["role"]),
               "rate": f"{_percent(row['checkin_rate']):.1f}%"}
              for row in sorted(rows, key=lambda row: row["starts_at"])],
        warnings=exports.consistency_checks(report, rows),
    )
    if not shared_key:
        context.update(
            downloads=[
                (_("Workbook"), _api_file(org, WORKBOOK, start, end), "xlsx"),
                (_("Torch statistics"), _api_file(org, WORKBOOK, start, end, format="torch"),
                 "torch"),
                ("PDF", _api_file(org, PDF, start, end), "pdf"),
            ],
            can_share=can_share_dashboard(current_user, org),
        )
        if context["can_share"]:
            context.update(
                link_form=DashboardLinkForm(), revoke_form=RevokeLinkForm(),
                links=[(link, url_for("dashboards.shared", key=dashboard_links.key_of(link),
                                      _external=True))
                       for link in dashboard_links.live_links(org)],
                link_days=LINK_DAYS,
            )
    return render_template("reports/dashboard.html", **context), status


def _org(slug: str) -> Organization:
    return db.first_or_404(sa.select(Organization).where(Organization.slug == slug))


# Pages ---------------------------------------------------------------------------------------


@bp.route("/orgs/<slug>/dashboard")
@login_required
def page(slug: str) -> tuple[str, int]:
    """The organization's or alliance's dashboard, for its readers."""
    org = _org(slug)
    if not can_read_dashboard(current_user, org):
        abort(403)
    return _render(org)


@bp.post("/orgs/<slug>/dashboard/links")
@login_required
def create_link(slug: str) -> Response:
    """Make a read-only link to the dashboard (owners and organizers)."""
    return _link_action(slug, DashboardLinkForm,
                        _("Choose how long the link works: 7, 30 or 90 days."), _create)


@bp.post("/orgs/<slug>/dashboard/links/revoke")
@login_required
def revoke_link(slug: str) -> Response:
    """Stop one link (``link_id``) or every link (``all``) of the organization."""
    return _link_action(slug, RevokeLinkForm, _("Choose a link to revoke."), _revoke)


def _link_action(slug: str, form_class: type[Form], invalid: str,
                 act: Callable[[Organization, Any], None]) -> Response:
    """What both link forms do: 403 unless the caller may share the organization's dashboard,
    flash ``invalid`` for a form that does not validate, else ``act`` (which flashes its
    outcome; a domain error is flashed instead), and back to the page's period and its
    sharing panel."""
    org = _org(slug)
    if not can_share_dashboard(current_user, org):
        abort(403)
    form = form_class()
    if not form.validate_on_submit():
        flash(invalid, "error")
    else:
        try:
            act(org, form)
        except DomainError as error:
            flash_domain_error(error)
    back = url_for("dashboards.page", slug=org.slug, period=request.form.get("period") or None)
    return redirect(f"{back}#share")


def _create(org: Organization, form: DashboardLinkForm) -> None:
    link = dashboard_links.create_link(current_user, org, int(form.days.data))
    flash(_("The link is ready; it works until %(day)s.", day=_day(link.expires_at)), "success")


def _revoke(org: Organization, form: RevokeLinkForm) -> None:
    if form.everything.data:
        count = dashboard_links.revoke_all(current_user, org)
        flash(ngettext("%(num)d link revoked.", "%(num)d links revoked.", count), "success")
    elif form.link_id.data is not None:
        dashboard_links.revoke_link(current_user, org, form.link_id.data)
        flash(_("The link is revoked: it no longer opens the dashboard."), "success")
    else:
        flash(_("Choose a link to revoke."), "error")


@bp.route("/dashboards/<key>")
def shared(key: str) -> Response:
    """The dashboard through a read-only link, for anyone holding it; a friendly page when
    the link has expired, was revoked or is not one of ours."""
    try:
        org, link = dashboard_links.open_link(key)
    except dashboard_links.LinkExpired:
        html, status = render_template("reports/dashboard_link_invalid.html", expired=True), 410
    except NotFound:
        html, status = render_template("reports/dashboard_link_invalid.html", expired=False), 404
    else:
        html, status = _render(org, shared_key=key)
    response = Response(html, status=status, mimetype="text/html")
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _day(moment: datetime) -> str:
    """A moment as the page shows it, in the reader's language and zone."""
    return format_when(moment)
