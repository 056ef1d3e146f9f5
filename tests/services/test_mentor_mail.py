"""Office-hour booking mails with a calendar file (issue 13): booking, cancelling (by the booker,
by the mentor, the whole office hour) and the day-before reminder; each mail to the right
person, in their language, with an .ics that calendars act on (METHOD, one UID per booking)."""

from __future__ import annotations

from datetime import UTC, timedelta
from email import message_from_bytes
from email.policy import default as default_policy
from zoneinfo import ZoneInfo

import icalendar
import pytest
import sqlalchemy as sa

from eventhub.database import db
from eventhub.mail.models import OutboxMessage
from eventhub.mail.services import build_message
from eventhub.mentors import mails, services
from eventhub.mentors.models import BookingStatus
from eventhub.mentors.services import ProfileInfo
from tests import factories

BEIJING = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def mentor(org, owner):
    return services.add_mentor(owner, org, "mentor@example.com", "陈导师",
                               ProfileInfo(title="合伙人", expertise=["融资"]))


@pytest.fixture
def slot(mentor, now):
    start = (now + timedelta(days=2)).replace(microsecond=0)
    return services.add_slot(mentor.user, mentor, start, start + timedelta(hours=1), "onsite",
                             location="创业大厦 3 楼")


def outbox(template: str | None = None, to: str | None = None) -> list[OutboxMessage]:
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    if template:
        query = query.where(OutboxMessage.template == template)
    if to:
        query = query.where(OutboxMessage.to_addr == to)
    return list(db.session.scalars(query))


def calendar_of(message: OutboxMessage) -> icalendar.Calendar:
    """The one calendar file a queued mail carries, parsed."""
    (attachment,) = message.attachments
    assert attachment["filename"].endswith(".ics")
    assert attachment["content_type"].startswith("text/calendar")
    return icalendar.Calendar.from_ical(attachment["content"])


def vevent(message: OutboxMessage) -> icalendar.Event:
    (item,) = calendar_of(message).walk("VEVENT")
    return item


def method(message: OutboxMessage) -> str:
    return str(calendar_of(message)["METHOD"])


def test_booking_sends_the_booker_and_the_mentor_an_invitation(mentor, slot, participant, now):
    booking = services.book(participant, slot, "天使轮融资", now=now)

    [to_booker] = outbox("mentor_booking_confirmed")
    [to_mentor] = outbox("mentor_booking_received")
    assert to_booker.to_addr == participant.email and to_mentor.to_addr == mentor.user.email
    assert "陈导师" in to_booker.subject and participant.name in to_mentor.subject
    for message in (to_booker, to_mentor):
        assert method(message) == "REQUEST"
        assert "method=REQUEST" in message.attachments[0]["content_type"]
        item = vevent(message)
        assert str(item["UID"]) == mails.booking_uid(booking)
        assert mails.booking_uid(booking) == f"mentor-booking-{booking.id}@eventhub"
        assert item.decoded("DTSTART") == slot.starts_at.astimezone(UTC)
        assert item.decoded("DTEND") == slot.ends_at.astimezone(UTC)
        assert str(item["LOCATION"]) == "创业大厦 3 楼"
        assert "天使轮融资" in str(item["DESCRIPTION"]) and "天使轮融资" in message.text_body
        assert str(item["STATUS"]) == "CONFIRMED" and int(item["SEQUENCE"]) == 0
    assert "陈导师" in str(vevent(to_booker)["SUMMARY"])
    assert participant.name in str(vevent(to_mentor)["SUMMARY"])
    # Times in Beijing time, as in the other mails.
    assert slot.starts_at.astimezone(BEIJING).strftime("%H:%M") in to_booker.text_body
    assert "/me/data" in to_booker.text_body
    # Each reads where they see the booking: the booker's page, the mentor's desk.
    for message, path in ((to_booker, f"/me/bookings/{booking.id}"), (to_mentor, "/mentor")):
        assert str(vevent(message)["URL"]).endswith(path)
        assert str(vevent(message)["URL"]) in message.text_body
        assert f'href="{vevent(message)["URL"]}"' in message.html_body


def test_a_refused_booking_sends_nothing(mentor, slot, participant, now):
    services.book(participant, slot, "话题", now=now)
    with pytest.raises(Exception):  # noqa: B017 - already_booked
        services.book(participant, slot, "话题", now=now)
    assert len(outbox("mentor_booking_confirmed")) == 1


def test_the_booker_cancelling_tells_the_mentor_with_the_same_uid(mentor, slot, participant,
                                                                   now):
    booking = services.book(participant, slot, "话题", now=now)
    services.cancel_booking(participant, booking, now=now)

    [withdrawn] = outbox("mentor_booking_withdrawn")
    assert withdrawn.to_addr == mentor.user.email
    assert participant.name in withdrawn.subject
    assert method(withdrawn) == "CANCEL"
    item = vevent(withdrawn)
    [invitation] = outbox("mentor_booking_received")
    assert str(item["UID"]) == str(vevent(invitation)["UID"])
    assert str(item["STATUS"]) == "CANCELLED" and int(item["SEQUENCE"]) == 1
    assert outbox("mentor_booking_cancelled") == []  # the booker knows: no mail to them
    services.cancel_booking(participant, booking, now=now)  # again: no change, no mail
    assert len(outbox("mentor_booking_withdrawn")) == 1


def test_the_mentor_cancelling_tells_the_booker_with_the_message(mentor, slot, participant,
                                                                  now):
    booking = services.book(participant, slot, "话题", now=now)
    services.cancel_booking(mentor.user, booking, "临时出差，改约下周", now=now)

    [cancelled] = outbox("mentor_booking_cancelled")
    assert cancelled.to_addr == participant.email
    assert "临时出差，改约下周" in cancelled.text_body
    assert "临时出差，改约下周" in cancelled.html_body
    assert method(cancelled) == "CANCEL"
    [invitation] = outbox("mentor_booking_confirmed")
    assert str(vevent(cancelled)["UID"]) == str(vevent(invitation)["UID"])
    assert vevent(cancelled).decoded("DTSTART") == slot.starts_at.astimezone(UTC)
    assert outbox("mentor_booking_withdrawn") == []


def test_an_organizer_cancelling_tells_the_booker(mentor, slot, participant, organizer, now):
    booking = services.book(participant, slot, "话题", now=now)
    services.cancel_booking(organizer, booking, "场地维修", now=now)
    [cancelled] = outbox("mentor_booking_cancelled")
    assert cancelled.to_addr == participant.email and "场地维修" in cancelled.text_body


def test_deleting_an_office_hour_cancels_in_every_bookers_calendar(api, mentor, participant,
                                                                   now):
    slot = services.add_slot(mentor.user, mentor, now + timedelta(days=1),
                             now + timedelta(days=1, hours=1), "onsite", capacity=3)
    other = factories.UserFactory(locale="en")
    first = services.book(participant, slot, "融资", now=now)
    second = services.book(other, slot, "Hiring", now=now)

    response = api(mentor.user).delete(f"/api/v1/slots/{slot.id}",
                                       json={"message": "身体不适"})
    assert response.status_code == 204

    cancelled = outbox("mentor_booking_cancelled")
    assert sorted(m.to_addr for m in cancelled) == sorted([participant.email, other.email])
    for message, booking in zip(cancelled, (first, second), strict=True):
        assert method(message) == "CANCEL"
        assert str(vevent(message)["UID"]) == mails.booking_uid(booking)
        assert "身体不适" in message.text_body
    assert outbox("mentor_booking_withdrawn") == []


def test_mail_and_calendar_speak_the_recipients_language(mentor, slot, now):
    english = factories.UserFactory(locale="en", name="Alice")
    services.book(english, slot, "Seed round", now=now)

    [to_booker] = outbox("mentor_booking_confirmed")
    [to_mentor] = outbox("mentor_booking_received")
    assert to_booker.subject == "Office hour booked: 陈导师"
    assert "Hello Alice," in to_booker.text_body
    assert str(vevent(to_booker)["SUMMARY"]) == "Office hour with 陈导师"
    assert "Topic: Seed round" in str(vevent(to_booker)["DESCRIPTION"])
    # The mentor reads Chinese (their account's language).
    assert to_mentor.subject != "New booking: Alice" and "Alice" in to_mentor.subject
    assert "New booking" not in to_mentor.text_body
    assert "Office hour" not in str(vevent(to_mentor)["SUMMARY"])


def test_an_online_office_hour_says_so(mentor, participant, now):
    start = now + timedelta(days=3)
    slot = services.add_slot(mentor.user, mentor, start, start + timedelta(hours=1), "online")
    services.book(participant, slot, "话题", now=now)
    [to_booker] = outbox("mentor_booking_confirmed")
    assert str(vevent(to_booker)["LOCATION"]) == "在线"


def test_the_delivered_mail_carries_the_calendar_file(mentor, slot, participant, now):
    services.book(participant, slot, "话题", now=now)
    [row] = outbox("mentor_booking_confirmed")

    sent = message_from_bytes(bytes(build_message(row)), policy=default_policy)
    assert sent.get_body(("plain",)).get_content().strip() == row.text_body
    assert sent.get_body(("html",)).get_content().strip() == row.html_body
    (attachment,) = sent.iter_attachments()
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_param("method") == "REQUEST"
    assert attachment.get_filename() == "office-hour.ics"
    calendar = icalendar.Calendar.from_ical(attachment.get_content())
    (item,) = calendar.walk("VEVENT")
    assert item.decoded("DTSTART") == slot.starts_at.astimezone(UTC)


# The day before -----------------------------------------------------------------------------


@pytest.fixture
def soon(mentor, now):
    start = (now + timedelta(hours=20)).replace(microsecond=0)
    return services.add_slot(mentor.user, mentor, start, start + timedelta(hours=1), "onsite",
                             capacity=5)


def test_a_reminder_once_per_booking(soon, participant, now):
    booking = services.book(participant, soon, "话题", now=now)

    assert mails.send_booking_reminders(now=now) == 1
    assert mails.send_booking_reminders(now=now + timedelta(hours=1)) == 0
    [reminder] = outbox("mentor_booking_reminder")
    assert reminder.to_addr == participant.email
    assert booking.reminded_at == now
    assert method(reminder) == "REQUEST"
    assert str(vevent(reminder)["UID"]) == mails.booking_uid(booking)
    assert vevent(reminder).decoded("DTSTART") == soon.starts_at.astimezone(UTC)


def test_no_reminder_for_cancelled_bookings_or_office_hours(mentor, soon, participant, now):
    gone = services.book(participant, soon, "话题", now=now)
    services.cancel_booking(participant, gone, now=now)
    start = soon.ends_at + timedelta(minutes=30)
    other = services.add_slot(mentor.user, mentor, start, start + timedelta(hours=1), "online")
    services.book(factories.UserFactory(), other, "话题", now=now)
    services.cancel_slot(mentor.user, other, now=now)

    assert mails.send_booking_reminders(now=now) == 0
    assert outbox("mentor_booking_reminder") == []


def test_no_reminder_further_than_24_hours_or_after_the_start(soon, participant, now):
    booking = services.book(participant, soon, "话题", now=now)
    assert mails.send_booking_reminders(now=soon.starts_at - timedelta(hours=25)) == 0
    assert mails.send_booking_reminders(now=soon.starts_at) == 0
    assert mails.send_booking_reminders(now=soon.starts_at - timedelta(hours=24)) == 1
    assert booking.status == BookingStatus.booked


def test_cli_mail_remind_counts_both_kinds(app, soon, participant, now):
    services.book(participant, soon, "话题", now=now)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["eventhub", "mail", "remind"])
    assert result.exit_code == 0, result.output
    assert "queued 0 reminders" in result.output
    assert "queued 1 office hour reminders" in result.output
    result = runner.invoke(args=["eventhub", "mail", "remind"])
    assert "queued 0 office hour reminders" in result.output
    assert len(outbox("mentor_booking_reminder")) == 1
