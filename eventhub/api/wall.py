"""The welcome wall (签到墙): opted-in arrivals of an event on a 1920x1080 screen, live.

Who appears, the default name and the count are `eventhub.engagement.wall`'s rules; the
registrant opts in with ``PATCH /registrations/{id}`` (``show_on_wall``, ``wall_name``).
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask_login import current_user

from eventhub.api.common import Time, doc_errors, get_or_404, make_blueprint, optional_auth
from eventhub.api.events import managed_event
from eventhub.engagement import wall
from eventhub.errors import NotAuthenticated, NotFound
from eventhub.events.models import Event
from eventhub.live import not_modified

blp = make_blueprint(
    "api_wall",
    "The welcome wall (签到墙): opted-in arrivals of an event on a 1920x1080 screen, live.",
)


class WallArgsSchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    after = Time(metadata={"description": "Only arrivals later than this time (ISO 8601 with "
                                          "its offset): what a screen asks for after its "
                                          "first answer."})
    key = ma.fields.String(metadata={
        "description": "The signed read-only key of the wall's screen link (the organizers' "
                       "wall page shows the link): opens the wall without an account."})


class WallItemSchema(ma.Schema):
    wall_name = ma.fields.String(required=True, metadata={
        "description": "The name the registrant chose, else the surname followed by ** (张**)."})
    at = Time(required=True, metadata={"description": "The first check-in at the main list."})


class WallSchema(ma.Schema):
    checked_in = ma.fields.Integer(required=True, metadata={
        "description": "Everybody checked in at the event (opted in or not): the running count."})
    items = ma.fields.List(ma.fields.Nested(WallItemSchema), required=True, metadata={
        "description": "Opted-in people checked in whose name no organizer hid, newest first "
                       f"(at most {wall.WALL_LIMIT})."})


def _wall_event(event_id: int, key: str | None) -> Event:
    """The event, to its organizers or with the wall's signed key: 401 without either, 404
    for a wrong key or an invisible event, 403 for a signed-in non-organizer."""
    if key:
        event = get_or_404(Event, event_id)
        if wall.screen_key_valid(key, event):
            return event
        if not current_user.is_authenticated:
            raise NotFound()
    if not current_user.is_authenticated:
        raise NotAuthenticated()
    return managed_event(event_id)


@blp.route("/events/<id:event_id>/wall", methods=["GET"])
@blp.response(200, WallSchema)
@blp.alt_response(304, description="Unchanged since the ETag sent in If-None-Match.")
@doc_errors(blp, 401, 403, 404, 422)
@optional_auth(blp)
@blp.arguments(WallArgsSchema, location="query")
def get_wall(args: dict, event_id: int) -> Any:
    """The welcome wall (organizers, or anyone with the signed screen link's ``key``): the
    count of people checked in, and the opted-in arrivals whose name no organizer hid,
    newest first. Send the ETag back in If-None-Match: 304 while nothing changed."""
    event = _wall_event(event_id, args.get("key"))
    after = args.get("after")
    etag = f"{wall.live_version(event.id)}.{after.isoformat() if after else ''}"
    unchanged = not_modified(etag)
    if unchanged is not None:
        return unchanged
    board = wall.wall(event, after=after)
    tz = event.tz
    body = {
        "checked_in": board.checked_in,
        "items": [{"wall_name": a.wall_name, "at": a.at.astimezone(tz)} for a in board.items],
    }
    return body, 200, {"ETag": f'"{etag}"', "Cache-Control": "private, no-cache"}
