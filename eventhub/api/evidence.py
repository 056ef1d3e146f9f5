"""Subsidy evidence: an event's photos and its evidence pack (签到表, 活动通知, 统计)."""

from __future__ import annotations

from eventhub.api.common import make_blueprint

blp = make_blueprint(
    "api_evidence",
    "Subsidy evidence: an event's photos and its evidence pack (签到表, 活动通知, 统计).",
)
