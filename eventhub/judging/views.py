"""Judges' pages: the sign-in link of the invitation mail (a judge-scoped device session, see
`judge_session`), the queue of a round and the scorecard of one entry (tablet first)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from eventhub import permissions
from eventhub.database import db
from eventhub.errors import DomainError
from eventhub.events.access import event_for
from eventhub.events.models import Event
from eventhub.extensions import login_manager
from eventhub.judging import judge_session, judges, labels, rounds, scorecards
from eventhub.judging import permissions as judging_permissions
from eventhub.judging.models import Aggregation, Entry, Round, RoundStatus
from eventhub.judging.results import round_results

bp = Blueprint("judging", __name__)
#: Judging's enums in words, for every page (judging/labels.py).
bp.record_once(lambda state: state.app.jinja_env.filters.update(labels.FILTERS))
#: Judging's predicates for templates (judging/permissions.py), beside the app's own.
bp.record_once(
    lambda state: state.app.jinja_env.globals.update(judging_permissions.template_predicates())
)


def _link_refused(error: DomainError) -> tuple[str, int]:
    return render_template("judging/link_invalid.html", message=error.message), 400


@bp.route("/judging/sign-in/<token>")
def sign_in(token: str) -> str | tuple[str, int]:
    """The invitation mail's link: which contest it opens, and a button that opens it on this
    device. Opening it is a POST, so a mail scanner or a chat app's link preview fetching the
    link does not use it up."""
    try:
        link = judges.check_judge_link(token)
    except DomainError as error:
        return _link_refused(error)
    event = db.session.get(Event, link.judge.event_id)
    return render_template("judging/link_open.html", event=event, token=token)


@bp.route("/judging/sign-in/<token>", methods=["POST"])
def open_link(token: str) -> Response | tuple[str, int]:
    """Open the link on this device (once): a judge-scoped session for the judging pages of
    its contest, never a login of the account."""
    try:
        link = judges.open_judge_link(token)
    except DomainError as error:
        return _link_refused(error)
    judge_session.begin(link)
    flash(_("Welcome, %(name)s. This device can now score your entries of this contest.",
            name=link.judge.user.name), "success")
    return redirect(url_for("judging.home", event_id=link.judge.event_id))


@bp.route("/judging/device/sign-out", methods=["POST"])
def sign_out_device() -> Response:
    """End this browser's judge device session (the link does not open it again)."""
    judge_session.end()
    flash(_("This device is signed out of judging."), "info")
    return redirect(url_for("events.home"))


# The judge's pages: the queue of a round and the scorecard of one entry ------------------


def round_for(round_id: int, may: Callable[[Any, Event], bool]) -> Round:
    """The round, to those for whom ``may(user, event)`` holds of its contest (as `event_for`:
    404 to those who cannot see the event, 403 to those who see it but may not). Organizers'
    pages ask `permissions.can_manage_event`; judges' pages use `judge_event`."""
    round_ = db.get_or_404(Round, round_id)
    event_for(round_.event_id, may)
    return round_


def judge_event(event_id: int) -> tuple[Event, Any]:
    """The contest of a judge's page and whom the page acts for: the judge signed in with
    their account, or this browser's judge device of the contest (`judge_session`). Others
    go to the sign-in page (a device whose session ended: a page saying so), or get 404
    when they cannot see the event, else 403."""
    actor = judge_session.actor_for(event_id)
    if not actor.is_authenticated:
        if judge_session.ended():
            abort(make_response(render_template(
                "judging/link_invalid.html",
                message=_("Your judging session on this device has ended.")), 401))
        abort(login_manager.unauthorized())
    event = db.get_or_404(Event, event_id)
    if not judging_permissions.is_judge_of(actor, event):
        abort(404 if not permissions.can_view_event(actor, event) else 403)
    return event, actor


def _judge_round(round_id: int) -> tuple[Round, Any]:
    round_ = db.get_or_404(Round, round_id)
    return round_, judge_event(round_.event_id)[1]


def _device_of(actor: Any) -> judges.JudgeDevice | None:
    """The judge device a page acts for (its pages offer to sign it out), or None."""
    return actor if isinstance(actor, judges.JudgeDevice) else None


@bp.route("/judging/events/<int:event_id>")
def home(event_id: int) -> Response | str:
    """Where a judge lands: the queue of the open round they score in (the list of their
    rounds when there are several). A judge signed in with their account accepts the
    invitation here (a device did when its link was opened)."""
    event, actor = judge_event(event_id)
    judge = judges.judge_of(actor, event.id)
    if not judge.accepted:
        judges.accept_invitation(actor, judge)
    rounds: dict[int, Round] = {}
    for item in scorecards.my_assignments(actor):
        if item.round.event_id == event.id:
            rounds.setdefault(item.round.id, item.round)
    open_rounds = [r for r in rounds.values() if r.status == RoundStatus.open]
    if len(open_rounds) == 1:
        return redirect(url_for("judging.queue", round_id=open_rounds[0].id))
    return render_template("judging/rounds.html", event=event, rounds=list(rounds.values()),
                           device=_device_of(actor))


@bp.route("/judging/rounds/<int:round_id>")
def queue(round_id: int) -> str:
    """The judge's entries in the round: to do, draft, submitted, with the progress."""
    round_, actor = _judge_round(round_id)
    items = scorecards.my_assignments(actor, round_.id)
    groups = {status: [i for i in items if i.status == status]
              for status in ("todo", "draft", "submitted")}
    totals = {
        i.entry.id: scorecards.scorecard_total(round_.criteria, i.scorecard.scores or {})
        for i in items if i.scorecard is not None
    }
    return render_template(
        "judging/queue.html", round=round_, event=round_.event, groups=groups,
        total=len(items), submitted=len(groups["submitted"]), totals=totals,
        device=_device_of(actor), hide_team=rounds.hides_team(round_),
    )


@bp.route("/judging/rounds/<int:round_id>/entries/<int:entry_id>")
def scorecard(round_id: int, entry_id: int) -> str:
    """One entry's scorecard: steppers and sliders, the running total, autosave, submit."""
    round_, actor = _judge_round(round_id)
    entry = db.get_or_404(Entry, entry_id)
    if entry.event_id != round_.event_id:
        abort(404)
    if not judging_permissions.can_judge(actor, round_, entry):
        abort(403)
    card = scorecards.scorecard_of(actor, round_, entry)
    ids = [i.entry.id for i in scorecards.my_assignments(actor, round_.id)]
    index = ids.index(entry.id) if entry.id in ids else -1
    previous_id = ids[index - 1] if index > 0 else None
    next_id = ids[index + 1] if 0 <= index < len(ids) - 1 else None
    state = {
        "status": card.status.value if card else "todo",
        "version": card.version if card else 0,
        "scores": dict(card.scores or {}) if card else {},
        "comment": card.comment if card else "",
    }
    return render_template(
        "judging/scorecard.html", round=round_, event=round_.event, entry=entry,
        criteria=round_.criteria, state=state, state_json=json.dumps(state),
        is_open=round_.status == RoundStatus.open, position=index + 1, count=len(ids),
        previous_id=previous_id, next_id=next_id, hide_team=rounds.hides_team(round_),
    )


# Results ----------------------------------------------------------------------------------


@bp.app_context_processor
def _result_rounds() -> dict:
    def result_rounds(event: object) -> list[Round]:
        """The contest's rounds whose results the current user may see, in order."""
        if getattr(event, "kind", None) != "contest":
            return []
        rounds = db.session.scalars(
            sa.select(Round).where(Round.event_id == event.id).order_by(Round.position, Round.id)
        )
        return [r for r in rounds if judging_permissions.can_see_results(current_user, r)]

    return {"result_rounds": result_rounds}


@bp.route("/judging/rounds/<int:round_id>/results")
def results(round_id: int) -> str:
    """A round's results per track by one method (the round's own by default); organizers
    also see every method side by side, the per-criterion averages and the exports. Organizers
    at any time, everyone once published (project, unit and masked leader)."""
    from eventhub.judging import reports  # the table with units, leaders and averages

    round_ = db.get_or_404(Round, round_id)
    event = event_for(round_.event_id, permissions.can_view_event)
    if not judging_permissions.can_see_results(current_user, round_):
        abort(404 if not current_user.is_authenticated else 403)
    method = request.args.get("method") or round_.aggregation.value
    if method not in Aggregation.__members__:
        abort(404)
    organizer = permissions.can_manage_event(current_user, event)
    compared = {m.value: round_results(round_, m.value) for m in Aggregation}
    return render_template(
        "judging/results.html", round=round_, event=event, method=method,
        methods=[m.value for m in Aggregation], results=compared[method],
        table=reports.results_table(round_, compared[method]),
        compared=compared if organizer else None, organizer=organizer,
    )
