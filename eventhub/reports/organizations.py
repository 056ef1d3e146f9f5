"""An organization's or an alliance's figures for a period (API.md, Reporting:
``GET /api/v1/orgs/{id}/report``), one public function per figure, each ONE aggregate query in
the database (grouped, never a Python loop over rows), so the API, the pages, the exports and
the dashboards all count the same way. Counts only: never a name, phone, email or answer.

Definitions (one of each, here):

- **The events of an organization in a period** ``[from, to)``: the events whose ``starts_at``
  is in it, drafts and cancelled events left out (published, closed and archived count), that
  the organization hosts (the event's own organization, 主办) or partners
  (`events.models.EventPartner`: 联合主办 co_host, 承办 undertaker, 协办 supporter).
- **An alliance's events**: those of its member organizations (its members now: a space that
  left takes its events with it) and its own, each event ONCE however many members host or
  partner it; the alliance's **role** for an event is the best
  role any of them has (host > co_host > undertaker > supporter). Each member's own figures
  (``members``) count the event again, with the member's own role.
- ``events``: ``count``; ``credited`` weighs each event by the role, 主办 1, 联合主办 0.5,
  承办 0.5, 协办 0 (`WEIGHTS`); ``by_kind`` has every kind of event (`EventKind`), 0 for a
  kind without events; ``by_role`` has the four roles, 0s too.
- ``registrations``: the events' confirmed registrations.
- ``checked_in``: the events' confirmed registrations checked in at their event's main list at
  least once, reverted check-ins not counting (`checkin.services.is_checked_in`, the definition
  of the event's stats, summed over the events); ``checkin_rate`` is
  `reports.figures.checkin_rate` of the two.
- ``participants``: distinct people checked in at one of the events at least (`person_key`:
  the account when the registration has one, else its email trimmed and lower-cased, else its
  phone, else the registration itself, as for an anonymized one). Someone at two events counts
  once; at ``checked_in`` they count twice.
- ``entries``: the contest entries of the events.
- ``mentors``: the coaching records (辅导记录, logged or confirmed) whose ``started_at`` is in
  the period, by the mentors of the organization's pool (for an alliance: the pools of its
  members and its own), as the mentor report counts them (`mentors.report.mentor_report`):
  ``mentors`` the pool's mentors with at least one such coaching, ``coachings`` the records,
  ``minutes`` their sum, ``mentees`` the distinct people coached.
- ``months``: every month of the period (in the platform's time zone, Asia/Shanghai by default),
  zeros included, each ``{month: "2026-05", events, confirmed, checked_in}`` for the events
  starting in it: the months add up to ``events.count``, ``registrations`` and ``checked_in``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from eventhub.checkin.services import is_checked_in
from eventhub.database import db
from eventhub.events.models import Event, EventKind, EventPartner, EventStatus, PartnerRole
from eventhub.judging.models import Entry
from eventhub.mentors.models import Mentor, MentorCoaching, coaching_mentees
from eventhub.orgs.alliances import member_ids, member_orgs
from eventhub.orgs.models import Organization, OrgKind
from eventhub.periods import months as period_months
from eventhub.periods import platform_tz
from eventhub.registrations.models import Registration, RegistrationStatus
from eventhub.reports.figures import checkin_rate

#: The roles an organization may have for an event, best first (an alliance takes the best of
#: its members').
ROLES = ("host", "co_host", "undertaker", "supporter")

#: How much an event counts in ``credited`` for each role: 主办 1, 联合主办 0.5, 承办 0.5, 协办 0.
WEIGHTS = {"host": 1.0, "co_host": 0.5, "undertaker": 0.5, "supporter": 0.0}

#: Event statuses left out of the reports.
LEFT_OUT = (EventStatus.draft, EventStatus.cancelled)


@dataclass(frozen=True)
class Scope:
    """What a report counts: ``units``, a query of ``(unit_id, org_id)`` pairs (the figures of
    ``unit_id`` count the events and mentors of each of its ``org_id``), ``unit_ids`` (each
    unit gets figures, zeros without events) and the period ``[from_, to)``."""

    units: sa.Select
    unit_ids: tuple[int, ...]
    from_: datetime
    to: datetime


def scope_of(org: Organization, from_: datetime, to: datetime) -> Scope:
    """The scope of one organization's report: the organization itself, or for an alliance
    the alliance and its members together (one unit, each event once)."""
    me = sa.literal(org.id, sa.Integer)
    units = sa.select(me.label("unit_id"), me.label("org_id"))
    if org.kind == OrgKind.alliance:
        members = member_ids(org.id).subquery()
        units = sa.union_all(units, sa.select(me, members.c.member_id)).subquery().select()
    return Scope(units, (org.id,), from_, to)


def members_scope(alliance: Organization, member_list: list[Organization], from_: datetime,
                  to: datetime) -> Scope:
    """The scope of an alliance's members' figures: each member a unit of its own."""
    members = member_ids(alliance.id).subquery()
    units = sa.select(members.c.member_id.label("unit_id"), members.c.member_id.label("org_id"))
    return Scope(units, tuple(m.id for m in member_list), from_, to)


def _in_period(scope: Scope) -> sa.ColumnElement[bool]:
    return sa.and_(Event.starts_at >= scope.from_, Event.starts_at < scope.to,
                   Event.status.not_in(LEFT_OUT))


def roles(scope: Scope) -> sa.Subquery:
    """``(unit_id, event_id, rank)``: each event of each unit in the period once, with the
    unit's best role as its index in `ROLES` (0 host ... 3 supporter)."""
    units = scope.units.subquery()
    hosted = (
        sa.select(units.c.unit_id, Event.id.label("event_id"), sa.literal(0, sa.Integer)
                  .label("rank"))
        .select_from(units).join(Event, Event.org_id == units.c.org_id)
        .where(_in_period(scope))
    )
    rank = sa.case((EventPartner.role == PartnerRole.co_host, 1),
                   (EventPartner.role == PartnerRole.undertaker, 2), else_=3)
    partnered = (
        sa.select(units.c.unit_id, EventPartner.event_id, rank)
        .select_from(units).join(EventPartner, EventPartner.org_id == units.c.org_id)
        .join(Event, Event.id == EventPartner.event_id)
        .where(_in_period(scope))
    )
    both = sa.union_all(hosted, partnered).subquery()
    return (
        sa.select(both.c.unit_id, both.c.event_id, sa.func.min(both.c.rank).label("rank"))
        .group_by(both.c.unit_id, both.c.event_id)
        .subquery("roles")
    )


def person_key() -> sa.ColumnElement[str]:
    """Who a registration is, as a string the database compares: ``u:<user id>`` for an
    account, else ``e:<email>`` (trimmed, lower-cased), else ``p:<phone>``, else
    ``r:<registration id>`` (no one to match it with, e.g. an anonymized registration)."""
    return sa.case(
        (Registration.user_id.is_not(None),
         sa.literal("u:") + sa.cast(Registration.user_id, sa.String)),
        (sa.func.coalesce(Registration.email, "") != "",
         sa.literal("e:") + sa.func.lower(sa.func.trim(Registration.email))),
        (sa.func.coalesce(Registration.phone, "") != "",
         sa.literal("p:") + sa.func.trim(Registration.phone)),
        else_=sa.literal("r:") + sa.cast(Registration.id, sa.String),
    )


def count_people() -> sa.ColumnElement[int]:
    """``count(DISTINCT person_key())`` computed without building the keys: the distinct
    accounts, plus the distinct emails, phones and registrations of the registrations that
    `person_key` names by them (its prefixes keep the four kinds apart, so the sum is the same
    number). Comparing integers, not strings, halves the cost of an alliance's year."""
    no_user = Registration.user_id.is_(None)
    has_email = sa.func.coalesce(Registration.email, "") != ""
    has_phone = sa.func.coalesce(Registration.phone, "") != ""
    return (
        sa.func.count(sa.distinct(Registration.user_id))
        + sa.func.count(sa.distinct(sa.case(
            (sa.and_(no_user, has_email), sa.func.lower(sa.func.trim(Registration.email))))))
        + sa.func.count(sa.distinct(sa.case(
            (sa.and_(no_user, ~has_email, has_phone), sa.func.trim(Registration.phone)))))
        + sa.func.count(sa.distinct(sa.case(
            (sa.and_(no_user, ~has_email, ~has_phone), Registration.id))))
    )


def _per_unit(scope: Scope, query: sa.Select, zero: Any) -> dict[int, Any]:
    """{unit_id: the row's other column (or columns)} for every unit of the scope, ``zero``
    for a unit the grouped query has no row for."""
    found = {row[0]: (row[1] if len(row) == 2 else tuple(row[1:]))
             for row in db.session.execute(query).all()}
    return {unit: found.get(unit, zero) for unit in scope.unit_ids}


# The figures, grouped by unit ------------------------------------------------------------------


def events_by_unit(scope: Scope) -> dict[int, dict[str, Any]]:
    """``{unit: {count, credited, by_kind, by_role}}`` (module docstring), one grouped query."""
    r = roles(scope)
    rows = db.session.execute(
        sa.select(r.c.unit_id, Event.kind, r.c.rank, sa.func.count())
        .join(Event, Event.id == r.c.event_id)
        .group_by(r.c.unit_id, Event.kind, r.c.rank)
    ).all()
    out = {unit: {"count": 0, "credited": 0.0,
                  "by_kind": {kind.value: 0 for kind in EventKind},
                  "by_role": dict.fromkeys(ROLES, 0)} for unit in scope.unit_ids}
    for unit, kind, rank, n in rows:  # at most 7 kinds × 4 roles per unit: grouped counts
        figure = out[unit]
        role = ROLES[rank]
        figure["count"] += n
        figure["credited"] += WEIGHTS[role] * n
        figure["by_kind"][EventKind(kind).value] += n
        figure["by_role"][role] += n
    return out


def _registrations_of(r: sa.Subquery) -> sa.Select:
    return sa.select(r.c.unit_id).join(Registration, Registration.event_id == r.c.event_id)


def registrations_by_unit(scope: Scope) -> dict[int, int]:
    """``{unit: confirmed registrations of its events}``, one grouped query."""
    r = roles(scope)
    return _per_unit(scope, _registrations_of(r).add_columns(sa.func.count())
                     .where(Registration.status == RegistrationStatus.confirmed)
                     .group_by(r.c.unit_id), 0)


def checked_in_by_unit(scope: Scope) -> dict[int, int]:
    """``{unit: its events' confirmed registrations checked in}`` (`is_checked_in`)."""
    r = roles(scope)
    return _per_unit(scope, _registrations_of(r).add_columns(sa.func.count())
                     .where(is_checked_in()).group_by(r.c.unit_id), 0)


def participants_by_unit(scope: Scope) -> dict[int, int]:
    """``{unit: distinct people (`person_key`, counted by `count_people`) checked in at one
    of its events}``."""
    r = roles(scope)
    return _per_unit(scope, _registrations_of(r).add_columns(count_people())
                     .where(is_checked_in()).group_by(r.c.unit_id), 0)


def entries_by_unit(scope: Scope) -> dict[int, int]:
    """``{unit: contest entries of its events}``, one grouped query."""
    r = roles(scope)
    return _per_unit(scope, sa.select(r.c.unit_id, sa.func.count(Entry.id))
                     .join(Entry, Entry.event_id == r.c.event_id).group_by(r.c.unit_id), 0)


def mentors_by_unit(scope: Scope) -> dict[int, dict[str, int]]:
    """``{unit: {mentors, coachings, minutes, mentees}}`` of the coachings started in the
    period by the mentors of the unit's pools (module docstring), one statement."""
    units = scope.units.subquery()
    coachings = (
        sa.select(units.c.unit_id, MentorCoaching.id.label("coaching_id"),
                  MentorCoaching.mentor_id, MentorCoaching.minutes)
        .select_from(units)
        .join(Mentor, Mentor.org_id == units.c.org_id)
        .join(MentorCoaching, MentorCoaching.mentor_id == Mentor.id)
        .where(MentorCoaching.started_at >= scope.from_, MentorCoaching.started_at < scope.to)
        .subquery()
    )
    totals = (
        sa.select(coachings.c.unit_id,
                  sa.func.count(sa.distinct(coachings.c.mentor_id)).label("mentors"),
                  sa.func.count(coachings.c.coaching_id).label("coachings"),
                  sa.func.coalesce(sa.func.sum(coachings.c.minutes), 0).label("minutes"))
        .group_by(coachings.c.unit_id).subquery()
    )
    mentees = (
        sa.select(coachings.c.unit_id,
                  sa.func.count(sa.distinct(coaching_mentees.c.user_id)).label("mentees"))
        .join(coaching_mentees, coaching_mentees.c.coaching_id == coachings.c.coaching_id)
        .group_by(coachings.c.unit_id).subquery()
    )
    rows = _per_unit(scope, sa.select(
        totals.c.unit_id, totals.c.mentors, totals.c.coachings, totals.c.minutes,
        sa.func.coalesce(mentees.c.mentees, 0),
    ).outerjoin(mentees, mentees.c.unit_id == totals.c.unit_id), (0, 0, 0, 0))
    return {unit: {"mentors": m, "coachings": c, "minutes": int(minutes), "mentees": p}
            for unit, (m, c, minutes, p) in rows.items()}


def per_event(r: sa.Subquery) -> sa.Subquery:
    """``(event_id, confirmed, checked_in)`` for each event of the roles ``r`` with confirmed
    registrations, one subquery: the confirmed counted by (event, status) and the checked in
    by a semi-join on the scans (`is_checked_in` as a condition; in a ``CASE`` PostgreSQL
    would run it as a subplan over all the scans), each grouped by event."""
    events_ = sa.select(r.c.event_id)
    confirmed = (
        sa.select(Registration.event_id, sa.func.count().label("confirmed"))
        .where(Registration.event_id.in_(events_),
               Registration.status == RegistrationStatus.confirmed)
        .group_by(Registration.event_id).subquery("confirmed")
    )
    checked = (
        sa.select(Registration.event_id, sa.func.count().label("checked_in"))
        .where(Registration.event_id.in_(events_), is_checked_in())
        .group_by(Registration.event_id).subquery("checked")
    )
    return (
        sa.select(confirmed.c.event_id, confirmed.c.confirmed,
                  sa.func.coalesce(checked.c.checked_in, 0).label("checked_in"))
        .outerjoin(checked, checked.c.event_id == confirmed.c.event_id)
        .subquery("per_event")
    )


def months_by_unit(scope: Scope, tz: str | None = None) -> dict[int, list[dict[str, Any]]]:
    """``{unit: [{month, events, confirmed, checked_in}]}`` for every month of the period in
    ``tz`` (the platform's zone by default), zeros included, one grouped statement."""
    spans = period_months(scope.from_, scope.to, tz or platform_tz())
    r = roles(scope)
    month = sa.case(*((Event.starts_at < end, label) for label, _start, end in spans),
                    else_=spans[-1][0])
    dated = (
        sa.select(r.c.unit_id, r.c.event_id, month.label("month"))
        .join(Event, Event.id == r.c.event_id).subquery("dated")
    )
    counts = per_event(r)
    rows = db.session.execute(
        sa.select(dated.c.unit_id, dated.c.month, sa.func.count(dated.c.event_id),
                  sa.func.coalesce(sa.func.sum(counts.c.confirmed), 0),
                  sa.func.coalesce(sa.func.sum(counts.c.checked_in), 0))
        .outerjoin(counts, counts.c.event_id == dated.c.event_id)
        .group_by(dated.c.unit_id, dated.c.month)
    ).all()
    found = {(unit, label): (n, int(c), int(k)) for unit, label, n, c, k in rows}
    return {unit: [dict(zip(("month", "events", "confirmed", "checked_in"),
                            (label, *found.get((unit, label), (0, 0, 0))), strict=True))
                   for label, _start, _end in spans]
            for unit in scope.unit_ids}


def figures_by_unit(scope: Scope, tz: str | None = None) -> dict[int, dict[str, Any]]:
    """Every figure of every unit of the scope (API.md's report without ``org_id``, ``from``,
    ``to``, ``members``), in five statements whatever the scope holds: ``registrations`` and
    ``checked_in`` are the sums of the months' (every event of the period starts in one of
    its months), so the registrations and their scans are read twice, not four times."""
    events_ = events_by_unit(scope)
    people = participants_by_unit(scope)
    entries_ = entries_by_unit(scope)
    mentors_ = mentors_by_unit(scope)
    months_ = months_by_unit(scope, tz)
    confirmed = {unit: sum(m["confirmed"] for m in months_[unit]) for unit in scope.unit_ids}
    checked = {unit: sum(m["checked_in"] for m in months_[unit]) for unit in scope.unit_ids}
    return {unit: {
        "events": events_[unit],
        "registrations": confirmed[unit],
        "checked_in": checked[unit],
        "checkin_rate": checkin_rate(confirmed[unit], checked[unit]),
        "participants": people[unit],
        "entries": entries_[unit],
        "mentors": mentors_[unit],
        "months": months_[unit],
    } for unit in scope.unit_ids}


# One organization's figures (an alliance's: its members' events once each) -------------------


def events(org: Organization, from_: datetime, to: datetime) -> dict[str, Any]:
    """``{count, credited, by_kind, by_role}`` of the organization's events in the period."""
    return events_by_unit(scope_of(org, from_, to))[org.id]


def registrations(org: Organization, from_: datetime, to: datetime) -> int:
    """The confirmed registrations of the organization's events in the period."""
    return registrations_by_unit(scope_of(org, from_, to))[org.id]


def checked_in(org: Organization, from_: datetime, to: datetime) -> int:
    """The checked-in registrations of the organization's events in the period."""
    return checked_in_by_unit(scope_of(org, from_, to))[org.id]


def participants(org: Organization, from_: datetime, to: datetime) -> int:
    """The distinct people checked in at the organization's events in the period."""
    return participants_by_unit(scope_of(org, from_, to))[org.id]


def entries(org: Organization, from_: datetime, to: datetime) -> int:
    """The contest entries of the organization's events in the period."""
    return entries_by_unit(scope_of(org, from_, to))[org.id]


def mentors(org: Organization, from_: datetime, to: datetime) -> dict[str, int]:
    """``{mentors, coachings, minutes, mentees}`` of the organization's pool(s) in the period."""
    return mentors_by_unit(scope_of(org, from_, to))[org.id]


def months(org: Organization, from_: datetime, to: datetime,
           tz: str | None = None) -> list[dict[str, Any]]:
    """``[{month, events, confirmed, checked_in}]`` for every month of the period."""
    return months_by_unit(scope_of(org, from_, to), tz)[org.id]


def org_report(org: Organization, from_: datetime, to: datetime,
               tz: str | None = None) -> dict[str, Any]:
    """API.md's report of the organization for ``[from_, to)``: ``{org_id, from, to, events,
    registrations, checked_in, checkin_rate, participants, entries, mentors, months}``; an
    alliance's adds ``members: [{org_id, name, ...the same figures}]`` (by name). Counts only;
    whoever may read it (permissions.can_read_org_figures) is the caller's to check."""
    scope = scope_of(org, from_, to)
    member_list = member_orgs(org) if org.kind == OrgKind.alliance else []
    if member_list:
        # The alliance's unit and its members' in one scope: each figure is one statement
        # for them all, the registrations and scans read once for the whole report.
        members = members_scope(org, member_list, from_, to)
        scope = Scope(sa.union_all(scope.units, members.units).subquery().select(),
                      (*scope.unit_ids, *members.unit_ids), from_, to)
    figures = figures_by_unit(scope, tz)
    report = {"org_id": org.id, "from": from_, "to": to, **figures[org.id]}
    if org.kind == OrgKind.alliance:
        report["members"] = [{"org_id": m.id, "name": m.name, **figures[m.id]}
                             for m in member_list]
    return report


def event_rows(org: Organization, from_: datetime, to: datetime) -> list[dict[str, Any]]:
    """The organization's events in the period (an alliance's: its members' and its own, each
    once), by start: ``{id, starts_at, title, venue, kind, role, confirmed, checked_in,
    checkin_rate, lead_name}`` (``role`` the organization's best, ``lead_name`` the 负责人),
    one statement."""
    r = roles(scope_of(org, from_, to))
    counts = per_event(r)
    rows = db.session.execute(
        sa.select(Event.id, Event.starts_at, Event.title, Event.venue, Event.kind, r.c.rank,
                  sa.func.coalesce(counts.c.confirmed, 0),
                  sa.func.coalesce(counts.c.checked_in, 0), Event.lead_name)
        .select_from(r).join(Event, Event.id == r.c.event_id)
        .outerjoin(counts, counts.c.event_id == r.c.event_id)
        .order_by(Event.starts_at, Event.id)
    ).all()
    return [{"id": id_, "starts_at": starts_at, "title": title, "venue": venue,
             "kind": EventKind(kind).value, "role": ROLES[rank], "confirmed": confirmed,
             "checked_in": checked, "checkin_rate": checkin_rate(confirmed, checked),
             "lead_name": lead_name or ""}
            for id_, starts_at, title, venue, kind, rank, confirmed, checked, lead_name in rows]
