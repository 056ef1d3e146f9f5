"""A team leader on a phone submits a contest entry with its business plan PDF; the organizer
sees it on the entries page."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from eventhub.accounts import services as accounts
from eventhub.database import db
from eventhub.judging.entries import create_track, set_entry_window
from eventhub.judging.models import Entry
from eventhub.models import Event
from tests import factories
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

CONTEST = "沈阳市大学生创业大赛·报名"
PASSWORD = "chuangye2026"
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n"
#: Set to a folder to keep screenshots of the pages (for looking at them while building).
SHOTS = os.environ.get("EVENTHUB_SCREENSHOTS")


def seed() -> dict:
    event = db.session.scalar(sa.select(Event).where(Event.title == CONTEST))
    if event is None:
        admin, event = factories.contest_through_services(
            CONTEST, ("entries-admin@example.com", PASSWORD, "大赛组委会"), "沈阳创业孵化基地",
            days=20)
        accounts.sign_up(accounts.SignUpInfo("entries-leader@example.com", PASSWORD, "赵队长"))
        for name in ("医疗健康", "智能制造"):
            create_track(admin, event, name)
        set_entry_window(admin, event, datetime.now(UTC) - timedelta(hours=1),
                                 datetime.now(UTC) + timedelta(days=15))
    return {"event_id": event.id}


@pytest.fixture(scope="module")
def contest(live_server):
    with live_server.app_context():
        return seed()


def _shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def test_a_leader_submits_an_entry_on_a_phone(live_server, contest, new_page, tmp_path):
    page = new_page(is_mobile=True, has_touch=True)
    url = live_server.url
    sign_in(page, "entries-leader@example.com", PASSWORD, url)
    page.goto(f"{url}/events/{contest['event_id']}")
    page.locator("#my-entry-link").click()
    page.wait_for_load_state()
    expect(page.locator("#entry-window")).to_have_attribute("data-window", "open")
    form = page.locator("#entry-form")
    form.get_by_label("项目名称").or_(form.locator("#title")).first.fill("智能导诊机器人")
    form.locator("#track_id").select_option(label="医疗健康")
    form.locator("#team_name").fill("康途团队")
    form.locator("#institution").fill("中国医科大学")
    form.locator("#summary").fill("面向基层医院的智能导诊。")
    form.locator("#members").fill("赵队长:CEO\n钱二:CTO")
    plan = tmp_path / "商业计划书.pdf"
    plan.write_bytes(PDF)
    form.locator("#file").set_input_files(str(plan))
    _shot(page, "entry-form")
    # Every field has a label, and nothing scrolls sideways on the phone.
    for name in ("title", "track_id", "team_name", "institution", "summary", "members", "file"):
        assert page.locator(f"label[for={name}]").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    form.locator("[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator(".flash--success")).to_be_visible()
    expect(page.locator("a", has_text="商业计划书.pdf")).to_be_visible()
    _shot(page, "entry-saved")

    with live_server.app_context():
        entry = db.session.scalar(sa.select(Entry).where(Entry.title == "智能导诊机器人"))
        assert entry.members == [{"name": "赵队长", "role": "CEO"}, {"name": "钱二", "role": "CTO"}]
        assert entry.attachment_size == len(PDF)

    organizer = new_page(viewport={"width": 1280, "height": 800})
    sign_in(organizer, "entries-admin@example.com", PASSWORD, url)
    organizer.goto(f"{url}/events/{contest['event_id']}/entries")
    expect(organizer.locator("#entries-table tbody tr")).to_have_count(1)
    expect(organizer.locator("#entries-table")).to_contain_text("康途团队")
    _shot(organizer, "entries-page")
