"""The satisfaction survey in a browser (issue 14 point 4): an attendee answers on a phone
from the ticket page, choosing the stars from the keyboard (a radio group); the organizer
reads the anonymous results. Screenshots at 375 and 1920 px in Chinese and English go to
/tmp/shots_surveys when SURVEY_SHOTS is set."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from eventhub.checkin import services as checkin
from eventhub.database import db
from eventhub.engagement import surveys
from eventhub.events.models import Event
from eventhub.registrations import services as reg
from tests import factories
from tests.browser.conftest import admin_and_org, publish_event, register_people, sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}
WIDE = {"width": 1920, "height": 1080}
PASSWORD = "chuangye2026"
TITLE = "2026 沈阳创业沙龙·满意度"
SHOTS = Path("/tmp/shots_surveys") if os.environ.get("SURVEY_SHOTS") else None


@pytest.fixture(scope="module")
def seeded(live_server) -> dict:
    """A salon that started an hour ago with a survey; two attendees checked in, one of whom
    has answered (idempotent: the live database is shared by the browser tests)."""
    with live_server.app_context():
        event = db.session.scalar(sa.select(Event).where(Event.title == TITLE))
        if event is None:
            admin, org = admin_and_org("survey-admin@example.com", PASSWORD, "沈河创客空间")
            start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
            event = publish_event(admin, org, TITLE, "salon", start, timedelta(hours=3))
            people = register_people(event, {
                "answers": ("survey-guest@example.com", "褚参会", "13900007001"),
                "answered": ("survey-other@example.com", "卫参会", "13900007002"),
            }, PASSWORD)
            door = factories.main_list_of(event)
            for n, registration in enumerate(people.values()):
                checkin.scan(admin, door, registration.ticket_code, f"survey-{n}")
            event.starts_at = datetime.now(UTC) - timedelta(hours=1)
            db.session.commit()
            surveys.save_survey(admin, event, [
                {"label": "总体满意度", "kind": "rating", "required": True},
                {"label": "最有收获的环节", "kind": "choice",
                 "options": ["主题分享", "项目路演", "自由交流"]},
                {"label": "还有什么建议？", "kind": "text"},
            ])
            q = [str(question.id) for question in surveys.questions_of(event)]
            surveys.submit_response(people["answered"].user, event,
                                    {q[0]: 4, q[1]: "自由交流", q[2]: "希望多一些投资人"})
        ticket = db.session.scalar(sa.select(reg.Registration.ticket_code).where(
            reg.Registration.event_id == event.id, reg.Registration.name == "褚参会"))
        return {"event_id": event.id, "ticket": ticket}


def shot(page: Page, name: str) -> None:
    if SHOTS is not None:
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_an_attendee_answers_on_a_phone_and_the_organizer_reads_it(live_server, seeded,
                                                                    new_page):
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    sign_in(page, "survey-guest@example.com", PASSWORD, live_server.url)
    page.goto(f"{live_server.url}/tickets/{seeded['ticket']}")
    page.get_by_role("link", name="填写问卷").click()
    expect(page.get_by_role("heading", name="满意度问卷")).to_be_visible()
    shot(page, "answer-375-zh")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    # The stars are a radio group: the keyboard moves along it.
    group = page.get_by_role("group", name="总体满意度")
    group.get_by_role("radio", name="1 星").focus()
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    expect(group.get_by_role("radio", name="5 星")).to_be_checked()
    page.get_by_role("radio", name="项目路演").check()
    page.get_by_label("还有什么建议？").fill("节奏很好")
    shot(page, "answer-375-zh-filled")
    page.get_by_role("button", name="提交问卷").click()
    expect(page.get_by_text("谢谢！您的回答已匿名记录。")).to_be_visible()
    expect(page.get_by_text("您已填写过此问卷，谢谢！")).to_be_visible()

    organizer = new_page(viewport=WIDE)
    sign_in(organizer, "survey-admin@example.com", PASSWORD, live_server.url)
    organizer.goto(f"{live_server.url}/events/{seeded['event_id']}/survey/results")
    main = organizer.locator("main")
    expect(main).to_contain_text("4.50")  # (4 + 5) / 2
    expect(main).to_contain_text("节奏很好")
    expect(main).not_to_contain_text("褚参会")
    shot(organizer, "results-1920-zh")
    organizer.set_viewport_size(PHONE)
    shot(organizer, "results-375-zh")
    organizer.goto(f"{live_server.url}/events/{seeded['event_id']}/survey/edit")
    shot(organizer, "edit-375-zh")
    organizer.set_viewport_size(WIDE)
    shot(organizer, "edit-1920-zh")


def test_pages_in_english(live_server, seeded, new_page):
    page = new_page(viewport=WIDE, locale="en-US")
    page.goto(f"{live_server.url}/login?lang=en")
    sign_in(page, "survey-admin@example.com", PASSWORD)
    with live_server.app_context():
        from eventhub.accounts.models import User

        user = db.session.scalar(sa.select(User).where(User.email == "survey-admin@example.com"))
        user.locale = "en"
        db.session.commit()
    page.goto(f"{live_server.url}/events/{seeded['event_id']}/survey/results")
    expect(page.get_by_role("heading", name="Survey results")).to_be_visible()
    shot(page, "results-1920-en")
    page.set_viewport_size(PHONE)
    shot(page, "results-375-en")
    guest = new_page(viewport=PHONE, is_mobile=True, locale="en-US")
    sign_in(guest, "survey-other@example.com", PASSWORD, live_server.url)
    guest.goto(f"{live_server.url}/events/{seeded['event_id']}/survey")
    shot(guest, "answered-375")
