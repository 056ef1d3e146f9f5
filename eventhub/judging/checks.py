"""The input checks every judging module shares: the longest free text, a finite number, and
that an event is a contest (text fields are checked by `eventhub.text.check_text`, as in every
domain). The services collect reasons per field and raise them together
(`errors.raise_field_errors`).
"""

from __future__ import annotations

import math
from typing import Any

from flask_babel import lazy_gettext as _l

from eventhub.errors import Conflict
from eventhub.events.models import Event, EventKind

#: The longest free text a judging field holds (a summary, a reason, a comment, a description).
TEXT_MAX = 10_000


def is_number(value: Any) -> bool:
    """Tell whether ``value`` is a finite int or float (not a bool, NaN or infinity)."""
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
    )


def require_contest(event: Event) -> None:
    """Refuse judging on an event that is not a contest. Raises Conflict ``not_a_contest``."""
    if event.kind != EventKind.contest:
        raise Conflict(_l("Judging is only available for contests."), code="not_a_contest")
