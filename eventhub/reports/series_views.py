"""A series' figures: attendance per date and returning participants (the series page asks
them through template globals, since events cannot import reports).

The figures are counts (`reports.series_figures`), never names, so the series page shows them
to everyone who may see the page, as it shows the number of subscribers.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from eventhub.database import utcnow
from eventhub.events.models import Series
from eventhub.reports import series_figures as figures

bp = Blueprint("series_reports", __name__)


@bp.app_template_global("series_attendance")
def series_attendance(series: Series) -> dict[int, int]:
    """``{event id: checked in}`` for each date of the series."""
    return figures.attendance(series)


@bp.app_template_global("series_figures")
def series_figures(series: Series) -> dict[str, Any]:
    """The series page's figures: `series_figures.series_figures` with ``attendance``
    (``{event id: checked in}``) and ``chart``, the dates that have begun, oldest first (the
    attendance chart's bars)."""
    result = figures.series_figures(series)
    now = utcnow()
    result["attendance"] = {d["id"]: d["checked_in"] for d in result["dates"]}
    result["chart"] = [d for d in result["dates"] if d["starts_at"] <= now]
    return result
