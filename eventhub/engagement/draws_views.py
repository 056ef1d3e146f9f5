"""Lucky draws (抽奖) anyone can verify: the public record, the explanation and the big screen.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("engagement_draws", __name__)
