"""A series' figures: attendance per date and returning participants (the series page asks
them through template globals, since events cannot import reports)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("series_reports", __name__)
