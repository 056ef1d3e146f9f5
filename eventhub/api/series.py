"""Event series (系列化、常态化): series, their events and subscriptions."""

from __future__ import annotations

from eventhub.api.common import make_blueprint

blp = make_blueprint(
    "api_series",
    "Event series (系列化、常态化): series, their events and subscriptions.",
)
