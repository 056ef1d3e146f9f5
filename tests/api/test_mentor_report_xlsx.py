"""The mentor report as the sponsors' spreadsheet (导师名单, issue 13): GET
/orgs/{id}/mentor-report.xlsx against the hand-computed period of the report's own test."""

from __future__ import annotations

import io

import sqlalchemy as sa
from openpyxl import load_workbook

from eventhub.audit import AuditEntry
from eventhub.database import db
from eventhub.mentors import services
from tests.api.conftest import assert_error, db_counts
from tests.services.test_mentor_report import FROM, TO, pool  # noqa: F401 - the fixture

QUERY = {"from": FROM.isoformat(), "to": TO.isoformat()}
ZH_HEADER = ["姓名", "单位/职务", "专长", "辅导次数", "时长（分钟）", "服务对象数", "评分",
             "是否达标"]


def _sheet(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "private, no-store"
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == [book.active.title]
    return book.active


def _table(sheet):
    """(lines above the header, header, rows by name)."""
    values = list(sheet.iter_rows(values_only=True))
    at = next(i for i, row in enumerate(values) if row[0] in ("姓名", "Name"))
    return ([row[0] for row in values[:at]], list(values[at]),
            {row[0]: row[1:] for row in values[at + 1:]})


def test_the_spreadsheet_holds_the_hand_computed_figures(api, org, owner, pool):  # noqa: F811
    a, b, _c = pool
    services.update_mentor(owner, a, services.ProfileInfo(
        title="合伙人", affiliation="=HYPERLINK(\"x\")", expertise=["融资", "股权"]))
    services.update_mentor(owner, b, services.ProfileInfo(title="教授"))
    response = api(owner).get(f"/api/v1/orgs/{org.id}/mentor-report.xlsx", query_string=QUERY)
    sheet = _sheet(response)
    assert sheet.title == "导师名单"
    assert response.headers["Content-Disposition"].endswith(
        f'filename="mentor-report-{org.id}-20260301-20260401.xlsx"')
    lines, header, rows = _table(sheet)
    assert header == ZH_HEADER
    assert lines[0] == f"{org.name} · 导师名单"
    # The period starts at 08:00 Beijing time (midnight UTC): shown as exact times.
    assert lines[1] == (
        "统计期间：2026-03-01 08:00 起，至 2026-04-01 08:00 前，按北京时间（UTC+8）计。")
    assert "至少 2 次" in lines[2] and "不少于 30 分钟" in lines[2]
    assert rows == {
        # coachings 4, minutes 170, mentees 3, rating 3.25, qualifying 2 of 2: meets the rule;
        # a formula typed as the organization is written as text.
        "陈导师": ("'=HYPERLINK(\"x\") / 合伙人", "融资、股权", 4, 170, 3, 3.25, "是"),
        # 2 coachings of 59 minutes for 1 person; one rating only: no rating; 1 of 2 qualifies.
        "王导师": ("教授", None, 2, 59, 1, None, "否"),
        "赵导师": (None, None, 0, 0, 0, None, "否"),
    }
    [rating] = [row[6] for row in sheet.iter_rows() if row[0].value == "陈导师"]
    assert rating.number_format == "0.00"
    entry = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "mentor_report.exported")).one()
    assert entry.actor_id == owner.id and entry.object_id == org.id
    assert entry.after["rows"] == 3 and entry.after["format"] == "xlsx"


def test_the_spreadsheet_speaks_the_callers_language(api, org, organizer, pool):  # noqa: F811
    organizer.locale = "en"
    db.session.commit()
    sheet = _sheet(api(organizer).get(f"/api/v1/orgs/{org.id}/mentor-report.xlsx",
                                      query_string={"from": "2026-01-01", "to": "2027-01-01"}))
    lines, header, rows = _table(sheet)
    assert sheet.title == "Mentor list"
    assert header == ["Name", "Organization / title", "Specialties", "Number of coachings",
                      "Duration (minutes)", "People served", "Rating", "Meets the rule"]
    # Dates alone are midnights in Beijing time: the period reads as its days, the last included.
    assert lines[1] == "Period: 2026-01-01 to 2026-12-31, in Beijing time (UTC+8)."
    assert rows["陈导师"][-1] == "Yes" and rows["王导师"][-1] == "No"


def test_only_organizers_get_the_spreadsheet(api, org, staff, outsider_organizer, pool):  # noqa: F811
    path = f"/api/v1/orgs/{org.id}/mentor-report.xlsx"
    clients = [api(user) for user in (staff, outsider_organizer)]
    before = db_counts()
    for client in clients:
        assert_error(client.get(path, query_string=QUERY), 403)
    assert_error(api().get(path, query_string=QUERY), 401)
    assert_error(clients[0].get("/api/v1/orgs/999999/mentor-report.xlsx", query_string=QUERY),
                 404)
    assert db_counts() == before


def test_a_bad_period_is_refused(api, org, organizer):
    path = f"/api/v1/orgs/{org.id}/mentor-report.xlsx"
    for query in ({}, {"from": "x", "to": "2026-01-01"}, {"from": "2026-02-01", "to": "2026-01-01"},
                  {"from": "2026-01-01T00:00:00", "to": "2026-02-01"}):
        assert_error(api(organizer).get(path, query_string=query), 422)
