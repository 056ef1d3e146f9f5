"""The mentor report (绩效评估) page of an organization: a sortable table, a chart, the XLSX export,
mentors below the rule and the league table.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("mentor_report", __name__)
