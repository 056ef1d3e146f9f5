"""Calendar files (`eventhub.calendars`): times in UTC whatever zone they come in, a plain file
for download, and iTIP invitations and cancellations for mail."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import icalendar
import pytest

from eventhub.calendars import CalendarEntry, Method, calendar_file, content_type

BEIJING = ZoneInfo("Asia/Shanghai")
ENTRY = CalendarEntry(
    uid="mentor-booking-7@eventhub",
    starts_at=datetime(2026, 5, 18, 9, 30, tzinfo=BEIJING),
    ends_at=datetime(2026, 5, 18, 10, 30, tzinfo=BEIJING),
    summary="陈导师的坐诊",
    location="创业大厦 3 楼",
    description="话题：融资",
    attendees=("zhao@example.com",),
)
STAMP = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)


def parse(data: bytes) -> tuple[icalendar.Calendar, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(data)
    (item,) = calendar.walk("VEVENT")
    return calendar, item


def test_a_plain_file_has_the_entry_in_utc_and_no_method(app):
    data = calendar_file(ENTRY, product="tickets", now=STAMP)
    calendar, item = parse(data)
    assert b"DTSTART:20260518T013000Z\r\n" in data and b"DTEND:20260518T023000Z\r\n" in data
    assert b"DTSTAMP:20260501T080000Z\r\n" in data
    assert str(calendar["PRODID"]) == "-//eventhub//tickets//ZH"
    assert "METHOD" not in calendar
    for name in ("ORGANIZER", "ATTENDEE", "STATUS", "SEQUENCE"):
        assert name not in item
    assert str(item["UID"]) == ENTRY.uid and str(item["SUMMARY"]) == ENTRY.summary
    assert str(item["LOCATION"]) == ENTRY.location
    assert str(item["DESCRIPTION"]) == ENTRY.description


def test_a_request_names_the_organizer_and_the_attendee(app):
    with app.app_context():
        calendar, item = parse(calendar_file(ENTRY, Method.request, now=STAMP))
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(item["STATUS"]) == "CONFIRMED" and int(item["SEQUENCE"]) == 0
    assert str(item["ORGANIZER"]) == "mailto:noreply@eventhub.local"
    assert str(item["ATTENDEE"]) == "mailto:zhao@example.com"
    assert item["ATTENDEE"].params["RSVP"] == "FALSE"


def test_a_cancel_marks_the_same_entry_cancelled(app):
    entry = CalendarEntry(**{**ENTRY.__dict__, "sequence": 1})
    with app.app_context():
        calendar, item = parse(calendar_file(entry, Method.cancel, now=STAMP))
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(item["STATUS"]) == "CANCELLED" and int(item["SEQUENCE"]) == 1
    assert str(item["UID"]) == ENTRY.uid
    assert item.decoded("DTSTART") == ENTRY.starts_at


@pytest.mark.parametrize("method", list(Method))
def test_content_type_carries_the_method(method):
    assert content_type(method) == f"text/calendar; method={method.value}; charset=utf-8"
