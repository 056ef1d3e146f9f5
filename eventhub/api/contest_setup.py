"""Contest judging API (blueprint ``api_judging``): changes after the first draft, a round's
settings, its rubric lines, a judge, a withdrawn conflict (API.md). Its routes come last in
the OpenAPI document, as they did before the judging API was split."""

from __future__ import annotations

import marshmallow as ma

from eventhub.api.common import (
    TEXT_MAX,
    Bool,
    Int,
    Str,
    StrictSchema,
    Time,
    doc_errors,
    get_or_404,
    require_user,
    signed_in,
)
from eventhub.api.judging import (
    CriterionSchema,
    JudgeSchema,
    Num,
    RoundSchema,
    blp,
    managed_judging,
    managed_round,
)
from eventhub.judging import judges, rounds
from eventhub.judging.models import (
    Aggregation,
    ConflictOfInterest,
    Criterion,
    Judge,
)

# Setup after the first draft: round settings, rubric lines, judges, conflicts ---------------


class RoundPatchSchema(StrictSchema):
    name = Str()
    aggregation = ma.fields.Enum(Aggregation)
    advance_top_n = Int(allow_none=True, validate=ma.validate.Range(min=1, max=100_000))
    advance_top_percent = Num(allow_none=True, metadata={"description": "0 < p ≤ 100."})
    advance_threshold = Num(allow_none=True, metadata={"description": "A score 0-100."})
    anonymous = Bool()
    opens_at = Time(allow_none=True)
    closes_at = Time(allow_none=True)


class CriterionPatchSchema(StrictSchema):
    name = Str()
    max_points = Num()
    weight = Num(metadata={"description": "The weights of a round may not exceed 100."})
    description = Str(max_length=TEXT_MAX)


class JudgePatchSchema(StrictSchema):
    institution = Str()
    expertise = ma.fields.List(Str(), metadata={"description": "Tags; matched to track names."})


@blp.route("/rounds/<id:round_id>", methods=["PATCH"])
@blp.response(200, RoundSchema)
@doc_errors(blp, 400, 401, 403, 404, 409, 422)
@signed_in(blp)
@blp.arguments(RoundPatchSchema)
def update_round(data: dict, round_id: int) -> object:
    """Change a round's settings (what is left out stays). The name at any time; the method,
    advancement rule and `anonymous` only while it is a draft (409 `round_not_draft`); the
    window while draft or open (409 `round_closed`). Naming any advancement rule replaces
    the rule (the others become null)."""
    round_ = managed_round(round_id)
    return rounds.update_round(require_user(), round_, rounds.round_info(round_, **data))


def _managed_criterion(criterion_id: int) -> Criterion:
    criterion = get_or_404(Criterion, criterion_id)
    managed_round(criterion.round_id)
    return criterion


@blp.route("/criteria/<id:criterion_id>", methods=["PATCH"])
@blp.response(200, CriterionSchema)
@doc_errors(blp, 400, 401, 403, 404, 409, 422)
@signed_in(blp)
@blp.arguments(CriterionPatchSchema)
def update_criterion(data: dict, criterion_id: int) -> object:
    """Change a line of a draft round's rubric (409 `round_not_draft` once open); the
    weights may not exceed 100 in all."""
    return rounds.update_criterion(require_user(), _managed_criterion(criterion_id), **data)


@blp.route("/criteria/<id:criterion_id>", methods=["DELETE"])
@blp.response(204)
@doc_errors(blp, 401, 403, 404, 409)
@signed_in(blp)
def delete_criterion(criterion_id: int) -> None:
    """Take a line out of a draft round's rubric (409 `round_not_draft` once open)."""
    rounds.delete_criterion(require_user(), _managed_criterion(criterion_id))


def _managed_judge(judge_id: int) -> Judge:
    judge = get_or_404(Judge, judge_id)
    managed_judging(judge.event_id)
    return judge


@blp.route("/judges/<id:judge_id>", methods=["PATCH"])
@blp.response(200, JudgeSchema)
@doc_errors(blp, 400, 401, 403, 404, 422)
@signed_in(blp)
@blp.arguments(JudgePatchSchema)
def update_judge(data: dict, judge_id: int) -> object:
    """Change a judge's institution (automatic conflicts follow it) and expertise tags."""
    return judges.update_judge(require_user(), _managed_judge(judge_id), **data)


@blp.route("/judges/<id:judge_id>", methods=["DELETE"])
@blp.response(204)
@doc_errors(blp, 401, 403, 404, 409)
@signed_in(blp)
def remove_judge(judge_id: int) -> None:
    """Take a judge off the contest with their assignments, drafts and declared conflicts;
    409 `judge_has_scores` once they have submitted a scorecard."""
    judges.remove_judge(require_user(), _managed_judge(judge_id))


@blp.route("/conflicts/<id:conflict_id>", methods=["DELETE"])
@blp.response(204)
@doc_errors(blp, 401, 403, 404)
@signed_in(blp)
def withdraw_conflict(conflict_id: int) -> None:
    """Withdraw a declared conflict of interest (organizers; audited)."""
    conflict = get_or_404(ConflictOfInterest, conflict_id)
    _managed_judge(conflict.judge_id)
    judges.withdraw_conflict(require_user(), conflict)
