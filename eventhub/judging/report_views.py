"""Organizers' reports of a contest: results exports (CSV, XLSX, PDF sheet), judge statistics and
the per-entry audit trail."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("judging_reports", __name__)
