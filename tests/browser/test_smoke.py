"""Smoke test in a real browser: the home page in Chinese, sign-up and sign-in forms."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import Locator, Page, expect

from eventhub.accounts import services as accounts
from eventhub.database import db
from eventhub.events import services as events
from eventhub.models import Organization, User
from eventhub.orgs import services as orgs

pytestmark = pytest.mark.browser

EVENT_TITLE = "青年创业沙龙·浏览器测试专场"


def visible_text(page: Page, text: str) -> Locator:
    return page.get_by_text(text).filter(visible=True).first


@pytest.fixture(scope="module")
def published_event(live_server):
    """A published event of a maker space, made through the services on the live database."""
    with live_server.app_context():
        if db.session.scalar(sa.select(Organization.id).where(Organization.slug == "smoke")):
            return
        admin = accounts.sign_up(
            accounts.SignUpInfo("smoke-admin@example.com", "abc12345", "平台管理员")
        )
        admin.is_admin = True
        db.session.commit()
        org = orgs.create_org(admin, "沈阳市众创空间", "maker_space")
        org.slug = "smoke"
        starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=7)
        event = events.create_event(
            admin, org,
            events.EventInfo(title=EVENT_TITLE, kind="salon", starts_at=starts,
                             ends_at=starts + timedelta(hours=2), venue="沈阳市浑南区创新路 155 号",
                             description="**欢迎**参加本期沙龙。"),
        )
        events.change_status(admin, event, "publish")


def test_home_page_is_in_chinese(live_server, published_event, new_page):
    page = new_page()
    # The live server's database is shared by every browser test: filtered to this test's
    # organization, its event is on the first page whatever the other tests made.
    response = page.goto(live_server.url + "/?org=smoke")

    assert response.status == 200
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    expect(page.get_by_text(EVENT_TITLE).first).to_be_visible()
    assert re.search(r"[\u4e00-\u9fff]", page.locator("body").inner_text())


def test_sign_up_then_sign_in_through_the_forms(live_server, new_page):
    page = new_page()
    page.goto(live_server.url + "/signup")
    form = page.locator("main form")
    form.locator("input[name=name]").fill("刘晓明")
    form.locator("input[name=email]").fill("liuxiaoming@example.com")
    form.locator("input[name=phone]").fill("138 1234 5678")
    form.locator("input[name=password]").fill("chuangye2026")
    form.locator("input[name=password_confirm]").fill("chuangye2026")
    form.locator("[type=submit]").click()
    page.wait_for_load_state()

    assert "/signup" not in page.url
    # On a phone the header shows only the avatar; the welcome message carries the name.
    expect(visible_text(page, "刘晓明")).to_be_visible()
    with live_server.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == "liuxiaoming@example.com"))
        assert user is not None
        assert user.phone == "13812345678"

    # A second browser, with no session: sign in through the login form.
    page = new_page(viewport={"width": 1280, "height": 800})
    page.goto(live_server.url + "/login")
    form = page.locator("main form")
    form.locator("input[name=email]").fill("LiuXiaoMing@example.com")
    form.locator("input[name=password]").fill("chuangye2026")
    form.locator("[type=submit]").click()
    page.wait_for_load_state()

    assert "/login" not in page.url
    expect(page.locator("header").get_by_text("刘晓明")).to_be_visible()


def test_wrong_password_shows_an_error_on_the_form(live_server, new_page):
    page = new_page()
    page.goto(live_server.url + "/login")
    form = page.locator("main form")
    form.locator("input[name=email]").fill("nobody@example.com")
    form.locator("input[name=password]").fill("not-the-password-1")
    form.locator("[type=submit]").click()
    page.wait_for_load_state()

    assert "/login" in page.url
    assert page.locator("input[name=email]").input_value() == "nobody@example.com"
