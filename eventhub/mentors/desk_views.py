"""The mentor's desk: publishing office hours, their bookings (no-shows, cancelling with a
message), logging and editing coachings; a mentee's coachings to confirm and rate.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("mentor_desk", __name__)
