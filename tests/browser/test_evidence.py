"""The 补贴材料 pages in Chromium (issue 15 point 5): an organizer finds the box on the event
page, uploads a photo from the evidence page and sees it listed, on a phone and a wide screen,
in Chinese and in English, without sideways scrolling."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image
from playwright.sync_api import expect

from eventhub.accounts.models import User
from eventhub.database import db
from eventhub.events.models import Event
from tests.browser.conftest import add_member, admin_and_org, publish_event

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}
WIDE = {"width": 1920, "height": 1080}
PASSWORD = "chuangye2026"
ORGANIZER = "evidence-organizer@example.com"
SHOTS = Path("/tmp/shots_evidence")


@pytest.fixture(scope="module")
def event_id(live_server) -> int:
    """A salon of the organizer's space (idempotent: the live database is shared)."""
    with live_server.app_context():
        found = db.session.scalar(sa.select(Event.id).where(Event.title == "补贴材料测试沙龙"))
        if found is not None:
            return found
        admin, org = admin_and_org("evidence-admin@example.com", PASSWORD, "浑南材料众创空间")
        add_member(admin, org, "organizer", ORGANIZER, PASSWORD, "材料组织者")
        event = publish_event(admin, org, "补贴材料测试沙龙", "salon",
                              datetime.now(UTC).replace(microsecond=0) + timedelta(days=3),
                              timedelta(hours=3))
        return event.id


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
@pytest.mark.parametrize("viewport", [PHONE, WIDE], ids=["phone", "wide"])
def test_organizer_uploads_a_photo(new_page, live_server, event_id, locale, viewport, tmp_path):
    with live_server.app_context():  # the account's saved language wins over the browser's
        organizer = db.session.scalar(sa.select(User).where(User.email == ORGANIZER))
        organizer.locale = "zh_Hans" if locale == "zh-CN" else "en"
        db.session.commit()
    zh = locale == "zh-CN"
    page = new_page(locale=locale, viewport=viewport)
    page.goto(live_server.url + "/login")
    form = page.locator("main form")
    form.locator("input[name=email]").fill(ORGANIZER)
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto(f"{live_server.url}/events/{event_id}")
    box = page.locator("#evidence-title")
    expect(box).to_have_text("补贴材料" if zh else "Subsidy evidence")
    page.get_by_role("link", name="上传照片" if zh else "Upload photos").click()
    photo = tmp_path / "photo.jpg"
    out = io.BytesIO()
    Image.new("RGB", (80, 60), (20, 120, 200)).save(out, format="JPEG")
    photo.write_bytes(out.getvalue())
    page.locator("input[name=photo]").set_input_files(str(photo))
    page.get_by_role("button", name="上传" if zh else "Upload").click()
    expect(page.locator(".flash, [role=status], .alert").first).to_be_visible()
    expect(page.locator("#photos-title")).not_to_have_text("照片（0）" if zh else "Photos (0)")
    link = page.get_by_role("link", name="下载补贴材料包" if zh else "Download the evidence pack")
    expect(link).to_be_visible()
    assert page.evaluate("document.scrollingElement.scrollWidth") <= viewport["width"]
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"evidence-{locale}-{viewport['width']}.png"),
                    full_page=True)
    page.goto(f"{live_server.url}/events/{event_id}")
    box.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / f"event-{locale}-{viewport['width']}.png"),
                    full_page=viewport is PHONE)
