"""The organizers' contest pages: tracks, judges and conflicts, rounds with their rubric, window
and status, and assignments."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("contest_admin", __name__)
