"""What the live check-in dashboard (door staff and organizers) shows, read in a few statements.

Per list: expected, checked in, inside (`services.stats`). For one list (the main one unless
asked): arrivals per 5 minutes on the day of its latest arrival, in the event's time zone,
bucketed in Python from the arrival times (portable across SQLite, PostgreSQL and MariaDB,
bounded to that day). The latest scans of every list, and ok entries per device.
An arrival is an ``ok`` entry scan that was not reverted.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from eventhub.accounts.models import User
from eventhub.checkin import services
from eventhub.checkin.models import CheckinList, Scan, ScanStatus, ScanType
from eventhub.database import db, utcnow
from eventhub.events.models import Event
from eventhub.registrations.models import Registration

BUCKET = timedelta(minutes=5)
LATEST = 20
#: At most this many arrival times are read for one day's chart.
MAX_ARRIVALS = 100_000

# The chart's drawing box (SVG user units); the page scales it to its width.
WIDTH, HEIGHT = 360, 200
LEFT, RIGHT, TOP, BOTTOM = 34, 18, 12, 28
X_TICK_STEPS = (5, 10, 15, 30, 60, 120, 180, 240, 360, 720)
Y_TICK_STEPS = (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000)


@dataclass(frozen=True)
class ListNumbers:
    checkin_list: CheckinList
    expected: int
    checked_in: int
    inside: int


@dataclass(frozen=True)
class Bucket:
    #: Aware datetimes in the event's zone.
    start: datetime
    count: int

    @property
    def end(self) -> datetime:
        return self.start + BUCKET


@dataclass(frozen=True)
class Bar:
    bucket: Bucket
    x: float
    y: float
    width: float
    height: float


@dataclass
class Chart:
    """Arrivals per 5 minutes on one day, laid out for an SVG bar chart."""

    checkin_list: CheckinList | None
    day: date | None
    buckets: list[Bucket]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM
    bars: list[Bar] = field(default_factory=list)
    #: (x, "09:30") along the time axis, (y, 20) along the count axis.
    x_ticks: list[tuple[float, str]] = field(default_factory=list)
    y_ticks: list[tuple[float, int]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(b.count for b in self.buckets)

    @property
    def peak(self) -> Bucket | None:
        return max(self.buckets, key=lambda b: b.count, default=None)


@dataclass(frozen=True)
class LatestScan:
    id: int
    at: datetime
    status: ScanStatus
    type: ScanType
    name: str | None
    list_name: str
    device: str
    by: str | None
    reverted: bool


@dataclass(frozen=True)
class DeviceCount:
    device: str
    count: int
    last_at: datetime


@dataclass
class Dashboard:
    event: Event
    lists: list[ListNumbers]
    chart: Chart
    latest: list[LatestScan]
    devices: list[DeviceCount]
    at: datetime


def dashboard(event: Event, list_id: int | None = None, now: datetime | None = None) -> Dashboard:
    """Everything the dashboard page shows; the chart is of list ``list_id`` (default: the
    main list; an id not of this event means the main list too)."""
    now = now or utcnow()
    lists = services.lists_of(event)
    numbers = [ListNumbers(lst, **services.stats(lst)) for lst in lists]
    chart_list = next((lst for lst in lists if lst.id == list_id), lists[0] if lists else None)
    return Dashboard(
        event=event,
        lists=numbers,
        chart=chart(event, chart_list, now) if chart_list else Chart(None, None, []),
        latest=latest_scans(event),
        devices=device_counts(event),
        at=now,
    )


def _arrival(list_ids: sa.ColumnElement | list[int]) -> sa.ColumnElement[bool]:
    return sa.and_(Scan.list_id.in_(list_ids), services.scan_checks_in())


def _event_lists(event: Event) -> sa.Select:
    return sa.select(CheckinList.id).where(CheckinList.event_id == event.id)


def arrivals(event: Event, checkin_list: CheckinList, now: datetime) -> tuple[date | None,
                                                                            list[Bucket]]:
    """The day of the list's latest arrival and its arrivals per 5 minutes (local time), from
    the first bucket with an arrival to the last one (to now's bucket when that day is today)."""
    tz = event.tz
    last = db.session.scalar(sa.select(sa.func.max(Scan.at)).where(_arrival([checkin_list.id])))
    if last is None:
        return None, []
    day = last.astimezone(tz).date()
    start = datetime.combine(day, time(0), tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    times = db.session.scalars(
        sa.select(Scan.at)
        .where(_arrival([checkin_list.id]), Scan.at >= start, Scan.at < end)
        .limit(MAX_ARRIVALS)
    )
    counts = Counter(_floor(t.astimezone(tz)) for t in times)
    first, final = min(counts), max(counts)
    local_now = now.astimezone(tz)
    if local_now.date() == day and local_now > final:
        final = _floor(local_now)
    buckets = []
    step = first
    while step <= final:
        buckets.append(Bucket(step, counts.get(step, 0)))
        # Step in UTC and convert back: wall-clock steps go wrong across a DST change.
        step = (step.astimezone(UTC) + BUCKET).astimezone(tz)
    return day, buckets


def _floor(local: datetime) -> datetime:
    return local.replace(minute=local.minute - local.minute % 5, second=0, microsecond=0)


def chart(event: Event, checkin_list: CheckinList, now: datetime) -> Chart:
    """The list's arrivals laid out as bars with ticks on both axes."""
    day, buckets = arrivals(event, checkin_list, now)
    result = Chart(checkin_list=checkin_list, day=day, buckets=buckets)
    if not buckets:
        return result
    plot_w = result.right - result.left
    plot_h = result.bottom - result.top
    top_value, y_step = _nice_top(max(b.count for b in buckets))
    slot = plot_w / len(buckets)
    gap = min(1.0, slot * 0.15)
    for i, bucket in enumerate(buckets):
        height = plot_h * bucket.count / top_value
        result.bars.append(
            Bar(
                bucket=bucket,
                x=round(result.left + i * slot + gap / 2, 2),
                y=round(result.bottom - height, 2),
                width=round(max(slot - gap, 0.5), 2),
                height=round(height, 2),
            )
        )
    result.y_ticks = [
        (round(result.bottom - plot_h * v / top_value, 2), v)
        for v in range(0, top_value + 1, y_step)
    ]
    minutes = len(buckets) * 5
    x_step = next((s for s in X_TICK_STEPS if minutes / s <= 6), X_TICK_STEPS[-1])
    for i, bucket in enumerate(buckets):
        minute_of_day = bucket.start.hour * 60 + bucket.start.minute
        if minute_of_day % x_step == 0:
            result.x_ticks.append(
                (round(result.left + i * slot, 2), bucket.start.strftime("%H:%M"))
            )
    return result


def _nice_top(peak: int) -> tuple[int, int]:
    """A round top for the count axis and its tick step (at most 4 steps)."""
    step = next((s for s in Y_TICK_STEPS if peak / s <= 4), Y_TICK_STEPS[-1])
    return max(step, math.ceil(peak / step) * step), step


def latest_scans(event: Event, limit: int = LATEST) -> list[LatestScan]:
    """The event's latest scans at any of its lists, newest first."""
    rows = db.session.execute(
        sa.select(
            Scan.id,
            Scan.at,
            Scan.status,
            Scan.type,
            Registration.name,
            CheckinList.name.label("list_name"),
            Scan.device,
            User.name.label("by"),
            Scan.reverted_at,
        )
        .join(CheckinList, CheckinList.id == Scan.list_id)
        .outerjoin(Registration, Registration.id == Scan.registration_id)
        .outerjoin(User, User.id == Scan.user_id)
        .where(CheckinList.event_id == event.id)
        .order_by(Scan.id.desc())
        .limit(limit)
    )
    return [
        LatestScan(
            id=r.id,
            at=r.at,
            status=r.status,
            type=r.type,
            name=r.name,
            list_name=r.list_name,
            device=r.device,
            by=r.by,
            reverted=r.reverted_at is not None,
        )
        for r in rows
    ]


def device_counts(event: Event) -> list[DeviceCount]:
    """Arrivals per scanning device over the event's lists, the busiest first."""
    rows = db.session.execute(
        sa.select(
            Scan.device, sa.func.count(Scan.id).label("n"), sa.func.max(Scan.at).label("last")
        )
        .where(_arrival(_event_lists(event)))
        .group_by(Scan.device)
        .order_by(sa.func.count(Scan.id).desc(), Scan.device)
    )
    return [DeviceCount(r.device, r.n, r.last) for r in rows]
