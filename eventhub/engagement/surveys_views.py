"""The satisfaction survey (满意度): the organizer's questions, attendees' answers, the anonymous
results.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("engagement_surveys", __name__)
