"""Organizers' reports of a contest: results exports (CSV, XLSX, PDF sheet), judge statistics and
the per-entry audit trail."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from eventhub import permissions
from eventhub.database import db
from eventhub.downloads import private_file
from eventhub.events.access import event_for
from eventhub.ids import page_number
from eventhub.judging import reports
from eventhub.judging.models import Aggregation, Entry
from eventhub.judging.views import round_for

bp = Blueprint("judging_reports", __name__)


@bp.route("/judging/rounds/<int:round_id>/results.<any(csv, xlsx, pdf):fmt>")
@login_required
def export(round_id: int, fmt: str) -> Response:
    """The results by ``?method=`` (the round's own by default) as a file; leaders' names
    masked unless ``?names=full``."""
    round_ = round_for(round_id, permissions.can_manage_event)
    method = request.args.get("method") or round_.aggregation.value
    if method not in Aggregation.__members__:
        abort(404)
    data, mimetype, filename = reports.export_results(
        current_user._get_current_object(), round_, method, fmt,
        full_names=request.args.get("names") == "full",
    )
    return private_file(data, mimetype, filename, inline=fmt == "pdf")


@bp.route("/judging/rounds/<int:round_id>/statistics")
@login_required
def statistics(round_id: int) -> str:
    round_ = round_for(round_id, permissions.can_manage_event)
    max_spread = request.args.get("max_spread", type=float)
    if max_spread is None or not 0 <= max_spread <= 100:
        max_spread = reports.DEFAULT_MAX_SPREAD
    return render_template(
        "judging/statistics.html", round=round_, event=round_.event, max_spread=max_spread,
        stats=reports.statistics_view(round_, max_spread),
    )


@bp.route("/judging/entries/<int:entry_id>/audit")
@login_required
def entry_audit(entry_id: int) -> str:
    entry = db.get_or_404(Entry, entry_id)
    event = event_for(entry.event_id, permissions.can_manage_event)
    page = request.args.get("page", 1, type=page_number)
    lines, pagination = reports.entry_audit(event, entry, page)
    return render_template(
        "judging/entry_audit.html", entry=entry, event=event, lines=lines,
        pagination=pagination,
    )
