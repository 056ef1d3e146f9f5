"""Judges' pages: the sign-in link of the invitation mail, the queue of a round and the
scorecard of one entry (tablet first)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from eventhub import permissions
from eventhub.accounts.auth import sign_in as sign_in_account
from eventhub.database import db
from eventhub.errors import DomainError
from eventhub.events.models import Event
from eventhub.judging import services
from eventhub.judging.models import Aggregation, Entry, Round, RoundStatus
from eventhub.webforms import event_for

bp = Blueprint("judging", __name__)


@bp.route("/judging/sign-in/<token>")
def sign_in(token: str) -> Response | tuple[str, int]:
    try:
        judge = services.judge_from_token(token)
    except DomainError as error:
        return render_template("judging/link_invalid.html", message=error.message), 400
    sign_in_account(judge.user)
    flash(_("Welcome, %(name)s. You are signed in as a judge.", name=judge.user.name), "success")
    return redirect(url_for("judging.home", event_id=judge.event_id))


# The judge's pages: the queue of a round and the scorecard of one entry ------------------


def round_for(round_id: int, may: Callable[[Any, Event], bool]) -> Round:
    """The round, to those for whom ``may(user, event)`` holds of its contest (as `event_for`:
    404 to those who cannot see the event, 403 to those who see it but may not). Judges' pages
    ask `permissions.is_judge_of`, organizers' pages `permissions.can_manage_event`."""
    round_ = db.get_or_404(Round, round_id)
    event_for(round_.event_id, may)
    return round_


def _queue(round_: Round) -> list[services.QueueItem]:
    return services.my_assignments(current_user, round_.id)


@bp.route("/judging/events/<int:event_id>")
@login_required
def home(event_id: int) -> Response | str:
    """Where a judge lands: the queue of the open round they score in (the list of their
    rounds when there are several)."""
    event = event_for(event_id, permissions.is_judge_of)
    rounds: dict[int, Round] = {}
    for item in services.my_assignments(current_user):
        if item.round.event_id == event.id:
            rounds.setdefault(item.round.id, item.round)
    open_rounds = [r for r in rounds.values() if r.status == RoundStatus.open]
    if len(open_rounds) == 1:
        return redirect(url_for("judging.queue", round_id=open_rounds[0].id))
    return render_template("judging/rounds.html", event=event, rounds=list(rounds.values()))


@bp.route("/judging/rounds/<int:round_id>")
@login_required
def queue(round_id: int) -> str:
    """The judge's entries in the round: to do, draft, submitted, with the progress."""
    round_ = round_for(round_id, permissions.is_judge_of)
    items = _queue(round_)
    groups = {status: [i for i in items if i.status == status]
              for status in ("todo", "draft", "submitted")}
    totals = {
        i.entry.id: services.scorecard_total(round_.criteria, i.scorecard.scores or {})
        for i in items if i.scorecard is not None
    }
    return render_template(
        "judging/queue.html", round=round_, event=round_.event, groups=groups,
        total=len(items), submitted=len(groups["submitted"]), totals=totals,
    )


@bp.route("/judging/rounds/<int:round_id>/entries/<int:entry_id>")
@login_required
def scorecard(round_id: int, entry_id: int) -> str:
    """One entry's scorecard: steppers and sliders, the running total, autosave, submit."""
    round_ = round_for(round_id, permissions.is_judge_of)
    entry = db.get_or_404(Entry, entry_id)
    if entry.event_id != round_.event_id:
        abort(404)
    if not permissions.can_judge(current_user, round_, entry):
        abort(403)
    card = services.scorecard_of(current_user, round_, entry)
    ids = [i.entry.id for i in _queue(round_)]
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
        previous_id=previous_id, next_id=next_id,
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
        return [r for r in rounds if permissions.can_see_results(current_user, r)]

    return {"result_rounds": result_rounds}


@bp.route("/judging/rounds/<int:round_id>/results")
def results(round_id: int) -> str:
    """A round's results per track by one method (the round's own by default); organizers
    also see every method side by side, the per-criterion averages and the exports. Organizers
    at any time, everyone once published (project, unit and masked leader)."""
    from eventhub.judging import reports  # the table with units, leaders and averages

    round_ = db.get_or_404(Round, round_id)
    event = event_for(round_.event_id, permissions.can_view_event)
    if not permissions.can_see_results(current_user, round_):
        abort(404 if not current_user.is_authenticated else 403)
    method = request.args.get("method") or round_.aggregation.value
    if method not in Aggregation.__members__:
        abort(404)
    organizer = permissions.can_manage_event(current_user, event)
    compared = {m.value: services.round_results(round_, m.value) for m in Aggregation}
    return render_template(
        "judging/results.html", round=round_, event=event, method=method,
        methods=[m.value for m in Aggregation], results=compared[method],
        table=reports.results_table(round_, compared[method]), labels=reports.METHOD_WORDS,
        compared=compared if organizer else None, organizer=organizer,
    )
