"""The alliance dashboard in Chromium (issue 15): a sponsor's viewer signs in and reads the
alliance's dashboard; its charts draw (ECharts from node_modules, under the page's CSP) with a
real size on a phone and on a wide screen, in Chinese and in English, without sideways
scrolling and without a participant's name. An organizer's read-only link opens the same
dashboard in a browser that never signed in. Screenshots go to /tmp/shots_dash/."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from eventhub.accounts.models import User
from eventhub.database import db
from eventhub.events.models import EventPartner
from eventhub.orgs import services as orgs
from eventhub.orgs.models import AllianceMember, Organization
from eventhub.reports import dashboard_links
from tests import factories
from tests.api.test_event_stats import person, scan
from tests.browser.conftest import add_member, admin_and_org, sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}
WIDE = {"width": 1920, "height": 1080}
PASSWORD = "chuangye2026"
VIEWER = "orgdash-sponsor@example.com"
ORGANIZER = "orgdash-organizer@example.com"
ALLIANCE = "仪表盘浏览器双创联盟"
SHOTS = Path("/tmp/shots_dash")
SHANGHAI = ZoneInfo("Asia/Shanghai")
#: The year shown: last year, whole (the events are all in it, whatever today is).
YEAR = datetime.now(SHANGHAI).year - 1
#: Members and their events: (member, [(month, day, kind, title, confirmed, checked in)]).
MEMBERS = [
    ("仪表盘浏览器众创空间", [(1, 12, "salon", "创业沙龙 第1期", 12, 9),
                            (3, 8, "forum", "双创论坛", 30, 26),
                            (6, 20, "camp", "创业训练营", 8, 8)]),
    ("仪表盘浏览器科技园", [(4, 18, "contest", "创新创业大赛", 25, 19),
                          (9, 5, "roadshow", "项目路演专场", 15, 10)]),
    ("仪表盘浏览器大学孵化器", [(5, 16, "week", "双创活动周", 40, 31),
                               (11, 2, "salon", "校友创业沙龙", 10, 4)]),
]
#: Participants' names on the registrations: never on the dashboard.
PARTICIPANT = "参会者"


@pytest.fixture(scope="module")
def alliance_slug(live_server) -> str:
    """An alliance of three members with seven events last year, registrations and check-ins;
    a sponsor viewer and an organizer of the alliance (idempotent: the live database is
    shared)."""
    with live_server.app_context():
        found = db.session.scalar(sa.select(Organization.slug).where(
            Organization.name == ALLIANCE))
        if found is not None:
            return found
        admin, alliance = admin_and_org("orgdash-admin@example.com", PASSWORD, ALLIANCE)
        alliance.kind = "alliance"
        db.session.commit()
        add_member(admin, alliance, "viewer", VIEWER, PASSWORD, "市科技局")
        add_member(admin, alliance, "organizer", ORGANIZER, PASSWORD, "联盟秘书处")
        n = 0
        events = []
        for name, items in MEMBERS:
            member = orgs.create_org(admin, name, "maker_space")
            factories.commit(AllianceMember(alliance_id=alliance.id, member_id=member.id))
            for month, day, kind, title, confirmed, checked in items:
                start = datetime(YEAR, month, day, 14, tzinfo=SHANGHAI)
                event = factories.EventFactory(
                    organization=member, title=title, kind=kind, starts_at=start,
                    ends_at=start + timedelta(hours=3), lead_name="赵负责")
                events.append(event)
                main = factories.main_list_of(event)
                for i in range(confirmed):
                    n += 1
                    registration = person(event, 1000 + n, "confirmed")
                    if i < checked:
                        scan(main, registration)
        # The university's incubator co-hosts the contest.
        factories.commit(EventPartner(event_id=events[3].id, org_id=events[5].org_id,
                                      role="co_host"))
        return alliance.slug


def _open(live_server, new_page, url: str, viewport, locale: str, email: str | None) -> tuple[
        Page, list[str]]:
    if email:
        with live_server.app_context():  # the account's saved language wins over the browser's
            user = db.session.scalar(sa.select(User).where(User.email == email))
            user.locale = "zh_Hans" if locale == "zh-CN" else "en"
            db.session.commit()
    page = new_page(viewport=viewport, locale=locale, is_mobile=viewport is PHONE,
                    has_touch=viewport is PHONE)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    if email:
        sign_in(page, email, PASSWORD, live_server.url)
    page.goto(url)
    return page, problems


def _charts_drawn(page: Page, names: list[str], viewport) -> None:
    expect(page.locator("#od-charts")).to_have_attribute("data-ready", "")
    for name in names:
        section = page.locator(f'[data-chart-section="{name}"]')
        expect(section).to_be_visible()
        canvas = section.locator(f'[data-chart="{name}"] canvas')
        expect(canvas).to_have_count(1)
        box = canvas.bounding_box()
        assert box and box["height"] >= 250, (name, box)
        assert box["width"] >= (300 if viewport is PHONE else 700), (name, box)


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
@pytest.mark.parametrize("viewport", [PHONE, WIDE], ids=["phone", "wide"])
def test_a_sponsor_reads_the_alliance_dashboard(live_server, new_page, alliance_slug, locale,
                                                viewport):
    page, problems = _open(live_server, new_page,
                           f"{live_server.url}/orgs/{alliance_slug}/dashboard?period={YEAR}",
                           viewport, locale, VIEWER)
    zh = locale == "zh-CN"
    expect(page.locator("h1")).to_have_text(ALLIANCE)
    expect(page.locator(".eyebrow")).to_have_text("联盟数据看板" if zh else "Alliance dashboard")
    expect(page.locator('[data-stat="events"]')).to_have_text("7")
    expect(page.locator('[data-stat="registrations"]')).to_have_text("140")
    expect(page.locator('[data-stat="checked_in"]')).to_have_text("107")
    expect(page.locator('[data-stat="checkin_rate"]')).to_have_text("76.4%")
    _charts_drawn(page, ["months", "rates", "members", "kinds"], viewport)
    expect(page.locator("#od-events tbody tr")).to_have_count(7)
    expect(page.locator("#od-members tbody tr")).to_have_count(3)
    expect(page.locator("main")).to_contain_text("成员机构对比" if zh else "Members side by side")
    expect(page.locator("main")).not_to_contain_text(PARTICIPANT)
    # A sponsor reads; it neither shares nor manages.
    expect(page.locator("#share")).to_have_count(0)
    # Tiles: two per row on a phone, all in one row on a wide screen.
    first = page.locator('[data-stat="events"]').bounding_box()
    third = page.locator('[data-stat="registrations"]').bounding_box()
    assert (third["y"] > first["y"]) is (viewport is PHONE), (first, third)
    assert page.evaluate("document.scrollingElement.scrollWidth") <= viewport["width"]
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"alliance-{locale}-{viewport['width']}.png"),
                    full_page=True)
    # The quarter chips change the period.
    page.locator(".od-chips a", has_text="第2季度" if zh else "Q2").click()
    page.wait_for_url(f"**period={YEAR}-Q2")
    expect(page.locator('[data-stat="events"]')).to_have_text("3")
    _charts_drawn(page, ["months", "rates", "members", "kinds"], viewport)
    assert not problems, problems


def test_a_read_only_link_opens_without_signing_in(live_server, new_page, alliance_slug):
    organizer, problems = _open(live_server, new_page,
                                f"{live_server.url}/orgs/{alliance_slug}/dashboard?period={YEAR}",
                                WIDE, "zh-CN", ORGANIZER)
    share = organizer.locator("#share")
    share.locator("select[name=days]").select_option("7")
    share.get_by_role("button", name="生成链接").click()
    expect(organizer.locator(".flash--success")).to_contain_text("链接已生成")
    url = organizer.locator(".od-link__url").first.input_value()
    SHOTS.mkdir(exist_ok=True)
    share.screenshot(path=str(SHOTS / "share-zh-CN-1920.png"))
    assert "/dashboards/" in url
    stranger, more = _open(live_server, new_page, url + f"?period={YEAR}", PHONE, "zh-CN", None)
    expect(stranger.locator("[data-shared]")).to_be_visible()
    expect(stranger.locator('[data-stat="events"]')).to_have_text("7")
    _charts_drawn(stranger, ["months", "rates", "members", "kinds"], PHONE)
    expect(stranger.locator("[data-download]")).to_have_count(0)
    assert stranger.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    stranger.screenshot(path=str(SHOTS / "shared-zh-CN-375.png"), full_page=True)
    # Revoked: the same link now says it has expired.
    organizer.reload()
    organizer.locator("#share").get_by_role("button", name="撤销全部链接").click()
    expect(organizer.locator(".flash--success")).to_be_visible()
    stranger.reload()
    expect(stranger.locator("[data-link-invalid=expired]")).to_be_visible()
    stranger.screenshot(path=str(SHOTS / "shared-expired-zh-CN-375.png"))
    assert not problems + [m for m in more if "410" not in m], problems + more
    with live_server.app_context():
        alliance = db.session.scalar(sa.select(Organization).where(
            Organization.slug == alliance_slug))
        assert dashboard_links.live_links(alliance) == []
