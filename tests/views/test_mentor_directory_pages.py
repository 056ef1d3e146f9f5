"""The mentor directory's pages (issue 13, participant side): the directory (/mentors), a
mentor's page with office hours, booking one, my bookings and cancelling, and the office hours
on the event page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from eventhub.database import db
from eventhub.mentors import services
from eventhub.mentors.directory_views import PER_PAGE, mentor_slots_for_event
from eventhub.mentors.models import (
    BookingStatus,
    CoachingMode,
    CoachingStatus,
    MentorBooking,
    MentorCoaching,
    MentorRating,
)
from eventhub.mentors.services import ProfileInfo
from tests import factories
from tests.views.conftest import count, fresh, text

# Fixtures ---------------------------------------------------------------------------------


@pytest.fixture
def mentor(org, owner):
    """A public mentor of the org's pool."""
    return services.add_mentor(owner, org, "chen@example.com", "陈导师", ProfileInfo(
        title="合伙人", affiliation="盛京资本", expertise=["融资", "商业模式"],
        bio="十年早期投资经验。\n\n**擅长**：天使轮融资"))


@pytest.fixture
def hidden(org, owner):
    """A mentor the org's pool keeps to itself (public: false)."""
    return services.add_mentor(owner, org, "hidden@example.com", "隐藏导师", ProfileInfo(
        title="教授", expertise=["专利"], public=False))


def slot_of(mentor, now, days=2, hours=1, capacity=1, **extra):
    start = now + timedelta(days=days)
    return services.add_slot(mentor.user, mentor, start, start + timedelta(hours=hours),
                             extra.pop("mode", "onsite"), capacity=capacity, **extra)


@pytest.fixture
def slot(mentor, now):
    return slot_of(mentor, now, location="创业大街 1 号 302 室")


def rate(mentor, stars_given, now):
    """One coaching of ``mentor`` rated by each of ``stars_given``'s mentees (rows made here:
    the coaching services' rules and mail are tested elsewhere)."""
    for stars in stars_given:
        mentee = factories.UserFactory()
        coaching = MentorCoaching(
            mentor_id=mentor.id, started_at=now - timedelta(days=1), minutes=45,
            mode=CoachingMode.online, topic="融资", status=CoachingStatus.confirmed,
            mentees=[mentee])
        db.session.add(coaching)
        db.session.flush()
        db.session.add(MentorRating(coaching_id=coaching.id, user_id=mentee.id, stars=stars))
    db.session.commit()


def bookings() -> int:
    return count(MentorBooking)


# The directory ----------------------------------------------------------------------------


def test_the_directory_lists_public_mentors_with_their_cards(client, mentor, hidden, slot):
    page = text(client.get("/mentors"))
    assert "陈导师" in page and "隐藏导师" not in page
    assert "合伙人" in page and "盛京资本" in page and "融资" in page and "商业模式" in page
    assert "下次坐诊" in page and "现场" in page
    assert f'href="/mentors/{mentor.id}"' in page
    assert f'src="/mentors/{mentor.id}/photo?v=' in page


def test_searching_by_name_and_filtering_by_expertise_and_pool(
    client, org, other_org, outsider_organizer, mentor, now
):
    other = services.add_mentor(outsider_organizer, other_org, "li@example.com", "李导师",
                                ProfileInfo(expertise=["人工智能"], affiliation="大工"))
    page = text(client.get("/mentors"))
    assert "陈导师" in page and "李导师" in page
    # The tag chips: the mentors' expertise, each a filter.
    assert 'href="/mentors?tag=%E4%BA%BA%E5%B7%A5%E6%99%BA%E8%83%BD"' in page
    found = text(client.get("/mentors", query_string={"tag": "人工智能"}))
    assert "李导师" in found and "陈导师" not in found
    found = text(client.get("/mentors", query_string={"q": "陈"}))
    assert "陈导师" in found and "李导师" not in found
    found = text(client.get("/mentors", query_string={"q": "大工"}))
    assert "李导师" in found and "陈导师" not in found
    found = text(client.get("/mentors", query_string={"org": other_org.id}))
    assert "李导师" in found and "陈导师" not in found
    assert f'<option value="{other_org.id}" selected>' in found
    nothing = client.get("/mentors", query_string={"q": "没有这个人"})
    assert nothing.status_code == 200 and "没有符合条件的导师" in text(nothing)
    assert other.id


def test_the_directory_is_paginated(client, org, owner):
    for n in range(PER_PAGE + 1):
        services.add_mentor(owner, org, f"m{n:02d}@example.com", f"导师{n:02d}")
    first, second = (text(client.get("/mentors", query_string={"page": p})) for p in (1, 2))
    assert "导师00" in first and f"导师{PER_PAGE - 1:02d}" in first
    assert f"导师{PER_PAGE:02d}" not in first and f"导师{PER_PAGE:02d}" in second
    assert 'rel="next"' in first and 'rel="prev"' in second


def test_pool_only_mentors_show_to_their_pool_organizers_only(
    client, login, org, hidden, mentor, organizer, staff, participant, outsider_organizer
):
    for who in (client, login(participant), login(staff), login(outsider_organizer)):
        assert "隐藏导师" not in text(who.get("/mentors"))
        assert who.get(f"/mentors/{hidden.id}").status_code == 404
    seen = text(login(organizer).get("/mentors"))
    assert "隐藏导师" in seen and "仅本机构可见" in seen
    assert login(organizer).get(f"/mentors/{hidden.id}").status_code == 200
    # The mentor sees their own page.
    assert login(hidden.user).get(f"/mentors/{hidden.id}").status_code == 200


def test_the_rating_shows_from_three_ratings_on(client, mentor, now):
    rate(mentor, (5, 4), now)
    for path in ("/mentors", f"/mentors/{mentor.id}"):
        assert "评分" not in text(client.get(path)), path
    rate(mentor, (4,), now)
    for path in ("/mentors", f"/mentors/{mentor.id}"):
        page = text(client.get(path))
        assert "评分 4.3 / 5" in page and "（3 " in page, path


# A mentor's page --------------------------------------------------------------------------


def test_the_mentor_page_shows_the_profile_and_upcoming_office_hours(
    client, org, owner, mentor, event, participant, now
):
    open_slot = slot_of(mentor, now, days=1, capacity=3, mode="online", location="腾讯会议")
    at_event = slot_of(mentor, now, days=10, event_id=event.id, location="主会场 B 厅")
    full = slot_of(mentor, now, days=3)
    services.book(participant, full, "股权")
    cancelled = slot_of(mentor, now, days=4)
    services.cancel_slot(owner, cancelled)
    started = services.add_slot(mentor.user, mentor, now - timedelta(minutes=10),
                                now + timedelta(minutes=50), "onsite", location="已开始的地方")
    page = text(client.get(f"/mentors/{mentor.id}"))
    assert "陈导师" in page and "合伙人" in page and "盛京资本" in page
    assert "<strong>擅长</strong>" in page  # the bio's Markdown
    assert "腾讯会议" in page and "在线" in page and "剩余名额 3 / 3" in page
    assert "主会场 B 厅" in page and event.title in page
    assert f'href="/events/{event.id}"' in page
    assert f'href="/slots/{open_slot.id}/book"' in page
    assert f'href="/slots/{at_event.id}/book"' in page
    assert f'href="/slots/{full.id}/book"' not in page and "已约满" in page
    assert f'href="/slots/{cancelled.id}/book"' not in page
    assert "已开始的地方" not in page and started.id
    assert page.index("腾讯会议") < page.index("主会场 B 厅")  # by time


def test_the_mentor_page_links_only_events_the_viewer_may_see(client, org, mentor, now):
    draft = factories.EventFactory(organization=org, status="draft", title="筹备中的活动",
                                   starts_at=now + timedelta(days=5),
                                   ends_at=now + timedelta(days=6))
    slot = slot_of(mentor, now, days=5, event_id=draft.id, location="未公开的会场")
    page = text(client.get(f"/mentors/{mentor.id}"))
    assert "未公开的会场" in page and f'href="/slots/{slot.id}/book"' in page
    assert "筹备中的活动" not in page and f'href="/events/{draft.id}"' not in page


def test_the_mentor_page_marks_the_office_hours_i_booked(login, mentor, slot, participant):
    services.book(participant, slot, "融资")
    page = text(login(participant).get(f"/mentors/{mentor.id}"))
    assert f'href="/slots/{slot.id}/book"' not in page
    assert 'href="/me/bookings"' in page and "已预约" in page


def test_unknown_mentors_and_slots_are_404(client, login, participant):
    assert client.get("/mentors/424242").status_code == 404
    assert login(participant).get("/slots/424242/book").status_code == 404
    assert login(participant).get("/me/bookings/424242").status_code == 404


# Booking ----------------------------------------------------------------------------------


def test_booking_asks_to_sign_in_and_comes_back(client, slot):
    response = client.get(f"/slots/{slot.id}/book")
    assert response.status_code == 302
    assert "/login" in response.location and f"slots%2F{slot.id}%2Fbook" in response.location


def test_booking_with_a_topic(login, mentor, slot, participant):
    browser = login(participant)
    form = text(browser.get(f"/slots/{slot.id}/book"))
    assert "陈导师" in form and "创业大街 1 号 302 室" in form and "想请教的问题" in form
    response = browser.submit(f"/slots/{slot.id}/book", {"topic": "  天使轮估值怎么谈  "})
    assert response.status_code == 302, text(response)
    booking = db.session.scalar(sa.select(MentorBooking))
    assert booking.user_id == participant.id and booking.slot_id == slot.id
    assert booking.topic == "天使轮估值怎么谈" and booking.status == BookingStatus.booked
    assert response.location.endswith(f"/me/bookings/{booking.id}")
    done = text(browser.get(response.location))
    assert "预约成功" in done and "天使轮估值怎么谈" in done and 'href="/me/bookings"' in done
    mine = text(browser.get("/me/bookings"))
    assert "陈导师" in mine and "天使轮估值怎么谈" in mine and "已预约" in mine


def _full(slot, now, participant):
    services.book(factories.UserFactory(), slot, "先到")
    return slot


def _already(slot, now, participant):
    services.book(participant, slot, "第一次")
    return slot


def _closed(slot, now, participant):
    return services.add_slot(slot.mentor.user, slot.mentor, now - timedelta(minutes=5),
                             now + timedelta(minutes=30), "online")


def _cancelled(slot, now, participant):
    services.cancel_slot(slot.mentor.user, slot)
    return slot


def _limit(slot, now, participant):
    services.book(participant, slot, "第一次")
    return slot_of(slot.mentor, now, days=5)


@pytest.mark.parametrize(("make", "status", "message"), [
    (_full, 409, "已约满"),
    (_already, 409, None),
    (_closed, 409, "已开始或已取消"),
    (_cancelled, 409, "已开始或已取消"),
    (_limit, 409, None),
])
def test_refused_bookings_say_why_and_change_nothing(
    app, login, slot, participant, now, make, status, message
):
    target = make(slot, now, participant)
    before = bookings()
    browser = login(participant)
    response = browser.submit(f"/slots/{target.id}/book", {"topic": "再约一次"},
                              form_url=f"/mentors/{slot.mentor_id}")
    assert response.status_code == status, text(response)
    page = text(response)
    codes = {_full: "slot_full", _already: "already_booked", _closed: "booking_closed",
             _cancelled: "booking_closed", _limit: "booking_limit"}
    refusal = {"slot_full": services.slot_full, "already_booked": services.already_booked,
               "booking_closed": services.booking_closed,
               "booking_limit": services.booking_limit}[codes[make]]()
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        expected = str(refusal.message)
    assert expected in page and 'role="alert"' in page
    if message:
        assert message in page
    assert bookings() == before
    assert 'href="/me/bookings"' in page or f'href="/mentors/{slot.mentor_id}"' in page


@pytest.mark.parametrize("topic", ["", "   ", "长" * 201])
def test_a_missing_or_long_topic_is_refused_beside_the_field(login, slot, participant, topic):
    response = login(participant).submit(f"/slots/{slot.id}/book", {"topic": topic})
    assert response.status_code == 422
    page = text(response)
    assert 'id="topic-error"' in page and 'aria-invalid="true"' in page
    assert bookings() == 0


def test_pool_only_mentors_cannot_be_booked_by_others(login, hidden, participant, now):
    hidden_slot = slot_of(hidden, now)
    browser = login(participant)
    assert browser.get(f"/slots/{hidden_slot.id}/book").status_code == 404
    token = browser.csrf_token("/mentors")
    response = browser.post(f"/slots/{hidden_slot.id}/book",
                            data={"csrf_token": token, "topic": "x"})
    assert response.status_code == 404 and bookings() == 0


def test_a_post_without_the_csrf_token_books_nothing(login, slot, participant):
    response = login(participant).post(f"/slots/{slot.id}/book", data={"topic": "融资"})
    assert response.status_code == 400 and bookings() == 0


# My bookings and cancelling ---------------------------------------------------------------


def test_my_bookings_lists_upcoming_and_past(login, mentor, participant, now):
    gone = services.add_slot(mentor.user, mentor, now - timedelta(days=3),
                             now - timedelta(days=3) + timedelta(hours=1), "onsite")
    past = services.book(participant, gone, "上周的话题", now=now - timedelta(days=4))
    upcoming = services.book(participant, slot_of(mentor, now, days=6), "下周的话题")
    someone_else = services.book(factories.UserFactory(), slot_of(mentor, now, days=8), "别人的")
    page = text(login(participant).get("/me/bookings"))
    assert "下周的话题" in page and "上周的话题" in page and "别人的" not in page
    assert page.index("下周的话题") < page.index("过往预约") < page.index("上周的话题")
    assert f'href="/me/bookings/{upcoming.id}/cancel"' in page
    assert f'href="/me/bookings/{past.id}/cancel"' not in page
    assert someone_else.id


def test_my_bookings_asks_to_sign_in(client):
    response = client.get("/me/bookings")
    assert response.status_code == 302 and "/login" in response.location


def test_cancelling_asks_first_then_frees_the_place(login, mentor, slot, participant):
    booking = services.book(participant, slot, "融资")
    browser = login(participant)
    confirm = browser.get(f"/me/bookings/{booking.id}/cancel")
    assert confirm.status_code == 200 and "取消这个预约" in text(confirm)
    assert fresh(booking).status == BookingStatus.booked  # asking changes nothing
    response = browser.submit(f"/me/bookings/{booking.id}/cancel")
    assert response.status_code == 302 and response.location.endswith("/me/bookings")
    assert fresh(booking).status == BookingStatus.cancelled
    assert "预约已取消" in text(browser.get("/me/bookings"))
    # The place is free: someone else books it at once.
    services.book(factories.UserFactory(), slot, "我来")


def test_someone_else_cannot_cancel_my_booking(login, slot, participant, mentor, owner):
    booking = services.book(participant, slot, "融资")
    for user in (factories.UserFactory(), owner, mentor.user):
        browser = login(user)
        assert browser.get(f"/me/bookings/{booking.id}").status_code == 404
        assert browser.get(f"/me/bookings/{booking.id}/cancel").status_code == 404
        token = browser.csrf_token("/mentors")
        response = browser.post(f"/me/bookings/{booking.id}/cancel",
                                data={"csrf_token": token})
        assert response.status_code == 404
        assert fresh(booking).status == BookingStatus.booked


def test_a_started_booking_cannot_be_cancelled(login, mentor, participant, now):
    started = services.add_slot(mentor.user, mentor, now - timedelta(minutes=5),
                                now + timedelta(minutes=55), "onsite")
    booking = services.book(participant, started, "融资", now=now - timedelta(hours=1))
    browser = login(participant)
    page = text(browser.get(f"/me/bookings/{booking.id}/cancel"))
    assert "无法再取消" in page and 'type="submit">确定取消' not in page
    assert f'href="/me/bookings/{booking.id}/cancel"' not in text(
        browser.get(f"/me/bookings/{booking.id}"))
    token = browser.csrf_token("/mentors")
    response = browser.post(f"/me/bookings/{booking.id}/cancel", data={"csrf_token": token},
                            follow_redirects=True)
    assert "已开始或已取消" in text(response)
    assert fresh(booking).status == BookingStatus.booked


def test_a_booking_the_mentor_cancelled_shows_their_message(login, owner, slot, participant):
    booking = services.book(participant, slot, "融资")
    services.cancel_slot(owner, slot, "导师临时出差，抱歉")
    page = text(login(participant).get(f"/me/bookings/{booking.id}"))
    assert "已取消" in page and "导师临时出差，抱歉" in page
    assert f'href="/me/bookings/{booking.id}/cancel"' not in page


# The event page ---------------------------------------------------------------------------


def test_the_event_page_shows_its_office_hours_only(
    client, org, owner, mentor, hidden, event, now
):
    """Its own office hours that have not started, of mentors the viewer may see."""
    other_event = factories.EventFactory(organization=org, status="published",
                                         starts_at=now + timedelta(days=20),
                                         ends_at=now + timedelta(days=21))
    here = slot_of(mentor, now, days=10, event_id=event.id, location="路演厅")
    slot_of(mentor, now, days=20, event_id=other_event.id, location="别的活动")
    slot_of(mentor, now, days=1, location="空间会客室")
    slot_of(hidden, now, days=10, event_id=event.id, location="隐藏的地方")
    services.add_slot(mentor.user, mentor, now - timedelta(minutes=5),
                      now + timedelta(minutes=30), "onsite", event_id=event.id,
                      location="已开始")
    cancelled = slot_of(mentor, now, days=11, event_id=event.id, location="取消的")
    services.cancel_slot(owner, cancelled)
    page = text(client.get(f"/events/{event.id}"))
    assert "导师坐诊" in page and "路演厅" in page and "陈导师" in page
    assert f'href="/slots/{here.id}/book"' in page and "css/mentors.css" in page
    for elsewhere in ("别的活动", "空间会客室", "隐藏的地方", "已开始", "取消的"):
        assert elsewhere not in page, elsewhere


def test_organizers_see_their_pool_only_mentors_office_hours_on_the_event_page(
    login, organizer, hidden, event, now
):
    slot_of(hidden, now, days=10, event_id=event.id, location="隐藏的地方")
    assert "隐藏的地方" in text(login(organizer).get(f"/events/{event.id}"))


def test_the_event_page_without_office_hours_has_no_section(client, event, mentor, now):
    slot_of(mentor, now, days=1)
    page = text(client.get(f"/events/{event.id}"))
    assert "导师坐诊" not in page and "css/mentors.css" not in page


def test_the_event_page_asks_for_its_office_hours_in_one_statement(
    app, mentor, event, now, count_statements
):
    for days in (1, 2, 3):
        slot_of(mentor, now, days=days, event_id=event.id)
    with app.test_request_context():
        count_statements.clear()
        found = mentor_slots_for_event(event.id)
    assert len(found) == 3 and len(count_statements) == 1, count_statements
    assert [taken for _slot, taken in found] == [0, 0, 0]


# The header -------------------------------------------------------------------------------


def test_the_header_links_the_directory_and_my_bookings(client, login, participant):
    anonymous = text(client.get("/"))
    assert re.search(r'href="/mentors"[^>]*>导师</a>', anonymous)
    assert 'href="/me/bookings"' not in anonymous
    assert re.search(r'href="/me/bookings"[^>]*>我的预约</a>', text(login(participant).get("/")))
