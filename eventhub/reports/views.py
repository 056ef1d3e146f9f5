"""Report pages: an event's figures, the evidence pack, an organization's or alliance's
dashboard."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask_login import current_user

from eventhub import permissions
from eventhub.events.models import Event
from eventhub.reports import figures

bp = Blueprint("reports", __name__)


# Template globals for pages below reports (events cannot import reports) ----------------------


@bp.app_template_global("event_figures")
def event_figures(event: Event) -> dict[str, Any] | None:
    """The event page's figures panel: the event's stats (counts only, as the API serves them)
    for those who may read them (organizers of the host and partners, the host's viewers),
    else None."""
    if not permissions.can_read_event_figures(current_user, event):
        return None
    return figures.event_stats(event)
