"""Lucky draws (抽奖) anyone can verify: create, commit, run, redraw and the public record
(see API.md and `eventhub.engagement.draws` for the definitions of the seed, the commitment,
the pool digest and the draw order)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask_login import current_user

from eventhub.api.common import (
    IdField,
    Int,
    NoBodySchema,
    Str,
    StrictSchema,
    Time,
    doc_errors,
    list_of,
    load_or_404,
    make_blueprint,
    optional_auth,
    require_user,
    signed_in,
)
from eventhub.api.events import load_event
from eventhub.engagement import draws
from eventhub.engagement.models import Draw, DrawEligibility, DrawStatus

blp = make_blueprint(
    "api_draws",
    "Lucky draws (抽奖) anyone can verify: the organizer commits the pool and a secret seed's "
    "commitment before the draw, the run reveals the seed, and anyone recomputes the winners.",
)

HEX = {"pattern": "^[0-9a-f]{64}$"}


class DrawPrizeInSchema(StrictSchema):
    name = Str(required=True)
    count = Int(required=True, validate=ma.validate.Range(min=1, max=draws.COUNT_MAX))


class DrawInSchema(StrictSchema):
    name = Str(required=True)
    prizes = ma.fields.List(ma.fields.Nested(DrawPrizeInSchema), required=True, metadata={
        "description": "In the order they take winners from the draw order."})
    eligible = ma.fields.Enum(DrawEligibility, required=True, metadata={
        "description": "checked_in: confirmed people who entered at the list at least once "
                       "(a reverted scan does not count); confirmed: every confirmed person "
                       "on the list."})
    list_id = IdField(allow_none=True, metadata={
        "description": "A check-in list of the event (a session's list: its bookers); "
                       "default: the event's main list (everyone)."})
    exclude_winners_of = ma.fields.List(IdField(), metadata={
        "description": "Earlier draws of the event whose winners (at the commit) are left "
                       "out of the pool."})


class DrawRedrawInSchema(StrictSchema):
    registration_id = IdField(required=True, metadata={"description": "The absent winner."})
    reason = Str(required=True, max_length=draws.REASON_MAX)


class DrawPrizeSchema(ma.Schema):
    name = ma.fields.String(required=True)
    count = ma.fields.Integer(required=True)


class DrawWinnerSchema(ma.Schema):
    prize = ma.fields.String(required=True, metadata={"description": "The prize's name."})
    prize_index = ma.fields.Integer(metadata={"description": "Its place in `prizes`."})
    registration_id = ma.fields.Integer(required=True)
    display_name = ma.fields.String(required=True, metadata={
        "description": "The surname followed by `**` (张**)."})
    position = ma.fields.Integer(metadata={"description": "The place in the draw order (0: "
                                                           "first)."})


class DrawRedrawSchema(DrawWinnerSchema):
    """A winner who was absent: the prize went to ``replaced_by``."""

    reason = ma.fields.String(required=True)
    at = Time()
    replaced_by = ma.fields.Integer(allow_none=True)


class DrawSchema(ma.Schema):
    """A draw as everyone sees it once committed (a draft: its organizers only)."""

    id = ma.fields.Integer(required=True)
    event_id = ma.fields.Integer()
    name = ma.fields.String(required=True)
    status = ma.fields.String(required=True, metadata={"enum": [s.value for s in DrawStatus]})
    prizes = ma.fields.List(ma.fields.Nested(DrawPrizeSchema))
    eligible = ma.fields.String(metadata={"enum": [e.value for e in DrawEligibility]})
    list_id = ma.fields.Integer(allow_none=True)
    exclude_winners_of = ma.fields.List(ma.fields.Integer())
    pool_size = ma.fields.Integer(allow_none=True)
    pool_digest = ma.fields.String(allow_none=True, metadata={
        "description": "sha256 of the pool's ids in ascending order joined by `,`, hex.", **HEX})
    commitment = ma.fields.String(allow_none=True, metadata={
        "description": "sha256 of the seed's ASCII text, hex (published before the run).",
        **HEX})
    pool = ma.fields.List(ma.fields.Integer(), metadata={
        "description": "Once drawn: the registration ids of the pool, ascending."})
    seed = ma.fields.String(metadata={
        "description": "Once drawn: 64 lowercase hex characters. The draw order sorts the "
                       "pool by sha256(\"{seed}:{registration_id}\") hex ascending.", **HEX})
    winners = ma.fields.List(ma.fields.Nested(DrawWinnerSchema), metadata={
        "description": "The current winners, prize by prize in draw order."})
    redraws = ma.fields.List(ma.fields.Nested(DrawRedrawSchema), metadata={
        "description": "Absent winners whose prize went to the next in the draw order."})
    committed_at = Time(allow_none=True)
    drawn_at = Time(allow_none=True)


class DrawCreatedSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    status = ma.fields.String(required=True, metadata={"enum": ["draft"]})


class DrawCommittedSchema(ma.Schema):
    id = ma.fields.Integer()
    status = ma.fields.String(required=True, metadata={"enum": ["committed"]})
    pool_size = ma.fields.Integer(required=True)
    pool_digest = ma.fields.String(required=True, metadata=HEX)
    commitment = ma.fields.String(required=True, metadata=HEX)


class DrawDrawnSchema(ma.Schema):
    id = ma.fields.Integer()
    status = ma.fields.String(required=True, metadata={"enum": ["drawn"]})
    seed = ma.fields.String(required=True, metadata=HEX)
    winners = ma.fields.List(ma.fields.Nested(DrawWinnerSchema), required=True)


class DrawRedrawnSchema(DrawSchema):
    winner = ma.fields.Nested(DrawWinnerSchema, required=True, metadata={
        "description": "Who the prize went to."})


def _draw(draw_id: int) -> Draw:
    """The draw, or 404 unless the caller may see it (a draft: its organizers only)."""
    return load_or_404(Draw, draw_id,
                       visible=lambda draw: draws.can_see_draw(current_user, draw))


@blp.route("/events/<id:event_id>/draws", methods=["POST"])
@blp.response(201, DrawCreatedSchema)
@doc_errors(blp, 400, 401, 403, 404, 422)
@signed_in(blp)
@blp.arguments(DrawInSchema)
def create_draw(data: dict, event_id: int) -> dict:
    """Create a draft draw (the event's organizers): its prizes with their counts, who is
    eligible, optionally one check-in list and earlier draws whose winners are left out."""
    eligible = data["eligible"]
    draw = draws.create_draw(require_user(), load_event(event_id), data["name"], data["prizes"],
                             eligible.value, data.get("list_id"),
                             data.get("exclude_winners_of"))
    return {"id": draw.id, "status": draw.status.value}


@blp.route("/events/<id:event_id>/draws", methods=["GET"])
@blp.response(200, list_of(DrawSchema, "DrawList"))
@doc_errors(blp, 404)
@optional_auth(blp)
def event_draws(event_id: int) -> dict:
    """The event's draws the caller may see (committed and drawn ones; drafts too for its
    organizers), oldest first."""
    event = load_event(event_id)
    return {"items": [draws.public_record(d) for d in draws.draws_of(event)
                      if draws.can_see_draw(current_user, d)]}


@blp.route("/draws/<id:draw_id>/commit", methods=["POST"])
@blp.response(200, DrawCommittedSchema)
@doc_errors(blp, 400, 401, 403, 404, 409, 422)
@signed_in(blp)
@blp.arguments(NoBodySchema, required=False)
def commit_draw(_data: Any, draw_id: int) -> dict:
    """Freeze the pool and a fresh secret seed; publish the pool's digest and the seed's
    commitment (the seed stays secret until the run). 409 `already_committed`, `empty_pool`."""
    draw = draws.commit_draw(require_user(), _draw(draw_id))
    return {"id": draw.id, "status": draw.status.value, "pool_size": len(draw.pool),
            "pool_digest": draw.pool_digest, "commitment": draw.commitment}


@blp.route("/draws/<id:draw_id>/run", methods=["POST"])
@blp.response(200, DrawDrawnSchema)
@doc_errors(blp, 400, 401, 403, 404, 409, 422)
@signed_in(blp)
@blp.arguments(NoBodySchema, required=False)
def run_draw(_data: Any, draw_id: int) -> dict:
    """Draw: reveal the seed and the winners (the prizes, in their order, take winners from
    the draw order). Again: 409 `already_drawn`; before the commit: 409 `not_committed`."""
    draw = draws.run_draw(require_user(), _draw(draw_id))
    winners, _ = draws.winners_of(draw)
    return {"id": draw.id, "status": draw.status.value, "seed": draw.seed, "winners": winners}


@blp.route("/draws/<id:draw_id>/redraw", methods=["POST"])
@blp.response(200, DrawRedrawnSchema)
@doc_errors(blp, 400, 401, 403, 404, 409, 422)
@signed_in(blp)
@blp.arguments(DrawRedrawInSchema)
def redraw(data: dict, draw_id: int) -> dict:
    """A winner is absent: their prize goes to the next person in the draw order who has not
    won yet; the reason is published with the draw. 409 `not_a_winner` (not a current winner
    of this draw), `not_drawn`, `pool_exhausted`; 422 without a reason."""
    draw = _draw(draw_id)
    winner = draws.redraw(require_user(), draw, data["registration_id"], data["reason"])
    record = draws.public_record(draw)
    record["winner"] = next(w for w in record["winners"]
                            if w["registration_id"] == winner.registration_id)
    return record


@blp.route("/draws/<id:draw_id>", methods=["GET"])
@blp.response(200, DrawSchema)
@doc_errors(blp, 404)
@optional_auth(blp)
def get_draw(draw_id: int) -> dict:
    """The public record of a draw (everyone who can see its event, once committed; a draft
    is 404 but for its organizers): the rules, pool size and digest, the commitment; once
    drawn the pool's ids, the seed, the winners and the redraws. Recompute the winners with
    docs/verify_draw.py."""
    return draws.public_record(_draw(draw_id))
