"""Contest judging (see API.md): tracks, entries, judges, conflicts, rounds and their rubric,
assignments, the judge's scorecards and the results."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import marshmallow as ma
import sqlalchemy as sa
from flask_login import current_user
from flask_smorest import Blueprint

from eventhub import permissions
from eventhub.api.common import (
    ID_MAX,
    N_,
    TEXT_MAX,
    Bool,
    IdArg,
    IdField,
    Int,
    PageArgsSchema,
    Str,
    StrictSchema,
    Time,
    event_tz,
    guarded,
    list_of,
    load_or_404,
    make_blueprint,
    page_of,
    require_user,
)
from eventhub.database import db
from eventhub.errors import NotAllowed, NotAuthenticated, NotFound
from eventhub.events.models import Event
from eventhub.judging import judge_session
from eventhub.judging import permissions as judging_permissions
from eventhub.judging.models import (
    Aggregation,
    ConflictSource,
    Round,
    RoundStatus,
)

blp = make_blueprint("api_judging", "Contest judging: setup, assignments, scorecards, results.")


class Num(ma.fields.Float):
    """A JSON number (not a string, not a boolean, finite)."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.make_error("invalid")
        if not math.isfinite(value):
            raise self.make_error("special")
        return value


# Schemas ----------------------------------------------------------------------------------


class TrackInSchema(StrictSchema):
    name = Str(required=True)


class TrackSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    event_id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    position = ma.fields.Integer(required=True)


TrackListSchema = list_of(TrackSchema, "TrackList")


class EntryMemberSchema(StrictSchema):
    name = Str(required=True)
    role = Str(load_default="")


class EntryMemberOutSchema(ma.Schema):
    name = ma.fields.String(required=True)
    role = ma.fields.String()


class EntryInSchema(StrictSchema):
    title = Str(required=True)
    track_id = IdField(required=True)
    team_name = Str(load_default="")
    institution = Str(load_default="")
    summary = Str(max_length=TEXT_MAX, load_default="")
    members = ma.fields.List(ma.fields.Nested(EntryMemberSchema), load_default=list)
    leader_id = IdField(allow_none=True, load_default=None)


def _track_name(entry: Any) -> str:
    return entry["track"] if isinstance(entry, dict) else entry.track.name


class EntrySchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    event_id = ma.fields.Integer(required=True)
    track_id = ma.fields.Integer(required=True)
    track = ma.fields.Function(_track_name, metadata={"description": "The track's name."})
    title = ma.fields.String(required=True)
    team_name = ma.fields.String(
        allow_none=True, metadata={"description": "null for judges of an anonymous round."}
    )
    institution = ma.fields.String(
        allow_none=True, metadata={"description": "null for judges of an anonymous round."}
    )
    summary = ma.fields.String()
    members = ma.fields.List(ma.fields.Nested(EntryMemberOutSchema), allow_none=True)
    leader_id = ma.fields.Integer(allow_none=True)


EntryPageSchema = page_of(EntrySchema, "EntryPage")


class EntryListArgsSchema(PageArgsSchema):
    track_id = IdArg()


class JudgeInSchema(StrictSchema):
    email = Str(max_length=254, metadata={
        "description": "Required unless `mentor_id` is given (then omitted, or the mentor's)."})
    mentor_id = IdField(metadata={
        "description": "Instead of `email`: a mentor of the mentor pool of the contest's "
                       "organization (422 otherwise). Their email, and unless given their "
                       "name, affiliation (as `institution`) and expertise are used."})
    name = Str()
    institution = Str()
    expertise = ma.fields.List(Str(), metadata={"description": "Tags; matched to track names."})


class JudgeSchema(ma.Schema):
    """A judge as organizers see them: nothing of the invited account (its id, name or
    organization) before the judge accepts the invitation."""

    id = ma.fields.Integer(required=True)
    event_id = ma.fields.Integer(required=True)
    user_id = ma.fields.Function(
        lambda j: j.user_id if j.accepted else None, allow_none=True,
        metadata={"type": "integer", "description": "null until the judge accepts."},
    )
    name = ma.fields.Function(
        lambda j: j.user.name if j.accepted else None, allow_none=True,
        metadata={"type": "string", "description": "The judge's own name; null until the "
                                                   "judge accepts the invitation."},
    )
    email = ma.fields.Function(lambda j: j.user.email, metadata={"type": "string"})
    institution = ma.fields.String(
        metadata={"description": "As the organizers gave it; once the judge accepts, their "
                                 "own organization fills an empty one. Automatic conflicts "
                                 "follow it."},
    )
    expertise = ma.fields.List(ma.fields.String())
    status = ma.fields.Function(
        lambda j: "accepted" if j.accepted else "invited",
        metadata={"type": "string", "enum": ["invited", "accepted"],
                  "description": "accepted once the judge opened their sign-in link (or "
                                 "used the judging pages with their account)."},
    )
    invited_at = Time()
    accepted_at = Time(allow_none=True)


JudgeListSchema = list_of(JudgeSchema, "JudgeList")


class ConflictInSchema(StrictSchema):
    judge_id = IdField(required=True)
    entry_id = IdField(required=True)
    reason = Str(max_length=TEXT_MAX, load_default="")


class ConflictOfInterestSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    judge_id = ma.fields.Integer(required=True)
    entry_id = ma.fields.Integer(required=True)
    reason = ma.fields.String()
    source = ma.fields.Enum(ConflictSource, required=True)
    declared_by_id = ma.fields.Integer(allow_none=True)


class AutomaticConflictSchema(ma.Schema):
    """A conflict nobody declared (`judges.automatic_conflicts`)."""

    judge_id = ma.fields.Function(lambda c: c.judge.id, metadata={"type": "integer"})
    entry_id = ma.fields.Function(lambda c: c.entry.id, metadata={"type": "integer"})
    reasons = ma.fields.Function(
        lambda c: [reason for reason, holds in (("institution", c.shared_institution),
                                                ("coaching", c.coached_at is not None))
                   if holds],
        metadata={"type": "array", "items": {"type": "string", "enum": ["institution",
                                                                       "coaching"]},
                  "description": "institution: the judge and the entry are of the same "
                                 "institution; coaching: the judge, as a mentor, logged a "
                                 "coaching of the entry."},
    )
    coached_at = Time(allow_none=True, metadata={
        "description": "When the judge first coached the entry; null without coaching."})


class ConflictListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(ConflictOfInterestSchema), required=True,
                           metadata={"description": "The declared conflicts."})
    automatic = ma.fields.List(ma.fields.Nested(AutomaticConflictSchema), required=True)


class RoundInSchema(StrictSchema):
    name = Str(required=True)
    aggregation = ma.fields.Enum(Aggregation, load_default=Aggregation.mean)
    advance_top_n = Int(allow_none=True, validate=ma.validate.Range(min=1, max=100_000))
    advance_top_percent = Num(allow_none=True, metadata={"description": "0 < p ≤ 100."})
    advance_threshold = Num(allow_none=True, metadata={"description": "A score 0-100."})
    anonymous = Bool(load_default=False)
    opens_at = Time(allow_none=True)
    closes_at = Time(allow_none=True)


class CriterionInSchema(StrictSchema):
    name = Str(required=True)
    max_points = Num(required=True)
    weight = Num(required=True, metadata={"description": "The weights of a round sum to 100."})
    description = Str(max_length=TEXT_MAX, load_default="")


class CriterionSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    round_id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    description = ma.fields.String()
    max_points = ma.fields.Float(required=True)
    weight = ma.fields.Float(required=True)
    position = ma.fields.Integer()


class RoundSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    event_id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    position = ma.fields.Integer(required=True)
    aggregation = ma.fields.Enum(Aggregation, required=True)
    advance_top_n = ma.fields.Integer(allow_none=True)
    advance_top_percent = ma.fields.Float(allow_none=True)
    advance_threshold = ma.fields.Float(allow_none=True)
    anonymous = ma.fields.Boolean(required=True)
    opens_at = Time(allow_none=True, tz_of=event_tz)
    closes_at = Time(allow_none=True, tz_of=event_tz)
    status = ma.fields.Enum(RoundStatus, required=True)
    published_at = Time(allow_none=True, tz_of=event_tz)
    notice_ends_at = Time(allow_none=True, tz_of=event_tz)
    criteria = ma.fields.List(ma.fields.Nested(CriterionSchema), required=True)


RoundListSchema = list_of(RoundSchema, "RoundList")


class RoundEntriesInSchema(StrictSchema):
    entry_ids = ma.fields.List(
        IdField(), metadata={"description": "Omitted: every entry of the contest."}
    )
    from_round_id = IdField(
        metadata={"description": "Instead of `entry_ids`: the entries advanced from this "
                                 "earlier round (closed or published), by its own method and "
                                 "rule."}
    )

    @ma.validates_schema
    def _one_source(self, data: dict, **kwargs: Any) -> None:
        if "entry_ids" in data and "from_round_id" in data:
            raise ma.ValidationError(N_("Give either entry_ids or from_round_id."),
                                     "from_round_id")


class RoundEntriesSchema(ma.Schema):
    entry_ids = ma.fields.List(ma.fields.Integer(), required=True)


class ReopenSchema(StrictSchema):
    reason = Str(
        max_length=TEXT_MAX, metadata={"description": "Required to reopen a closed round."}
    )


class PublishSchema(StrictSchema):
    notice_ends_at = Time(allow_none=True, metadata={"description": "End of the notice (公示)."})


class AutoAssignInSchema(StrictSchema):
    judges_per_entry = Int(required=True, validate=ma.validate.Range(min=1, max=1000))


class AssignInSchema(StrictSchema):
    judge_id = IdField()
    entry_id = IdField()
    auto = ma.fields.Nested(AutoAssignInSchema)

    @ma.validates_schema
    def _one_form(self, data: dict, **kwargs: Any) -> None:
        manual = "judge_id" in data or "entry_id" in data
        if "auto" in data and manual:
            raise ma.ValidationError(N_("Give either judge_id and entry_id, or auto."), "auto")
        if "auto" not in data:
            missing = [f for f in ("judge_id", "entry_id") if f not in data]
            if missing:
                raise ma.ValidationError(
                    {f: [N_("Missing data for required field.")] for f in missing}
                )


class ShortEntrySchema(ma.Schema):
    entry_id = ma.fields.Integer(required=True)
    missing = ma.fields.Integer(required=True)


class AssignmentSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    round_id = ma.fields.Integer(required=True)
    judge_id = ma.fields.Integer(required=True)
    entry_id = ma.fields.Integer(required=True)


class AssignResultSchema(ma.Schema):
    """A manual assignment (its fields), or the outcome of `auto` (`created`, `short`)."""

    id = ma.fields.Integer()
    round_id = ma.fields.Integer()
    judge_id = ma.fields.Integer()
    entry_id = ma.fields.Integer()
    created = ma.fields.Integer(metadata={"description": "auto: assignments made."})
    short = ma.fields.List(
        ma.fields.Nested(ShortEntrySchema),
        metadata={"description": "auto: entries that lack judges without a conflict."},
    )


class AssignmentRowSchema(AssignmentSchema):
    judge_name = ma.fields.String(required=True)
    entry_title = ma.fields.String(required=True)
    status = ma.fields.String(
        required=True, metadata={"enum": ["todo", "draft", "submitted"]}
    )
    conflicted = ma.fields.Boolean(
        required=True, metadata={"description": "The scorecard does not count."}
    )


AssignmentPageSchema = page_of(AssignmentRowSchema, "AssignmentPage")


class MyAssignmentArgsSchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    round_id = IdArg()


class MyAssignmentSchema(ma.Schema):
    round_id = ma.fields.Integer(required=True)
    judge_id = ma.fields.Integer(
        required=True, metadata={"description": "The caller as a judge (to declare conflicts)."}
    )
    round = ma.fields.String(required=True)
    entry = ma.fields.Nested(EntrySchema, required=True)
    status = ma.fields.String(required=True, metadata={"enum": ["todo", "draft", "submitted"]})
    version = ma.fields.Integer(required=True, metadata={"description": "0: not saved yet."})
    total = ma.fields.Float(allow_none=True)
    complete = ma.fields.Boolean(
        required=True,
        metadata={"description": "Every criterion is scored; false: `total` is partial."},
    )


MyAssignmentListSchema = list_of(MyAssignmentSchema, "MyAssignmentList")


class ScorecardInSchema(StrictSchema):
    scores = ma.fields.Dict(
        keys=ma.fields.String(validate=ma.validate.Length(max=20)),
        values=Num(allow_none=True),
        required=True,
        metadata={"description": '{"<criterion_id>": number}'},
    )
    comment = Str(max_length=TEXT_MAX)
    submit = Bool(load_default=False, metadata={"description": "Submit and lock it."})
    version = Int(
        validate=ma.validate.Range(min=0, max=ID_MAX),
        metadata={"description": "Required once the scorecard exists: the last answer's."},
    )


class ScorecardSchema(ma.Schema):
    status = ma.fields.String(required=True, metadata={"enum": ["draft", "submitted"]})
    version = ma.fields.Integer(required=True)
    total = ma.fields.Float(required=True)
    complete = ma.fields.Boolean(
        required=True,
        metadata={"description": "Every criterion is scored; false: `total` is partial."},
    )


class ScorecardDetailSchema(ScorecardSchema):
    status = ma.fields.String(
        required=True, metadata={"enum": ["todo", "draft", "submitted"]}
    )
    entry_id = ma.fields.Integer(required=True)
    scores = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Float())
    comment = ma.fields.String()
    saved_at = ma.fields.String(allow_none=True)


class ResultsArgsSchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    method = ma.fields.Enum(
        Aggregation, metadata={"description": "Default: the round's own method."}
    )


class ResultCriterionAverageSchema(ma.Schema):
    criterion_id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    average = ma.fields.Float(
        allow_none=True, required=True,
        metadata={"description": "Mean raw points over the valid scorecards (4 decimals); "
                                 "null without any."},
    )


class ResultEntrySchema(ma.Schema):
    entry_id = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    score = ma.fields.Float(allow_none=True, required=True)
    rank = ma.fields.Integer(allow_none=True, required=True)
    n_scores = ma.fields.Integer(required=True)
    advances = ma.fields.Boolean(required=True)
    criteria = ma.fields.List(
        ma.fields.Nested(ResultCriterionAverageSchema),
        metadata={"description": "Per criterion of the rubric, in its order."},
    )


class ResultTrackSchema(ma.Schema):
    track_id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    entries = ma.fields.List(ma.fields.Nested(ResultEntrySchema), required=True)


class RoundResultsSchema(ma.Schema):
    method = ma.fields.String(required=True, metadata={"enum": [a.value for a in Aggregation]})
    tracks = ma.fields.List(ma.fields.Nested(ResultTrackSchema), required=True)


class StatisticsArgsSchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    max_spread = ma.fields.Float(
        validate=ma.validate.Range(min=0, max=100),
        metadata={"description": "Flag entries whose totals spread more than this."},
    )


class JudgeStatsSchema(ma.Schema):
    judge_id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    n = ma.fields.Integer(required=True)
    mean = ma.fields.Float(required=True)
    sd = ma.fields.Float(required=True)
    deviation = ma.fields.Float(
        allow_none=True, metadata={"description": "Mean of own total minus the panel's."}
    )


class EntryStatsSchema(ma.Schema):
    entry_id = ma.fields.Integer(required=True)
    n = ma.fields.Integer(required=True)
    spread = ma.fields.Float(allow_none=True)
    review = ma.fields.Boolean(required=True)


class OutlierSchema(ma.Schema):
    judge_id = ma.fields.Integer(required=True)
    entry_id = ma.fields.Integer(required=True)
    total = ma.fields.Float(required=True)
    z = ma.fields.Float(required=True)


class TrackAgreementSchema(ma.Schema):
    track_id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    kendall_w = ma.fields.Float(
        allow_none=True, metadata={"description": "null unless every judge scored every entry."}
    )


class MissingScorecardSchema(ma.Schema):
    judge_id = ma.fields.Integer(required=True)
    entry_id = ma.fields.Integer(required=True)
    status = ma.fields.String(required=True, metadata={"enum": ["todo", "draft"]})


class RoundStatisticsSchema(ma.Schema):
    judges = ma.fields.List(ma.fields.Nested(JudgeStatsSchema), required=True)
    entries = ma.fields.List(ma.fields.Nested(EntryStatsSchema), required=True)
    outliers = ma.fields.List(ma.fields.Nested(OutlierSchema), required=True)
    tracks = ma.fields.List(ma.fields.Nested(TrackAgreementSchema), required=True)
    missing = ma.fields.List(ma.fields.Nested(MissingScorecardSchema), required=True)


# Loading and permissions ------------------------------------------------------------------


def judge_caller(event_id: int | None) -> Any:
    """Whom a judging call about the contest ``event_id`` acts for: this browser's judge
    device of that contest (a judge's link, `judge_session`), else the signed-in account or
    Bearer token. Raises NotAuthenticated."""
    actor = judge_session.actor_for(event_id)
    if not actor.is_authenticated:
        raise NotAuthenticated()
    return actor


def _require_user_or_judge_device() -> None:
    if judge_session.device() is None:
        require_user()


def user_or_judge_device(blp: Blueprint, sole_bearer: bool = False) -> Callable:
    """Endpoint needs a user (Bearer token or session) or a judge device's session: the
    judging calls a judge's tablet makes, about the device's contest only. Documents the
    ``bearerAuth`` security requirement like ``signed_in`` (see common.guarded, also for
    ``sole_bearer``: the endpoint reads a sole Bearer token's user itself)."""
    return guarded(blp, _require_user_or_judge_device, sole_bearer)


def contest_event(event_id: int) -> Event:
    """The event, or 404 unless the caller may see it: a published event, or a draft to its
    organization and to its judges (who are usually not members)."""
    return load_or_404(Event, event_id, visible=lambda event: (
        permissions.can_view_event(current_user, event)
        or judging_permissions.is_judge_of(judge_session.actor_for(event_id), event)
    ))


def judging_event(event_id: int) -> Event:
    """The contest, to those who see its judging side (`can_see_judging`: organizers and
    judges): 404 for anyone else, the answer of an unknown id."""
    event = contest_event(event_id)
    if not judging_permissions.can_see_judging(judge_session.actor_for(event_id), event):
        raise NotFound()
    return event


def managed_judging(event_id: int) -> Event:
    """The contest's judging side, to its organizers: 404 for those who may not see it
    (`judging_event`), 403 for its judges."""
    event = judging_event(event_id)
    if not permissions.can_manage_event(require_user(), event):
        raise NotAllowed()
    return event


def load_round(round_id: int) -> Round:
    """The round with its event and rubric (one statement), or 404 unless the caller may see
    its contest and the round (`can_see_round`: organizers and judges, everyone once
    published), the answer of an unknown id."""
    round_ = (
        db.session.execute(
            sa.select(Round)
            .where(Round.id == round_id)
            .options(sa.orm.joinedload(Round.event), sa.orm.joinedload(Round.criteria))
        )
        .unique()
        .scalar_one_or_none()
    )
    if round_ is None:
        raise NotFound()
    contest_event(round_.event_id)
    if not judging_permissions.can_see_round(judge_session.actor_for(round_.event_id), round_):
        raise NotFound()
    return round_


def managed_round(round_id: int) -> Round:
    round_ = load_round(round_id)
    if not permissions.can_manage_event(require_user(), round_.event):
        raise NotAllowed()
    return round_


def organizer_or_judge(event: Event) -> None:
    """Refuse unless the caller organizes the contest or judges in it. Raises NotAllowed."""
    if not judging_permissions.can_see_judging(judge_caller(event.id), event):
        raise NotAllowed()


# The routes, by subdomain, in the order the OpenAPI document lists them: importing a module
# attaches its routes to ``blp``.
# isort: off
import eventhub.api.judges  # noqa: E402, F401
import eventhub.api.rounds  # noqa: E402, F401
import eventhub.api.scorecards  # noqa: E402, F401
import eventhub.api.contest_setup  # noqa: E402, F401
# isort: on
