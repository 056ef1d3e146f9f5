"""Door staff on a phone (375 px): the scanner is the first thing on the event page, the
check-in dashboard opens for them, and the scanner's search says who is checked in already
and when (with the date when it was not today)."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from eventhub.accounts import services as accounts
from eventhub.checkin import services as checkin
from eventhub.database import db
from eventhub.models import Event, Registration, Scan
from tests.browser.conftest import (
    PHONE,
    add_member,
    admin_and_org,
    door_phone,
    publish_event,
    register_people,
    sign_in,
)

pytestmark = pytest.mark.browser

PASSWORD = "chuangye2026"
EVENT = "2026 中国(沈阳)创业周·门口"
STAFF = "door-week-staff@example.com"
GUEST = "door-week-guest@example.com"
PEOPLE = {
    "monday": ("door-week-1@example.com", "周一来", "13700000001"),
    "today": ("door-week-2@example.com", "今天来", "13700000002"),
    "not_yet": ("door-week-3@example.com", "还没来", "13700000003"),
}
#: Checked in today: the time alone, no date.
TODAY = re.compile(r"^已签到 \d\d:\d\d:\d\d$")
#: A week's page is long: a description of several screens, as the demo's.
DESCRIPTION = "\n\n".join(
    f"### 第{n}天\n\n" + "创业者、投资人、高校和孵化机构齐聚一堂，交流项目与经验。" * 6
    for n in range(1, 6)
)


@pytest.fixture(scope="module")
def week(live_server):
    """A week under way with door staff and three confirmed people: one checked in on an
    earlier day of the week, one today, one not yet."""
    with live_server.app_context():
        event = db.session.scalar(sa.select(Event).where(Event.title == EVENT))
        if event is None:
            admin, org = admin_and_org("door-week-admin@example.com", PASSWORD,
                                       "沈阳市众创空间·门口")
            staff = add_member(admin, org, "staff", STAFF, PASSWORD, "张签到")
            starts = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
            event = publish_event(admin, org, EVENT, "week", starts, timedelta(days=5),
                                  description=DESCRIPTION, venue="沈阳新世界博览馆")
            accounts.sign_up(accounts.SignUpInfo(GUEST, PASSWORD, "路人甲", phone="13700000009"))
            codes = register_people(event, PEOPLE, PASSWORD)
            main = checkin.lists_of(event)[0]
            checkin.scan(staff, main, codes["monday"].ticket_code, str(uuid.uuid4()),
                         device="东门-1", now=datetime.now(UTC) - timedelta(days=2))
            checkin.scan(staff, main, codes["today"].ticket_code, str(uuid.uuid4()),
                         device="东门-2")
        monday = db.session.scalar(
            sa.select(Registration).where(Registration.name == PEOPLE["monday"][1])
        )
        entered = db.session.scalar(
            sa.select(Scan.at).where(Scan.registration_id == monday.id).order_by(Scan.at)
        )
        return {"event_id": event.id, "monday_code": monday.ticket_code,
                "monday_at": entered}


def shanghai_date(value: datetime) -> str:
    """How a Chinese page writes the day of ``value`` in Shanghai: 12月5日."""
    local = value.astimezone(ZoneInfo("Asia/Shanghai"))
    return f"{local.month}月{local.day}日"


def staff_page(new_page, live_server) -> Page:
    page = door_phone(new_page)
    sign_in(page, STAFF, PASSWORD, live_server.url)
    return page


def test_door_staff_find_the_scanner_at_the_top_of_the_event_page(live_server, week,
                                                                   new_page):
    page = staff_page(new_page, live_server)
    page.goto(f"{live_server.url}/events/{week['event_id']}")
    scanner = page.get_by_role("link", name="签到扫码")
    expect(scanner).to_have_count(1)
    expect(scanner).to_be_in_viewport()  # the first screen, no scrolling at the door
    box = scanner.bounding_box()
    assert box["y"] + box["height"] <= PHONE["height"]
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    Path("/tmp/door-staff-event-page.png").write_bytes(page.screenshot())
    # The dashboard opens for door staff (it answered 403).
    page.get_by_role("link", name="签到看板").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("签到看板")
    expect(page.locator("[data-count=checked_in]").first).to_have_text("2")
    expect(page.locator(".scans__time").filter(has_text=shanghai_date(week["monday_at"])))\
        .to_have_count(1)

    guest = new_page(viewport=PHONE, is_mobile=True)
    sign_in(guest, GUEST, PASSWORD, live_server.url)
    guest.goto(f"{live_server.url}/events/{week['event_id']}")
    expect(guest.get_by_role("heading", level=1)).to_have_text(EVENT)
    expect(guest.get_by_role("link", name="签到扫码")).to_have_count(0)


def test_the_scanner_search_says_who_is_checked_in_and_when(live_server, week, new_page):
    page = staff_page(new_page, live_server)
    page.goto(f"{live_server.url}/door/{week['event_id']}")
    expect(page.locator("#door")).to_have_attribute("data-ready", "true")
    page.locator("#door-q").type("来", delay=40)
    page.keyboard.press("Enter")
    rows = page.locator("#door-results li")
    expect(rows).to_have_count(3)
    monday = rows.filter(has_text=PEOPLE["monday"][1]).locator(".door-results__state")
    today = rows.filter(has_text=PEOPLE["today"][1]).locator(".door-results__state")
    not_yet = rows.filter(has_text=PEOPLE["not_yet"][1])
    # Checked in on another day: the date is shown; today: the time alone.
    expect(monday).to_contain_text("已签到")
    expect(monday).to_contain_text(shanghai_date(week["monday_at"]))
    expect(today).to_have_text(TODAY)
    expect(not_yet.locator(".door-results__state")).to_have_text("尚未签到")
    for row in (monday, today, not_yet):
        box = row.bounding_box()
        assert box["x"] + box["width"] <= PHONE["width"]  # nothing off-screen at 375 px
    Path("/tmp/door-staff-search.png").write_bytes(page.locator(".door-search").screenshot())

    # Checking in from the result says so in the row at once.
    not_yet.get_by_role("button").click()
    expect(page.locator("#door-result")).to_have_attribute("data-status", "ok")
    expect(not_yet.locator(".door-results__state")).to_have_text(TODAY)

    # A repeat scan names the first check-in with its day.
    page.locator("#door-result").click()
    # As a keyboard-app scanner types it (a loaded machine stretches typed keys' timing).
    page.locator("#door-wedge").fill(week["monday_code"])
    expect(page.locator("#door-result")).to_have_attribute("data-status", "already_checked_in")
    expect(page.locator("#door-result-detail")).to_contain_text(shanghai_date(week["monday_at"]))
    expect(page.locator("#door-result-detail")).to_contain_text("东门-1")
