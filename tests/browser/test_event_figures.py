"""The event page's figures panel in Chromium (issue 15 point 3): an organizer reads the
figures on a phone and on a wide screen, in Chinese and in English, without sideways scrolling;
a participant's page has no panel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from eventhub.accounts.models import User
from eventhub.checkin import services as checkin
from eventhub.database import db
from eventhub.events.models import Event
from tests.browser.conftest import add_member, admin_and_org, publish_event, register_people

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}
WIDE = {"width": 1920, "height": 1080}
PASSWORD = "chuangye2026"
ORGANIZER = "figures-organizer@example.com"
PARTICIPANT = "figures-p0@example.com"
SHOTS = Path("/tmp/shots_figures")


@pytest.fixture(scope="module")
def event_id(live_server) -> int:
    """A salon in three days with five confirmed registrations, three checked in at the main
    door (one of them twice): 60% (idempotent, the live database is shared)."""
    with live_server.app_context():
        found = db.session.scalar(sa.select(Event.id).where(Event.title == "数据统计测试沙龙"))
        if found is not None:
            return found
        admin, org = admin_and_org("figures-admin@example.com", PASSWORD, "浑南数据众创空间")
        add_member(admin, org, "organizer", ORGANIZER, PASSWORD, "统计组织者")
        event = publish_event(admin, org, "数据统计测试沙龙", "salon",
                              datetime.now(UTC).replace(microsecond=0) + timedelta(days=3),
                              timedelta(hours=3))
        people = {f"p{i}": (f"figures-p{i}@example.com", f"参会者{i}", f"1380000000{i}")
                  for i in range(5)}
        registrations = register_people(event, people, PASSWORD)
        main = checkin.lists_of(event)[0]
        for i, key in enumerate(["p0", "p1", "p2", "p0"]):
            checkin.scan(admin, main, registrations[key].ticket_code, f"figures-{i}")
        return event.id


def sign_in(page, base_url, email):
    page.goto(base_url + "/login")
    form = page.locator("main form")
    form.locator("input[name=email]").fill(email)
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
@pytest.mark.parametrize("viewport", [PHONE, WIDE], ids=["phone", "wide"])
def test_organizer_reads_the_figures(new_page, live_server, event_id, locale, viewport):
    with live_server.app_context():  # the account's saved language wins over the browser's
        organizer = db.session.scalar(sa.select(User).where(User.email == ORGANIZER))
        organizer.locale = "zh_Hans" if locale == "zh-CN" else "en"
        db.session.commit()
    page = new_page(locale=locale, viewport=viewport)
    sign_in(page, live_server.url, ORGANIZER)
    page.goto(f"{live_server.url}/events/{event_id}")
    panel = page.locator("[data-figures]")
    expect(panel).to_be_visible()
    expect(panel.locator('[data-stat="confirmed"]')).to_have_text("5")
    expect(panel.locator('[data-stat="checked_in"]')).to_have_text("3")
    expect(panel.locator('[data-stat="checkin_rate"]')).to_have_text("60.0%")
    zh = locale == "zh-CN"
    expect(panel.get_by_role("heading")).to_have_text("数据统计" if zh else "Figures")
    expect(panel).to_contain_text("已确认" if zh else "Confirmed")
    expect(panel).not_to_contain_text("Confirmed" if zh else "已确认")
    box = panel.locator('[data-stat="confirmed"]').bounding_box()
    rate = panel.locator('[data-stat="checkin_rate"]').bounding_box()
    assert rate["y"] > box["y"], "two figures per row at every width"
    assert page.evaluate("document.scrollingElement.scrollWidth") <= viewport["width"]
    SHOTS.mkdir(exist_ok=True)
    panel.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / f"event-{locale}-{viewport['width']}.png"),
                    full_page=viewport is PHONE)


def test_participant_sees_no_figures(new_page, live_server, event_id):
    page = new_page()
    sign_in(page, live_server.url, PARTICIPANT)
    page.goto(f"{live_server.url}/events/{event_id}")
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator("[data-figures]")).to_have_count(0)
