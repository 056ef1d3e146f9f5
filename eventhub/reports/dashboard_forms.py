"""The dashboard's forms: make a read-only link, revoke one or all of them."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, SelectField
from wtforms.validators import InputRequired, NumberRange, Optional

from eventhub.reports.dashboard_links import LINK_DAYS
from eventhub.webforms import Form


class DashboardLinkForm(Form):
    """A read-only link to the dashboard that works for 7, 30 or 90 days."""

    days = SelectField(_l("The link works for"), coerce=int, validators=[InputRequired()])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.days.choices = [(n, _l("%(n)d days", n=n)) for n in LINK_DAYS]
        if self.days.data is None:
            self.days.data = 30


class RevokeLinkForm(Form):
    """Revoke one link (``link_id``) or every link of the organization (``everything``)."""

    link_id = IntegerField(validators=[Optional(), NumberRange(min=1)])
    everything = BooleanField()
