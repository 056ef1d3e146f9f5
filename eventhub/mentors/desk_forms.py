"""The forms of the mentor's desk and of a mentee's coachings: publishing an office hour,
logging or editing a coaching, cancelling with a message, rating. They only read what was
typed; the rules (lengths, minutes, overlaps, who was there) are the services', whose refusals
the pages show beside the fields."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as _ln
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Optional, ValidationError

from eventhub.accounts.models import NAME_MAX
from eventhub.mentors import labels
from eventhub.mentors.models import CoachingMode, SlotMode
from eventhub.text import REQUIRED_MESSAGE
from eventhub.webforms import YEAR_MAX, YEAR_MIN, Form, LocalDateTimeField

_required = InputRequired(message=REQUIRED_MESSAGE)
#: What separates the emails of several mentees: commas (Chinese or not), semicolons, spaces.
EMAIL_SEPARATORS = re.compile(r"[\s,;，；、]+")


def coerce_id(value: object) -> int:
    """A select's value as an id; 0 for none (an empty or odd value)."""
    try:
        number = int(str(value or 0))
    except ValueError:
        return 0
    return number if 0 <= number < 2**62 else 0


def choices(pairs: Any) -> list[SelectChoice]:
    """(value, label) pairs as a field's choices (lazy labels stay lazy)."""
    return [SelectChoice(value=value, label=label) for value, label in pairs]


def _in_years(field_value: date | None) -> None:
    if field_value is not None and not YEAR_MIN <= field_value.year <= YEAR_MAX:
        raise ValidationError(_l("Enter a date between %(a)d and %(b)d.", a=YEAR_MIN, b=YEAR_MAX))


class SlotForm(Form):
    """Publishing an office hour: a day, a start and an end, where, for how many people.
    ``mentor_id`` chooses the pool when the person mentors in several."""

    mentor_id = SelectField(_l("Mentor pool"), coerce=coerce_id)
    day = DateField(_l("Date"), validators=[_required])
    starts = TimeField(_l("Start"), validators=[_required])
    ends = TimeField(_l("End"), validators=[_required])
    mode = RadioField(_l("Where"), default=SlotMode.onsite.value, validators=[_required],
                      choices=choices((m.value, label)
                                      for m, label in labels.SLOT_MODE_LABELS.items()))
    location = StringField(_l("Place or meeting link"), render_kw={"maxlength": NAME_MAX},
                           description=_l("A room, an address, or the link of the meeting."))
    capacity = IntegerField(_l("Places"), default=1, validators=[Optional()],
                            render_kw={"min": 1, "inputmode": "numeric"},
                            description=_l("1 for one person at a time; more for a group "
                                           "clinic."))
    event_id = SelectField(_l("At an event (optional)"), coerce=coerce_id)

    def validate_day(self, field: DateField) -> None:
        _in_years(field.data)

    def times(self, tz: str) -> tuple[datetime, datetime]:
        """The start and the end typed, as aware times in ``tz``."""
        zone = ZoneInfo(tz)
        return (datetime.combine(self.day.data, self.starts.data, zone),
                datetime.combine(self.day.data, self.ends.data, zone))


class CoachingForm(Form):
    """Logging or editing a coaching record: when, how long, how, about what, with whom.
    ``booking_id`` (hidden) links the booking it came from; mentees are typed as emails."""

    mentor_id = SelectField(_l("Mentor pool"), coerce=coerce_id)
    booking_id = HiddenField()
    started_at = LocalDateTimeField(_l("When"), validators=[_required])
    minutes = IntegerField(_l("Minutes"), validators=[_required],
                           render_kw={"min": 1, "max": 600, "inputmode": "numeric"})
    mode = RadioField(_l("How"), default=CoachingMode.onsite.value, validators=[_required],
                      choices=choices((m.value, label)
                                      for m, label in labels.COACHING_MODE_LABELS.items()))
    topic = StringField(_l("Topic"), validators=[_required], render_kw={"maxlength": NAME_MAX})
    mentee_emails = TextAreaField(
        _l("Mentees' emails"), validators=[_required], render_kw={"rows": 2},
        description=_l("The email each person signed up with; several separated by commas."))
    notes = TextAreaField(_l("Notes"), render_kw={"rows": 3},
                          description=_l("For you and the organizers of the mentor pool."))

    def emails(self) -> list[str]:
        """The mentees' emails typed, each once, in order."""
        found = [e for e in EMAIL_SEPARATORS.split(self.mentee_emails.data or "") if e]
        return list(dict.fromkeys(found))

    def booking(self) -> int | None:
        """The linked booking's id, if any."""
        return coerce_id(self.booking_id.data) or None


class MessageForm(Form):
    """Cancelling an office hour or a booking: an optional message to the people told."""

    message = TextAreaField(_l("Message (optional)"), render_kw={"rows": 3},
                            description=_l("Sent by mail with the cancellation."))


class RatingForm(Form):
    """A mentee's rating of a coaching: 1 to 5 stars and a comment for the organizers."""

    stars = RadioField(_l("Your rating"), coerce=coerce_id, validators=[_required],
                       choices=choices((n, _ln("%(num)d star", "%(num)d stars", n))
                                       for n in range(5, 0, -1)))
    comment = TextAreaField(
        _l("Comment (optional)"), render_kw={"rows": 3},
        description=_l("Only the organizers of the mentor pool read it; the mentor does not."))
