"""Events: the organizer's API (see API.md)."""

from __future__ import annotations

from eventhub.api.common import make_blueprint

blp = make_blueprint("api_events", "Events.")
