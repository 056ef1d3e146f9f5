"""Certificates in a browser (issue 14): the organizer issues the attendance certificates from
the event page's tools with one tap, the participant finds them under 我的证书 in the account
menu and opens the verification page, which shows only the masked name. No page scrolls
sideways on a phone. Screenshots go to /tmp/shots_certs when SHOTS is set."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from eventhub.checkin import services as checkin
from tests import factories
from tests.browser.conftest import (
    add_member,
    admin_and_org,
    publish_event,
    register_people,
    sign_in,
)

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}
WIDE = {"width": 1920, "height": 1080}
PASSWORD = "zhengshu2026"
SHOTS = Path("/tmp/shots_certs") if os.environ.get("SHOTS") else None


@pytest.fixture(scope="module")
def seeded(live_server) -> dict:
    """A salon about to start, where 张三丰 checked in and 李四 did not."""
    with live_server.app_context():
        admin, org = admin_and_org("cert-admin@example.com", PASSWORD, "沈阳证书众创空间")
        add_member(admin, org, "organizer", "cert-org@example.com", PASSWORD, "李组织")
        start = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
        event = publish_event(admin, org, "创业沙龙：早期融资实战", "salon", start,
                              timedelta(hours=3))
        people = register_people(event, {
            "zhang": ("cert-zhang@example.com", "张三丰", "13900000101"),
            "li": ("cert-li@example.com", "李四", "13900000102")}, PASSWORD)
        checkin.scan(admin, factories.main_list_of(event), people["zhang"].ticket_code,
                     uuid.uuid4().hex)
        return {"event_id": event.id}


def shot(page, name: str) -> None:
    if SHOTS is not None:
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def no_sideways_scroll(page) -> None:
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"], page.url


def test_issue_find_and_verify_a_certificate(live_server, seeded, new_page):
    event_id = seeded["event_id"]
    organizer = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    sign_in(organizer, "cert-org@example.com", PASSWORD, live_server.url)
    organizer.goto(f"{live_server.url}/events/{event_id}")
    organizer.locator("[data-certificates]").tap()
    expect(organizer.locator("[data-pending]")).to_have_attribute("data-pending", "1")
    shot(organizer, "manage-375-zh-before")
    organizer.get_by_role("button", name="颁发参会证明").tap()
    expect(organizer.locator("[data-pending]")).to_have_attribute("data-pending", "0")
    expect(organizer.locator(".cert-item")).to_have_count(1)
    organizer.locator(".cert-revoke summary").tap()
    shot(organizer, "manage-375-zh")
    no_sideways_scroll(organizer)

    person = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    sign_in(person, "cert-zhang@example.com", PASSWORD, live_server.url)
    person.locator("summary.menu__button").tap()
    person.get_by_role("link", name="我的证书").tap()
    expect(person.locator(".cert-item")).to_have_count(1)
    shot(person, "mine-375-zh")
    no_sideways_scroll(person)
    person.get_by_role("link", name="验证页面").tap()
    expect(person.locator("[data-cert-name]")).to_have_text("张**")
    expect(person.locator("[data-cert-valid]")).to_be_visible()
    assert "张三丰" not in person.locator("main").inner_text()
    shot(person, "verify-375-zh")
    no_sideways_scroll(person)

    if SHOTS is not None:
        verify_url = person.url
        wide = new_page(viewport=WIDE)
        sign_in(wide, "cert-org@example.com", PASSWORD, live_server.url)
        wide.goto(f"{live_server.url}/events/{event_id}/certificates")
        shot(wide, "manage-1920-zh")
        for locale, tag in (("zh-CN", "zh"), ("en-US", "en")):
            for size, viewport in (("375", PHONE), ("1920", WIDE)):
                anonymous = new_page(viewport=viewport, locale=locale)
                anonymous.goto(verify_url)
                shot(anonymous, f"verify-{size}-{tag}")
