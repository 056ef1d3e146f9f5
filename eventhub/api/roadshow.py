"""JSON API of the live roadshow: the stage of a round (entry on stage, pitch and Q&A clocks)
and the state the big screen and the judges' tablets poll."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Response, request
from flask_login import current_user

from eventhub import permissions
from eventhub.api.common import (
    IdField,
    Int,
    NoBodySchema,
    StrictSchema,
    doc_errors,
    make_blueprint,
    require_user,
    signed_in,
)
from eventhub.api.judging import judge_caller, load_round, managed_round, user_or_judge_device
from eventhub.errors import NotAllowed
from eventhub.judging import permissions as judging_permissions
from eventhub.judging import roadshow

blp = make_blueprint("api_roadshow", "Live roadshow: the stage, its clocks and live scores.")


# Schemas ----------------------------------------------------------------------------------


class StageActionInSchema(StrictSchema):
    action = ma.fields.String(
        required=True, validate=ma.validate.OneOf(roadshow.ACTIONS),
        metadata={"description": "show (needs entry_id), next, start (the pitch), pause, "
                                 "resume, qa, finish (judges finish scoring), reset (the "
                                 "clock), clear (empty stage)."},
    )
    entry_id = IdField(metadata={"description": "The entry to show (action show)."})
    pitch_seconds = Int(metadata={"description": "New pitch time, 10 to 10800 seconds."})
    qa_seconds = Int(metadata={"description": "New Q&A time, 10 to 10800 seconds."})
    version = Int(metadata={"description": "The stage version this action was decided on; "
                                           "another one is 409 `stale_version`."})


class StageOrderInSchema(StrictSchema):
    entry_ids = ma.fields.List(IdField(), required=True,
                               metadata={"description": "Every entry taking part, once, in "
                                                        "order of appearance."})


class StageOrderSchema(ma.Schema):
    entry_ids = ma.fields.List(ma.fields.Integer(), required=True)


class StageClockSchema(ma.Schema):
    phase = ma.fields.String(allow_none=True, metadata={"description": "pitch, qa or null."})
    running = ma.fields.Boolean(required=True)
    duration_ms = ma.fields.Integer(required=True)
    elapsed_ms = ma.fields.Integer(required=True)
    remaining_ms = ma.fields.Integer(
        required=True, metadata={"description": "As of `now`; negative in overtime."}
    )


class StageEntrySchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    track_id = ma.fields.Integer(required=True)
    track = ma.fields.String(required=True)
    team_name = ma.fields.String(allow_none=True,
                                 metadata={"description": "null in an anonymous round."})
    institution = ma.fields.String(allow_none=True)
    position = ma.fields.Integer(allow_none=True,
                                 metadata={"description": "Place in the order of appearance."})


class StageJudgeSchema(ma.Schema):
    number = ma.fields.Integer(required=True,
                               metadata={"description": "评委 N: judges of the round by id."})
    judge_id = ma.fields.Integer(allow_none=True, metadata={"description": "Organizers only."})
    name = ma.fields.String(allow_none=True, metadata={"description": "Organizers only."})
    submitted = ma.fields.Boolean(required=True)


class StageTotalSchema(ma.Schema):
    number = ma.fields.Integer(required=True)
    total = ma.fields.Float(required=True, metadata={"description": "4 decimals."})
    struck = ma.fields.String(allow_none=True,
                              metadata={"description": "highest, lowest (trimmed mean, n >= 5) "
                                                       "or null."})


class LeaderboardLineSchema(ma.Schema):
    entry_id = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    score = ma.fields.Float(required=True)
    rank = ma.fields.Integer(required=True)
    on_stage = ma.fields.Boolean(required=True)


class LeaderboardTrackSchema(ma.Schema):
    track_id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    entries = ma.fields.List(ma.fields.Nested(LeaderboardLineSchema), required=True)


class StageSchema(ma.Schema):
    round_id = ma.fields.Integer(required=True)
    round_name = ma.fields.String(required=True)
    event_title = ma.fields.String(required=True)
    method = ma.fields.String(required=True)
    round_status = ma.fields.String(required=True)
    version = ma.fields.Integer(required=True, metadata={"description": "The stage's version."})
    phase = ma.fields.String(required=True,
                             metadata={"description": "idle, ready, pitch, qa or scoring."})
    pitch_seconds = ma.fields.Integer(required=True)
    qa_seconds = ma.fields.Integer(required=True)
    now = ma.fields.AwareDateTime(required=True, metadata={"description": "The server's time "
                                                                          "of `clock`."})
    clock = ma.fields.Nested(StageClockSchema, required=True)
    entry = ma.fields.Nested(StageEntrySchema, allow_none=True)
    count = ma.fields.Integer(required=True)
    judges = ma.fields.List(ma.fields.Nested(StageJudgeSchema), required=True)
    complete = ma.fields.Boolean(required=True,
                                 metadata={"description": "Every judge of the entry submitted."})
    totals = ma.fields.List(ma.fields.Nested(StageTotalSchema), allow_none=True,
                            metadata={"description": "null until every judge submitted, "
                                                     "and for those who may not see the "
                                                     "round's results yet."})
    score = ma.fields.Float(allow_none=True,
                            metadata={"description": "By the round's method, 4 decimals, "
                                                     "once complete; null for those who may "
                                                     "not see the round's results yet."})
    assigned_to_you = ma.fields.Boolean(
        metadata={"description": "The caller scores the entry on stage (judges)."}
    )
    order = ma.fields.List(ma.fields.Nested(StageEntrySchema), allow_none=True,
                           metadata={"description": "The order of appearance (organizers)."})
    leaderboard = ma.fields.List(
        ma.fields.Nested(LeaderboardTrackSchema), required=True,
        metadata={"description": "Empty for those who may not see the round's results yet "
                                 "(judges of an unpublished round)."},
    )


class StageArgsSchema(ma.Schema):
    brief = ma.fields.Boolean(
        load_default=False,
        metadata={"description": "Only the stage (entry on stage, phase, clock, "
                                 "`assigned_to_you`): judges, totals, score and leaderboard "
                                 "stay empty. What judges' tablets poll."},
    )


# Endpoints --------------------------------------------------------------------------------


def _not_modified(etag: str) -> Response | None:
    if request.if_none_match.contains(etag):
        response = Response(status=304)
        response.set_etag(etag)
        response.headers["Cache-Control"] = "private, no-cache"
        return response
    return None


@blp.route("/rounds/<id:round_id>/stage", methods=["GET"])
@blp.response(200, StageSchema)
@blp.alt_response(304, description="Unchanged since the ETag sent in If-None-Match.")
@doc_errors(blp, 400, 401, 403, 404, 422)
@user_or_judge_device(blp)
@blp.arguments(StageArgsSchema, location="query")
def get_stage(args: dict, round_id: int) -> Any:
    """The live stage (organizers and the round's judges, also on a judge device): the
    entry on stage, its clock as of the server's `now`, the judges' submitted ticks, and
    once all have submitted their totals and the score; the running leaderboard. Ticks,
    totals, score and leaderboard only to those who may see the round's results (as
    `GET /rounds/{id}/results`: organizers, everyone once published): judges of an
    unpublished round get the stage alone, as with `brief`. Send the ETag back in
    If-None-Match: 304 while nothing changed (poll about every second)."""
    round_ = load_round(round_id)
    organizer = permissions.can_manage_event(current_user, round_.event)
    user = current_user if organizer else judge_caller(round_.event_id)
    if not organizer and not judging_permissions.is_judge_of(user, round_.event):
        raise NotAllowed()
    # Scores and the leaderboard are results: only to those who may see the results
    # (GET /rounds/{id}/results asks the same predicate); others get the stage alone.
    brief = args["brief"] or not judging_permissions.can_see_results(user, round_)
    viewer = "organizer" if organizer else f"judge{user.id}"
    etag = f"{roadshow.live_version(round_.id)}.{viewer}{'.brief' if brief else ''}"
    unchanged = _not_modified(etag)
    if unchanged is not None:
        return unchanged
    board = roadshow.board(round_, organizer=organizer, brief=brief)
    stage = roadshow.stage_of(round_)
    if not organizer:
        board["assigned_to_you"] = bool(
            stage and stage.entry and judging_permissions.can_judge(user, round_, stage.entry)
        )
    return board, 200, {"ETag": f'"{etag}"', "Cache-Control": "private, no-cache"}


@blp.route("/rounds/<id:round_id>/stage", methods=["POST"])
@blp.response(200, StageSchema)
@doc_errors(blp, 400, 401, 403, 404, 409, 422)
@signed_in(blp)
@blp.arguments(StageActionInSchema)
def stage_action(data: dict, round_id: int) -> dict:
    """An organizer's action on the stage (see `action`); new `pitch_seconds`/`qa_seconds`
    may come with any action. 409 `round_closed` unless the round is open (`clear` works
    after it closed), `stage_state` for an action out of turn, `no_next_entry`,
    `stale_version`; 422 an entry not taking part, durations out of range."""
    round_ = managed_round(round_id)
    roadshow.act(require_user(), round_, data["action"], data.get("entry_id"),
                 data.get("pitch_seconds"), data.get("qa_seconds"), data.get("version"))
    return roadshow.board(round_, organizer=True)


@blp.route("/rounds/<id:round_id>/stage/order", methods=["PUT"])
@blp.response(200, StageOrderSchema)
@doc_errors(blp, 400, 401, 403, 404, 409, 422)
@signed_in(blp)
@blp.arguments(StageOrderInSchema)
def set_order(data: dict, round_id: int) -> dict:
    """Set the order of appearance (出场顺序): every entry taking part, once. 409
    `round_closed` once the round is closed."""
    entries = roadshow.set_order(require_user(), managed_round(round_id), data["entry_ids"])
    return {"entry_ids": [e.id for e in entries]}


@blp.route("/rounds/<id:round_id>/stage/order/draw", methods=["POST"])
@blp.response(200, StageOrderSchema)
@doc_errors(blp, 400, 401, 403, 404, 409, 422)
@signed_in(blp)
@blp.arguments(NoBodySchema, required=False)
def draw_order(_: dict, round_id: int) -> dict:
    """Draw the order of appearance by lot (a cryptographic random shuffle; audited)."""
    entries = roadshow.draw_order(require_user(), managed_round(round_id))
    return {"entry_ids": [e.id for e in entries]}

