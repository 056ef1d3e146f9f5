"""The forms of the mentor pool's pages. They only read what was typed: the rules (a topic is
required, its length, places left) are the services', whose refusals the pages show beside the
fields."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField

from eventhub.accounts.models import NAME_MAX
from eventhub.webforms import Form


class BookingForm(Form):
    """Booking a place in an office hour: what the booker wants to talk about."""

    topic = TextAreaField(
        _l("What you would like to talk about"),
        description=_l("A line or two, so the mentor can prepare: your project, your question."),
        render_kw={"maxlength": NAME_MAX, "rows": 3},
    )


class CancelBookingForm(Form):
    """Only the CSRF token: cancelling one's own booking needs nothing else."""
