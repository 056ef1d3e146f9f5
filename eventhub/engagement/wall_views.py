"""The welcome wall (签到墙): opted-in arrivals of an event on a 1920x1080 screen, live.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("engagement_wall", __name__)
