"""Calendar files (.ics, RFC 5545, built with icalendar): the one place that writes them, for a
ticket's event and for an office-hour booking, its cancellation and its reminder.

A file holds one entry. Times are written in UTC (``DTSTART:20260518T013000Z``), which every
calendar shows in its reader's own zone, so no VTIMEZONE is needed. A file sent by mail carries
an iTIP method (RFC 5546) that mail clients act on: ``REQUEST`` adds or updates the entry of
its UID, ``CANCEL`` (with ``STATUS:CANCELLED`` and a higher ``SEQUENCE``) removes it; both name
an organizer (the platform's sender address by default) and the recipient as attendee, which
clients need to offer "add to calendar".
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parseaddr

from flask import current_app
from icalendar import Calendar, vCalAddress
from icalendar import Event as CalendarEvent


class Method(enum.StrEnum):
    """The iTIP method of a calendar file sent by mail."""

    request = "REQUEST"
    cancel = "CANCEL"


@dataclass(frozen=True)
class CalendarEntry:
    """One entry of a calendar file. ``uid`` stays the same for every file about the same
    thing (a booking's invitation, reminder and cancellation), so calendars update one entry;
    ``sequence`` grows with each change of it."""

    uid: str
    starts_at: datetime
    ends_at: datetime
    summary: str
    location: str = ""
    description: str = ""
    url: str = ""
    sequence: int = 0
    #: The attendees' mail addresses (the recipient of a mailed file).
    attendees: tuple[str, ...] = ()


def calendar_file(
    entry: CalendarEntry, method: Method | None = None, product: str = "calendar",
    now: datetime | None = None,
) -> bytes:
    """The .ics bytes of ``entry``. With a ``method`` (mail), the file names it, an organizer
    and the attendees; ``Method.cancel`` marks the entry ``STATUS:CANCELLED``. ``product``
    names the producer (``-//eventhub//<product>//ZH``)."""
    calendar = Calendar()
    calendar.add("prodid", f"-//eventhub//{product}//ZH")
    calendar.add("version", "2.0")
    if method is not None:
        calendar.add("method", Method(method).value)
    item = CalendarEvent()
    item.add("uid", entry.uid)
    item.add("dtstamp", (now or datetime.now(UTC)).astimezone(UTC))
    item.add("dtstart", entry.starts_at.astimezone(UTC))
    item.add("dtend", entry.ends_at.astimezone(UTC))
    item.add("summary", entry.summary)
    if entry.location:
        item.add("location", entry.location)
    if entry.description:
        item.add("description", entry.description)
    if entry.url:
        item.add("url", entry.url)
    if method is not None:
        item.add("sequence", entry.sequence)
        cancelled = Method(method) == Method.cancel
        item.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        item.add("organizer", _address(_sender(), role=None))
        for address in entry.attendees:
            item.add("attendee", _address(address, role="REQ-PARTICIPANT"))
    calendar.add_component(item)
    return calendar.to_ical()


def content_type(method: Method) -> str:
    """The MIME type mail clients recognize for a calendar file of ``method``."""
    return f"text/calendar; method={Method(method).value}; charset=utf-8"


def _sender() -> str:
    return parseaddr(str(current_app.config["MAIL_DEFAULT_SENDER"]))[1]


def _address(email: str, role: str | None) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    if role:
        address.params["ROLE"] = role
        address.params["PARTSTAT"] = "ACCEPTED"
        address.params["RSVP"] = "FALSE"
    else:
        address.params["CN"] = "eventhub"
    return address
