"""The forms of the polls' pages. They only read what was typed or tapped: the rules (the
options, the round, who votes, one vote each) are `polls`' services'."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from eventhub.engagement.models import POLL_TEXT_MAX
from eventhub.webforms import Form


class PollForm(Form):
    """A new poll: free-text options (one a line) or a round whose entries are the options;
    the round's choices are set per request."""

    question = StringField(_l("Question"), render_kw={"maxlength": POLL_TEXT_MAX})
    options = TextAreaField(
        _l("Options, one per line"),
        description=_l("Leave empty to vote on the entries of a round."),
        render_kw={"rows": 5},
    )
    round_id = SelectField(_l("Or the entries of a round"), choices=[], validate_choice=False)
    max_choices = IntegerField(_l("Options each person may choose"), default=1,
                               validators=[Optional()], render_kw={"min": 1})
    eligible = RadioField(
        _l("Who may vote"),
        choices=[SelectChoice(value="checked_in", label=_l("People who have checked in")),
                 SelectChoice(value="confirmed", label=_l("Everyone confirmed"))],
        default="checked_in", validate_choice=False,
    )


class BallotForm(Form):
    """A vote: the options tapped (radio buttons, or check boxes when several may be chosen)
    and, from the ticket page, the ticket code that names the registration."""

    option = SelectMultipleField(_l("Your choice"), choices=[], validate_choice=False)
    ticket = HiddenField()
