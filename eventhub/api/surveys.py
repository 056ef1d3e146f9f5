"""The satisfaction survey (满意度): the organizer's questions, attendees' answers, the anonymous
results.
"""

from __future__ import annotations

from eventhub.api.common import make_blueprint

blp = make_blueprint(
    "api_surveys",
    "The satisfaction survey (满意度): questions, answers, anonymous results.",
)
