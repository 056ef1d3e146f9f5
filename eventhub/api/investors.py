"""Investors at roadshows (融资对接): interest marks, the team's acceptance and the connections
it makes (see API.md and `eventhub.engagement.investors` for the rules and the consents)."""

from __future__ import annotations

import marshmallow as ma
from flask_login import current_user

from eventhub.api.common import (
    Bool,
    Str,
    StrictSchema,
    Time,
    doc_errors,
    list_of,
    load_or_404,
    make_blueprint,
    require_user,
    signed_in,
)
from eventhub.api.events import load_event
from eventhub.api.judging import contest_event
from eventhub.engagement import investors
from eventhub.engagement.models import NOTE_MAX, InterestLevel, InvestorInterest
from eventhub.judging.entries import is_leader
from eventhub.judging.models import Entry
from eventhub.judging.permissions import can_see_entry

blp = make_blueprint(
    "api_investors",
    "Investors at roadshows (融资对接): interest in entries, accepting it, the connections.",
)

CONSENT_TEXT = (
    "Separate consent (PIPL) to share the caller's name, organization, email and phone with the "
    "other side of the connection; recorded with its time and the consent text's version."
)


class InterestInSchema(StrictSchema):
    level = ma.fields.Enum(InterestLevel, required=True)
    note = Str(max_length=NOTE_MAX, metadata={
        "description": "For the team; shown to it only once it accepts (a note may name you)."})
    consent_to_share = Bool(metadata={"description": CONSENT_TEXT + (
        " true gives it, false withdraws it (ending a connection), absent leaves it as it "
        "is (a new mark: not given). Without it the mark counts but cannot be accepted.")})


class InterestSchema(ma.Schema):
    """The caller's own mark."""

    id = ma.fields.Integer(required=True)
    entry_id = ma.fields.Integer(required=True)
    level = ma.fields.Enum(InterestLevel, required=True)
    note = ma.fields.String()
    consent_to_share = ma.fields.Boolean(metadata={
        "description": "Whether the investor's consent to share contacts is on record."})
    consent_at = Time(allow_none=True, attribute="share_consent_at")
    connected = ma.fields.Boolean()
    created_at = Time()
    updated_at = Time()


class AnonymousMarkSchema(ma.Schema):
    """A mark as the team sees it before accepting: nothing that names the investor."""

    id = ma.fields.Integer(required=True, metadata={"description": "Accept it with "
                                                    "POST /interest/{id}/accept."})
    level = ma.fields.Enum(InterestLevel, required=True)
    created_at = Time()
    connectable = ma.fields.Boolean(metadata={
        "description": "The investor consented to share contacts (needed to accept)."})
    status = ma.fields.String(metadata={"enum": ["pending", "connected"]})


class CountsSchema(ma.Schema):
    interested = ma.fields.Integer(required=True)
    meeting = ma.fields.Integer(required=True)
    bp = ma.fields.Integer(required=True)


class InterestSummarySchema(ma.Schema):
    entry_id = ma.fields.Integer(required=True)
    counts = ma.fields.Nested(CountsSchema, metadata={
        "description": "Marks per level: the entry's leader and the event's organizers."})
    total = ma.fields.Integer()
    connected = ma.fields.Integer(metadata={"description": "Marks the team accepted."})
    marks = ma.fields.List(ma.fields.Nested(AnonymousMarkSchema), metadata={
        "description": "The leader only: the marks, anonymous until accepted, newest first."})
    mine = ma.fields.Nested(InterestSchema, allow_none=True, metadata={
        "description": "An investor of the event: their own mark (null: none)."})


class AcceptInSchema(StrictSchema):
    consent_to_share = Bool(metadata={"description": CONSENT_TEXT + (
        " Accepting is the leader's consent; false is refused (422).")})


class ConnectedSchema(ma.Schema):
    status = ma.fields.String(required=True, metadata={"enum": ["connected"]})
    id = ma.fields.Integer(metadata={"description": "The connection."})
    connected_at = Time()


class ConnectionSchema(ma.Schema):
    """One connection; name, organization, email and phone are the other side's."""

    id = ma.fields.Integer(required=True)
    interest_id = ma.fields.Integer(required=True)
    entry_id = ma.fields.Integer(required=True)
    entry_title = ma.fields.String()
    event_id = ma.fields.Integer()
    role = ma.fields.String(metadata={
        "enum": ["investor", "team"], "description": "The caller's side."})
    level = ma.fields.Enum(InterestLevel)
    note = ma.fields.String()
    name = ma.fields.String(required=True)
    organization = ma.fields.String(required=True)
    email = ma.fields.String(required=True)
    phone = ma.fields.String(required=True)
    connected_at = Time()


class FiguresSchema(ma.Schema):
    entry_id = ma.fields.Integer(required=True)
    title = ma.fields.String()
    team_name = ma.fields.String()
    interested = ma.fields.Integer(required=True)
    meeting = ma.fields.Integer(required=True)
    bp = ma.fields.Integer(required=True)
    total = ma.fields.Integer()
    connected = ma.fields.Integer()


def _entry(entry_id: int) -> Entry:
    """The entry, or 404 unless the caller may see its contest and the entry: those who see
    it in the contest (`can_see_entry`) and the event's investors (they mark it)."""
    return load_or_404(Entry, entry_id, visible=lambda entry: contest_event(entry.event_id) and (
        can_see_entry(current_user, entry)
        or investors.is_investor_at(current_user, investors.entry_event(entry))
    ))


def _mark(interest_id: int) -> InvestorInterest:
    """A mark, or 404 unless the caller is one of its two sides: its investor, or the leader
    of its entry (organizers see counts only)."""
    return load_or_404(InvestorInterest, interest_id, visible=lambda mark: (
        mark.investor_id == current_user.id or is_leader(current_user, mark.entry)
    ))


def _mark_body(mark: InvestorInterest, connected: bool) -> dict:
    return {"id": mark.id, "entry_id": mark.entry_id, "level": mark.level, "note": mark.note,
            "consent_to_share": mark.share_consent_at is not None,
            "share_consent_at": mark.share_consent_at, "connected": connected,
            "created_at": mark.created_at, "updated_at": mark.updated_at}


@blp.route("/entries/<id:entry_id>/interest", methods=["POST"])
@blp.response(201, InterestSchema, description="A new mark.")
@blp.alt_response(200, schema=InterestSchema, success=True,
                  description="The caller's existing mark, updated.")
@doc_errors(blp, 400, 401, 403, 404, 422)
@signed_in(blp)
@blp.arguments(InterestInSchema)
def mark_interest(data: dict, entry_id: int) -> tuple[dict, int]:
    """Mark interest in an entry (a confirmed registrant of its event in an investor
    category; 403 for anyone else, and for the entry's leader): 感兴趣 `interested`, 想约谈
    `meeting`, 要BP `bp`. One mark per investor and entry: marking again changes it (200)."""
    entry = _entry(entry_id)
    mark, created = investors.mark_interest(require_user(), entry, data["level"].value,
                                            data.get("note"), data.get("consent_to_share"))
    connected = investors.connection_of(mark) is not None
    return _mark_body(mark, connected), 201 if created else 200


@blp.route("/entries/<id:entry_id>/interest", methods=["GET"])
@blp.response(200, InterestSummarySchema)
@doc_errors(blp, 401, 403, 404)
@signed_in(blp)
def interest_of_entry(entry_id: int) -> dict:
    """The entry's marks: counts per level for its leader and the event's organizers; the
    leader also gets the marks themselves, anonymous (no investor's identity, no note) until
    accepted; an investor of the event gets their own mark. 403 for anyone else."""
    summary = investors.interest_summary(require_user(), _entry(entry_id))
    body: dict = {"entry_id": summary.entry.id}
    if summary.counts is not None:
        body.update(counts=summary.counts, total=summary.total, connected=summary.connected)
    if summary.marks is not None:
        body["marks"] = summary.marks
    if summary.mine is not None or summary.counts is None:
        body["mine"] = summary.mine and _mark_body(summary.mine, summary.mine_connected)
    return body


@blp.route("/interest/<id:interest_id>/accept", methods=["POST"])
@blp.response(200, ConnectedSchema)
@doc_errors(blp, 400, 401, 403, 404, 409, 422)
@signed_in(blp)
@blp.arguments(AcceptInSchema, required=False)
def accept_interest(data: dict, interest_id: int) -> dict:
    """Accept a mark on the entry the caller leads (403 for anyone else): the investor and the
    leader then see each other's name, organization, email and phone at /me/connections.
    Accepting is the leader's consent to share theirs; 409 `consent_required` when the
    investor has not consented to share theirs (a mark without it cannot be connected).
    Accepting again answers the same."""
    mark = _mark(interest_id)
    connection = investors.accept_interest(require_user(), mark,
                                           (data or {}).get("consent_to_share", True))
    return {"status": "connected", "id": connection.id, "connected_at": connection.created_at}


@blp.route("/me/connections", methods=["GET"])
@blp.response(200, list_of(ConnectionSchema, "ConnectionList"))
@doc_errors(blp, 401)
@signed_in(blp)
def my_connections() -> dict:
    """The caller's connections, newest first, with the other side's contact details: as an
    investor, the leader who accepted; as that leader, the investor (and their level and
    note). Nobody else sees them."""
    return {"items": investors.connections_of(require_user())}


@blp.route("/events/<id:event_id>/interest", methods=["GET"])
@blp.response(200, list_of(FiguresSchema, "InterestFigures"))
@doc_errors(blp, 401, 403, 404)
@signed_in(blp)
def event_figures(event_id: int) -> dict:
    """The organizers' 融资对接 figures: per entry of the contest, its marks of each level and
    its connections; never who marked."""
    event = load_event(event_id)
    return {"items": investors.event_figures(require_user(), event)}
