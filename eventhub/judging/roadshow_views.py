"""The live roadshow (路演): the organizer's control panel, the big screen and the stage feed
judges' tablets follow.

Both pages poll an HTML fragment about every second; it answers ``304`` from the round's live
version alone (`roadshow.live_version`, shared by every worker) while nothing changed. Clocks
count down in the browser from what remained when the fragment was rendered, so a poll only
needs to catch state changes. The big screen opens for the contest's organizers, and for
anyone with the signed read-only link the control panel shows (a projector laptop without an
organizer account).
"""

from __future__ import annotations

import math

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from eventhub import permissions
from eventhub.database import db
from eventhub.events.access import event_for
from eventhub.ids import parse_id
from eventhub.judging import roadshow
from eventhub.judging.models import Round
from eventhub.judging.views import round_for
from eventhub.live import live_page, not_modified, page_etag
from eventhub.webforms import refusal_flashed

bp = Blueprint("roadshow", __name__)

#: How often the pages ask for news, in milliseconds.
POLL_MS = 1000

def _screen_round(round_id: int) -> tuple[Round | None, str | None]:
    """The round of a big screen and the key to pass on: the signed key of the link, or
    none for a signed-in organizer. (None, None): sign in first."""
    round_ = db.get_or_404(Round, round_id)
    key = request.args.get("key")
    if roadshow.screen_key_valid(key, round_):
        return round_, key
    if not current_user.is_authenticated:
        return None, None
    event_for(round_.event_id, permissions.can_manage_event)
    return round_, None


def _etag(round_: Round, view: str) -> str:
    return page_etag(roadshow.live_version(round_.id), view)


def clock_text(remaining_ms: int) -> str:
    """What a clock shows: ``7:59`` counting down (whole seconds up), ``+0:12`` in overtime."""
    if remaining_ms >= 0:
        seconds = math.ceil(remaining_ms / 1000)
        return f"{seconds // 60}:{seconds % 60:02d}"
    seconds = -remaining_ms // 1000
    return f"+{seconds // 60}:{seconds % 60:02d}"


def _context(round_: Round, organizer: bool) -> dict:
    return {
        "clock_text": clock_text,
        "round": round_,
        "event": round_.event,
        "board": roadshow.board(round_, organizer=organizer),
        "score_display": roadshow.score_display,
        "poll_ms": POLL_MS,
    }


def _fragment(round_: Round, view: str, organizer: bool) -> Response:
    """The live part of the control panel or the big screen (``view``): 304 while the stage's
    version is the page's."""
    etag = _etag(round_, view)
    unchanged = not_modified(etag)
    if unchanged is not None:
        return unchanged
    html = render_template(f"judging/roadshow_{view}_live.html",
                           **_context(round_, organizer=organizer))
    return live_page(html, etag)


# The control panel --------------------------------------------------------------------------


@bp.route("/judging/rounds/<int:round_id>/stage/control")
@login_required
def control(round_id: int) -> Response:
    round_ = round_for(round_id, permissions.can_manage_event)
    etag = _etag(round_, "control")
    screen_url = url_for("roadshow.screen", round_id=round_.id,
                         key=roadshow.make_screen_key(round_), _external=True)
    html = render_template("judging/roadshow_control.html", etag=etag, screen_url=screen_url,
                           **_context(round_, organizer=True))
    return live_page(html, etag)


@bp.route("/judging/rounds/<int:round_id>/stage/control/live")
@login_required
def control_live(round_id: int) -> Response:
    return _fragment(round_for(round_id, permissions.can_manage_event), "control",
                     organizer=True)


def _done(round_: Round) -> Response:
    return redirect(url_for("roadshow.control", round_id=round_.id))


@bp.route("/judging/rounds/<int:round_id>/stage/control", methods=["POST"])
@login_required
def control_action(round_id: int) -> Response:
    round_ = round_for(round_id, permissions.can_manage_event)
    with refusal_flashed():
        roadshow.act(current_user, round_, request.form.get("action", ""),
                     entry_id=request.form.get("entry_id", type=parse_id),
                     version=request.form.get("version", type=parse_id))
    return _done(round_)


def _seconds(name: str) -> int | None | str:
    """Minutes typed in a form field as seconds (None: empty; the text when not a number)."""
    raw = request.form.get(name, "").strip().replace(",", ".")
    if not raw:
        return None
    try:
        minutes = float(raw)
    except ValueError:
        return raw
    return round(minutes * 60) if math.isfinite(minutes) else raw


@bp.route("/judging/rounds/<int:round_id>/stage/durations", methods=["POST"])
@login_required
def durations(round_id: int) -> Response:
    round_ = round_for(round_id, permissions.can_manage_event)
    with refusal_flashed():
        roadshow.set_durations(current_user, round_, _seconds("pitch_minutes"),
                               _seconds("qa_minutes"))
        flash(_l("Times saved."), "success")
    return _done(round_)


@bp.route("/judging/rounds/<int:round_id>/stage/order", methods=["POST"])
@login_required
def order(round_id: int) -> Response:
    round_ = round_for(round_id, permissions.can_manage_event)
    action = request.form.get("action")
    with refusal_flashed():
        if action == "draw":
            roadshow.draw_order(current_user, round_)
            flash(_l("The order of appearance was drawn by lot."), "success")
        elif action in ("up", "down"):
            entry_id = request.form.get("entry_id", type=parse_id)
            roadshow.move_in_order(current_user, round_, entry_id, -1 if action == "up" else 1)
    return _done(round_)


# The big screen -----------------------------------------------------------------------------


@bp.route("/judging/rounds/<int:round_id>/stage/screen")
def screen(round_id: int) -> Response:
    round_, key = _screen_round(round_id)
    if round_ is None:
        return current_app.login_manager.unauthorized()
    etag = _etag(round_, "screen")
    html = render_template("judging/roadshow_screen.html", etag=etag,
                           live_url=url_for("roadshow.screen_live", round_id=round_.id, key=key),
                           **_context(round_, organizer=False))
    return live_page(html, etag)


@bp.route("/judging/rounds/<int:round_id>/stage/screen/live")
def screen_live(round_id: int) -> Response:
    round_, _ = _screen_round(round_id)
    if round_ is None:
        return current_app.login_manager.unauthorized()
    return _fragment(round_, "screen", organizer=False)
