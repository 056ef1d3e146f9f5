"""The registration form on a phone (375 px): one submit shows every problem at once, with a
summary linking to each field; the first invalid field has the focus; a picked choice never
looks like an error."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from eventhub.accounts import services as accounts
from eventhub.database import db
from eventhub.models import Event
from eventhub.registrations import form_builder
from eventhub.registrations.form_builder import QuestionInfo
from tests.browser.conftest import PHONE, admin_and_org, publish_event, sign_in

pytestmark = pytest.mark.browser

PASSWORD = "chuangye2026"
TITLE = "浑南创业沙龙·表单校验"
EMAIL = "form-errors@example.com"


@pytest.fixture(scope="module")
def event_id(live_server) -> int:
    """A published salon whose form asks how one takes part and two required questions; a
    participant with no phone number on their account."""
    with live_server.app_context():
        found = db.session.scalar(sa.select(Event.id).where(Event.title == TITLE))
        if found is not None:
            return found
        admin, org = admin_and_org("form-admin@example.com", PASSWORD, "浑南表单众创空间",
                                   name="管理员")
        starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=7)
        event = publish_event(admin, org, TITLE, "salon", starts, timedelta(hours=3))
        form_builder.save_category(admin, event, "创业者", 50)
        form_builder.save_category(admin, event, "投资人", 10)
        form_builder.save_question(admin, event, QuestionInfo("项目名称", "text", required=True))
        form_builder.save_question(admin, event, QuestionInfo(
            "所属领域", "choice", required=True, options=["人工智能", "新能源"]))
        accounts.sign_up(accounts.SignUpInfo(EMAIL, PASSWORD, "韩新人"))
        return event.id


def _rgb(css: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", css)[:3])


def test_one_submit_shows_every_error_and_focuses_the_first(new_page, live_server, event_id):
    page = new_page(viewport=PHONE)
    sign_in(page, EMAIL, PASSWORD, live_server.url)
    page.goto(f"{live_server.url}/events/{event_id}/register")
    form = page.locator("main form.register-form")
    form.locator("input[name=name]").fill(" ")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()

    # Every problem at once: name, phone, how one takes part, both questions, the consent.
    summary = page.locator(".form-errors__list a")
    expect(summary).to_have_count(6)
    expect(page.locator(".field__error")).to_have_count(6)
    # The first invalid field has the focus (and the phone's keyboard with it).
    expect(form.locator("input[name=name]")).to_be_focused()
    assert form.locator("input[name=name]").is_visible()

    # A summary link to a group of choices focuses its first option.
    page.locator(".form-errors__list a[href='#category_id']").click()
    focused = page.evaluate("document.activeElement.name")
    assert focused == "category_id"

    # Picking a choice in the invalid group: the picked card is not drawn in the error colour.
    cards = form.locator("#category_id .choice")
    cards.nth(0).click()
    picked = _rgb(cards.nth(0).evaluate("e => getComputedStyle(e).borderTopColor"))
    error = _rgb(cards.nth(1).evaluate("e => getComputedStyle(e).borderTopColor"))
    assert math.dist(picked, error) > 120, (picked, error)
