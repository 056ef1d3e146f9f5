"""Periods of the reports: half-open ``[from, to)`` pairs of aware datetimes (API.md,
Conventions: "Periods (``?from=&to=``) are half-open"), the calendar periods people name
(a month ``2026-05``, a quarter ``2026-Q2``, a year ``2026``), the presets the report pages offer,
the months a period covers and the period in words. A base module: the mentor report, the
organizations' and alliances' reports, their exports and dashboards all take their periods here.

The platform's time zone (``BABEL_DEFAULT_TIMEZONE``, from ``EVENTHUB_TIMEZONE``, Asia/Shanghai by
default) is the organizations' zone: a date means its midnight there and months are its months.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from eventhub.errors import ValidationFailed
from eventhub.formatting import format_zone

#: The earliest and latest bounds a period may have.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)

#: The longest period a report covers (its months are listed one by one): 20 years.
MAX_MONTHS = 240


def platform_tz() -> str:
    """The platform's (and so the organizations') time zone, e.g. ``"Asia/Shanghai"``."""
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def today(tz: str) -> date:
    """Today's date in the zone ``tz``."""
    return datetime.now(ZoneInfo(tz)).date()


def period_of(first: date, last: date, tz: str) -> tuple[datetime, datetime]:
    """The report's ``[from, to)`` for the days ``first`` to ``last`` (both included) in the
    zone ``tz``: from the midnight starting ``first`` to the one ending ``last``."""
    zone = ZoneInfo(tz)
    return (datetime.combine(first, time(), zone),
            datetime.combine(last + timedelta(days=1), time(), zone))


def year_ago(day: date) -> date:
    """The same day a year earlier (28 February for 29 February)."""
    return day.replace(year=day.year - 1, day=min(day.day, 28) if day.month == 2 else day.day)


#: The periods the report pages offer in one tap: their first and last days for ``today``.
PRESETS: dict[str, Callable[[date], tuple[date, date]]] = {
    "this_year": lambda today: (date(today.year, 1, 1), date(today.year, 12, 31)),
    "last_year": lambda today: (date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)),
    "last_12_months": lambda today: (year_ago(today) + timedelta(days=1), today),
}


def period_text(from_: datetime, to: datetime, tz: str) -> str:
    """The period in words for the spreadsheets: its days when both bounds are midnights in
    ``tz`` ("2026-01-01 至 2026-12-31", the end day included), else its exact times."""
    zone = ZoneInfo(tz)
    start, end = from_.astimezone(zone), to.astimezone(zone)
    where = format_zone(tz, start)
    if start.time() == time() and end.time() == time():
        return _("Period: %(first)s to %(last)s, in %(zone)s.", first=start.date().isoformat(),
                 last=(end.date() - timedelta(days=1)).isoformat(), zone=where)
    return _("Period: from %(start)s until before %(end)s, in %(zone)s.",
             start=start.strftime("%Y-%m-%d %H:%M"), end=end.strftime("%Y-%m-%d %H:%M"),
             zone=where)


# Calendar periods ---------------------------------------------------------------------------

_NAMED = re.compile(r"^(\d{4})(?:-(?:(0[1-9]|1[0-2])|Q([1-4])))?$")


def _month_start(year: int, month: int, zone: ZoneInfo) -> datetime:
    """The midnight starting month ``month`` (1–12, or 13 for next January) of ``year``."""
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return datetime(year, month, 1, tzinfo=zone)


def named_period(name: str, tz: str) -> tuple[datetime, datetime, str]:
    """``[from, to)`` and a label in the request's language of the calendar period ``name``
    in the zone ``tz``: a month ``"2026-05"`` (2026年5月), a quarter ``"2026-Q2"`` (2026年第2季度)
    or a year ``"2026"`` (2026年). Raises ValueError for any other name."""
    match = _NAMED.match(name.strip()) if isinstance(name, str) else None
    if match is None or not 1970 <= int(match[1]) < 2200:
        raise ValueError(f"not a month, quarter or year: {name!r}")
    zone, year = ZoneInfo(tz), int(match[1])
    if match[2]:
        month = int(match[2])
        return (_month_start(year, month, zone), _month_start(year, month + 1, zone),
                _("%(year)d-%(month)02d", year=year, month=month))
    if match[3]:
        quarter = int(match[3])
        first = 3 * (quarter - 1) + 1
        return (_month_start(year, first, zone), _month_start(year, first + 3, zone),
                _("Q%(quarter)d %(year)d", quarter=quarter, year=year))
    return (_month_start(year, 1, zone), _month_start(year + 1, 1, zone),
            _("Year %(year)d", year=year))


def months(from_: datetime, to: datetime, tz: str) -> list[tuple[str, datetime, datetime]]:
    """Every month of the zone ``tz`` that ``[from_, to)`` touches, in order, each as
    ``("2026-05", its first midnight, the next month's)`` (whole months, not clipped)."""
    zone = ZoneInfo(tz)
    start = from_.astimezone(zone)
    last = (to - timedelta(microseconds=1)).astimezone(zone)
    out = []
    year, month = start.year, start.month
    while (year, month) <= (last.year, last.month):
        out.append((f"{year:04d}-{month:02d}", _month_start(year, month, zone),
                    _month_start(year, month + 1, zone)))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


# The API's ?from=&to= -----------------------------------------------------------------------

#: What a bound that does not parse is told (the API's period arguments).
BAD_BOUND = _l("Enter a date (2026-05-01) or a date and time with its offset "
                "(2026-05-01T09:00:00+08:00).")


def parse_bound(text: str, tz: str) -> datetime:
    """A period's bound from a query string: an ISO 8601 date (its midnight in ``tz``) or
    date-time with an offset (kept as given). Raises ValueError for anything else, a time
    without an offset, or one outside 1970–2200."""
    text = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        moment = datetime.combine(date.fromisoformat(text), time(), ZoneInfo(tz))
    elif re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?"
                      r"(Z|[+-]\d{2}:?\d{2})", text):
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    else:
        raise ValueError(f"not a date or a date-time with offset: {text!r}")
    if not EARLIEST <= moment <= LATEST:
        raise ValueError(f"out of range: {text!r}")
    return moment


def parse_period(from_text: str | None, to_text: str | None, tz: str,
                 on: date | None = None) -> tuple[datetime, datetime]:
    """The period ``[from, to)`` of the API's ``?from=&to=`` (API.md, Conventions) in the zone
    ``tz``: each bound an ISO date (its midnight in ``tz``) or date-time with offset; a bound
    left out (or empty) is this calendar year's (1 January of the year of ``on``, today by
    default, and 1 January of the next). Raises ValidationFailed (422) with a field error on
    ``from`` or ``to`` for a bound that does not parse, on ``to`` when ``from`` is not before
    ``to`` or the period is longer than `MAX_MONTHS` months."""
    year = (on or today(tz)).year
    bounds, errors = [], {}
    for field, text, default in (("from", from_text, date(year, 1, 1)),
                                 ("to", to_text, date(year + 1, 1, 1))):
        if text is None or not str(text).strip():
            bounds.append(datetime.combine(default, time(), ZoneInfo(tz)))
            continue
        try:
            bounds.append(parse_bound(str(text), tz))
        except ValueError:
            errors[field] = str(BAD_BOUND)
    if errors:
        raise ValidationFailed(fields=errors)
    start, end = bounds
    if start >= end:
        raise ValidationFailed(fields={"to": _("The end must be after the start.")})
    if len(months(start, end, tz)) > MAX_MONTHS:
        raise ValidationFailed(fields={"to": _(
            "A period covers at most %(years)d years.", years=MAX_MONTHS // 12)})
    return start, end
