"""Contest judging API (blueprint ``api_judging``): the entries a judge scores, scorecards
(the hot path of the judges' tablets), a round's results and statistics (API.md)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Response
from flask_login import current_user

from eventhub import permissions
from eventhub.accounts.auth import note_token_caller, sole_bearer_token
from eventhub.api.common import (
    as_built,
    doc_errors,
    get_or_404,
    optional_auth,
    require_user,
    signed_in,
)
from eventhub.api.judging import (
    EntrySchema,
    ResultsArgsSchema,
    RoundResultsSchema,
    RoundStatisticsSchema,
    ScorecardDetailSchema,
    ScorecardInSchema,
    ScorecardSchema,
    StatisticsArgsSchema,
    blp,
    judge_caller,
    load_round,
    managed_round,
    user_or_judge_device,
)
from eventhub.errors import NotAllowed, NotFound
from eventhub.judging import judge_session, rounds, scorecards
from eventhub.judging import permissions as judging_permissions
from eventhub.judging.models import (
    Aggregation,
    Entry,
    Round,
)
from eventhub.judging.results import round_results, round_statistics


def _entry_of_round(round_: Round, entry_id: int) -> Entry:
    entry = get_or_404(Entry, entry_id)
    if entry.event_id != round_.event_id:
        raise NotFound()
    return entry


# Scorecards -------------------------------------------------------------------------------


@blp.route("/rounds/<id:round_id>/entries/<id:entry_id>", methods=["GET"])
@blp.response(200, EntrySchema)
@doc_errors(blp, 401, 403, 404)
@user_or_judge_device(blp)
def round_entry(round_id: int, entry_id: int) -> dict:
    """An entry of the round: to its organizers, and to judges assigned to it without a
    conflict (anonymous rounds hide the team from judges)."""
    round_ = load_round(round_id)
    entry = _entry_of_round(round_, entry_id)
    user = judge_caller(round_.event_id)
    if permissions.can_manage_event(user, round_.event):
        return rounds.entry_as_seen(entry, round_, organizer=True)
    if not judging_permissions.can_judge(user, round_, entry):
        raise NotAllowed()
    return rounds.entry_as_seen(entry, round_)


def _scoring_target(round_id: int, entry_id: int) -> tuple[Any, Round, Entry, Any]:
    """The caller, the round with its rubric, the entry and the caller's standing, or 404
    (one statement: the scorecard path is hot). The caller is this browser's judge device,
    else the account (`judge_caller`); a device of another contest leaves the round to the
    account signed in, if any. A request whose only credential is a Bearer token (a
    tablet's app) has the token's user read in that same statement. Whether the caller may
    see the contest is left to `_hidden_as_404`."""
    token = sole_bearer_token()
    if token is not None:
        actor, round_, entry, standing = scorecards.token_scoring_target(
            token, round_id, entry_id
        )
        note_token_caller(actor)
    else:
        device = judge_session.device()
        actor = device if device is not None else require_user()
        round_, entry, standing = scorecards.scoring_target(actor, round_id, entry_id)
        if round_ is not None and device is not None and round_.event_id != device.event_id:
            actor = judge_session.actor_for(round_.event_id)
            standing = None
            if actor.is_authenticated:
                round_, entry, standing = scorecards.scoring_target(actor, round_id, entry_id)
    if round_ is None or entry is None:
        raise NotFound()
    return actor, round_, entry, standing


@contextmanager
def _hidden_as_404(round_: Round) -> Iterator[None]:
    """A judge scoring the entry may see its round (`load_round`), so that is asked only
    when the service refuses the caller: 404 rather than 403 if they may not see it."""
    try:
        yield
    except NotAllowed:
        load_round(round_.id)
        raise


@blp.route("/rounds/<id:round_id>/scorecards/<id:entry_id>", methods=["GET"])
@blp.response(200, ScorecardDetailSchema)
@doc_errors(blp, 401, 403, 404)
@user_or_judge_device(blp, sole_bearer=True)
def get_scorecard(round_id: int, entry_id: int) -> dict:
    """The judge's own scorecard of the entry (`status: todo`, `version: 0` before the first
    save); 403 unless assigned without a conflict."""
    actor, round_, entry, standing = _scoring_target(round_id, entry_id)
    with _hidden_as_404(round_):
        card = scorecards.scorecard_of(actor, round_, entry, standing)
    if card is None:
        return {"entry_id": entry.id, "status": "todo", "version": 0, "total": 0.0,
                "complete": False, "scores": {}, "comment": "", "saved_at": None}
    return scorecards.scorecard_body(card, round_.criteria)


@blp.route("/rounds/<id:round_id>/scorecards/<id:entry_id>", methods=["PUT"])
@blp.response(200, ScorecardSchema)
@doc_errors(blp, 400, 401, 403, 404, 409, 422)
@user_or_judge_device(blp, sole_bearer=True)
@blp.arguments(ScorecardInSchema)
def save_scorecard(data: dict, round_id: int, entry_id: int) -> dict:
    """Save a draft or submit (the assigned judge). First failing check answers: 403 not
    assigned or conflicted; 409 `round_closed`; 409 `already_submitted`; 409 `stale_version`
    (the error carries the current `scorecard`); 422 a score outside 0..max_points, or a
    criterion missing on submit."""
    actor, round_, entry, standing = _scoring_target(round_id, entry_id)
    with _hidden_as_404(round_):
        card = scorecards.save_scorecard(
            actor, round_, entry, data["scores"], data.get("comment"), data["submit"],
            data.get("version"), standing=standing,
        )
    return {
        "status": card.status.value,
        "version": card.version,
        "total": scorecards.scorecard_total(round_.criteria, card.scores),
        "complete": scorecards.scorecard_complete(round_.criteria, card.scores),
    }


# Results ----------------------------------------------------------------------------------


@blp.route("/rounds/<id:round_id>/results", methods=["GET"])
@blp.response(200, RoundResultsSchema)
@doc_errors(blp, 400, 401, 403, 404, 422)
@optional_auth(blp)
@blp.arguments(ResultsArgsSchema, location="query")
def results(args: dict, round_id: int) -> Response:
    """Per track: score by `method` (docs/JUDGING.md §3; default the round's), competition rank
    (1, 2, 2, 4), number of valid scorecards and who advances. Organizers at any time;
    everyone once the round is published."""
    round_ = load_round(round_id)
    if not judging_permissions.can_see_results(current_user, round_):
        if not current_user.is_authenticated:
            require_user()
        raise NotAllowed()
    method = args.get("method") or round_.aggregation
    return as_built(round_results(round_, Aggregation(method).value))



@blp.route("/rounds/<id:round_id>/statistics", methods=["GET"])
@blp.response(200, RoundStatisticsSchema)
@doc_errors(blp, 400, 401, 403, 404, 422)
@signed_in(blp)
@blp.arguments(StatisticsArgsSchema, location="query")
def statistics(args: dict, round_id: int) -> dict:
    """Judge statistics for organizers (docs/JUDGING.md §5): each judge's n, mean, SD and mean
    deviation from the panel; scorecards with |z| > 2 against the entry's other totals; each
    entry's spread; Kendall's W per track; assigned scorecards not submitted yet."""
    return round_statistics(managed_round(round_id), args.get("max_spread"))
