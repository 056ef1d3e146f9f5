"""Audience voting in a browser (issue 14 point 3): a 375-px phone votes from its ticket page in
two taps (an option, then 投票), without signing in; the organizers' big screen shows the new
vote's bar without a reload. Screenshots at 375 and 1920 px in Chinese and English go to
/tmp/shots_polls when POLL_SHOTS is set."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from eventhub.checkin import services as checkin
from eventhub.database import db
from eventhub.engagement import polls
from eventhub.events.models import Event
from eventhub.models import Poll, PollVote
from eventhub.registrations.models import Registration
from tests import factories
from tests.browser.conftest import admin_and_org, publish_event, register_people, sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}
WIDE = {"width": 1920, "height": 1080}
PASSWORD = "chuangye2026"
TITLE = "2026 创新创业大赛总决赛·人气奖"
SHOTS = Path("/tmp/shots_polls") if os.environ.get("POLL_SHOTS") else None


@pytest.fixture(scope="module")
def seeded(live_server) -> dict:
    """A contest final with an open 人气奖 poll of three projects and two people checked in
    (idempotent: the live database is shared by the browser tests)."""
    with live_server.app_context():
        event = db.session.scalar(sa.select(Event).where(Event.title == TITLE))
        if event is None:
            admin, org = admin_and_org("poll-admin@example.com", PASSWORD, "浑南双创中心")
            start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
            event = publish_event(admin, org, TITLE, "contest", start, timedelta(hours=4))
            people = register_people(event, {
                "voter": ("poll-voter@example.com", "孙观众", "13900008001"),
                "other": ("poll-other@example.com", "李观众", "13900008002"),
            }, PASSWORD)
            door = factories.main_list_of(event)
            for n, registration in enumerate(people.values()):
                checkin.scan(admin, door, registration.ticket_code, f"poll-{n}")
            poll = polls.create_poll(admin, event, "您最喜欢哪个项目？", "checked_in",
                                     options=["智能导诊机器人", "乡村电商服务平台",
                                              "新能源电池回收"])
            polls.open_poll(admin, poll)
        poll_id = db.session.scalar(sa.select(Poll.id).where(Poll.event_id == event.id))
        ticket = db.session.scalar(sa.select(Registration.ticket_code).where(
            Registration.event_id == event.id, Registration.name == "孙观众"))
        other = db.session.get(Registration, db.session.scalar(
            sa.select(Registration.id).where(Registration.event_id == event.id,
                                             Registration.name == "李观众")))
        db.session.expunge(other)
        return {"event_id": event.id, "poll_id": poll_id, "ticket": ticket,
                "other_id": other.id}


def shot(page: Page, name: str) -> None:
    if SHOTS is not None:
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def votes(live_server, poll_id: int) -> int:
    with live_server.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(PollVote)
                                 .where(PollVote.poll_id == poll_id))


def test_a_phone_votes_from_its_ticket_page(live_server, seeded, new_page):
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    page.goto(f"{live_server.url}/tickets/{seeded['ticket']}")
    card = page.locator(f"#poll-{seeded['poll_id']}")
    expect(card.get_by_role("heading", name="您最喜欢哪个项目？")).to_be_visible()
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    shot(page, "ticket-375-zh")
    option = card.locator("label", has_text="乡村电商服务平台")
    box = option.bounding_box()
    assert box and box["height"] >= 44  # a big touch target
    option.tap()                                        # tap 1: the option
    expect(card.get_by_role("radio", name="乡村电商服务平台")).to_be_checked()
    card.get_by_role("button", name="投票").tap()       # tap 2: 投票
    expect(page.get_by_text("谢谢，您的投票已计入。")).to_be_visible()
    expect(page.locator(f"#poll-{seeded['poll_id']}").get_by_text("您已投票")).to_be_visible()
    expect(page.get_by_role("button", name="投票")).to_have_count(0)
    shot(page, "ticket-375-zh-voted")
    assert votes(live_server, seeded["poll_id"]) == 1


def test_the_big_screen_shows_a_new_vote_without_reload(live_server, seeded, new_page):
    page = new_page(viewport=WIDE)
    sign_in(page, "poll-admin@example.com", PASSWORD, live_server.url)
    page.goto(f"{live_server.url}/polls/{seeded['poll_id']}/screen")
    expect(page.get_by_role("heading", name="您最喜欢哪个项目？")).to_be_visible()
    before = int(page.locator("[data-voters]").get_attribute("data-voters"))
    with live_server.app_context():
        other = db.session.get(Registration, seeded["other_id"])
        poll = db.session.get(Poll, seeded["poll_id"])
        polls.vote(other, poll, [poll.options[2].id])
    expect(page.locator("[data-voters]")).to_have_attribute("data-voters", str(before + 1),
                                                            timeout=5000)
    row = page.locator("[data-option]", has_text="新能源电池回收")
    expect(row.locator("[data-votes]")).to_have_attribute("data-votes", "1")
    assert page.evaluate("document.scrollingElement.scrollHeight") <= WIDE["height"]
    shot(page, "screen-1920-zh")
    # the organizers' pages, and in English too
    page.goto(f"{live_server.url}/polls/{seeded['poll_id']}/manage")
    expect(page.locator(".poll-alarm")).to_be_visible()
    shot(page, "admin-1920-zh")
    if SHOTS is not None:
        english = new_page(viewport=PHONE, locale="en-US", is_mobile=True, has_touch=True)
        sign_in(english, "poll-admin@example.com", PASSWORD, live_server.url)
        english.goto(f"{live_server.url}/polls/{seeded['poll_id']}/manage")
        shot(english, "admin-375-en")
        english.goto(f"{live_server.url}/events/{seeded['event_id']}/polls")
        shot(english, "manage-375-en")
        english.goto(f"{live_server.url}/tickets/{seeded['ticket']}")
        shot(english, "ticket-375-en")
        english.set_viewport_size(WIDE)
        english.goto(f"{live_server.url}/polls/{seeded['poll_id']}/screen")
        shot(english, "screen-1920-en")
        page.set_viewport_size(PHONE)
        page.goto(f"{live_server.url}/events/{seeded['event_id']}/polls")
        shot(page, "manage-375-zh")
