"""The mentor report (绩效评估) of an organization's pool over a period, as API.md defines it,
computed in the database with aggregate queries (one per kind of figure, grouped by mentor)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from eventhub import permissions
from eventhub.accounts.models import User
from eventhub.database import db
from eventhub.mentors.models import (
    BookingStatus,
    CoachingStatus,
    Mentor,
    MentorBooking,
    MentorCoaching,
    MentorRating,
    MentorSlot,
    coaching_mentees,
)
from eventhub.mentors.permissions import can_manage_pool
from eventhub.mentors.services import rating_columns, rating_value, rule_of
from eventhub.orgs.models import Organization


def _grouped(query: sa.Select) -> dict[int, tuple]:
    """{mentor_id: the row's other columns} of a query whose first column is the mentor id."""
    return {row[0]: tuple(row[1:]) for row in db.session.execute(query).all()}


def mentor_report(actor: User, org: Organization, from_: datetime, to: datetime) -> dict:
    """Each mentor of the pool, by name, with their figures for coachings whose ``started_at``
    is in ``[from_, to)`` and the bookings of the office hours starting in it: ``coachings``
    (all logged), ``confirmed``, ``minutes`` (their sum), ``mentees`` (distinct people),
    ``bookings`` (not cancelled), ``no_shows``, ``rating``/``ratings`` (of the period's
    coachings; the rating null below 3), ``entries`` (distinct contest entries),
    ``qualifying`` (confirmed coachings of at least the rule's minutes) and ``meets_rule``
    (``qualifying >= min_coachings``). Raises NotAllowed (owners and organizers only)."""
    permissions.require(can_manage_pool, actor, org)
    rule = rule_of(org.id)
    mentors = db.session.execute(
        sa.select(Mentor.id, User.name).join(Mentor.user).where(Mentor.org_id == org.id)
        .order_by(User.name, Mentor.id)
    ).all()
    in_pool = sa.select(Mentor.id).where(Mentor.org_id == org.id)
    in_period = sa.and_(MentorCoaching.mentor_id.in_(in_pool),
                        MentorCoaching.started_at >= from_, MentorCoaching.started_at < to)
    confirmed = MentorCoaching.status == CoachingStatus.confirmed
    coachings = _grouped(
        sa.select(MentorCoaching.mentor_id, sa.func.count(MentorCoaching.id),
                  sa.func.count(sa.case((confirmed, 1))),
                  sa.func.coalesce(sa.func.sum(MentorCoaching.minutes), 0),
                  sa.func.count(sa.distinct(MentorCoaching.entry_id)),
                  sa.func.count(sa.case((sa.and_(
                      confirmed, MentorCoaching.minutes >= rule.min_minutes), 1))))
        .where(in_period).group_by(MentorCoaching.mentor_id)
    )
    mentees = _grouped(
        sa.select(MentorCoaching.mentor_id,
                  sa.func.count(sa.distinct(coaching_mentees.c.user_id)))
        .join(coaching_mentees, coaching_mentees.c.coaching_id == MentorCoaching.id)
        .where(in_period).group_by(MentorCoaching.mentor_id)
    )
    rating, count = rating_columns()
    ratings = _grouped(
        sa.select(MentorCoaching.mentor_id, rating, count)
        .join(MentorRating, MentorRating.coaching_id == MentorCoaching.id)
        .where(in_period).group_by(MentorCoaching.mentor_id)
    )
    bookings = _grouped(
        sa.select(MentorSlot.mentor_id, sa.func.count(MentorBooking.id),
                  sa.func.count(sa.case((MentorBooking.status == BookingStatus.no_show, 1))))
        .join(MentorBooking, MentorBooking.slot_id == MentorSlot.id)
        .where(MentorSlot.mentor_id.in_(in_pool), MentorSlot.starts_at >= from_,
               MentorSlot.starts_at < to, MentorBooking.status != BookingStatus.cancelled)
        .group_by(MentorSlot.mentor_id)
    )
    rows: list[dict[str, Any]] = []
    for mentor_id, name in mentors:
        total, done, minutes, entries, qualifying = coachings.get(mentor_id, (0, 0, 0, 0, 0))
        stars, rated = ratings.get(mentor_id, (None, 0))
        booked, no_shows = bookings.get(mentor_id, (0, 0))
        rows.append({
            "mentor_id": mentor_id, "name": name, "coachings": total, "confirmed": done,
            "minutes": int(minutes), "mentees": mentees.get(mentor_id, (0,))[0],
            "bookings": booked, "no_shows": no_shows, "rating": rating_value(stars),
            "ratings": rated, "entries": entries, "qualifying": qualifying,
            "meets_rule": qualifying >= rule.min_coachings,
        })
    return {"from": from_, "to": to, "rule": asdict(rule), "mentors": rows}
