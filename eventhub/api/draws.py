"""Lucky draws (抽奖) anyone can verify: the public record, the explanation and the big screen.
"""

from __future__ import annotations

from eventhub.api.common import make_blueprint

blp = make_blueprint(
    "api_draws",
    "Lucky draws (抽奖) anyone can verify: the public record, the explanation and the big screen.",
)
