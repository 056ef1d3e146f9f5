"""The input checks every judging module shares: a text field's length, a finite number, and
that an event is a contest. Each returns the reason a value is refused (or raises), so the
services collect reasons per field and raise them together (`accounts.raise_field_errors`).
"""

from __future__ import annotations

import math
from typing import Any

from flask_babel import lazy_gettext as _l

from eventhub.accounts.models import NAME_MAX
from eventhub.errors import Conflict
from eventhub.events.models import Event, EventKind

#: The longest free text a judging field holds (a summary, a reason, a comment, a description).
TEXT_MAX = 10_000


def text_problem(value: Any, limit: int = NAME_MAX, required: bool = False) -> Any:
    """Return why ``value`` is not acceptable as a text of at most ``limit`` characters
    (non-blank when ``required``; None is "not given"), or None when it is."""
    if value is None:
        return _l("Enter a value.") if required else None
    if not isinstance(value, str):
        return _l("Enter text.")
    if required and not value.strip():
        return _l("Enter a value.")
    if len(value) > limit:
        return _l("Use at most %(n)d characters.", n=limit)
    return None


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
