"""The welcome wall (签到墙): opted-in arrivals of an event on a 1920x1080 screen, live.

The screen polls an HTML fragment about every second with the same live mechanism as the
check-in dashboard (`eventhub.live`): it answers ``304`` from the wall's live version alone
(`wall.live_version`, shared by every worker) while nothing changed; the page's script
animates the names it had not shown yet. The screen opens for the event's organizers and for
anyone with the signed read-only link the organizers' wall page shows (a projector laptop
without an account). The organizers' page lists the names on the wall and hides them.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import HiddenField

from eventhub.database import db
from eventhub.engagement import wall
from eventhub.events.access import event_for
from eventhub.events.models import Event
from eventhub.ids import parse_id
from eventhub.live import live_answer, live_page, page_etag
from eventhub.webforms import Form, refusal_flashed

bp = Blueprint("engagement_wall", __name__)

#: How often the screen asks for news, in milliseconds (a new name shows within 2 seconds).
POLL_MS = 1000
#: The most names the screen shows at once (the newest).
SCREEN_NAMES = 40


class HideForm(Form):
    """Hide a name from the wall, or show it again."""

    registration_id = HiddenField()
    action = HiddenField()


@bp.app_template_global()
def wall_url(event: Event) -> str | None:
    """The organizers' wall page of ``event``, for those who may see it (else None)."""
    if current_user.is_authenticated and wall.can_manage_wall(current_user, event):
        return url_for("engagement_wall.manage", event_id=event.id)
    return None


def _screen_event(event_id: int) -> tuple[Event | None, str | None]:
    """The event of the screen and the key to pass on: the signed key of the link, or none
    for a signed-in organizer. (None, None): sign in first. A wrong key is 404."""
    event = db.get_or_404(Event, event_id)
    key = request.args.get("key")
    if wall.screen_key_valid(key, event):
        return event, key
    if not current_user.is_authenticated:
        if key:
            abort(404)
        return None, None
    return event_for(event_id, wall.can_manage_wall), None


def _etag(event: Event) -> str:
    return page_etag(wall.live_version(event.id), "screen")


def _board(event: Event) -> wall.Wall:
    return wall.wall(event, limit=SCREEN_NAMES)


@bp.route("/events/<int:event_id>/wall")
def screen(event_id: int) -> Response:
    event, key = _screen_event(event_id)
    if event is None:
        return current_app.login_manager.unauthorized()
    etag = _etag(event)
    html = render_template(
        "engagement/wall_screen.html", event=event, board=_board(event), etag=etag,
        poll_ms=POLL_MS,
        live_url=url_for("engagement_wall.screen_live", event_id=event.id, key=key),
    )
    return live_page(html, etag)


@bp.route("/events/<int:event_id>/wall/live")
def screen_live(event_id: int) -> Response:
    event, _ = _screen_event(event_id)
    if event is None:
        return current_app.login_manager.unauthorized()
    return live_answer(_etag(event), lambda: render_template(
        "engagement/_wall_live.html", event=event, board=_board(event)))


@bp.route("/events/<int:event_id>/wall/manage")
@login_required
def manage(event_id: int) -> str:
    event = event_for(event_id, wall.can_manage_wall)
    return render_template(
        "engagement/wall_manage.html",
        event=event,
        rows=wall.admin_rows(event),
        board=wall.wall(event, limit=0),
        form=HideForm(),
        screen_url=url_for("engagement_wall.screen", event_id=event.id,
                           key=wall.make_screen_key(event), _external=True),
    )


@bp.route("/events/<int:event_id>/wall/manage", methods=["POST"])
@login_required
def hide(event_id: int) -> Response:
    event = event_for(event_id, wall.can_manage_wall)
    form = HideForm()
    if form.validate_on_submit():
        registration_id = parse_id(form.registration_id.data or "")
        with refusal_flashed():
            if form.action.data == "show":
                wall.unhide(current_user, event, registration_id)
                flash(_l("The name is on the wall again."), "success")
            else:
                wall.hide(current_user, event, registration_id)
                flash(_l("The name is hidden from the wall."), "success")
    else:
        flash(_l("The form expired. Please try again."), "error")
    return redirect(url_for("engagement_wall.manage", event_id=event.id))
