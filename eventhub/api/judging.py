"""Contest judging (see API.md): tracks, entries, judges, conflicts, rounds and their rubric,
assignments, the judge's scorecards and the results."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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
    NoBodySchema,
    PageArgsSchema,
    Str,
    StrictSchema,
    Time,
    doc_errors,
    get_or_404,
    guarded,
    list_of,
    make_blueprint,
    optional_auth,
    page_of,
    paginate_list,
    require_user,
    signed_in,
)
from eventhub.api.events import managed_event
from eventhub.database import db
from eventhub.errors import NotAllowed, NotAuthenticated, NotFound
from eventhub.events.models import Event
from eventhub.judging import assignments, entries, judge_session, judges, rounds, scorecards
from eventhub.judging.models import (
    Aggregation,
    Assignment,
    ConflictOfInterest,
    ConflictSource,
    Criterion,
    Entry,
    Judge,
    Round,
    RoundStatus,
)
from eventhub.judging.results import round_results, round_statistics, take_advanced_entries

blp = make_blueprint("api_judging", "Contest judging: setup, assignments, scorecards, results.")


class Num(ma.fields.Float):
    """A JSON number (not a string, not a boolean, finite)."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.make_error("invalid")
        if not math.isfinite(value):
            raise self.make_error("special")
        return value


def _event_tz(obj: Any) -> str:
    return obj.event.timezone


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
    email = Str(required=True, max_length=254)
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


ConflictListSchema = list_of(ConflictOfInterestSchema, "ConflictOfInterestList")


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
    opens_at = Time(allow_none=True, tz_of=_event_tz)
    closes_at = Time(allow_none=True, tz_of=_event_tz)
    status = ma.fields.Enum(RoundStatus, required=True)
    published_at = Time(allow_none=True, tz_of=_event_tz)
    notice_ends_at = Time(allow_none=True, tz_of=_event_tz)
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


def user_or_judge_device(blp: Blueprint) -> Callable:
    """Endpoint needs a user (Bearer token or session) or a judge device's session: the
    judging calls a judge's tablet makes, about the device's contest only. Documents the
    ``bearerAuth`` security requirement like ``signed_in`` (see common.guarded)."""
    return guarded(blp, _require_user_or_judge_device)


def contest_event(event_id: int) -> Event:
    """The event, or 404 unless the caller may see it: a published event, or a draft to its
    organization and to its judges (who are usually not members)."""
    event = get_or_404(Event, event_id)
    if not (
        permissions.can_view_event(current_user, event)
        or permissions.is_judge_of(judge_session.actor_for(event_id), event)
    ):
        raise NotFound()
    return event


def load_round(round_id: int) -> Round:
    """The round with its event and rubric (one statement), or 404 as for its event."""
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
    return round_


def managed_round(round_id: int) -> Round:
    round_ = load_round(round_id)
    if not permissions.can_manage_event(require_user(), round_.event):
        raise NotAllowed()
    return round_


def _organizer_or_judge(event: Event) -> None:
    user = judge_caller(event.id)
    if not (permissions.can_manage_event(user, event) or permissions.is_judge_of(user, event)):
        raise NotAllowed()


def _entry_of_round(round_: Round, entry_id: int) -> Entry:
    entry = get_or_404(Entry, entry_id)
    if entry.event_id != round_.event_id:
        raise NotFound()
    return entry


def _entry_for(entry: Entry, hide_team: bool) -> dict[str, Any]:
    """An entry as a reader may see it: anonymous rounds hide the team from judges."""
    return {
        "id": entry.id,
        "event_id": entry.event_id,
        "track_id": entry.track_id,
        "track": entry.track.name,
        "title": entry.title,
        "team_name": None if hide_team else entry.team_name,
        "institution": None if hide_team else entry.institution,
        "summary": entry.summary,
        "members": None if hide_team else entry.members,
        "leader_id": None if hide_team else entry.leader_id,
    }


# Tracks, entries, judges, conflicts ------------------------------------------------------


@blp.route("/events/<id:event_id>/tracks", methods=["GET"])
@blp.response(200, TrackListSchema)
@doc_errors(blp, 401, 403, 404)
@user_or_judge_device(blp)
def list_tracks(event_id: int) -> dict:
    """The contest's tracks (organizers and judges)."""
    event = contest_event(event_id)
    _organizer_or_judge(event)
    return {"items": entries.tracks_of(event)}


@blp.route("/events/<id:event_id>/tracks", methods=["POST"])
@blp.response(201, TrackSchema)
@doc_errors(blp, 400, 401, 403, 404, 409, 422)
@signed_in(blp)
@blp.arguments(TrackInSchema)
def create_track(data: dict, event_id: int) -> object:
    """Add a track (组别) to a contest (organizers). 409 `name_taken`, `not_a_contest`."""
    return entries.create_track(require_user(), managed_event(event_id), data["name"])


@blp.route("/events/<id:event_id>/entries", methods=["GET"])
@blp.response(200, EntryPageSchema)
@doc_errors(blp, 400, 401, 403, 404, 422)
@signed_in(blp)
@blp.arguments(EntryListArgsSchema, location="query")
def list_entries(args: dict, event_id: int) -> dict:
    """The contest's entries (organizers), by track."""
    event = managed_event(event_id)
    found = entries.entries_of(event, args.get("track_id"))
    return paginate_list(found, args["page"], args["per_page"])


@blp.route("/events/<id:event_id>/entries", methods=["POST"])
@blp.response(201, EntrySchema)
@doc_errors(blp, 400, 401, 403, 404, 409, 422)
@signed_in(blp)
@blp.arguments(EntryInSchema)
def create_entry(data: dict, event_id: int) -> object:
    """Enter a project in the contest (organizers)."""
    event = managed_event(event_id)
    return entries.create_entry(require_user(), event, entries.EntryInfo(**data))


@blp.route("/events/<id:event_id>/judges", methods=["GET"])
@blp.response(200, JudgeListSchema)
@doc_errors(blp, 401, 403, 404)
@signed_in(blp)
def list_judges(event_id: int) -> dict:
    """The contest's judges (organizers)."""
    return {"items": judges.judges_of(managed_event(event_id))}


@blp.route("/events/<id:event_id>/judges", methods=["POST"])
@blp.response(201, JudgeSchema, description="A new judge of the contest.")
@blp.alt_response(200, schema=JudgeSchema, success=True,
                  description="A judge invited again (their details updated).")
@doc_errors(blp, 400, 401, 403, 404, 409, 422)
@signed_in(blp)
@blp.arguments(JudgeInSchema)
def invite_judge(data: dict, event_id: int) -> tuple[object, int]:
    """Invite a judge by email (an account is made when needed); the mail carries a new
    sign-in link (earlier ones stop working): it opens the judging of this contest, once, on
    one device, within 14 days (`JUDGE_LINK_MAX_AGE`), never the rest of the account. The
    answer shows nothing of an existing account (`name`, `user_id` null) until the judge
    accepts (`status`)."""
    event = managed_event(event_id)
    judge, created = judges.invite_judge(
        require_user(), event, data["email"], data.get("name"), data.get("institution"),
        data.get("expertise"),
    )
    return judge, 201 if created else 200


@blp.route("/events/<id:event_id>/conflicts", methods=["GET"])
@blp.response(200, ConflictListSchema)
@doc_errors(blp, 401, 403, 404)
@signed_in(blp)
def list_conflicts(event_id: int) -> dict:
    """Declared conflicts of interest (organizers); same-institution ones are automatic."""
    return {"items": judges.conflicts_of(managed_event(event_id))}


@blp.route("/events/<id:event_id>/conflicts", methods=["POST"])
@blp.response(201, ConflictOfInterestSchema, description="Declared.")
@blp.alt_response(200, schema=ConflictOfInterestSchema, success=True,
                  description="Declared already: the existing declaration.")
@doc_errors(blp, 400, 401, 403, 404, 422)
@signed_in(blp)
@blp.arguments(ConflictInSchema)
def declare_conflict(data: dict, event_id: int) -> tuple[object, int]:
    """Declare a conflict of interest (organizers, or the judge about themself)."""
    event = contest_event(event_id)
    conflict, created = judges.declare_conflict(
        require_user(), event, data["judge_id"], data["entry_id"], data["reason"]
    )
    return conflict, 201 if created else 200


# Rounds -----------------------------------------------------------------------------------


@blp.route("/events/<id:event_id>/rounds", methods=["GET"])
@blp.response(200, RoundListSchema)
@doc_errors(blp, 401, 403, 404)
@user_or_judge_device(blp)
def list_rounds(event_id: int) -> dict:
    """The contest's rounds in order, with their criteria (organizers and judges)."""
    event = contest_event(event_id)
    _organizer_or_judge(event)
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
    _organizer_or_judge(round_.event)
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
    round_ = load_round(assignment.round_id)
    if not permissions.can_manage_event(require_user(), round_.event):
        raise NotAllowed()
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
            "entry": _entry_for(item.entry, item.round.anonymous),
            "status": item.status,
            "version": card.version if card else 0,
            "total": scorecards.scorecard_total(item.round.criteria, card.scores)
            if card else None,
            "complete": scorecards.scorecard_complete(item.round.criteria, card.scores)
            if card else False,
        })
    return {"items": items}


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
        return _entry_for(entry, False)
    if not permissions.can_judge(user, round_, entry):
        raise NotAllowed()
    return _entry_for(entry, round_.anonymous)


def _scoring_target(round_id: int, entry_id: int) -> tuple[Any, Round, Entry, Any]:
    """The caller, the round with its rubric, the entry and the caller's standing, or 404
    (one statement: the scorecard path is hot). The caller is this browser's judge device,
    else the account (`judge_caller`); a device of another contest leaves the round to the
    account signed in, if any. Whether the caller may see the contest is left to
    `_hidden_as_404`."""
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
    """A judge scoring the entry may see its contest (`contest_event`), so that is asked
    only when the service refuses the caller: 404 rather than 403 if they may not see it."""
    try:
        yield
    except NotAllowed:
        contest_event(round_.event_id)
        raise


@blp.route("/rounds/<id:round_id>/scorecards/<id:entry_id>", methods=["GET"])
@blp.response(200, ScorecardDetailSchema)
@doc_errors(blp, 401, 403, 404)
@user_or_judge_device(blp)
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
@user_or_judge_device(blp)
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
def results(args: dict, round_id: int) -> dict:
    """Per track: score by `method` (docs/JUDGING.md §3; default the round's), competition rank
    (1, 2, 2, 4), number of valid scorecards and who advances. Organizers at any time;
    everyone once the round is published."""
    round_ = load_round(round_id)
    if not permissions.can_see_results(current_user, round_):
        if not current_user.is_authenticated:
            require_user()
        raise NotAllowed()
    method = args.get("method") or round_.aggregation
    return round_results(round_, Aggregation(method).value)



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
    managed_event(judge.event_id)
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
