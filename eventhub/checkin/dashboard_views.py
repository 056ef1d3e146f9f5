"""The live check-in dashboard of an event's door staff and organizers (`can_check_in`: it
shows what the doors do, nothing of the organizers' pages): the page, and the fragment it polls.

The fragment answers ``304`` from the event's check-in version alone (`live.version`, shared
by every worker) when the page's ETag still matches, without computing the dashboard.
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from flask_login import login_required

from eventhub import permissions
from eventhub.checkin import dashboard as queries
from eventhub.checkin import live
from eventhub.events.access import event_for
from eventhub.events.models import Event
from eventhub.ids import parse_id
from eventhub.live import live_page, not_modified, page_etag

bp = Blueprint("checkin_dashboard", __name__)

#: How often the page asks for news, in milliseconds.
POLL_MS = 1500

def _door_event(event_id: int) -> Event:
    return event_for(event_id, permissions.can_check_in)


def _etag(event: Event, list_id: int | None) -> str:
    """The version of what the fragment would show, in this language, for this list."""
    return page_etag(live.version(event.id), list_id or 0)


def _list_arg() -> int | None:
    return request.args.get("list", type=parse_id)


@bp.route("/events/<int:event_id>/checkin/dashboard")
@login_required
def show(event_id: int) -> Response:
    event = _door_event(event_id)
    list_id = _list_arg()
    etag = _etag(event, list_id)
    board = queries.dashboard(event, list_id)
    html = render_template(
        "checkin/dashboard.html",
        event=event,
        board=board,
        etag=etag,
        list_id=list_id,
        poll_ms=POLL_MS,
    )
    return live_page(html, etag)


@bp.route("/events/<int:event_id>/checkin/dashboard/live")
@login_required
def fragment(event_id: int) -> Response:
    event = _door_event(event_id)
    list_id = _list_arg()
    etag = _etag(event, list_id)
    unchanged = not_modified(etag)
    if unchanged is not None:
        return unchanged
    board = queries.dashboard(event, list_id)
    html = render_template(
        "checkin/_dashboard_live.html", event=event, board=board
    )
    return live_page(html, etag)
