"""Lucky draws (抽奖) anyone can verify: the organizers' pages (create, commit, run, redraw),
the public record with the step-by-step check, and the big screen.

The big screen polls a small JSON of the draw's public state with its ETag (the draw's live
version, shared by every worker: 304 while nothing changed); once the draw is drawn it rolls,
then lands on the winners of that JSON. The animation is theatre: the result was fixed by the
run, and the seed by the commit.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from eventhub import permissions
from eventhub.checkin.services import lists_of
from eventhub.database import db
from eventhub.engagement import draws
from eventhub.engagement.draw_forms import DrawForm, RedrawForm, choices, parse_prizes
from eventhub.engagement.models import Draw, DrawStatus
from eventhub.events.access import event_for
from eventhub.events.models import Event
from eventhub.live import live_answer, live_page, page_etag
from eventhub.webforms import domain_errors, form_status, refusal_flashed

bp = Blueprint("engagement_draws", __name__)

STATUS_LABELS = {
    DrawStatus.draft: _l("Draft"),
    DrawStatus.committed: _l("Committed"),
    DrawStatus.drawn: _l("Drawn"),
}


@bp.app_template_filter("draw_status")
def draw_status(value: Any) -> str:
    """The label of a draw's status (草稿 / 已封存 / 已开奖)."""
    try:
        return str(STATUS_LABELS[DrawStatus(value)])
    except ValueError:
        return str(value)

#: How often the screen asks for news, in milliseconds.
POLL_MS = 1500
#: docs/verify_draw.py, shown on the public page (None when the docs are not deployed).
SCRIPT = Path(__file__).resolve().parents[2] / "docs" / "verify_draw.py"


@bp.app_template_global("draws_url")
def draws_url(event: Event) -> str | None:
    """The event's draws page for its organizers (the event page's tools), else None."""
    if not permissions.can_manage_event(current_user, event):
        return None
    return url_for("engagement_draws.manage_event", event_id=event.id)


def _draw(draw_id: int) -> Draw:
    """The draw, if the viewer may see it (a draft: its organizers only), else 404."""
    draw = db.get_or_404(Draw, draw_id)
    if not draws.can_see_draw(current_user, draw):
        abort(404)
    return draw


def _managed(draw_id: int) -> Draw:
    draw = _draw(draw_id)
    event_for(draw.event_id, permissions.can_manage_event)
    return draw


# The organizers' pages -----------------------------------------------------------------------


def _draw_form(event: Event) -> DrawForm:
    form = DrawForm()
    form.list_id.choices = choices((lst.id, lst.name) for lst in lists_of(event))
    form.exclude.choices = choices((d.id, d.name) for d in draws.draws_of(event))
    return form


@bp.route("/events/<int:event_id>/draws", methods=["GET", "POST"])
@login_required
def manage_event(event_id: int) -> Any:
    event = event_for(event_id, permissions.can_manage_event)
    form = _draw_form(event)
    if form.validate_on_submit():
        prizes = parse_prizes(form.prizes.data)
        if prizes is None:
            form.prizes.errors.append(_("Write one prize a line: its name and a number."))
        else:
            main = next((lst.id for lst in lists_of(event) if lst.is_main), None)
            with domain_errors(form, {"exclude_winners_of": "exclude"}):
                draw = draws.create_draw(
                    current_user, event, form.name.data, prizes, form.eligible.data,
                    None if form.list_id.data == main else form.list_id.data,
                    form.exclude.data or [])
                flash(_("Draw created. Commit it when the pool is complete."), "success")
                return redirect(url_for("engagement_draws.manage", draw_id=draw.id))
    return render_template("engagement/draws_event.html", event=event, form=form,
                           draws=draws.draws_of(event)), form_status(form)


@bp.route("/draws/<int:draw_id>/manage")
@login_required
def manage(draw_id: int) -> Any:
    draw = _managed(draw_id)
    return _manage_page(draw)


def _manage_page(draw: Draw, redraw_form: RedrawForm | None = None) -> Any:
    winners, redraws = draws.winners_of(draw, names=True)
    form = redraw_form or RedrawForm(formdata=None)
    form.registration_id.choices = choices(
        (w["registration_id"], f"{w['prize']} · {w['name']}") for w in winners)
    eligible_now = len(draws.eligible_ids(draw)) if draw.status == DrawStatus.draft else None
    return render_template(
        "engagement/draw_manage.html", draw=draw, event=draw.event, winners=winners,
        redraws=redraws, redraw_form=form, eligible_now=eligible_now,
        checkin_list=draws.checkin_list_of(draw),
        excluded=[db.session.get(Draw, i) for i in draw.exclude_winners_of],
    ), form_status(form)


@bp.route("/draws/<int:draw_id>/commit", methods=["POST"])
@login_required
def commit(draw_id: int) -> Any:
    draw = _managed(draw_id)
    with refusal_flashed():
        draws.commit_draw(current_user, draw)
        flash(_("Committed: the pool and the seed are frozen and the commitment is public."),
              "success")
    return redirect(url_for("engagement_draws.manage", draw_id=draw.id))


@bp.route("/draws/<int:draw_id>/run", methods=["POST"])
@login_required
def run(draw_id: int) -> Any:
    draw = _managed(draw_id)
    with refusal_flashed():
        draws.run_draw(current_user, draw)
        flash(_("Drawn: the seed and the winners are public."), "success")
    return redirect(url_for("engagement_draws.manage", draw_id=draw.id))


@bp.route("/draws/<int:draw_id>/redraw", methods=["POST"])
@login_required
def redraw(draw_id: int) -> Any:
    draw = _managed(draw_id)
    winners, _redraws = draws.winners_of(draw)
    form = RedrawForm()
    form.registration_id.choices = choices((w["registration_id"], w["prize"]) for w in winners)
    if form.validate_on_submit():
        with domain_errors(form):
            winner = draws.redraw(current_user, draw, form.registration_id.data,
                                  form.reason.data)
            flash(_("Redrawn: the prize goes to No. %(id)d.", id=winner.registration_id),
                  "success")
            return redirect(url_for("engagement_draws.manage", draw_id=draw.id))
    return _manage_page(draw, form)


# The public record and the big screen ----------------------------------------------------------


def _script() -> str | None:
    try:
        return SCRIPT.read_text("utf-8")
    except OSError:
        return None


@bp.route("/draws/<int:draw_id>")
def public(draw_id: int) -> Any:
    draw = _draw(draw_id)
    record = draws.public_record(draw)
    return render_template(
        "engagement/draw_public.html", draw=draw, event=draw.event, record=record,
        steps=draws.verification_steps(draw), script=_script(),
        checkin_list=draws.checkin_list_of(draw),
        api_url=url_for("api_draws.get_draw", draw_id=draw.id, _external=True))


def _state(draw: Draw) -> dict[str, Any]:
    """What the screen needs: the status and, once drawn, the pool's ids (to roll through)
    and the winners (masked names)."""
    record = draws.public_record(draw)
    return {"id": draw.id, "status": record["status"], "pool": record.get("pool", []),
            "seed": record.get("seed"),
            "pool_size": record["pool_size"],
            "winners": [{"prize": w["prize"], "prize_index": w["prize_index"],
                         "registration_id": w["registration_id"],
                         "display_name": w["display_name"]} for w in record["winners"]]}


@bp.route("/draws/<int:draw_id>/screen")
def screen(draw_id: int) -> Any:
    draw = _draw(draw_id)
    etag = page_etag(draws.live.version(draw.id), "screen")
    html = render_template(
        "engagement/draw_screen.html", draw=draw, event=draw.event, etag=etag,
        checkin_list=draws.checkin_list_of(draw),
        poll_ms=POLL_MS, state_url=url_for("engagement_draws.screen_state", draw_id=draw.id))
    return live_page(html, etag)


@bp.route("/draws/<int:draw_id>/screen/state")
def screen_state(draw_id: int) -> Any:
    draw = _draw(draw_id)
    etag = page_etag(draws.live.version(draw.id), "state")
    return live_answer(etag, lambda: jsonify(_state(draw)))
