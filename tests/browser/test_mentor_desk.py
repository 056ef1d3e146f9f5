"""The mentor's desk on a phone (375 px, issue 13): the mentor taps 记录辅导 on a past booking
and just taps save (the form is filled from the booking), and the coaching record exists; the
mentee opens the link of the mail, signs in, confirms with one tap and rates it (stars as a
radio group, chosen by the keyboard). No page on the way scrolls sideways."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from eventhub.accounts import services as accounts
from eventhub.database import db
from eventhub.mail.models import OutboxMessage
from eventhub.mentors import services as mentors
from eventhub.mentors.models import CoachingStatus, MentorCoaching, MentorRating
from eventhub.models import User
from tests.browser.conftest import admin_and_org, sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}
PASSWORD = "daoshi2026"
MENTOR_EMAIL = "desk-mentor@example.com"
MENTEE_EMAIL = "desk-mentee@example.com"
TOPIC = "A 轮融资材料怎么准备"


@pytest.fixture(scope="module")
def seeded(live_server) -> dict:
    """A mentor with an account, and a founder who booked the mentor's office hour that began
    two hours ago (45 minutes, online)."""
    with live_server.app_context():
        admin, org = admin_and_org("desk-admin@example.com", PASSWORD, "浑南创业导师空间")
        mentor_user = accounts.sign_up(accounts.SignUpInfo(MENTOR_EMAIL, PASSWORD, "司徒导师"))
        founder = accounts.sign_up(accounts.SignUpInfo(MENTEE_EMAIL, PASSWORD, "欧创业"))
        mentor = mentors.add_mentor(admin, org, mentor_user.email, mentor_user.name)
        start = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=2)
        slot = mentors.add_slot(admin, mentor, start, start + timedelta(minutes=45), "online",
                                location="腾讯会议 123-456-789")
        booking = mentors.book(founder, slot, TOPIC, now=start - timedelta(days=1))
        return {"booking_id": booking.id, "start": start, "founder_id": founder.id}


def no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"], page.url


def test_a_mentor_logs_a_coaching_and_the_mentee_confirms_and_rates_it(live_server, seeded,
                                                                        new_page):
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    sign_in(page, MENTOR_EMAIL, PASSWORD, live_server.url)

    # The account menu leads to the desk.
    page.locator("summary.menu__button").tap()
    page.get_by_role("link", name="导师工作台").tap()
    page.wait_for_url(re.compile(r"/mentor$"))
    no_sideways_scroll(page)
    item = page.locator(f"#booking-{seeded['booking_id']}").first
    expect(item).to_contain_text("欧创业")
    expect(item).to_contain_text(TOPIC)

    # 记录辅导, then save as it is filled in.
    log = item.get_by_role("link", name="记录辅导")
    box = log.bounding_box()
    assert box and box["height"] >= 44
    log.tap()
    page.wait_for_url(re.compile(r"/mentor/coachings/new\?booking=\d+$"))
    no_sideways_scroll(page)
    expect(page.get_by_label("时长（分钟）")).to_have_value("45")
    expect(page.get_by_label("话题")).to_have_value(TOPIC)
    expect(page.get_by_role("radio", name="在线")).to_be_checked()
    save = page.get_by_role("button", name="保存")
    box = save.bounding_box()
    assert box and box["height"] >= 44 and box["width"] >= 300
    save.tap()
    page.wait_for_url(re.compile(r"/mentor$"))
    expect(page.locator(".flash--success")).to_contain_text("辅导记录已保存")
    expect(page.locator(f"#booking-{seeded['booking_id']}")).to_have_count(0)
    no_sideways_scroll(page)

    with live_server.app_context():
        coaching = db.session.scalars(sa.select(MentorCoaching).where(
            MentorCoaching.booking_id == seeded["booking_id"])).one()
        assert coaching.minutes == 45 and coaching.topic == TOPIC and coaching.mode == "online"
        assert coaching.started_at == seeded["start"]
        assert [m.id for m in coaching.mentees] == [seeded["founder_id"]]
        assert coaching.status == CoachingStatus.logged
        mail = db.session.scalars(sa.select(OutboxMessage).where(
            OutboxMessage.to_addr == MENTEE_EMAIL,
            OutboxMessage.template == "mentor_coaching_logged")).one()
        link = re.search(r"https?://\S+/me/coachings/\d+", mail.text_body).group(0)
        coaching_id = coaching.id

    # The mentee opens the mail's link, signs in and lands on the coaching.
    mentee = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    mentee.goto(live_server.url + urlsplit(link).path)
    mentee.wait_for_url(re.compile(r"/login\?"))
    sign_in(mentee, MENTEE_EMAIL, PASSWORD)
    mentee.wait_for_url(re.compile(rf"/me/coachings/{coaching_id}$"))
    no_sideways_scroll(mentee)
    card = mentee.locator(f"#coaching-{coaching_id}")
    expect(card).to_contain_text(TOPIC)
    expect(card).to_contain_text("司徒导师")
    confirm = card.get_by_role("button", name="确认")
    box = confirm.bounding_box()
    assert box and box["height"] >= 44
    confirm.tap()
    expect(mentee.locator(".flash--success")).to_contain_text("已确认这次辅导")
    expect(card).to_contain_text("已确认")

    # Four stars by the keyboard (a radio group: arrows move), a comment, send.
    mentee.get_by_role("radio", name="1 星").focus()
    for _ in range(3):
        mentee.keyboard.press("ArrowRight")
    expect(mentee.get_by_role("radio", name="4 星")).to_be_checked()
    mentee.get_by_label("评语（选填）").fill("讲得很具体")
    mentee.get_by_role("button", name="提交评价").tap()
    expect(mentee.locator(".flash--success")).to_contain_text("感谢你的评价")
    expect(mentee.locator(f"#coaching-{coaching_id}")).to_contain_text("你给了 4 星")
    no_sideways_scroll(mentee)

    with live_server.app_context():
        assert db.session.get(MentorCoaching, coaching_id).status == CoachingStatus.confirmed
        rating = db.session.scalars(sa.select(MentorRating).where(
            MentorRating.coaching_id == coaching_id)).one()
        assert rating.stars == 4 and rating.comment == "讲得很具体"
        assert rating.user_id == db.session.scalar(
            sa.select(User.id).where(User.email == MENTEE_EMAIL))
