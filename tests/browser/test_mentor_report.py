"""The mentor report page in Chromium (issue 13): the chart draws (ECharts from node_modules,
under the page's CSP) on a phone and on a wide screen, the table sorts from the keyboard and,
on a phone, from its select; no page scrolls sideways."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from eventhub.accounts import services as accounts
from eventhub.database import db
from eventhub.mentors import services as mentors
from eventhub.orgs.models import Organization
from tests.browser.conftest import admin_and_org, sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}
WIDE = {"width": 1920, "height": 1080}
PASSWORD = "chuangye2026"
ADMIN = "report-admin@example.com"
#: Mentors and their confirmed coachings this year: (name, [minutes of each]).
POOL = [
    ("欧阳建国", [60, 45, 90, 30, 40, 50]),
    ("陈志远", [45, 45, 60, 30]),
    ("王晓明", [120, 20, 20]),
    ("李娜", [30, 30, 30, 30, 30]),
    ("张伟", [25]),
    ("黄丽华", []),
]


@pytest.fixture(scope="module")
def slug(live_server) -> str:
    """A maker space whose pool has six mentors with coachings this year (rule: 4 of at least
    30 minutes); idempotent, the live database is shared by the browser tests."""
    with live_server.app_context():
        org = db.session.scalar(sa.select(Organization).where(
            Organization.name == "浑南创业导师工作站"))
        if org is not None:
            return org.slug
        admin, org = admin_and_org(ADMIN, PASSWORD, "浑南创业导师工作站")
        mentors.set_rule(admin, org, 4, 30)
        mentee = accounts.sign_up(accounts.SignUpInfo("report-mentee@example.com", PASSWORD,
                                                      "韩创业"))
        now = datetime.now(UTC)
        start = max(datetime(now.year, 1, 1, 8, tzinfo=UTC), now - timedelta(days=60))
        for n, (name, minutes) in enumerate(POOL):
            mentor = mentors.add_mentor(admin, org, f"report-mentor{n}@example.com", name,
                                        mentors.ProfileInfo(title="合伙人",
                                                            expertise=["融资", "股权"]))
            for i, length in enumerate(minutes):
                at = start + timedelta(hours=n * 10 + i)
                coaching = mentors.log_coaching(admin, mentor, mentors.CoachingInfo(
                    [mentee.id], min(at, now - timedelta(hours=1)), length, "onsite", "路演辅导"))
                mentors.confirm_coaching(mentee, coaching)
                mentors.rate_coaching(mentee, coaching, 5 - i % 3)
        return org.slug


def _open(live_server, new_page, slug, viewport, locale="zh-CN") -> tuple[Page, list[str]]:
    page = new_page(viewport=viewport, locale=locale, is_mobile=viewport == PHONE,
                    has_touch=viewport == PHONE)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    sign_in(page, ADMIN, PASSWORD, live_server.url)
    page.goto(f"{live_server.url}/orgs/{slug}/mentors/report")
    return page, problems


def _chart_drawn(page: Page) -> None:
    expect(page.locator("#mr-chart-section")).to_be_visible()
    canvas = page.locator("#mr-chart canvas")
    expect(canvas).to_have_count(1)
    box = canvas.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 6 * 30, box


def test_the_chart_draws_and_the_table_sorts_by_keyboard(live_server, slug, new_page):
    page, problems = _open(live_server, new_page, slug, WIDE)
    _chart_drawn(page)
    expect(page.locator("#mr-table tbody tr")).to_have_count(len(POOL))
    link = page.locator("#mr-table thead a", has_text="时长（分钟）")
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**sort=minutes**")
    # 欧阳建国 coached 315 minutes, the most; the sorted column says so to screen readers.
    expect(page.locator("#mr-table tbody tr").first.locator("th")).to_have_text("欧阳建国")
    expect(page.locator("#mr-table thead th[aria-sort=descending]")).to_contain_text("时长")
    page.locator("#mr-table thead a", has_text="时长（分钟）").press("Enter")
    page.wait_for_url("**dir=asc**")
    expect(page.locator("#mr-table tbody tr").first.locator("th")).to_have_text("黄丽华")
    assert not problems, problems


def test_on_a_phone_the_chart_fits_and_the_select_sorts(live_server, slug, new_page):
    page, problems = _open(live_server, new_page, slug, PHONE)
    _chart_drawn(page)
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    page.select_option("#mr-sort", "qualifying")
    page.wait_for_url("**sort=qualifying**")
    expect(page.locator("#mr-table tbody tr").first.locator("th")).to_have_text("欧阳建国")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    assert not problems, problems
