"""The forms of the investors' pages. They only read what was tapped or typed: the rules
(who may mark, the levels, the note's length, both consents) are `investors`' services'.

The consent labels are the consent texts of `investors.SHARE_CONSENT_VERSION`: change that
version whenever they change, so each record names the text that was shown."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, StringField, TextAreaField

from eventhub.engagement.models import NOTE_MAX
from eventhub.webforms import Form


class MarkForm(Form):
    """An investor's mark on one entry: the level is the button tapped. Each entry's form has
    its own prefix (``e<entry id>``), so one page holds many."""

    level = StringField(_l("Interest"))
    note = TextAreaField(
        _l("A note for the team (optional)"),
        description=_l("The team reads it only after accepting you."),
        render_kw={"maxlength": NOTE_MAX, "rows": 2},
    )
    consent = BooleanField(
        _l("If the team accepts, share my name, organization, email and phone with its "
           "leader, for this investment contact only. I can withdraw this at any time.")
    )


class AcceptForm(Form):
    """The team's leader accepting one mark, with their own consent to share contacts."""

    consent = BooleanField(
        _l("Share my name, organization, email and phone with this investor, for this "
           "investment contact only.")
    )
