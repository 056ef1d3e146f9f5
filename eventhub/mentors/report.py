"""The mentor report (绩效评估) of an organization's pool over a period, as API.md defines it,
computed in the database with aggregate queries (one per kind of figure, grouped by mentor);
what the report page and the sponsors' spreadsheet (导师名单) make of it: periods, the table's
order, the mentors who fall short of the rule and the league table (排行榜)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _

from eventhub import audit, permissions
from eventhub.accounts.models import User
from eventhub.database import db, transactional
from eventhub.formatting import list_separator
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
from eventhub.periods import PRESETS as PRESETS
from eventhub.periods import period_of as period_of
from eventhub.periods import period_text
from eventhub.sheets import MIMETYPES, xlsx_bytes


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


# Periods: eventhub.periods (re-exported for the report's page and spreadsheet) ------------


def rule_text(rule: dict) -> str:
    """The rule in words: what a mentor must reach in the period to meet it."""
    return _("Rule: at least %(coachings)d coachings in the period, each confirmed by a mentee "
             "and of at least %(minutes)d minutes.", coachings=rule["min_coachings"],
             minutes=rule["min_minutes"])


# The page's views of the report --------------------------------------------------------------

#: The columns the report's table may be sorted by, and whether a first click sorts them
#: from the top (largest first) or from the bottom.
SORTABLE = {
    "name": False, "coachings": True, "confirmed": True, "qualifying": True, "minutes": True,
    "mentees": True, "bookings": True, "no_shows": True, "rating": True, "entries": True,
    "meets_rule": True,
}


def sorted_rows(rows: list[dict], column: str, descending: bool) -> list[dict]:
    """The report's rows by ``column`` (a `SORTABLE` key), mentors without a value (no rating
    yet) last either way; equal values keep the report's order (by name). By name, the report's
    own order (the database's collation) or its reverse."""
    if column == "name":
        return list(reversed(rows)) if descending else list(rows)
    valued = [row for row in rows if row[column] is not None]
    valued.sort(key=lambda row: row[column], reverse=descending)  # stable: ties stay by name
    return valued + [row for row in rows if row[column] is None]


def falling_short(report: dict) -> list[tuple[dict, int]]:
    """The mentors who do not meet the rule, each with how many qualifying coachings they
    lack, those lacking most first (then by name)."""
    need = report["rule"]["min_coachings"]
    short = [(row, need - row["qualifying"]) for row in report["mentors"] if not row["meets_rule"]]
    return sorted(short, key=lambda pair: -pair[1])


#: Places the league table (排行榜) shows; mentors tied on the last one all show.
LEAGUE_SIZE = 10


def league_table(report: dict, size: int = LEAGUE_SIZE) -> list[tuple[int, dict]]:
    """The league table for recognition: mentors with at least one qualifying coaching ranked
    by qualifying coachings, then minutes, then rating (a rating beats none), highest first.
    Mentors equal on all three share a rank and the next rank skips (1, 2, 2, 4), listed by name;
    every mentor ranked ``size`` or better is in."""
    def merit(row: dict) -> tuple:
        rating = row["rating"]
        return (row["qualifying"], row["minutes"], rating is not None, rating or 0)

    ranked = sorted((row for row in report["mentors"] if row["qualifying"] > 0), key=merit,
                    reverse=True)  # stable: ties stay by name
    table: list[tuple[int, dict]] = []
    for index, row in enumerate(ranked):
        rank = table[-1][0] if table and merit(table[-1][1]) == merit(row) else index + 1
        if rank > size:
            break
        table.append((rank, row))
    return table


# The sponsors' spreadsheet (导师名单) ---------------------------------------------------------


def _profiles(org_id: int) -> dict[int, tuple[str, str, list[str]]]:
    """{mentor_id: (title, organization, expertise)} of the pool's mentors."""
    rows = db.session.execute(
        sa.select(Mentor.id, Mentor.title, Mentor.affiliation, Mentor.expertise)
        .where(Mentor.org_id == org_id)
    ).all()
    return {row[0]: (row[1] or "", row[2] or "", list(row[3] or [])) for row in rows}


def sheet_table(report: dict, org_id: int) -> tuple[list[str], list[list[Any]]]:
    """The header and rows of the 导师名单 as sponsors ask for it: 姓名、单位/职务、专长、
    辅导次数、时长（分钟）、服务对象数、评分、是否达标. The counts are the period's logged
    coachings (as the report's ``coachings``, ``minutes``, ``mentees``); a rating below 3
    ratings is an empty cell."""
    header = [_("Name"), _("Organization / title"), _("Specialties"), _("Number of coachings"),
              _("Duration (minutes)"), _("People served"), _("Rating"), _("Meets the rule")]
    profiles = _profiles(org_id)
    separator = list_separator()
    yes, no = _("Yes"), _("No")
    rows = []
    for row in report["mentors"]:
        title, affiliation, expertise = profiles.get(row["mentor_id"], ("", "", []))
        rows.append([
            row["name"], " / ".join(part for part in (affiliation, title) if part),
            separator.join(expertise), row["coachings"], row["minutes"], row["mentees"],
            row["rating"], yes if row["meets_rule"] else no,
        ])
    return header, rows


@transactional
def export_report(
    actor: User, org: Organization, from_: datetime, to: datetime, tz: str
) -> tuple[bytes, str, str]:
    """The mentor report for ``[from_, to)`` as an Excel workbook (the sheet 导师名单, with the
    organization, the period in ``tz`` and the rule above the table); return (data, mimetype,
    filename). It names people: owners and organizers only, and each export is audited.
    Raises NotAllowed."""
    report = mentor_report(actor, org, from_, to)
    header, rows = sheet_table(report, org.id)
    lines = [
        f"{org.name} · {_('Mentor list')}",
        period_text(from_, to, tz),
        rule_text(report["rule"]),
        _("Coachings, duration and people served count every coaching logged in the period; "
          "meeting the rule counts the confirmed ones of at least the minimum length."),
    ]
    data = xlsx_bytes(_("Mentor list"), header, rows, lines, number_format="0.00")
    audit.record("mentor_report.exported", org, actor=actor, after={
        "format": "xlsx", "rows": len(rows), "from": from_.isoformat(), "to": to.isoformat()})
    zone = ZoneInfo(tz)
    first, last = from_.astimezone(zone), (to - timedelta(microseconds=1)).astimezone(zone)
    return data, MIMETYPES["xlsx"], f"mentor-report-{org.id}-{first:%Y%m%d}-{last:%Y%m%d}.xlsx"
