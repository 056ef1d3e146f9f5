"""Contest judging API (blueprint ``api_judging``, see `eventhub.api.judging`): a contest's
tracks, entries, judges and conflicts of interest (API.md)."""

from __future__ import annotations

from eventhub.api.common import (
    doc_errors,
    paginate_list,
    require_user,
    signed_in,
)
from eventhub.api.events import managed_event
from eventhub.api.judging import (
    ConflictInSchema,
    ConflictListSchema,
    ConflictOfInterestSchema,
    EntryInSchema,
    EntryListArgsSchema,
    EntryPageSchema,
    EntrySchema,
    JudgeInSchema,
    JudgeListSchema,
    JudgeSchema,
    TrackInSchema,
    TrackListSchema,
    TrackSchema,
    blp,
    contest_event,
    organizer_or_judge,
    user_or_judge_device,
)
from eventhub.judging import entries, judges

# Tracks, entries, judges, conflicts ------------------------------------------------------


@blp.route("/events/<id:event_id>/tracks", methods=["GET"])
@blp.response(200, TrackListSchema)
@doc_errors(blp, 401, 403, 404)
@user_or_judge_device(blp)
def list_tracks(event_id: int) -> dict:
    """The contest's tracks (organizers and judges)."""
    event = contest_event(event_id)
    organizer_or_judge(event)
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
    """Invite a judge by email, or a mentor of the organization's pool by `mentor_id` (an
    account is made when needed); the mail carries a new sign-in link (earlier ones stop
    working): it opens the judging of this contest, once, on one device, within 14 days
    (`JUDGE_LINK_MAX_AGE`), never the rest of the account. The answer shows nothing of an
    existing account (`name`, `user_id` null) until the judge accepts (`status`)."""
    event = managed_event(event_id)
    judge, created = judges.invite_judge(
        require_user(), event, data.get("email"), data.get("name"), data.get("institution"),
        data.get("expertise"), mentor_id=data.get("mentor_id"),
    )
    return judge, 201 if created else 200


@blp.route("/events/<id:event_id>/conflicts", methods=["GET"])
@blp.response(200, ConflictListSchema)
@doc_errors(blp, 401, 403, 404)
@signed_in(blp)
def list_conflicts(event_id: int) -> dict:
    """Declared conflicts of interest (organizers), and the automatic ones with their reasons:
    the same institution, or a judge who coached the entry as a mentor."""
    event = managed_event(event_id)
    return {"items": judges.conflicts_of(event),
            "automatic": judges.automatic_conflicts(judges.judges_of(event),
                                                    entries.entries_of(event))}


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
