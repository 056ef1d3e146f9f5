"""Loading the event a page is about, for those allowed to see that page (HTML views of every
domain above events use it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort
from flask_login import current_user

from eventhub import permissions
from eventhub.database import db
from eventhub.events.models import Event


def event_for(event_id: int, may: Callable[[Any, Event], bool]) -> Event:
    """The event of a page that needs ``may(user, event)`` (a predicate of `permissions`):
    404 for someone who cannot even see the event, 403 for someone who sees it but may not."""
    event = db.get_or_404(Event, event_id)
    if not may(current_user, event):
        abort(404 if not permissions.can_view_event(current_user, event) else 403)
    return event
