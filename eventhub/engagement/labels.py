"""How investor interest reads on pages: the levels' labels (感兴趣 / 想约谈 / 要BP), as
``LEVEL_LABELS`` and the ``interest_level`` filter the investors blueprint registers."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from eventhub.engagement.models import InterestLevel

LEVEL_LABELS = {
    InterestLevel.interested: _l("Interested"),
    InterestLevel.meeting: _l("Want to meet"),
    InterestLevel.bp: _l("Send the BP"),
}


def interest_level(value: Any) -> str:
    """The label of a level (its value when unknown)."""
    try:
        return str(LEVEL_LABELS[InterestLevel(value)])
    except ValueError:
        return str(value)


FILTERS = {"interest_level": interest_level}
