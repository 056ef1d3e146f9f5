"""The mentor report page (绩效评估, issue 13): who may see it, the table's figures for the
hand-computed period of the report's own test, sorting, the mentors below the rule, the
leaderboard, the rule form, the period picker, the spreadsheet and the chart's data."""

from __future__ import annotations

import io
import json
import re
from datetime import date

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from eventhub.audit import AuditEntry
from eventhub.database import db
from eventhub.mentors import services
from tests.services.test_mentor_report import pool  # noqa: F401 - the fixture
from tests.views.conftest import text

#: The report test's period as days in UTC: [2026-03-01, 2026-04-01).
PERIOD = {"from": "2026-03-01", "to": "2026-03-31"}


@pytest.fixture(autouse=True)
def _utc(app, monkeypatch):
    """Days in UTC, so the page's period is the report test's to the second."""
    monkeypatch.setitem(app.config, "BABEL_DEFAULT_TIMEZONE", "UTC")


def _url(org, suffix=""):
    return f"/orgs/{org.slug}/mentors/report{suffix}"


def _get(client, org, **query):
    response = client.get(_url(org), query_string={**PERIOD, **query})
    assert response.status_code == 200, text(response)[:2000]
    return text(response)


def _table(html):
    """{mentor name: {column: cell text}} and the names in the table's order."""
    body = html[html.index('id="mr-table"'):]
    body = body[:body.index("</table>")]
    rows, order = {}, []
    for row in re.findall(r"<tr data-mentor-id=\"\d+\">(.*?)</tr>", body, re.S):
        name = re.search(r"<th scope=\"row\"[^>]*>(.*?)</th>", row, re.S).group(1).strip()
        cells = {col: re.sub(r"<[^>]+>", "", value).strip()
                 for col, value in re.findall(r'data-col="(\w+)">(.*?)</td>', row, re.S)}
        rows[name] = cells
        order.append(name)
    return rows, order


def _list(html, list_id):
    """The items of the falls-short list or the leaderboard: (name, figure attributes)."""
    section = html[html.index(f'id="{list_id}"'):]
    section = section[:section.index("</section>")]
    return [(name, attrs) for attrs, name in re.findall(
        r'<li class="mr-list__item" data-mentor-id="\d+" ([^>]*)>.*?'
        r'<span class="mr-list__name">(.*?)</span>', section, re.S)]


def test_only_the_pools_organizers_see_the_page(app, login, client, org, owner, organizer,
                                                staff, participant, outsider_organizer):
    for user in (owner, organizer):
        assert login(user).get(_url(org)).status_code == 200
        assert login(user).get(_url(org, ".xlsx")).status_code == 200
    for user in (staff, participant, outsider_organizer):
        assert login(user).get(_url(org)).status_code == 403
        assert login(user).get(_url(org, ".xlsx")).status_code == 403
        response = login(user).post(_url(org), data={"min_coachings": "1", "min_minutes": "1"})
        assert response.status_code in (400, 403)
    assert services.rule_of(org.id) == services.Rule()
    assert client.get(_url(org)).status_code == 302  # to signing in
    assert login(owner).get("/orgs/no-such-org/mentors/report").status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "mentor_report.exported")) == 2


def test_the_table_shows_the_hand_computed_figures(login, org, owner, pool):  # noqa: F811
    html = _get(login(owner), org)
    rows, order = _table(html)
    assert rows["陈导师"] == {
        "coachings": "4", "confirmed": "3", "qualifying": "2", "minutes": "170", "mentees": "3",
        "bookings": "2", "no_shows": "1", "rating": "3.25 （4 个评分）", "entries": "2",
        "meets_rule": "达标"}
    assert rows["王导师"] == {
        "coachings": "2", "confirmed": "2", "qualifying": "1", "minutes": "59", "mentees": "1",
        "bookings": "0", "no_shows": "0", "rating": "–", "entries": "0",
        "meets_rule": "未达标"}
    assert rows["赵导师"]["coachings"] == "0" and rows["赵导师"]["meets_rule"] == "未达标"
    assert "外导师" not in html
    assert 'data-stat="mentors">3<' in html and 'data-stat="met">1<' in html
    assert 'data-stat="short">2<' in html
    assert "达标规则：统计期间内至少 2 次辅导，每次须经服务对象确认且不少于 30 分钟。" in html


def test_any_column_sorts_the_table(login, org, owner, pool):  # noqa: F811
    client = login(owner)
    by_name = _table(_get(client, org))[1]
    assert sorted(by_name) == ["王导师", "赵导师", "陈导师"]
    assert _table(_get(client, org, sort="name", dir="desc"))[1] == by_name[::-1]
    # A number sorts largest first on the first click, smallest first when asked.
    assert _table(_get(client, org, sort="minutes"))[1] == ["陈导师", "王导师", "赵导师"]
    assert _table(_get(client, org, sort="minutes", dir="asc"))[1] == ["赵导师", "王导师", "陈导师"]
    # Mentors without a rating yet come last either way; ties keep the order by name.
    assert _table(_get(client, org, sort="rating", dir="asc"))[1][0] == "陈导师"
    assert _table(_get(client, org, sort="rating"))[1] == ["陈导师"] + [
        n for n in by_name if n != "陈导师"]
    assert _table(_get(client, org, sort="meets_rule"))[1][0] == "陈导师"
    assert _table(_get(client, org, sort="nonsense", dir="sideways"))[1] == by_name
    # The phones' form sends the column shown before: a new column starts from its top.
    assert _table(_get(client, org, sort="minutes", dir="asc", sorted="name"))[1] == [
        "陈导师", "王导师", "赵导师"]
    assert _table(_get(client, org, sort="minutes", dir="asc", sorted="minutes"))[1] == [
        "赵导师", "王导师", "陈导师"]
    html = _get(client, org, sort="qualifying")
    assert _table(html)[1] == ["陈导师", "王导师", "赵导师"]
    # The sorted column says so and its title link turns the order round; the others sort
    # from the top; every link keeps the period.
    assert re.search(r'<th scope="col" class="num" aria-sort="descending">\s*'
                     r'<a class="mr-sort-link" href="[^"]*sort=qualifying&amp;dir=asc', html)
    query = "from=2026-03-01&amp;to=2026-03-31&amp;sort=minutes&amp;dir=desc"
    assert f'href="/orgs/{org.slug}/mentors/report?{query}#mr-table-title"' in html
    assert html.count("aria-sort=") == 1


def test_who_falls_short_and_the_leaderboard(login, org, owner, pool):  # noqa: F811
    html = _get(login(owner), org)
    # Rule 2: 赵 has no qualifying coaching (2 missing), 王 has one (1 missing); 陈 meets it.
    assert _list(html, "mr-short") == [("赵导师", 'data-missing="2"'),
                                      ("王导师", 'data-missing="1"')]
    assert "还差 2 次达标辅导" in html and "还差 1 次达标辅导" in html
    # Only mentors with a qualifying coaching are ranked: 陈 (2) before 王 (1).
    assert _list(html, "mr-league") == [("陈导师", 'data-rank="1"'), ("王导师", 'data-rank="2"')]


def test_the_rule_form_changes_the_rule_and_is_audited(login, org, owner, organizer,
                                                       pool):  # noqa: F811
    client = login(organizer)
    url = f"{_url(org)}?from=2026-03-01&to=2026-03-31&sort=minutes"
    response = client.submit(url, {"min_coachings": "1", "min_minutes": "30"})
    assert response.status_code == 302 and response.headers["Location"] == url
    assert services.rule_of(org.id) == services.Rule(1, 30)
    entry = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "mentor_rule.changed").order_by(AuditEntry.id.desc())).first()
    assert entry.actor_id == organizer.id
    assert entry.before == {"min_coachings": 2, "min_minutes": 30}
    assert entry.after == {"min_coachings": 1, "min_minutes": 30}
    html = text(client.get(url))
    assert "达标规则已保存。" in html
    assert _list(html, "mr-short") == [("赵导师", 'data-missing="1"')]  # 王 meets it now
    for bad in ({"min_coachings": "0", "min_minutes": "30"},
                {"min_coachings": "3", "min_minutes": "601"},
                {"min_coachings": "abc", "min_minutes": "30"},
                {"min_coachings": "", "min_minutes": ""}):
        response = client.submit(url, bad)
        assert response.status_code == 422, bad
        assert 'class="field__error"' in text(response)
        assert "<details class=\"mr-rule\" open>" in text(response)
    assert services.rule_of(org.id) == services.Rule(1, 30)
    response = login(owner).post(url, data={"min_coachings": "5", "min_minutes": "30"})
    assert response.status_code == 400  # no CSRF token
    assert services.rule_of(org.id) == services.Rule(1, 30)


def test_a_bad_period_is_told_clearly(login, org, owner):
    client = login(owner)
    for query, message in (
        ({"from": "2026-13-01", "to": "2026-12-31"}, "请输入日期，例如 2026-01-31。"),
        ({"from": "x" * 5000, "to": "2026-12-31"}, "请输入日期，例如 2026-01-31。"),
        ({"from": "1800-01-01", "to": "2026-12-31"}, "请输入 2000 年至 2100 年之间的日期。"),
        ({"from": "2026-03-01", "to": "2026-02-28"}, "结束日期不能早于开始日期。"),
        ({"from": "2026-03-01"}, "请填写此项。"),
    ):
        response = client.get(_url(org), query_string=query)
        assert response.status_code == 422, query
        html = text(response)
        assert message in html, (query, message)
        assert 'id="mr-table"' not in html and "下载 Excel" not in html
    assert client.get(_url(org, ".xlsx"), query_string={"from": "x", "to": "y"}).status_code == 400


def test_the_period_is_this_year_unless_chosen(login, org, owner, monkeypatch):
    html = text(login(owner).get(_url(org)))
    year = date.today().year
    assert f'name="from" required type="date" value="{year}-01-01"' in html
    assert f'name="to" required type="date" value="{year}-12-31"' in html
    # Quick choices: this year (current), last year, the last 12 months.
    chips = re.findall(r'<a class="chip" href="([^"]+)"( aria-current="true")?>([^<]+)</a>', html)
    assert [label for _href, _current, label in chips] == ["今年", "去年", "近 12 个月"]
    assert chips[0][1] and not chips[1][1]
    assert f"from={year - 1}-01-01&amp;to={year - 1}-12-31" in chips[1][0]


def test_the_page_offers_the_spreadsheet_of_its_period(login, org, owner, pool):  # noqa: F811
    client = login(owner)
    html = _get(client, org, sort="minutes")
    link = re.search(r'href="([^"]+)" data-xlsx', html).group(1).replace("&amp;", "&")
    assert link == f"/orgs/{org.slug}/mentors/report.xlsx?from=2026-03-01&to=2026-03-31"
    response = client.get(link)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet.title == "导师名单"
    values = list(sheet.iter_rows(values_only=True))
    assert values[1][0] == "统计期间：2026-03-01 至 2026-03-31，按UTC计。"
    header = values.index(("姓名", "单位/职务", "专长", "辅导次数", "时长（分钟）", "服务对象数",
                           "评分", "是否达标"))
    rows = {row[0]: row[3:] for row in values[header + 1:]}
    assert rows["陈导师"] == (4, 170, 3, 3.25, "是")
    assert rows["王导师"] == (2, 59, 1, None, "否")


def test_the_chart_reads_its_data_from_the_page(app, login, org, owner, pool):  # noqa: F811
    client = login(owner)
    html = _get(client, org)
    data = json.loads(re.search(
        r'<script type="application/json" id="mr-chart-data">(.*?)</script>', html, re.S).group(1))
    assert data["names"] == ["陈导师", "王导师", "赵导师"]  # most qualifying coachings first
    assert data["values"] == [2, 1, 0] and data["meets"] == [True, False, False]
    assert data["rule"] == 2 and data["ruleLabel"] == "达标线：2 次"
    assert "<script>" not in html and " onclick" not in html  # no inline scripts (CSP)
    assert '<script type="module" src="/static/js/mentor-report.js">' in html
    url = re.search(r'data-echarts="([^"]*)"', html).group(1)
    if not url:
        pytest.skip("npm ci has not installed echarts")
    with client.get(url) as script:
        assert script.status_code == 200 and script.mimetype == "text/javascript"
        assert "immutable" in script.headers["Cache-Control"]
    assert client.get(url.replace("/echarts.js", "/package.json")).status_code == 404
    assert client.get("/mentors/vendor/0.0.0/echarts.js").status_code == 404


def test_the_dashboard_links_the_report(login, org, owner, staff):
    link = f'href="/orgs/{org.slug}/mentors/report"'
    assert link in text(login(owner).get(f"/orgs/{org.slug}"))
    assert link not in text(login(staff).get(f"/orgs/{org.slug}"))
