"""An event series' page (past and upcoming dates, attendance) and subscribing to it."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("series", __name__)
