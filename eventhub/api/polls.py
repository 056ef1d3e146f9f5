"""Audience voting (人气奖) and live polls: voting from the ticket page and the big screen's live
results.
"""

from __future__ import annotations

from eventhub.api.common import make_blueprint

blp = make_blueprint(
    "api_polls",
    "Audience voting (人气奖) and live polls: votes, open and close, results.",
)
