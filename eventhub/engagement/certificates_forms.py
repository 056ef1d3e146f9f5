"""The forms of the organizers' certificates page. They only read what was chosen or typed:
who gets a certificate, the award's and the reason's lengths are `certificates`' rules."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField

from eventhub.engagement.certificates import AWARD_MAX, REASON_MAX
from eventhub.webforms import Form


class AttendanceForm(Form):
    """Issue the attendance certificates not issued yet (one button)."""


class AwardForm(Form):
    """Issue an award certificate to an entry's team."""

    entry_id = SelectField(_l("Project"), coerce=str, validate_choice=False)
    award = StringField(
        _l("Award"), description=_l("As it should read on the certificate, e.g. 一等奖."),
        render_kw={"maxlength": AWARD_MAX, "autocomplete": "off"},
    )


class RevokeForm(Form):
    """Revoke one certificate, with the reason its verification page shows."""

    reason = TextAreaField(
        _l("Reason for revoking"),
        description=_l("Shown to anyone who verifies the certificate."),
        render_kw={"maxlength": REASON_MAX, "rows": 2},
    )
