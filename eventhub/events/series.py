"""Event series (系列化、常态化): an organization's recurring salons or camps grouped under one
title, with subscribers who get one mail for each new date published in it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from eventhub import audit, permissions
from eventhub.accounts.models import NAME_MAX, User
from eventhub.database import db, insert_unless_taken, transactional, utcnow
from eventhub.errors import ValidationFailed, raise_field_errors
from eventhub.events.models import Event, EventStatus, Series, SeriesNotice, SeriesSubscription
from eventhub.links import external_url
from eventhub.mail.services import queue_mail
from eventhub.orgs.models import Organization
from eventhub.text import check_text

TEXT_MAX = 10_000
#: The statuses of an event shown as a date of its series (published once, not withdrawn).
SHOWN = (EventStatus.published, EventStatus.closed, EventStatus.archived)


@transactional
def create_series(actor: User, org: Organization, title: Any, description: Any = "") -> Series:
    """Start a series of the organization (owners and organizers). Raises NotAllowed,
    ValidationFailed."""
    permissions.require(permissions.can_create_event, actor, org)
    title, title_error = check_text(title, limit=NAME_MAX, required=True)
    description, description_error = check_text(description, limit=TEXT_MAX)
    raise_field_errors({"title": title_error, "description": description_error})
    series = Series(organization=org, title=title, description=description or "")
    db.session.add(series)
    db.session.flush()
    audit.record("series.created", series, actor=actor, after={"title": series.title})
    return series


def check_series_of(event: Event, series_id: int | None) -> Series | None:
    """The series ``series_id`` names for ``event`` (None leaves any series). Raises
    ValidationFailed on ``series_id`` unless it is a series of the event's organization."""
    if series_id is None:
        return None
    series = db.session.get(Series, series_id) if _is_small_int(series_id) else None
    if series is None or series.org_id != event.org_id:
        raise ValidationFailed(
            fields={"series_id": _l("Choose a series of the event's organization.")}
        )
    return series


def _is_small_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**31


@transactional
def subscribe(user: User, series: Series) -> tuple[SeriesSubscription, bool]:
    """Subscribe ``user`` to the series' new dates; returns the subscription and whether it is
    new (subscribing twice keeps one: the unique pair decides, even for two requests at once)."""
    existing = subscription_of(user, series)
    if existing is not None:
        return existing, False
    subscription = SeriesSubscription(series_id=series.id, user_id=user.id)
    if not insert_unless_taken(subscription):
        found = subscription_of(user, series)
        assert found is not None
        return found, False
    return subscription, True


@transactional
def unsubscribe(user: User, series: Series) -> None:
    """End ``user``'s subscription to the series (nothing happens without one)."""
    db.session.execute(
        sa.delete(SeriesSubscription).where(
            SeriesSubscription.series_id == series.id, SeriesSubscription.user_id == user.id
        )
    )


def subscription_of(user: Any, series: Series) -> SeriesSubscription | None:
    """``user``'s subscription to the series, if any (None for anonymous visitors)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(
        sa.select(SeriesSubscription).where(
            SeriesSubscription.series_id == series.id, SeriesSubscription.user_id == user.id
        )
    )


def subscriber_count(series: Series) -> int:
    """How many people are subscribed to the series."""
    return db.session.scalar(
        sa.select(sa.func.count()).where(SeriesSubscription.series_id == series.id)
    ) or 0


def shown_dates(series_id: int) -> sa.ColumnElement[bool]:
    """Which events are dates of the series people may see (published, closed or archived;
    listed): the page's dates and the figures' (drafts and cancelled events are neither)."""
    return sa.and_(
        Event.series_id == series_id, Event.status.in_(SHOWN), Event.is_listed.is_(True)
    )


def series_events(series: Series) -> list[Event]:
    """The series' dates people may see (`shown_dates`), by start."""
    return list(db.session.scalars(
        sa.select(Event).where(shown_dates(series.id)).order_by(Event.starts_at, Event.id)
    ))


def org_series(org_id: int) -> list[Series]:
    """An organization's series, by title (the choices of its events' series)."""
    return list(db.session.scalars(
        sa.select(Series).where(Series.org_id == org_id).order_by(Series.title, Series.id)
    ))


@dataclass(frozen=True)
class SeriesDates:
    """A series' dates split at ``now``: those that have not ended, and those that have."""

    upcoming: list[Event]
    past: list[Event]


def dates_of(series: Series, now: datetime | None = None) -> SeriesDates:
    """The series' visible dates, upcoming soonest first and past latest first."""
    now = now or utcnow()
    events = series_events(series)
    return SeriesDates(
        upcoming=[e for e in events if e.ends_at >= now],
        past=[e for e in reversed(events) if e.ends_at < now],
    )


def notify_subscribers(event: Event) -> int:
    """Mail each subscriber of the event's series that it was published, in their language,
    once per person and event: a notice row is recorded with each mail (the unique pair),
    so publishing it again after a close mails nobody twice. Runs inside the publishing unit
    of work; returns how many mails were queued."""
    if event.series_id is None:
        return 0
    already = sa.select(SeriesNotice.user_id).where(SeriesNotice.event_id == event.id)
    users = db.session.scalars(
        sa.select(User)
        .join(SeriesSubscription, SeriesSubscription.user_id == User.id)
        .where(SeriesSubscription.series_id == event.series_id, User.id.not_in(already))
        .order_by(User.id)
    ).all()
    if not users:
        return 0
    series = db.session.get(Series, event.series_id)
    link = external_url("events.detail", event_id=event.id)
    series_link = external_url("series.detail", series_id=event.series_id)
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    queued = 0
    for user in users:
        if not insert_unless_taken(SeriesNotice(event_id=event.id, user_id=user.id)):
            continue
        queue_mail(user.email, "series_event_published", user.locale or default,
                   user=user, event=event, series=series, link=link, series_link=series_link)
        queued += 1
    return queued
