"""Booking a mentor's office hours on a phone (375 px, issue 13): from the mentor directory to
the mentor's page, 预约, signing in when asked, the topic, and the booking in 我的预约; no page
on the way scrolls sideways."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from eventhub.accounts import services as accounts
from eventhub.database import db
from eventhub.mentors import services as mentors
from eventhub.mentors.models import BookingStatus, Mentor, MentorBooking, MentorSlot
from eventhub.models import User
from tests.browser.conftest import admin_and_org, sign_in

pytestmark = pytest.mark.browser

#: A phone held upright (CSS pixels).
PHONE = {"width": 375, "height": 812}
PASSWORD = "chuangye2026"
MENTOR = "欧阳导师"
FOUNDER = "booking-founder@example.com"
TOPIC = "天使轮估值怎么谈，股权怎么分"


@pytest.fixture(scope="module")
def seeded(live_server) -> dict:
    """A public mentor of a maker space with one office hour the day after tomorrow, and a
    founder's account (idempotent: the live database is shared by the browser tests)."""
    with live_server.app_context():
        mentor = db.session.scalar(sa.select(Mentor).join(User, User.id == Mentor.user_id)
                                   .where(User.name == MENTOR))
        if mentor is None:
            admin, org = admin_and_org("booking-admin@example.com", PASSWORD, "沈北创客空间")
            mentor = mentors.add_mentor(admin, org, "booking-mentor@example.com", MENTOR,
                                        mentors.ProfileInfo(
                                            title="天使投资人、连续创业者",
                                            affiliation="盛京天使投资基金管理有限公司",
                                            expertise=["天使轮融资", "股权设计", "商业模式"],
                                            bio="十五年早期投资经验，投过 40 多个项目。"))
            start = datetime.now(UTC).replace(microsecond=0, second=0) + timedelta(days=2)
            mentors.add_slot(admin, mentor, start, start + timedelta(minutes=45), "onsite",
                             location="沈北创客空间 2 楼会客室", capacity=2)
            accounts.sign_up(accounts.SignUpInfo(FOUNDER, PASSWORD, "韩创业"))
        slot_id = db.session.scalar(sa.select(MentorSlot.id).where(
            MentorSlot.mentor_id == mentor.id))
        return {"mentor_id": mentor.id, "slot_id": slot_id}


def no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"], page.url


def test_a_founder_books_office_hours_on_a_phone(live_server, seeded, new_page):
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True)

    # The directory: search the mentor by name, open their page.
    page.goto(live_server.url + "/mentors")
    no_sideways_scroll(page)
    page.get_by_label("姓名、职务或单位").fill("欧阳")
    page.locator("main form[role=search] [type=submit]").tap()
    card = page.locator(".mentor-card", has_text=MENTOR)
    expect(card).to_be_visible()
    expect(card).to_contain_text("天使轮融资")
    expect(card).to_contain_text("下次坐诊")
    no_sideways_scroll(page)
    card.locator("a.mentor-card__link").tap()
    page.wait_for_url(re.compile(rf"/mentors/{seeded['mentor_id']}$"))
    expect(page.locator("h1")).to_have_text(MENTOR)
    no_sideways_scroll(page)

    # 预约: signing in first, then back to the booking form.
    slot = page.locator(".slot", has_text="沈北创客空间 2 楼会客室")
    expect(slot).to_contain_text("剩余名额 2 / 2")
    book = slot.get_by_role("link", name="预约")
    box = book.bounding_box()
    assert box and box["height"] >= 44 and box["width"] >= 44
    book.tap()
    page.wait_for_url(re.compile(r"/login\?"))
    sign_in(page, FOUNDER, PASSWORD)
    page.wait_for_url(re.compile(rf"/slots/{seeded['slot_id']}/book$"))
    no_sideways_scroll(page)
    expect(page.locator("main")).to_contain_text(MENTOR)

    # Without a topic the form says so beside the field, and books nothing.
    page.locator("main form.book-form [type=submit]").tap()
    expect(page.locator("#topic-error")).to_be_visible()
    page.get_by_label("想请教的问题").fill(TOPIC)
    page.locator("main form.book-form [type=submit]").tap()
    page.wait_for_url(re.compile(r"/me/bookings/\d+$"))
    expect(page.locator(".flash--success")).to_contain_text("预约成功")
    expect(page.locator("main")).to_contain_text(TOPIC)
    no_sideways_scroll(page)

    # 我的预约 lists it.
    page.locator("main").get_by_role("link", name="我的预约").tap()
    page.wait_for_url(re.compile(r"/me/bookings$"))
    item = page.locator(".booking-item", has_text=MENTOR)
    expect(item).to_contain_text(TOPIC)
    expect(item).to_contain_text("已预约")
    no_sideways_scroll(page)

    with live_server.app_context():
        booking = db.session.scalar(sa.select(MentorBooking).join(
            User, User.id == MentorBooking.user_id).where(User.email == FOUNDER))
        assert booking.slot_id == seeded["slot_id"]
        assert booking.topic == TOPIC and booking.status == BookingStatus.booked
