"""Contest judging API (blueprint ``api_judging``): rounds, their rubric, entries taking part
and status, and the assignments of judges to entries (API.md)."""

from __future__ import annotations

from eventhub.api.common import (
    NoBodySchema,
    PageArgsSchema,
    doc_errors,
    get_or_404,
    paginate_list,
    require_user,
    signed_in,
)
from eventhub.api.events import managed_event
from eventhub.api.judging import (
    AssignInSchema,
    AssignmentPageSchema,
    AssignResultSchema,
    CriterionInSchema,
    CriterionSchema,
    MyAssignmentArgsSchema,
    MyAssignmentListSchema,
    PublishSchema,
    ReopenSchema,
    RoundEntriesInSchema,
    RoundEntriesSchema,
    RoundInSchema,
    RoundListSchema,
    RoundSchema,
    blp,
    contest_event,
    judge_caller,
    load_round,
    managed_round,
    organizer_or_judge,
    user_or_judge_device,
)
from eventhub.judging import assignments, rounds, scorecards
from eventhub.judging.models import (
    Assignment,
)
from eventhub.judging.results import take_advanced_entries

# Rounds -----------------------------------------------------------------------------------


@blp.route("/events/<id:event_id>/rounds", methods=["GET"])
@blp.response(200, RoundListSchema)
@doc_errors(blp, 401, 403, 404)
@user_or_judge_device(blp)
def list_rounds(event_id: int) -> dict:
    """The contest's rounds in order, with their criteria (organizers and judges)."""
    event = contest_event(event_id)
    organizer_or_judge(event)
    return {"items": rounds.rounds_of(event)}


@blp.route("/events/<id:event_id>/rounds", methods=["POST"])
@blp.response(201, RoundSchema)
@doc_errors(blp, 400, 401, 403, 404, 409, 422)
@signed_in(blp)
@blp.arguments(RoundInSchema)
def create_round(data: dict, event_id: int) -> object:
    """Add a round (organizers): at most one of `advance_top_n`, `advance_top_percent`,
    `advance_threshold`."""
    event = managed_event(event_id)
    data["aggregation"] = data["aggregation"].value
    return rounds.create_round(require_user(), event, rounds.RoundInfo(**data))


@blp.route("/rounds/<id:round_id>", methods=["GET"])
@blp.response(200, RoundSchema)
@doc_errors(blp, 401, 403, 404)
@user_or_judge_device(blp)
def get_round(round_id: int) -> object:
    """A round with its criteria (organizers and judges)."""
    round_ = load_round(round_id)
    organizer_or_judge(round_.event)
    return round_


@blp.route("/rounds/<id:round_id>/criteria", methods=["POST"])
@blp.response(201, CriterionSchema)
@doc_errors(blp, 400, 401, 403, 404, 409, 422)
@signed_in(blp)
@blp.arguments(CriterionInSchema)
def add_criterion(data: dict, round_id: int) -> object:
    """Add a criterion to a draft round's rubric; weights may not exceed 100 in all."""
    round_ = managed_round(round_id)
    return rounds.add_criterion(
        require_user(), round_, data["name"], data["max_points"], data["weight"],
        data["description"],
    )


@blp.route("/rounds/<id:round_id>/entries", methods=["POST"])
@blp.response(200, RoundEntriesSchema)
@doc_errors(blp, 400, 401, 403, 404, 409, 422)
@signed_in(blp)
@blp.arguments(RoundEntriesInSchema)
def set_round_entries(data: dict, round_id: int) -> dict:
    """Choose the entries taking part (default: every entry of the contest), or with
    `from_round_id` those advanced from an earlier round."""
    round_ = managed_round(round_id)
    if "from_round_id" in data:
        taking_part = take_advanced_entries(require_user(), round_,
                                                  data["from_round_id"])
        return {"entry_ids": [e.id for e in taking_part]}
    taking_part = rounds.set_round_entries(require_user(), round_, data.get("entry_ids"))
    return {"entry_ids": [e.id for e in taking_part]}


@blp.route("/rounds/<id:round_id>/open", methods=["POST"])
@blp.response(200, RoundSchema)
@doc_errors(blp, 400, 401, 403, 404, 409, 422)
@signed_in(blp)
@blp.arguments(ReopenSchema)
def open_round(data: dict, round_id: int) -> object:
    """Open a draft round (weights must sum to 100: 422 `weights_not_100`), or reopen a
    closed one with a `reason` (audited)."""
    return rounds.open_round(require_user(), managed_round(round_id), data.get("reason"))


@blp.route("/rounds/<id:round_id>/close", methods=["POST"])
@blp.response(200, RoundSchema)
@doc_errors(blp, 400, 401, 403, 404, 409, 422)
@signed_in(blp)
@blp.arguments(NoBodySchema, required=False)
def close_round(_: dict, round_id: int) -> object:
    """End scoring in an open round."""
    return rounds.close_round(require_user(), managed_round(round_id))


@blp.route("/rounds/<id:round_id>/publish", methods=["POST"])
@blp.response(200, RoundSchema)
@doc_errors(blp, 400, 401, 403, 404, 409, 422)
@signed_in(blp)
@blp.arguments(PublishSchema, required=False)
def publish_round(data: dict, round_id: int) -> object:
    """Publish a closed round's results, optionally with the end of the notice period."""
    return rounds.publish_round(
        require_user(), managed_round(round_id), (data or {}).get("notice_ends_at")
    )


# Assignments ------------------------------------------------------------------------------


@blp.route("/rounds/<id:round_id>/assignments", methods=["POST"])
@blp.response(201, AssignResultSchema, description="A new assignment.")
@blp.alt_response(200, schema=AssignResultSchema, success=True,
                  description="The assignment existing already, or the outcome of `auto`.")
@doc_errors(blp, 400, 401, 403, 404, 409, 422)
@signed_in(blp)
@blp.arguments(AssignInSchema)
def assign(data: dict, round_id: int) -> tuple[object, int]:
    """Assign `{judge_id, entry_id}` (409 `conflict_of_interest` for a conflicted pair) or
    `{auto: {judges_per_entry: k}}` (balanced, never a conflicted pair)."""
    round_ = managed_round(round_id)
    user = require_user()
    if "auto" in data:
        result = assignments.auto_assign(user, round_, data["auto"]["judges_per_entry"])
        short = [{"entry_id": e, "missing": n} for e, n in sorted(result.short.items())]
        return {"created": len(result.created), "short": short}, 200
    assignment, created = assignments.assign(user, round_, data["judge_id"], data["entry_id"])
    return assignment, 201 if created else 200


@blp.route("/assignments/<id:assignment_id>", methods=["DELETE"])
@blp.response(204)
@doc_errors(blp, 401, 403, 404, 409)
@signed_in(blp)
def unassign(assignment_id: int) -> None:
    """Take a judge off an entry (organizers; audited); their scorecard stops counting."""
    assignment = get_or_404(Assignment, assignment_id)
    managed_round(assignment.round_id)
    assignments.unassign(require_user(), assignment)


@blp.route("/rounds/<id:round_id>/assignments", methods=["GET"])
@blp.response(200, AssignmentPageSchema)
@doc_errors(blp, 400, 401, 403, 404, 422)
@signed_in(blp)
@blp.arguments(PageArgsSchema, location="query")
def list_assignments(args: dict, round_id: int) -> dict:
    """Who scores what in the round, with each scorecard's status (organizers)."""
    round_ = managed_round(round_id)
    rows = assignments.assignment_rows(round_)
    return paginate_list(rows, args["page"], args["per_page"])


@blp.route("/me/assignments", methods=["GET"])
@blp.response(200, MyAssignmentListSchema)
@doc_errors(blp, 400, 401, 422)
@user_or_judge_device(blp)
@blp.arguments(MyAssignmentArgsSchema, location="query")
def my_assignments(args: dict) -> dict:
    """The judge's own entries to score (conflicted ones left out), with each scorecard's
    status; anonymous rounds hide the teams."""
    items = []
    for item in scorecards.my_assignments(judge_caller(None), args.get("round_id")):
        card = item.scorecard
        items.append({
            "round_id": item.round.id,
            "round": item.round.name,
            "judge_id": item.judge_id,
            "entry": rounds.entry_as_seen(item.entry, item.round),
            "status": item.status,
            "version": card.version if card else 0,
            "total": scorecards.scorecard_total(item.round.criteria, card.scores)
            if card else None,
            "complete": scorecards.scorecard_complete(item.round.criteria, card.scores)
            if card else False,
        })
    return {"items": items}
