"""The lucky draw's big screen in a real browser: the screen of a committed draw is open on a
1920×1080 projector (no account: a committed draw is public) with the prize rules and
“waiting”; the organizer runs the draw through the API; without a reload the screen rolls
and lands on exactly the winners the API reported (and no script breaks the CSP); a redraw
moves the prize on the screen too. The public page shows the check with the seed."""

from __future__ import annotations

import json
import os
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from eventhub.accounts import services as accounts
from eventhub.checkin import services as checkin
from eventhub.engagement import draws
from tests.browser.conftest import admin_and_org, publish_event, register_people

pytestmark = pytest.mark.browser

PASSWORD = "abc12345"  # noqa: S105 - a test account
SHOTS = os.environ.get("DRAW_SHOTS")  # a folder: save screenshots there to look at them
SCREEN = {"width": 1920, "height": 1080}


@pytest.fixture(scope="module")
def hall(live_server):
    """A committed draw of eight checked-in people (一等奖 × 1, 二等奖 × 2) and an API token of
    its organizer."""
    with live_server.app_context():
        admin, org = admin_and_org("draw-admin@example.com", PASSWORD, "大连创业孵化基地")
        event = publish_event(admin, org, "2026 大连创业周开幕式", "week",
                              datetime.now(UTC).replace(microsecond=0) + timedelta(days=1),
                              timedelta(hours=4))
        people = register_people(event, {
            f"p{i}": (f"draw-{i}@example.com", f"{'赵钱孙李周吴郑王'[i]}来宾{i}",
                      f"1390000100{i}") for i in range(8)}, PASSWORD)
        door = checkin.lists_of(event)[0]
        for registration in people.values():
            checkin.scan(admin, door, registration.ticket_code, str(uuid.uuid4()))
        draw = draws.create_draw(admin, event, "开幕式幸运抽奖",
                                 [{"name": "一等奖", "count": 1}, {"name": "二等奖", "count": 2}],
                                 "checked_in")
        draws.commit_draw(admin, draw)
        _, token = accounts.create_token(admin, "draw")
        return {"draw_id": draw.id, "token": token}


def post(base: str, hall: dict, path: str, body: dict | None = None) -> dict:
    request = urllib.request.Request(  # noqa: S310 - our own server
        f"{base}/api/v1{path}", data=json.dumps(body or {}).encode(), method="POST",
        headers={"Authorization": f"Bearer {hall['token']}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - our server
        return json.load(response)


def shot(page, name: str) -> None:
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"))


def landed(page) -> list[int]:
    return [int(slot.get_attribute("data-registration"))
            for slot in page.locator("[data-slot].draw-screen__slot--won").all()]


def test_the_screen_lands_on_the_winners_the_api_reports(live_server, new_page, hall):
    page = new_page(viewport=SCREEN)
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{live_server.url}/draws/{hall['draw_id']}/screen")
    expect(page.locator(".draw-screen__prize")).to_have_count(2)
    expect(page.locator("[data-waiting]")).to_be_visible()
    expect(page.locator("[data-slot]")).to_have_count(3)
    shot(page, "screen-waiting-1920")

    ran = post(live_server.url, hall, f"/draws/{hall['draw_id']}/run")
    reported = [w["registration_id"] for w in ran["winners"]]
    # It rolls first (theatre), then lands, without a reload.
    expect(page.locator(".draw-screen__slot--rolling").first).to_be_visible(timeout=5000)
    shot(page, "screen-rolling-1920")
    expect(page.locator("#draw-screen")).to_have_attribute(
        "data-winners", ",".join(map(str, reported)), timeout=10_000)
    assert landed(page) == reported
    expect(page.locator("[data-seed]")).to_have_text(ran["seed"])
    names = [w["display_name"] for w in ran["winners"]]
    for slot, name in zip(page.locator("[data-slot]").all(), names, strict=True):
        expect(slot).to_contain_text(name)
    shot(page, "screen-drawn-1920")

    redrawn = post(live_server.url, hall, f"/draws/{hall['draw_id']}/redraw",
                   {"registration_id": reported[1], "reason": "三次唱名未到场"})
    now = [w["registration_id"] for w in redrawn["winners"]]
    expect(page.locator("#draw-screen")).to_have_attribute(
        "data-winners", ",".join(map(str, now)), timeout=10_000)
    assert reported[1] not in landed(page)
    assert errors == []


@pytest.mark.parametrize(("width", "locale"), [(375, "zh_Hans"), (1920, "en")])
def test_the_public_page_explains_the_check(live_server, new_page, hall, width, locale):
    page = new_page(viewport={"width": width, "height": 900}, locale=locale.replace("_", "-"))
    page.goto(f"{live_server.url}/draws/{hall['draw_id']}")
    expect(page.locator("[data-draw-rules]")).to_be_visible()
    expect(page.locator("[data-commitment]")).to_be_visible()
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width
    shot(page, f"public-{width}-{locale}")
