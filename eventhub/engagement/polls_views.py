"""Audience voting (人气奖) and live polls: voting from the ticket page and the big screen's live
results.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("engagement_polls", __name__)
