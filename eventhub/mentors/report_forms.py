"""The forms of the mentor report page: the period (read from the query string) and the
organization's rule. They only read what was typed; the rule's limits are the service's
(`services.set_rule`), whose refusals the page shows beside the fields."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, StringField
from wtforms.validators import InputRequired, ValidationError

from eventhub.text import REQUIRED_MESSAGE
from eventhub.webforms import YEAR_MAX, YEAR_MIN, Form

_required = InputRequired(message=REQUIRED_MESSAGE)


def _day(text: str | None) -> date:
    """A typed day (2026-01-31). Raises ValidationError."""
    try:
        day = date.fromisoformat((text or "").strip())
    except ValueError:
        raise ValidationError(_l("Enter a date such as 2026-01-31.")) from None
    if not YEAR_MIN <= day.year <= YEAR_MAX:
        raise ValidationError(_l("Enter a date between %(a)d and %(b)d.", a=YEAR_MIN, b=YEAR_MAX))
    return day


class PeriodForm(Form):
    """The report's period as days, both included (``?from=2026-01-01&to=2026-12-31``); a GET
    form, so no CSRF token. `first` and `last` hold the days once it validates."""

    class Meta:
        csrf = False

    start = StringField(_l("From"), name="from", validators=[_required],
                        render_kw={"type": "date"})
    end = StringField(_l("To (included)"), name="to", validators=[_required],
                      render_kw={"type": "date"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.first: date | None = None
        self.last: date | None = None

    def validate_start(self, field: StringField) -> None:
        self.first = _day(field.data)

    def validate_end(self, field: StringField) -> None:
        self.last = _day(field.data)
        if self.first is not None and self.last < self.first:
            raise ValidationError(_l("The last day must not be before the first."))


class RuleForm(Form):
    """The organization's mentor rule (达标规则)."""

    min_coachings = IntegerField(
        _l("Coachings needed"), validators=[_required],
        render_kw={"min": 1, "inputmode": "numeric"},
        description=_l("Confirmed coachings a mentor must reach in the period."))
    min_minutes = IntegerField(
        _l("Shortest coaching that counts (minutes)"), validators=[_required],
        render_kw={"min": 1, "max": 600, "inputmode": "numeric"})
