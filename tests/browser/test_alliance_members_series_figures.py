"""In Chromium (issue 15): an alliance's owner adds a member organization from the list and
removes it after the confirmation, on a phone and a wide screen, in Chinese and English; a
visitor reads a series' figures and its bars without sideways scrolling. Screenshots go to
/tmp/shots_demo."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from eventhub.accounts import services as accounts
from eventhub.accounts.models import User
from eventhub.checkin import services as checkin
from eventhub.database import db
from eventhub.events import series as series_services
from eventhub.events.models import Series
from eventhub.orgs import alliances
from eventhub.orgs import services as orgs
from eventhub.orgs.models import Organization
from eventhub.registrations import services as reg
from tests.browser.conftest import add_member, admin_and_org, publish_event

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}
WIDE = {"width": 1920, "height": 1080}
PASSWORD = "lianmeng2026"
OWNER = "lmsf-owner@example.com"
SHOTS = Path("/tmp/shots_demo")


@pytest.fixture(scope="module")
def world(live_server) -> dict:
    """An alliance owned by OWNER with one member space, and an incubator outside it; a series
    of that space with two past dates (3 and 2 checked in, one person at both: 5 in all, 4
    people, 1 returning) and one to come (idempotent: the live database is shared)."""
    with live_server.app_context():
        alliance = db.session.scalar(sa.select(Organization).where(
            Organization.name == "成员页浏览器联盟"))
        if alliance is None:
            admin, space = admin_and_org("lmsf-admin@example.com", PASSWORD, "成员页浏览器空间")
            alliance = orgs.create_org(admin, "成员页浏览器联盟", "alliance")
            orgs.create_org(admin, "成员页浏览器孵化器", "incubator")
            add_member(admin, alliance, "owner", OWNER, PASSWORD, "联盟负责人")
            alliances.add_member(admin, alliance, space.id)
            series = series_services.create_series(admin, space, "成员页浏览器沙龙")
            people = [accounts.sign_up(accounts.SignUpInfo(
                f"lmsf-p{i}@example.com", PASSWORD, f"沙龙参会者{i}", phone=f"1390000100{i}"))
                for i in range(4)]
            start = datetime.now(UTC).replace(microsecond=0)
            for n, (days, came) in enumerate([(-60, [0, 1, 2]), (-30, [0, 3]), (20, [])]):
                event = publish_event(admin, space, f"成员页浏览器沙龙 第{n + 1}期", "salon",
                                      start + timedelta(days=days), timedelta(hours=2))
                event.series_id = series.id
                main = checkin.lists_of(event)[0]
                for i in came:  # registered by the organizer from the sign-in sheet
                    registration = reg.register(people[i], event, reg.RegistrationInfo(),
                                                actor=admin, notify=False)
                    checkin.scan(admin, main, registration.ticket_code, f"lmsf-{n}-{i}",
                                 now=event.starts_at)
            db.session.commit()
        series = db.session.scalar(sa.select(Series).where(Series.title == "成员页浏览器沙龙"))
        return {"slug": alliance.slug, "series_id": series.id}


def sign_in(page, base_url, email):
    page.goto(base_url + "/login")
    form = page.locator("main form")
    form.locator("input[name=email]").fill(email)
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)


def no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
@pytest.mark.parametrize("viewport", [PHONE, WIDE], ids=["phone", "wide"])
def test_the_owner_adds_and_removes_a_member(new_page, live_server, world, locale, viewport):
    zh = locale == "zh-CN"
    with live_server.app_context():  # the account's saved language wins over the browser's
        owner = db.session.scalar(sa.select(User).where(User.email == OWNER))
        owner.locale = "zh_Hans" if zh else "en"
        db.session.commit()
    page = new_page(locale=locale, viewport=viewport)
    sign_in(page, live_server.url, OWNER)
    page.goto(f"{live_server.url}/orgs/{world['slug']}")
    page.get_by_role("link", name="成员单位" if zh else "Alliance members").click()
    expect(page.locator("[data-member-count]")).to_have_text("1")
    page.locator("select[name=org_id]").select_option(label=(
        "成员页浏览器孵化器（孵化器）" if zh else "成员页浏览器孵化器 (Incubator)"))
    page.get_by_role("button", name="添加" if zh else "Add").click()
    expect(page.locator("[data-member-count]")).to_have_text("2")
    expect(page.locator(".flash, [role=status], .alert").first).to_contain_text(
        "已加入联盟" if zh else "is now a member")
    no_sideways_scroll(page)
    tag = f"{'phone' if viewport is PHONE else 'wide'}_{locale}"
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"browser_alliance_{tag}.png"), full_page=True)
    page.once("dialog", lambda dialog: dialog.accept())
    row = page.locator("[data-member]", has_text="成员页浏览器孵化器")
    row.get_by_role("button", name="删除" if zh else "Remove").click()
    expect(page.locator("[data-member-count]")).to_have_text("1")


@pytest.mark.parametrize("viewport", [PHONE, WIDE], ids=["phone", "wide"])
def test_a_visitor_reads_the_series_figures(new_page, live_server, world, viewport):
    page = new_page(locale="zh-CN", viewport=viewport)
    page.goto(f"{live_server.url}/series/{world['series_id']}")
    figures = page.locator("[data-series-figures]")
    expect(figures).to_be_visible()
    expect(figures.locator("[data-figure-total]")).to_have_text("5")
    expect(figures.locator("[data-participants]")).to_have_text("4")
    expect(figures.locator("[data-returning]")).to_have_text("1")
    expect(figures.locator("[data-chart-date]")).to_have_count(2)
    expect(figures.locator("progress").first).to_be_visible()
    no_sideways_scroll(page)
    tag = "phone" if viewport is PHONE else "wide"
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"browser_series_{tag}.png"), full_page=True)
