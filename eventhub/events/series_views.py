"""An event series' page (past and upcoming dates, attendance) and subscribing to it.

Attendance needs check-ins, which events cannot read (checkin is a higher layer): the page
asks the ``series_attendance`` template global, ``{event_id: checked in}``, which the
reporting layer registers with its figures; without it the page shows the dates alone.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from eventhub.database import db, utcnow
from eventhub.events import series as services
from eventhub.events.models import Series
from eventhub.webforms import Form

bp = Blueprint("series", __name__)


class SubscriptionForm(Form):
    """Subscribe or unsubscribe: a button, its CSRF token and nothing else."""


@bp.route("/series/<int:series_id>")
def detail(series_id: int) -> str:
    series = db.get_or_404(Series, series_id)
    return render_template(
        "series/detail.html",
        series=series,
        dates=services.dates_of(series, utcnow()),
        subscribers=services.subscriber_count(series),
        subscribed=services.subscription_of(current_user, series) is not None,
        form=SubscriptionForm(),
    )


@bp.route("/series/<int:series_id>/subscribe", methods=["POST"])
@login_required
def subscribe(series_id: int) -> Response:
    series = db.get_or_404(Series, series_id)
    if SubscriptionForm().validate_on_submit():
        services.subscribe(current_user._get_current_object(), series)
        flash(_("Subscribed: we will mail you when a new date is published."), "success")
    return redirect(url_for("series.detail", series_id=series.id))


@bp.route("/series/<int:series_id>/unsubscribe", methods=["POST"])
@login_required
def unsubscribe(series_id: int) -> Response:
    series = db.get_or_404(Series, series_id)
    if SubscriptionForm().validate_on_submit():
        services.unsubscribe(current_user._get_current_object(), series)
        flash(_("Unsubscribed: no more mail about this series."), "success")
    return redirect(url_for("series.detail", series_id=series.id))
