"""The forms of the draws' organizer pages. They only read what was typed: the rules (prizes,
eligibility, who may be redrawn) are `draws`' services'."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from eventhub.engagement.draws import NAME_MAX, REASON_MAX
from eventhub.webforms import Form

#: One prize a line: its name and how many winners it has (一等奖 1, 二等奖 × 3, 三等奖, 5).
PRIZE_LINE = re.compile(r"^(?P<name>.+?)[\s,，×xX*]+(?P<count>\d{1,6})$")


def choices(pairs: Any) -> list[SelectChoice]:
    """(value, label) pairs as a select's choices."""
    return [SelectChoice(value=value, label=label) for value, label in pairs]


def parse_prizes(text: str) -> list[dict] | None:
    """The prizes typed one a line (``name count``), or None when a line is not one."""
    prizes = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        match = PRIZE_LINE.match(line)
        if match is None:
            return None
        prizes.append({"name": match["name"].strip(), "count": int(match["count"])})
    return prizes


class DrawForm(Form):
    """A new draw: its prizes, who is eligible, at which list, leaving out whose winners."""

    name = StringField(_l("Name of the draw"), [InputRequired(), Length(max=NAME_MAX)],
                       render_kw={"maxlength": NAME_MAX})
    prizes = TextAreaField(
        _l("Prizes"), [InputRequired(), Length(max=5000)],
        description=_l("One prize a line, its name and how many winners it has, e.g. "
                       "“一等奖 1”. The prizes are drawn in this order."),
        render_kw={"rows": 4})
    eligible = SelectField(_l("Who can win"), choices=[
        SelectChoice(value="checked_in", label=_l("People who checked in")),
        SelectChoice(value="confirmed", label=_l("Everyone confirmed")),
    ])
    list_id = SelectField(_l("Check-in list"), coerce=int)
    exclude = SelectMultipleField(
        _l("Leave out the winners of"), coerce=int,
        option_widget=CheckboxInput(), widget=ListWidget(prefix_label=False))


class RedrawForm(Form):
    """An absent winner: whose prize goes to the next in the draw order, and why."""

    registration_id = SelectField(_l("Absent winner"), coerce=int)
    reason = StringField(_l("Reason"), [InputRequired(), Length(max=REASON_MAX)],
                         description=_l("Published with the draw, e.g. “not present after "
                                        "three calls”."),
                         render_kw={"maxlength": REASON_MAX})
