"""The mentor pool's enums in words: an office hour's mode and a booking's status, one table
each.

The tables are the only wording of these values: pages show them through the ``slot_mode``
and ``booking_status`` Jinja filters (registered by the mentor directory's blueprint). A value
not in a table (never expected) is shown as it is rather than failing the page.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from eventhub.mentors.models import BookingStatus, CoachingMode, CoachingStatus, SlotMode

SLOT_MODE_LABELS = {
    SlotMode.onsite: _l("In person"),
    SlotMode.online: _l("Online"),
}

BOOKING_STATUS_LABELS = {
    BookingStatus.booked: _l("Booked"),
    BookingStatus.cancelled: _l("Cancelled"),
    BookingStatus.no_show: _l("Did not come"),
}


def slot_mode_label(mode: SlotMode | str) -> str:
    """An office hour's mode in the reader's language ("现场")."""
    return str(SLOT_MODE_LABELS.get(mode, mode))


def booking_status_label(status: BookingStatus | str) -> str:
    """A booking's status in the reader's language ("已预约")."""
    return str(BOOKING_STATUS_LABELS.get(status, status))


COACHING_MODE_LABELS = {
    CoachingMode.onsite: _l("In person"),
    CoachingMode.online: _l("Online"),
    CoachingMode.phone: _l("By phone"),
}

COACHING_STATUS_LABELS = {
    CoachingStatus.logged: _l("Awaiting confirmation"),
    CoachingStatus.confirmed: _l("Confirmed"),
}


def coaching_mode_label(mode: CoachingMode | str) -> str:
    """How a coaching took place, in the reader's language ("电话")."""
    return str(COACHING_MODE_LABELS.get(mode, mode))


def coaching_status_label(status: CoachingStatus | str) -> str:
    """A coaching record's status in the reader's language ("待确认")."""
    return str(COACHING_STATUS_LABELS.get(status, status))


#: The Jinja filters of the mentor's desk (coachings), registered by its blueprint.
DESK_FILTERS = {"coaching_mode": coaching_mode_label, "coaching_status": coaching_status_label}

#: The Jinja filters of this module, by name: the mentor directory's blueprint registers them.
FILTERS = {"slot_mode": slot_mode_label, "booking_status": booking_status_label}
