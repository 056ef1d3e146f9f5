"""The welcome wall (签到墙): opted-in arrivals of an event on a 1920x1080 screen, live.
"""

from __future__ import annotations

from eventhub.api.common import make_blueprint

blp = make_blueprint(
    "api_wall",
    "The welcome wall (签到墙): opted-in arrivals of an event on a 1920x1080 screen, live.",
)
