"""A series' figures (系列活动): attendance per date, total attendance, distinct and returning
participants, each counted by one aggregate query in the database.

Definitions:

- A series' **dates** are its events people may see (`events.series.shown_dates`: published,
  closed or archived, listed): the dates its page shows. Drafts, cancelled and unlisted events
  count for nothing.
- A date's **checked in** is the event's ``checked_in`` (`checkin.services.is_checked_in`, the
  one definition the event's stats use: confirmed registrations checked in at the main list
  at least once, reverted check-ins not counting).
- **Total attendance** adds the dates' checked in (someone at three dates counts three times).
- A **participant** is a person checked in at one date at least, counted once, known as the
  organizations' reports know them (`reports.organizations.person_key`: the account when the
  registration has one, else its email trimmed and lower-cased, else its phone, else the
  registration itself, as for an anonymized one).
- **Returning participants** are those checked in at two dates of the series or more.

These are counts, never names: the series page shows them to everyone, like the number of
subscribers (they say how the series goes, not who came).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from eventhub.checkin.services import is_checked_in
from eventhub.database import db
from eventhub.events.models import Event, Series
from eventhub.events.series import shown_dates
from eventhub.registrations.models import Registration
from eventhub.reports.organizations import person_key

#: Checked in at this many dates of a series or more: a returning participant.
RETURNING_AT = 2


def _checked_in(series: Series, *columns: Any) -> sa.Subquery:
    """``columns`` of the registrations checked in at a date of the series."""
    dates = sa.select(Event.id).where(shown_dates(series.id))
    return (
        sa.select(*columns)
        .where(Registration.event_id.in_(dates), is_checked_in())
        .subquery()
    )


def _per_date(series: Series) -> list[sa.Row]:
    """``(id, title, starts_at, ends_at, timezone, checked_in)`` per date of the series, by
    start, in one grouped query."""
    checked = _checked_in(series, Registration.event_id)
    return list(db.session.execute(
        sa.select(Event.id, Event.title, Event.starts_at, Event.ends_at, Event.timezone,
                  sa.func.count(checked.c.event_id))
        .outerjoin(checked, checked.c.event_id == Event.id)
        .where(shown_dates(series.id))
        .group_by(Event.id, Event.title, Event.starts_at, Event.ends_at, Event.timezone)
        .order_by(Event.starts_at, Event.id)
    ).all())


def attendance(series: Series) -> dict[int, int]:
    """``{event id: checked in}`` for each date of the series (0 for a date nobody attended
    yet), in one grouped query."""
    return {row[0]: row[-1] for row in _per_date(series)}


def participants(series: Series) -> tuple[int, int]:
    """``(participants, returning)``: the distinct people checked in at a date of the series,
    and those of them checked in at `RETURNING_AT` dates or more, in one query."""
    key = person_key().label("person")
    checked = _checked_in(series, key, Registration.event_id)
    per_person = (
        sa.select(checked.c.person, sa.func.count(sa.distinct(checked.c.event_id)).label("n"))
        .group_by(checked.c.person)
        .subquery()
    )
    people, returning = db.session.execute(
        sa.select(sa.func.count(),
                  sa.func.coalesce(sa.func.sum(sa.case((per_person.c.n >= RETURNING_AT, 1),
                                                       else_=0)), 0))
        .select_from(per_person)
    ).one()
    return people or 0, returning or 0


def series_figures(series: Series) -> dict[str, Any]:
    """``{dates: [{id, title, starts_at, ends_at, timezone, checked_in}] (by start), total,
    participants, returning, peak}``: the series' figures (``peak`` is the best attended
    date's checked in, the chart's scale). Two queries whatever the series holds."""
    dates = [{"id": id_, "title": title, "starts_at": starts_at, "ends_at": ends_at,
              "timezone": timezone, "checked_in": n}
             for id_, title, starts_at, ends_at, timezone, n in _per_date(series)]
    people, returning = participants(series)
    counts = [d["checked_in"] for d in dates]
    return {
        "dates": dates,
        "total": sum(counts),
        "participants": people,
        "returning": returning,
        "peak": max(counts, default=0),
    }
