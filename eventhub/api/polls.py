"""Audience voting (人气奖) and live polls: polls, open and close, votes, results (the rules are
`eventhub.engagement.polls`')."""

from __future__ import annotations

import marshmallow as ma
from flask import request
from flask_login import current_user

from eventhub import permissions
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
from eventhub.engagement import polls
from eventhub.engagement.models import POLL_TEXT_MAX, Poll, PollEligibility, PollStatus

blp = make_blueprint(
    "api_polls",
    "Audience voting (人气奖) and live polls: votes, open and close, results.",
)


class PollInSchema(StrictSchema):
    question = Str(required=True, max_length=POLL_TEXT_MAX)
    options = ma.fields.List(Str(max_length=POLL_TEXT_MAX), metadata={
        "description": f"Free-text options, 2 to {polls.OPTIONS_MAX}, no two alike. Give "
                       "either these or `round_id`."})
    round_id = IdField(metadata={
        "description": "A round of the event: its entries are the options (the 人气奖 vote)."})
    max_choices = Int(load_default=1, metadata={
        "description": "How many options one vote may choose (default 1)."})
    eligible = ma.fields.Enum(PollEligibility, required=True, metadata={
        "description": "Who votes: confirmed registrants who have checked in (`checked_in`), "
                       "or every confirmed one (`confirmed`)."})


class PollOptionSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    label = ma.fields.String(required=True)
    entry_id = ma.fields.Integer(allow_none=True, metadata={
        "description": "The round's entry this option stands for (null: free text)."})


class PollSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    event_id = ma.fields.Integer()
    question = ma.fields.String()
    status = ma.fields.Enum(PollStatus, required=True)
    round_id = ma.fields.Integer(allow_none=True)
    max_choices = ma.fields.Integer()
    eligible = ma.fields.Enum(PollEligibility)
    options = ma.fields.List(ma.fields.Nested(PollOptionSchema), required=True)
    opened_at = Time(allow_none=True)
    closed_at = Time(allow_none=True)


class PollVoteInSchema(StrictSchema):
    option_ids = ma.fields.List(IdField(), required=True, metadata={
        "description": "The options chosen: 1 to the poll's `max_choices`, each once."})


class PollVotedSchema(ma.Schema):
    id = ma.fields.Integer(required=True, metadata={"description": "The vote."})
    poll_id = ma.fields.Integer(required=True)
    option_ids = ma.fields.List(ma.fields.Integer(), required=True)
    created_at = Time()


class PollResultOptionSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    label = ma.fields.String(required=True)
    votes = ma.fields.Integer(required=True)


class PollResultsSchema(ma.Schema):
    voters = ma.fields.Integer(required=True, metadata={"description": "Votes cast."})
    options = ma.fields.List(ma.fields.Nested(PollResultOptionSchema), required=True)


def _poll(poll_id: int) -> Poll:
    """The poll, or 404 unless the caller may see it (its event visible; drafts to its
    organizers only)."""
    return load_or_404(Poll, poll_id, visible=lambda poll: (
        load_event(poll.event_id) and polls.can_see_poll(current_user, poll)))


@blp.route("/events/<id:event_id>/polls", methods=["POST"])
@blp.response(201, PollSchema)
@doc_errors(blp, 400, 401, 403, 404, 422)
@signed_in(blp)
@blp.arguments(PollInSchema)
def create_poll(data: dict, event_id: int) -> Poll:
    """Create a draft poll (the event's organizers): free-text `options`, or `round_id` whose
    entries are the options. Open it with POST /polls/{id}/open."""
    event = load_event(event_id)
    return polls.create_poll(require_user(), event, data["question"], data["eligible"].value,
                             options=data.get("options"), round_id=data.get("round_id"),
                             max_choices=data["max_choices"])


@blp.route("/events/<id:event_id>/polls", methods=["GET"])
@blp.response(200, list_of(PollSchema, "PollList"))
@doc_errors(blp, 404)
@optional_auth(blp)
def list_polls(event_id: int) -> dict:
    """The event's polls, newest first (drafts: its organizers only)."""
    event = load_event(event_id)
    return {"items": polls.polls_of(event, drafts=permissions.can_manage_event(
        current_user, event))}


@blp.route("/polls/<id:poll_id>", methods=["GET"])
@blp.response(200, PollSchema)
@doc_errors(blp, 404)
@optional_auth(blp)
def get_poll(poll_id: int) -> Poll:
    """A poll's question, status and options (a draft: its organizers only)."""
    return _poll(poll_id)


@blp.route("/polls/<id:poll_id>/open", methods=["POST"])
@blp.response(200, PollSchema)
@doc_errors(blp, 400, 401, 403, 404, 409)
@signed_in(blp)
@blp.arguments(NoBodySchema, required=False)
def open_poll(_data: dict, poll_id: int) -> Poll:
    """Open the poll for votes (its event's organizers; audited). Opening an open poll
    answers it unchanged; a closed poll never reopens: 409 `poll_closed`."""
    return polls.open_poll(require_user(), _poll(poll_id))


@blp.route("/polls/<id:poll_id>/close", methods=["POST"])
@blp.response(200, PollSchema)
@doc_errors(blp, 400, 401, 403, 404, 409)
@signed_in(blp)
@blp.arguments(NoBodySchema, required=False)
def close_poll(_data: dict, poll_id: int) -> Poll:
    """Close the poll (audited): no more votes, and its results become public. Closing a
    closed poll answers it unchanged; a draft: 409 `poll_not_open`."""
    return polls.close_poll(require_user(), _poll(poll_id))


@blp.route("/polls/<id:poll_id>/votes", methods=["POST"])
@blp.response(201, PollVotedSchema)
@doc_errors(blp, 400, 401, 403, 404, 409, 422)
@signed_in(blp)
@blp.arguments(PollVoteInSchema)
def vote(data: dict, poll_id: int) -> dict:
    """Vote with the caller's registration at the poll's event (403 without one). One vote
    per registration, under any concurrency: 409 `already_voted`; 409 `not_eligible` (not
    confirmed, or not checked in when the poll asks for it); 409 `poll_closed` (not open);
    422 too many, repeated or unknown options. The results stay hidden until the close."""
    poll = _poll(poll_id)
    device = polls.device_key(request.remote_addr, request.user_agent.string)
    ballot = polls.vote_as(require_user(), poll, data["option_ids"], device)
    return {"id": ballot.id, "poll_id": poll.id, "option_ids": data["option_ids"],
            "created_at": ballot.created_at}


@blp.route("/polls/<id:poll_id>/results", methods=["GET"])
@blp.response(200, PollResultsSchema)
@doc_errors(blp, 403, 404)
@optional_auth(blp)
def results(poll_id: int) -> dict:
    """The votes per option and the number of voters (one aggregate query): the event's
    organizers always, everyone who sees the event once the poll is closed (403 before)."""
    return polls.results(current_user, _poll(poll_id))
