"""An organizer on a laptop sets a round up through the contest pages: from the event page to
the hub, a new round, its rubric, then open (through the confirmation)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from eventhub.database import db
from eventhub.judging.entries import EntryInfo, create_entry, create_track
from eventhub.judging.judges import invite_judge
from eventhub.judging.models import Round, RoundStatus
from eventhub.models import Event
from tests import factories
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

CONTEST = "沈阳市创新创业大赛·组委会"
EMAIL, PASSWORD = "contest-admin@example.com", "chuangye2026"


def seed() -> int:
    """A published contest with a track, an entry and a judge (idempotent)."""
    event = db.session.scalar(sa.select(Event).where(Event.title == CONTEST))
    if event is None:
        admin, event = factories.contest_through_services(
            CONTEST, (EMAIL, PASSWORD, "组委会"), "沈阳市众创空间联盟", "alliance", days=3)
        track = create_track(admin, event, "先进制造")
        create_entry(admin, event, EntryInfo(title="焊接机器人",
                                                             track_id=track.id))
        invite_judge(admin, event, "contest-judge@example.com", "李评委", "东北大学",
                             notify=False)
    return event.id


def test_an_organizer_sets_up_and_opens_a_round(live_server, new_page):
    with live_server.app_context():
        event_id = seed()
    page = new_page(viewport={"width": 1280, "height": 800})
    sign_in(page, EMAIL, PASSWORD, live_server.url)
    page.goto(f"{live_server.url}/events/{event_id}")
    page.locator("[data-contest-admin]").click()
    expect(page).to_have_url(f"{live_server.url}/events/{event_id}/contest")
    expect(page.locator("[data-judges]")).to_contain_text("contest-judge@example.com")

    page.locator("#rounds details > summary").click()
    page.locator("#round-name").fill("网评")
    page.locator("#round-aggregation").select_option("trimmed_mean")
    page.locator("label[for=round-rule-1]").click()
    page.locator("#round-rule_value").fill("2")
    page.locator("#rounds button[type=submit]").click()
    page.wait_for_load_state()
    assert "/contest/rounds/" in page.url
    expect(page.locator("h1 [data-status]")).to_have_attribute("data-status", "draft")

    page.locator("#criterion-name").fill("创新性")
    page.locator("#criterion-max_points").fill("10")
    page.locator("#criterion-weight").fill("100")
    page.locator("#rubric button[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator("[data-weight-total]")).to_have_attribute("data-weight-total", "100")

    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#status button[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator("h1 [data-status]")).to_have_attribute("data-status", "open")
    with live_server.app_context():
        round_ = db.session.scalar(sa.select(Round).where(Round.event_id == event_id))
        assert (round_.name, round_.status, round_.advance_top_n) == ("网评", RoundStatus.open,
                                                                      2)
        assert [c.name for c in round_.criteria] == ["创新性"]
