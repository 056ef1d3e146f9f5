"""Figures and reports: an event's stats, an organization's or an alliance's report for a period."""

from __future__ import annotations

from eventhub.api.common import make_blueprint

blp = make_blueprint(
    "api_reports",
    "Figures and reports: event stats, organization and alliance reports.",
)
