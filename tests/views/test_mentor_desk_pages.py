"""The mentor's desk and a mentee's coachings (issue 13): office hours with their bookings,
publishing (slot_overlap told on the form), cancelling with a message, no-shows, logging a
coaching from a booking in one tap, editing and deleting; a mentee confirms and rates once.
Nobody reaches another mentor's office hours, bookings or coachings."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from eventhub.audit import AuditEntry
from eventhub.database import db
from eventhub.mail.models import OutboxMessage
from eventhub.mentors import services
from eventhub.mentors.models import (
    MentorBooking,
    MentorCoaching,
    MentorRating,
    MentorSlot,
)
from tests import factories
from tests.views.conftest import fresh

ZH = {"Accept-Language": "zh-CN"}


@pytest.fixture
def mentor(org, owner):
    return services.add_mentor(owner, org, "mentor@example.com", "陈导师")


@pytest.fixture
def colleague(org, owner):
    return services.add_mentor(owner, org, "colleague@example.com", "李导师")


@pytest.fixture
def past_booking(mentor, participant, now):
    """The participant's booking of the mentor's office hour that started an hour ago."""
    slot = services.add_slot(mentor.user, mentor, now - timedelta(hours=1),
                             now - timedelta(minutes=15), "online", "腾讯会议")
    return services.book(participant, slot, "融资路演", now=now - timedelta(days=1))


@pytest.fixture
def coaching(mentor, participant, now):
    return services.log_coaching(mentor.user, mentor, services.CoachingInfo(
        [participant.id], now - timedelta(days=2), 45, "phone", "商业计划书"))


def _count(model, *where):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_the_desk_shows_office_hours_bookings_and_coachings(login, mentor, participant, now,
                                                            coaching):
    slot = services.add_slot(mentor.user, mentor, now + timedelta(days=1),
                             now + timedelta(days=1, hours=1), "onsite", "A101", capacity=3)
    services.book(participant, slot, "股权设计")
    page = login(mentor.user).get("/mentor", headers=ZH)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "导师工作台" in html and "股权设计" in html and participant.name in html
    assert "A101" in html and "商业计划书" in html and "取消预约" in html
    assert f"/mentor/coachings/{coaching.id}/edit" in html


def test_the_account_menu_links_the_desk_for_mentors_only(login, mentor, participant):
    assert "/mentor\"" in login(mentor.user).get("/me/coachings").get_data(as_text=True)
    html = login(participant).get("/me/coachings").get_data(as_text=True)
    assert "/mentor\"" not in html and "/me/coachings" in html


def test_the_desk_is_the_mentors_own(login, participant, organizer):
    assert login(participant).get("/mentor").status_code == 404
    assert login(organizer).get("/mentor").status_code == 404


def test_publishing_an_office_hour_and_an_overlap(login, mentor, now):
    client = login(mentor.user)
    day = (now + timedelta(days=3)).astimezone(_zone())
    data = {"mentor_id": str(mentor.id), "day": day.strftime("%Y-%m-%d"), "starts": "14:00",
            "ends": "15:00", "mode": "online", "location": "腾讯会议", "capacity": "2",
            "event_id": "0"}
    response = client.submit("/mentor/slots", data, form_url="/mentor")
    assert response.status_code == 302
    slot = db.session.scalars(sa.select(MentorSlot)).one()
    assert slot.capacity == 2 and slot.location == "腾讯会议"
    assert slot.starts_at.astimezone(_zone()).hour == 14
    overlap = client.submit("/mentor/slots", {**data, "starts": "14:30", "ends": "15:30"},
                            form_url="/mentor", headers=ZH)
    assert overlap.status_code == 409
    assert "该时段与该导师的其他时段重叠" in overlap.get_data(as_text=True)
    short = client.submit("/mentor/slots", {**data, "starts": "18:00", "ends": "18:05"},
                          form_url="/mentor", headers=ZH)
    assert short.status_code == 422 and "至少 10 分钟" in short.get_data(as_text=True)
    assert _count(MentorSlot) == 1


def test_a_foreign_event_or_pool_is_refused(login, mentor, colleague, other_org, now):
    foreign = factories.EventFactory(organization=other_org)
    client = login(mentor.user)
    day = (now + timedelta(days=3)).astimezone(_zone()).strftime("%Y-%m-%d")
    data = {"mentor_id": str(mentor.id), "day": day, "starts": "14:00", "ends": "15:00",
            "mode": "online", "capacity": "1", "event_id": str(foreign.id)}
    assert client.submit("/mentor/slots", data, form_url="/mentor").status_code == 422
    data = {**data, "event_id": "0", "mentor_id": str(colleague.id)}
    assert client.submit("/mentor/slots", data, form_url="/mentor").status_code == 422
    assert _count(MentorSlot) == 0


def test_cancelling_a_slot_and_a_booking_with_a_message(login, mentor, participant, now):
    slot = services.add_slot(mentor.user, mentor, now + timedelta(days=1),
                             now + timedelta(days=1, hours=1), "onsite")
    booking = services.book(participant, slot, "融资")
    client = login(mentor.user)
    assert "取消" in client.get(f"/mentor/bookings/{booking.id}/cancel",
                                headers=ZH).get_data(as_text=True)
    response = client.submit(f"/mentor/bookings/{booking.id}/cancel", {"message": "临时出差"})
    assert response.status_code == 302
    assert fresh(db.session.get(MentorBooking, booking.id)).status == "cancelled"
    mail = db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.to_addr == participant.email).order_by(OutboxMessage.id.desc())).first()
    assert "临时出差" in mail.text_body
    response = client.submit(f"/mentor/slots/{slot.id}/cancel", {"message": ""})
    assert response.status_code == 302
    assert fresh(db.session.get(MentorSlot, slot.id)).cancelled_at is not None
    assert client.get(f"/mentor/slots/{slot.id}/cancel").status_code == 404


def test_no_show_after_the_start_only(login, mentor, participant, past_booking, now):
    client = login(mentor.user)
    response = client.submit(f"/mentor/bookings/{past_booking.id}/no-show", form_url="/mentor")
    assert response.status_code == 302
    assert fresh(db.session.get(MentorBooking, past_booking.id)).status == "no_show"
    assert _count(AuditEntry, AuditEntry.action == "mentor_booking.no_show") == 1
    later = services.add_slot(mentor.user, mentor, now + timedelta(days=2),
                              now + timedelta(days=2, hours=1), "onsite")
    upcoming = services.book(factories.UserFactory(), later, "早")
    response = client.submit(f"/mentor/bookings/{upcoming.id}/no-show", form_url="/mentor",
                             follow_redirects=True, headers=ZH)
    assert "开始后才能标记爽约" in response.get_data(as_text=True)
    assert fresh(db.session.get(MentorBooking, upcoming.id)).status == "booked"


def test_logging_a_coaching_from_a_booking_in_one_tap(login, mentor, participant,
                                                      past_booking):
    client = login(mentor.user)
    desk = client.get("/mentor", headers=ZH).get_data(as_text=True)
    assert f"/mentor/coachings/new?booking={past_booking.id}" in desk and "记录辅导" in desk
    form = client.get(f"/mentor/coachings/new?booking={past_booking.id}").get_data(as_text=True)
    assert participant.email in form and 'value="45"' in form and "融资路演" in form
    # The prefilled form, posted as it is (what tapping save sends).
    fields = _form_values(form)
    response = client.post("/mentor/coachings/new", data=fields)
    assert response.status_code == 302, response.get_data(as_text=True)
    coaching = db.session.scalars(sa.select(MentorCoaching)).one()
    assert coaching.booking_id == past_booking.id and coaching.minutes == 45
    assert coaching.mode == "online" and coaching.topic == "融资路演"
    assert coaching.started_at == past_booking.slot.starts_at.replace(second=0, microsecond=0)
    assert [m.id for m in coaching.mentees] == [participant.id]
    assert _count(OutboxMessage, OutboxMessage.template == "mentor_coaching_logged") == 1
    # Logged: the booking is no longer to log.
    assert f"booking={past_booking.id}" not in client.get("/mentor").get_data(as_text=True)


def test_logging_without_a_booking_and_an_unknown_email(login, mentor, participant, now):
    client = login(mentor.user)
    start = (now - timedelta(hours=2)).astimezone(_zone()).strftime("%Y-%m-%dT%H:%M")
    data = {"mentor_id": str(mentor.id), "started_at": start, "minutes": "60",
            "mode": "phone", "topic": "市场", "notes": "",
            "mentee_emails": f"{participant.email.upper()}, nobody@example.com"}
    response = client.submit("/mentor/coachings/new", data, headers=ZH)
    assert response.status_code == 422
    assert "nobody@example.com" in response.get_data(as_text=True)
    assert _count(MentorCoaching) == 0
    response = client.submit("/mentor/coachings/new", {**data, "mentee_emails":
                                                       participant.email.upper()})
    assert response.status_code == 302
    coaching = db.session.scalars(sa.select(MentorCoaching)).one()
    assert coaching.mode == "phone" and [m.id for m in coaching.mentees] == [participant.id]
    for minutes in ("0", "601"):
        bad = client.submit("/mentor/coachings/new", {**data, "minutes": minutes,
                                                      "mentee_emails": participant.email})
        assert bad.status_code == 422
    assert _count(MentorCoaching) == 1


def test_editing_and_deleting_a_coaching(login, mentor, participant, coaching):
    client = login(mentor.user)
    form = client.get(f"/mentor/coachings/{coaching.id}/edit").get_data(as_text=True)
    fields = {**_form_values(form), "minutes": "75"}
    assert client.post(f"/mentor/coachings/{coaching.id}/edit", data=fields).status_code == 302
    assert fresh(db.session.get(MentorCoaching, coaching.id)).minutes == 75
    [changed] = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "mentor_coaching.changed")).all()
    assert (changed.before["minutes"], changed.after["minutes"]) == (45, 75)
    coaching_id = coaching.id
    response = client.submit(f"/mentor/coachings/{coaching_id}/delete")
    assert response.status_code == 302
    assert _count(MentorCoaching) == 0
    assert _count(AuditEntry, AuditEntry.action == "mentor_coaching.deleted") == 1


def test_nobody_reaches_another_mentors_things(login, mentor, colleague, participant,
                                               past_booking, coaching, outsider_organizer):
    slot_id = past_booking.slot_id
    pages = [f"/mentor/slots/{slot_id}/cancel", f"/mentor/bookings/{past_booking.id}/cancel",
             f"/mentor/coachings/{coaching.id}/edit", f"/mentor/coachings/{coaching.id}/delete",
             f"/mentor/coachings/new?booking={past_booking.id}"]
    for user in (colleague.user, outsider_organizer):
        client = login(user)
        for page in pages:
            assert client.get(page).status_code == 404, (user, page)
        for page in pages[:4] + [f"/mentor/bookings/{past_booking.id}/no-show"]:
            assert client.submit(page.split("?")[0], {"message": "x", "minutes": "1"},
                                 form_url="/me/coachings").status_code == 404
    desk = login(colleague.user).get("/mentor").get_data(as_text=True)
    assert "商业计划书" not in desk and "融资路演" not in desk
    # The mentee sees the coaching, but may not change it.
    assert login(participant).get(f"/mentor/coachings/{coaching.id}/edit").status_code == 403
    assert fresh(db.session.get(MentorBooking, past_booking.id)).status == "booked"
    assert _count(MentorCoaching) == 1


def test_a_mentee_confirms_and_rates_once(login, mentor, participant, coaching):
    client = login(participant)
    page = client.get(f"/me/coachings/{coaching.id}", headers=ZH).get_data(as_text=True)
    assert "商业计划书" in page and ">确认<" in page and "陈导师" in page
    response = client.submit(f"/me/coachings/{coaching.id}/confirm",
                             form_url=f"/me/coachings/{coaching.id}")
    assert response.status_code == 302
    assert fresh(db.session.get(MentorCoaching, coaching.id)).status == "confirmed"
    response = client.submit(f"/me/coachings/{coaching.id}/rating",
                             {"stars": "6", "comment": "好"}, form_url="/me/coachings")
    assert response.status_code == 422 and _count(MentorRating) == 0
    response = client.submit(f"/me/coachings/{coaching.id}/rating",
                             {"stars": "5", "comment": "很有帮助"}, form_url="/me/coachings")
    assert response.status_code == 302
    again = client.submit(f"/me/coachings/{coaching.id}/rating", {"stars": "1"},
                          form_url="/me/coachings", follow_redirects=True, headers=ZH)
    assert "你已评价过这次辅导" in again.get_data(as_text=True)
    [rating] = db.session.scalars(sa.select(MentorRating)).all()
    assert rating.stars == 5 and rating.comment == "很有帮助"
    assert "你给了 5 星" in client.get("/me/coachings", headers=ZH).get_data(as_text=True)


def test_someone_who_was_not_there_cannot_confirm(login, coaching, mentor):
    stranger = factories.UserFactory()
    client = login(stranger)
    assert client.get(f"/me/coachings/{coaching.id}").status_code == 404
    response = client.submit(f"/me/coachings/{coaching.id}/confirm", form_url="/me/coachings")
    assert response.status_code == 404
    assert login(mentor.user).submit(f"/me/coachings/{coaching.id}/confirm",
                                     form_url="/me/coachings").status_code == 404
    assert fresh(db.session.get(MentorCoaching, coaching.id)).status == "logged"
    assert "商业计划书" not in client.get("/me/coachings").get_data(as_text=True)


def test_the_mentor_never_sees_a_rating_comment(login, mentor, participant, coaching):
    services.rate_coaching(participant, coaching, 3, "SECRET-COMMENT")
    client = login(mentor.user)
    for page in ("/mentor", f"/mentor/coachings/{coaching.id}/edit",
                 f"/mentor/coachings/{coaching.id}/delete", "/me/coachings",
                 f"/mentors/{mentor.id}"):
        assert "SECRET-COMMENT" not in client.get(page).get_data(as_text=True), page


def _zone():
    from zoneinfo import ZoneInfo

    return ZoneInfo("Asia/Shanghai")


def _form_values(html: str) -> dict[str, str]:
    """The values a browser posts for the page's coaching form as it is shown."""
    import re
    from html import unescape

    form = html[html.index('<form method="post" novalidate'):]
    form = form[:form.index("</form>")]
    values: dict[str, str] = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if not name:
            continue
        if 'type="radio"' in tag and "checked" not in tag:
            continue
        values[name.group(1)] = unescape(value.group(1)) if value else ""
    for name, text in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', form,
                                 re.S):
        values[name] = unescape(text.strip())
    return values
