"""The welcome wall (签到墙) in a real browser: the wall is open on a 1920×1080 screen (its signed
link, no account); a ticket of an opted-in registrant is scanned through the check-in API and
the name appears on the wall, animated, within 2 seconds, without a reload; a registrant who
did not opt in only adds to the count; an organizer hides a name and the screen drops it."""

from __future__ import annotations

import json
import os
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from eventhub.accounts import services as accounts
from eventhub.database import db
from eventhub.engagement import wall
from eventhub.events.models import Event
from eventhub.models import Membership
from eventhub.registrations import services as reg
from tests.browser.conftest import admin_and_org, publish_event, register_people, sign_in

pytestmark = pytest.mark.browser

PASSWORD = "abc12345"  # noqa: S105 - a test account
SHOTS = os.environ.get("WALL_SHOTS")  # a folder: save screenshots there to look at them
SCREEN = {"width": 1920, "height": 1080}


@pytest.fixture(scope="module")
def hall(live_server):
    """An event with its door's API token, a guest already on the wall, one opted in and one
    not (both still outside)."""
    with live_server.app_context():
        admin, org = admin_and_org("wall-admin@example.com", PASSWORD, "沈阳签到墙众创空间")
        organizer = accounts.sign_up(
            accounts.SignUpInfo("wall-organizer@example.com", PASSWORD, "李组织"))
        staff = accounts.sign_up(accounts.SignUpInfo("wall-staff@example.com", PASSWORD, "张门口"))
        db.session.add_all([Membership(organization=org, user=organizer, role="organizer"),
                            Membership(organization=org, user=staff, role="staff")])
        db.session.commit()
        event = publish_event(admin, org, "2026 沈阳创业周开幕式", "week",
                              datetime.now(UTC).replace(microsecond=0) + timedelta(days=1),
                              timedelta(hours=4))
        people = register_people(event, {
            "early": ("wall-early@example.com", "欧阳娜娜", "13900000001"),
            "guest": ("wall-guest@example.com", "王来宾", "13900000002"),
            "shy": ("wall-shy@example.com", "赵低调", "13900000003"),
        }, PASSWORD)
        for key, name in (("early", ""), ("guest", "王总")):
            registration = people[key]
            reg.set_wall_choice(registration.user, registration, show_on_wall=True,
                                wall_name=name)
        _, token = accounts.create_token(staff, "door")
        from eventhub.checkin import services as checkin

        main_list = checkin.lists_of(event)[0]
        checkin.scan(staff, main_list, people["early"].ticket_code, str(uuid.uuid4()))
        return {"event_id": event.id, "list_id": main_list.id, "token": token,
                "key": wall.make_screen_key(event),
                "tickets": {k: r.ticket_code for k, r in people.items()}}


def scan(base: str, hall: dict, who: str) -> dict:
    body = json.dumps({"code": hall["tickets"][who], "nonce": str(uuid.uuid4()),
                       "type": "entry", "device": "东门-1"}).encode()
    request = urllib.request.Request(  # noqa: S310 - our own server
        f"{base}/api/v1/checkin-lists/{hall['list_id']}/scans", data=body, method="POST",
        headers={"Authorization": f"Bearer {hall['token']}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - our server
        return json.load(response)


def shot(page, name: str) -> None:
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"))


def test_a_scan_shows_on_the_open_wall_within_two_seconds(live_server, hall, new_page):
    page = new_page(viewport=SCREEN)
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_server.url}/events/{hall['event_id']}/wall?key={hall['key']}")
    expect(page.locator(".wall-title")).to_have_text("2026 沈阳创业周开幕式")
    expect(page.locator(".wall-org__name")).to_have_text("沈阳签到墙众创空间")
    expect(page.locator("[data-wall-count]")).to_have_text("1")
    expect(page.locator(".wall-name")).to_have_text(["欧阳**"])
    page.evaluate("window.__same_page = true")

    assert scan(live_server.url, hall, "shy")["status"] == "ok"
    assert scan(live_server.url, hall, "guest")["status"] == "ok"
    newest = page.locator(".wall-name").first
    expect(newest).to_have_text("王总", timeout=2_500)
    expect(newest).to_have_class("wall-name wall-name--new")
    expect(page.locator("[data-wall-count]")).to_have_text("3")
    # The one who did not opt in counts, but is not named.
    expect(page.locator(".wall-name")).to_have_text(["王总", "欧阳**"])
    assert "赵" not in page.locator("main").inner_text()
    assert page.evaluate("window.__same_page") is True  # no reload
    assert not errors
    shot(page, "wall-1920-zh")

    english = new_page(viewport=SCREEN, locale="en-US")
    english.goto(f"{live_server.url}/events/{hall['event_id']}/wall?key={hall['key']}")
    expect(english.locator(".wall-count__label")).to_have_text("Checked in")
    shot(english, "wall-1920-en")
    phone = new_page(viewport={"width": 375, "height": 812})
    phone.goto(f"{live_server.url}/events/{hall['event_id']}/wall?key={hall['key']}")
    expect(phone.locator(".wall-name").first).to_be_visible()
    shot(phone, "wall-375-zh")


def test_a_hidden_name_leaves_the_open_wall(live_server, hall, new_page):
    screen = new_page(viewport=SCREEN)
    screen.goto(f"{live_server.url}/events/{hall['event_id']}/wall?key={hall['key']}")
    expect(screen.locator(".wall-name", has_text="欧阳**")).to_be_visible()

    admin_page = new_page(viewport={"width": 1280, "height": 900})
    sign_in(admin_page, "wall-organizer@example.com", PASSWORD, live_server.url)
    admin_page.goto(f"{live_server.url}/events/{hall['event_id']}/wall/manage")
    shot(admin_page, "wall-manage-1280-zh")
    row = admin_page.locator("tr", has_text="欧阳娜娜")
    row.get_by_role("button", name="隐藏 欧阳**").click()
    expect(admin_page.locator(".flash")).to_contain_text("已从签到墙上隐藏")
    expect(screen.locator(".wall-name", has_text="欧阳**")).to_have_count(0, timeout=2_500)
    with live_server.app_context():
        event = db.session.get(Event, hall["event_id"])
        assert [a.wall_name for a in wall.wall(event).items] == ["王总"]
