"""Mail about office-hour bookings, each with a calendar file (.ics, `eventhub.calendars`):

- booked: to the booker (``mentor_booking_confirmed``) and a short one to the mentor
  (``mentor_booking_received``), METHOD:REQUEST;
- cancelled by the booker: to the mentor (``mentor_booking_withdrawn``), METHOD:CANCEL;
- cancelled by the mentor or an organizer, or with the whole office hour: to the booker
  (``mentor_booking_cancelled``, with their message), METHOD:CANCEL;
- the day before: to the booker (``mentor_booking_reminder``), METHOD:REQUEST, once.

Every file of a booking carries the booking's UID (`booking_uid`), so a calendar that took the
invitation updates or removes that one entry. Mail is written in its recipient's language,
times in the platform's zone. The services queue these in their own unit of work.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm.attributes import set_committed_value

from eventhub.accounts.models import User
from eventhub.calendars import CalendarEntry, Method, calendar_file, content_type
from eventhub.database import db, lock_for_write, transactional, utcnow
from eventhub.events.models import Event
from eventhub.links import external_url
from eventhub.mail.services import Attachment, queue_mail
from eventhub.mentors.models import BookingStatus, MentorBooking, MentorSlot, SlotMode

#: Reminders go out for office hours starting within this time.
REMINDER_AHEAD = timedelta(hours=24)
#: The calendar file's name in the mail.
FILENAME = "office-hour.ics"


def booking_uid(booking: MentorBooking) -> str:
    """The calendar UID of a booking: the same in every file about it."""
    return f"mentor-booking-{booking.id}@eventhub"


def place_of(slot: MentorSlot) -> str:
    """Where the office hour takes place, in the current language: its location, else its
    event's venue, else "Online" for an online one (may be empty)."""
    if slot.location:
        return slot.location
    if slot.event_id is not None:
        event = db.session.get(Event, slot.event_id)
        if event is not None:
            return " ".join(part for part in (event.title, event.venue) if part)
    return _("Online") if slot.mode == SlotMode.online else ""


def link_for(booking: MentorBooking, reader: User) -> str:
    """Where ``reader`` sees the booking: the booker's booking page, the mentor's desk."""
    if reader.id == booking.user_id:
        return external_url("mentor_directory.booking", booking_id=booking.id)
    return external_url("mentor_desk.desk")


def calendar_attachment(booking: MentorBooking, reader: User, method: Method) -> Attachment:
    """The booking's calendar file for ``reader`` (the booker or the mentor), in their language:
    REQUEST with SEQUENCE 0, CANCEL with SEQUENCE 1 and STATUS:CANCELLED."""
    slot = booking.slot
    booker = _booker(booking)
    with force_locale(reader.locale):
        if reader.id == booker.id:
            summary = _("Office hour with %(mentor)s", mentor=slot.mentor.name)
        else:
            summary = _("Office hour: %(name)s", name=booker.name)
        entry = CalendarEntry(
            uid=booking_uid(booking),
            starts_at=slot.starts_at,
            ends_at=slot.ends_at,
            summary=summary,
            location=place_of(slot),
            description=_("Topic: %(topic)s", topic=booking.topic),
            url=link_for(booking, reader),
            sequence=1 if method == Method.cancel else 0,
            attendees=(reader.email,),
        )
    return Attachment(FILENAME, content_type(method),
                      calendar_file(entry, method, product="mentors").decode("utf-8"))


def _booker(booking: MentorBooking) -> User:
    return db.session.get(User, booking.user_id)


def _queue(booking: MentorBooking, reader: User, template: str, method: Method,
           message: str = "") -> None:
    slot = booking.slot
    with force_locale(reader.locale):
        place = place_of(slot)
    queue_mail(
        reader.email, template, reader.locale,
        attachments=[calendar_attachment(booking, reader, method)],
        user=reader, slot=slot, mentor_name=slot.mentor.name, booker_name=_booker(booking).name,
        topic=booking.topic, place=place, message=message,
        for_mentor=reader.id != booking.user_id, link=link_for(booking, reader),
        my_data_link=external_url("privacy.my_data"),
    )


def mail_booked(booking: MentorBooking) -> None:
    """Send the booker their booking (with the invitation) and tell the mentor."""
    _queue(booking, _booker(booking), "mentor_booking_confirmed", Method.request)
    _queue(booking, booking.slot.mentor.user, "mentor_booking_received", Method.request)


def mail_withdrawn(booking: MentorBooking) -> None:
    """Tell the mentor the booker cancelled (the entry leaves their calendar)."""
    _queue(booking, booking.slot.mentor.user, "mentor_booking_withdrawn", Method.cancel)


def mail_cancelled(booking: MentorBooking) -> None:
    """Tell the booker the mentor or an organizer cancelled their booking, with the message
    given (the entry leaves their calendar)."""
    _queue(booking, _booker(booking), "mentor_booking_cancelled", Method.cancel,
           booking.cancel_message)


@transactional
def send_booking_reminders(now: datetime | None = None) -> int:
    """Remind the bookers of office hours starting within the next 24 hours, once per booking
    (not cancelled ones, nor those of a cancelled office hour); returns how many were queued.

    Each booking is claimed by an UPDATE that sets its ``reminded_at`` only while it is unset,
    in the transaction that queues its mail: two runs at once remind it once."""
    now = now or utcnow()
    lock_for_write()  # SQLite: one run at a time
    due = db.session.scalars(
        sa.select(MentorBooking).join(MentorBooking.slot)
        .where(
            MentorBooking.status == BookingStatus.booked,
            MentorBooking.reminded_at.is_(None),
            MentorSlot.cancelled_at.is_(None),
            MentorSlot.starts_at > now,
            MentorSlot.starts_at <= now + REMINDER_AHEAD,
        )
        .order_by(MentorBooking.id)
    ).all()
    queued = 0
    for booking in due:
        claimed = db.session.execute(
            sa.update(MentorBooking)
            .where(MentorBooking.id == booking.id, MentorBooking.reminded_at.is_(None),
                   MentorBooking.status == BookingStatus.booked)
            .values(reminded_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed:
            set_committed_value(booking, "reminded_at", now)
            _queue(booking, _booker(booking), "mentor_booking_reminder", Method.request)
            queued += 1
    return queued
