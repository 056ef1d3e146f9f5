"""Figures and reports: an event's stats, an organization's or an alliance's report for a period."""

from __future__ import annotations

import marshmallow as ma
from flask_login import current_user

from eventhub import permissions
from eventhub.api.common import doc_errors, get_or_404, make_blueprint, require_user, signed_in
from eventhub.errors import NotAllowed, NotFound
from eventhub.events.models import Event
from eventhub.reports import figures

blp = make_blueprint(
    "api_reports",
    "Figures and reports: event stats, organization and alliance reports.",
)


class RegistrationCountsSchema(ma.Schema):
    confirmed = ma.fields.Integer(required=True)
    pending = ma.fields.Integer(required=True)
    waitlisted = ma.fields.Integer(required=True)
    cancelled = ma.fields.Integer(required=True)
    rejected = ma.fields.Integer(required=True)


class CategoryFiguresSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    confirmed = ma.fields.Integer(required=True)
    checked_in = ma.fields.Integer(required=True, metadata={
        "description": "Its confirmed registrations checked in at the main list."})


class SessionFiguresSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    booked = ma.fields.Integer(required=True, metadata={
        "description": "Confirmed registrations that chose the session."})
    checked_in = ma.fields.Integer(required=True, metadata={
        "description": "Of those, the ones checked in (an entry, not reverted) at a check-in "
                       "list of the session itself; 0 when the session has no list."})


class SurveyFiguresSchema(ma.Schema):
    responses = ma.fields.Integer(required=True)
    average = ma.fields.Float(required=True, allow_none=True, metadata={
        "description": "The average of the survey's 1–5 ratings, 2 decimals; null without any."})


class EventStatsSchema(ma.Schema):
    registrations = ma.fields.Nested(RegistrationCountsSchema, required=True, metadata={
        "description": "The event's registrations per status."})
    checked_in = ma.fields.Integer(required=True, metadata={
        "description": "Confirmed registrations checked in on the event's main list at least "
                       "once (reverted check-ins do not count; twice counts once)."})
    checkin_rate = ma.fields.Float(required=True, metadata={
        "description": "checked_in / confirmed rounded to 4 decimals (0 without confirmed)."})
    no_shows = ma.fields.Integer(required=True, allow_none=True, metadata={
        "description": "confirmed − checked_in once the event has ended; null before."})
    categories = ma.fields.List(ma.fields.Nested(CategoryFiguresSchema), required=True)
    sessions = ma.fields.List(ma.fields.Nested(SessionFiguresSchema), required=True)
    entries = ma.fields.Integer(required=True, metadata={"description": "Contest entries."})
    judges = ma.fields.Integer(required=True, metadata={
        "description": "Judges on the contest's panel (invited, accepted or not)."})
    coachings = ma.fields.Integer(required=True, metadata={
        "description": "Coaching records (辅导记录) linked to the event: booked in a mentor's "
                       "office hours held at the event, or about one of its contest entries "
                       "(each once)."})
    survey = ma.fields.Nested(SurveyFiguresSchema, required=True)


@blp.route("/events/<id:event_id>/stats", methods=["GET"])
@blp.response(200, EventStatsSchema)
@doc_errors(blp, 401, 403, 404)
@signed_in(blp)
def get_event_stats(event_id: int) -> dict:
    """The event's figures (organizers of the host and partners, viewers of the host): counts
    only, never personal data. 404 for an event the caller cannot see, 403 for one they see
    but whose figures they may not read."""
    event = get_or_404(Event, event_id)
    user = require_user()
    if not permissions.can_read_event_figures(user, event):
        if permissions.can_view_event(current_user, event):
            raise NotAllowed()
        raise NotFound()
    return figures.event_stats(event)
