"""Figures and reports: an event's stats, an organization's or an alliance's report for a period."""

from __future__ import annotations

import marshmallow as ma

from eventhub import periods, permissions
from eventhub.api.common import (
    Str,
    Time,
    doc_errors,
    load_or_404,
    make_blueprint,
    require_user,
    signed_in,
)
from eventhub.events.models import Event
from eventhub.orgs.models import Organization
from eventhub.reports import figures, organizations

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
    user = require_user()
    event = load_or_404(
        Event, event_id,
        visible=lambda event: (permissions.can_read_event_figures(user, event)
                               or permissions.can_view_event(user, event)),
        allowed=lambda event: permissions.can_read_event_figures(user, event))
    return figures.event_stats(event)


# An organization's or an alliance's report ---------------------------------------------------


class ReportPeriodArgsSchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    start = Str(data_key="from", metadata={
        "description": "The period's start, included: an ISO 8601 date (its midnight in the "
                       "platform's time zone, Asia/Shanghai by default) or date-time with "
                       "offset. Default: 1 January of this year.",
        "example": "2026-04-01"})
    end = Str(data_key="to", metadata={
        "description": "The period's end, excluded (the same forms). Default: 1 January of "
                       "next year. It must be after `from` (422 on `to`), at most 20 years "
                       "later.",
        "example": "2026-07-01"})


class OrgEventFiguresSchema(ma.Schema):
    count = ma.fields.Integer(required=True, metadata={
        "description": "The organization's events whose starts_at is in [from, to), drafts "
                       "and cancelled events left out, that it hosts (主办) or partners "
                       "(联合主办, 承办, 协办). For an alliance: its current members' events and "
                       "its own, each event once."})
    credited = ma.fields.Float(required=True, metadata={
        "description": "The events weighed by the role: 主办 host 1, 联合主办 co_host 0.5, "
                       "承办 undertaker 0.5, 协办 supporter 0 (an alliance takes the best role "
                       "of its members for each event)."})
    by_kind = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(),
                             required=True, metadata={
        "description": "Events per kind; every kind (week, contest, salon, camp, forum, "
                       "roadshow, other) is present, 0 without events."})
    by_role = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(),
                             required=True, metadata={
        "description": "Events per role: host, co_host, undertaker, supporter (all four, 0s "
                       "too; an alliance's best role for each event)."})


class OrgMentorFiguresSchema(ma.Schema):
    mentors = ma.fields.Integer(required=True, metadata={
        "description": "Mentors of the organization's pool (an alliance: its members' pools "
                       "and its own) who logged at least one coaching in the period."})
    coachings = ma.fields.Integer(required=True, metadata={
        "description": "Coaching records (辅导记录, logged or confirmed) of those pools whose "
                       "started_at is in the period, as the mentor report counts them."})
    minutes = ma.fields.Integer(required=True, metadata={
        "description": "The coachings' minutes, summed."})
    mentees = ma.fields.Integer(required=True, metadata={
        "description": "Distinct people coached in those coachings."})


class MonthFiguresSchema(ma.Schema):
    month = ma.fields.String(required=True, metadata={
        "description": "The month, YYYY-MM, in the platform's time zone (Asia/Shanghai); every "
                       "month the period touches is listed, zeros included.",
        "example": "2026-05"})
    events = ma.fields.Integer(required=True, metadata={
        "description": "The events starting in the month (each once)."})
    confirmed = ma.fields.Integer(required=True, metadata={
        "description": "Their confirmed registrations."})
    checked_in = ma.fields.Integer(required=True, metadata={
        "description": "Their checked-in registrations (the event stats' definition)."})


class OrgFiguresSchema(ma.Schema):
    events = ma.fields.Nested(OrgEventFiguresSchema, required=True)
    registrations = ma.fields.Integer(required=True, metadata={
        "description": "Confirmed registrations of the events."})
    checked_in = ma.fields.Integer(required=True, metadata={
        "description": "Confirmed registrations of the events checked in at their event's "
                       "main list at least once (reverted check-ins do not count), summed over "
                       "the events: someone at two events counts twice."})
    checkin_rate = ma.fields.Float(required=True, metadata={
        "description": "checked_in / registrations rounded to 4 decimals (0 without any)."})
    participants = ma.fields.Integer(required=True, metadata={
        "description": "Distinct people checked in at one of the events at least: the same "
                       "account, else the same email (trimmed, case ignored), else the same "
                       "phone is one person; a registration with none of them (anonymized) is "
                       "one of its own."})
    entries = ma.fields.Integer(required=True, metadata={
        "description": "Contest entries of the events."})
    mentors = ma.fields.Nested(OrgMentorFiguresSchema, required=True)
    months = ma.fields.List(ma.fields.Nested(MonthFiguresSchema), required=True, metadata={
        "description": "Month by month; the months add up to the totals."})


class MemberFiguresSchema(OrgFiguresSchema):
    org_id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True, metadata={"description": "The member's name."})


def _platform_tz(_obj: object) -> str:
    return periods.platform_tz()


class OrgReportSchema(OrgFiguresSchema):
    org_id = ma.fields.Integer(required=True)
    start = Time(data_key="from", attribute="from", required=True, tz_of=_platform_tz,
                 metadata={"description": "The period's start (included)."})
    end = Time(data_key="to", attribute="to", required=True, tz_of=_platform_tz,
               metadata={"description": "The period's end (excluded)."})
    members = ma.fields.List(ma.fields.Nested(MemberFiguresSchema), metadata={
        "description": "Alliances only: each member organization, by name, with the same "
                       "figures for its own events (an event two members share counts for "
                       "each of them, once in the alliance's figures)."})


@blp.route("/orgs/<id:org_id>/report", methods=["GET"])
@blp.response(200, OrgReportSchema)
@doc_errors(blp, 401, 403, 404, 422)
@signed_in(blp)
@blp.arguments(ReportPeriodArgsSchema, location="query")
def get_org_report(args: dict, org_id: int) -> dict:
    """The organization's figures for the period `[from, to)` (its owners, organizers and
    viewers, platform admins): counts only, never personal data. An alliance's count each
    event of its members once and list each member's. 422 (`fields`) for a bound that does
    not parse or `from` not before `to`."""
    org = load_or_404(Organization, org_id, allowed=lambda org: (
        permissions.can_read_org_figures(require_user(), org)))
    tz = periods.platform_tz()
    start, end = periods.parse_period(args.get("start"), args.get("end"), tz)
    return organizations.org_report(org, start, end, tz)
