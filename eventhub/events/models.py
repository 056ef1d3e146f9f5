"""Events and their sessions."""

from __future__ import annotations

import enum
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventhub.accounts.models import NAME_MAX
from eventhub.database import Base, UTCDateTime, utcnow
from eventhub.orgs.models import Organization


class EventKind(enum.StrEnum):
    week = "week"
    contest = "contest"
    salon = "salon"
    camp = "camp"
    forum = "forum"
    roadshow = "roadshow"
    other = "other"


class EventStatus(enum.StrEnum):
    draft = "draft"
    published = "published"
    closed = "closed"
    archived = "archived"
    cancelled = "cancelled"


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (
        sa.CheckConstraint("ends_at >= starts_at", name="ends_after_start"),
        sa.CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity_not_negative"),
        sa.Index("ix_events_status_starts_at", "status", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(NAME_MAX))
    kind: Mapped[EventKind] = mapped_column(
        sa.Enum(EventKind, native_enum=False, length=16), default=EventKind.other
    )
    status: Mapped[EventStatus] = mapped_column(
        sa.Enum(EventStatus, native_enum=False, length=16), default=EventStatus.draft
    )
    #: Markdown as the organizer wrote it; rendered and sanitized on display.
    description: Mapped[str] = mapped_column(sa.Text, default="")
    venue: Mapped[str] = mapped_column(sa.String(NAME_MAX), default="")
    address: Mapped[str] = mapped_column(sa.String(500), default="")
    #: The person answerable for the event (负责人), as the reports and evidence name them.
    lead_name: Mapped[str] = mapped_column(sa.String(NAME_MAX), default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: IANA name; times are stored in UTC and shown in this zone.
    timezone: Mapped[str] = mapped_column(sa.String(64), default="Asia/Shanghai")
    #: None: no limit.
    capacity: Mapped[int | None]
    registration_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: None: registration stays open until the event starts.
    registration_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    registration_paused: Mapped[bool] = mapped_column(default=False)
    requires_approval: Mapped[bool] = mapped_column(default=False)
    #: The privacy notice participants accept when they register; its version is recorded
    #: with every consent and changes whenever the text does.
    privacy_notice: Mapped[str] = mapped_column(sa.Text, default="")
    privacy_version: Mapped[int] = mapped_column(default=1)
    #: Raised by every change of the registration form (its categories and questions, see
    #: eventhub.registrations.models), so that the form can be cached per version.
    form_version: Mapped[int] = mapped_column(default=0, server_default="0")
    #: Unlisted events are reachable by link but not on the home page.
    is_listed: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The series (系列活动) the event is a date of, if any; a series of the same organization.
    series_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("series.id", ondelete="SET NULL"), index=True
    )

    organization: Mapped[Organization] = relationship(lazy="joined", innerjoin=True)
    series: Mapped[Series | None] = relationship()
    sessions: Mapped[list[EventSession]] = relationship(
        back_populates="event",
        cascade="all, delete-orphan",
        order_by="(EventSession.starts_at, EventSession.id)",
    )

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def is_public(self) -> bool:
        return self.status in (EventStatus.published, EventStatus.closed, EventStatus.archived)

    def registration_open(self, now: datetime) -> bool:
        """Tell whether participants may register at ``now``."""
        if self.status != EventStatus.published or self.registration_paused:
            return False
        if self.registration_opens_at and now < self.registration_opens_at:
            return False
        closes = self.registration_closes_at or self.starts_at
        return now < closes


#: An organization's events, newest start first, as a query (``org.events.limit(10)``); declared
#: here because organizations come before events and know none.
Organization.events = relationship(
    Event, viewonly=True, lazy="dynamic", order_by=(Event.starts_at.desc(), Event.id)
)


class PartnerRole(enum.StrEnum):
    """A partner organization's part in an event; the event's own organization is its host
    (主办)."""

    co_host = "co_host"
    undertaker = "undertaker"
    supporter = "supporter"


class EventPartner(Base):
    """An organization that co-hosts (联合主办), undertakes (承办) or supports (协办) an event."""

    __tablename__ = "event_partners"

    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    org_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[PartnerRole] = mapped_column(sa.Enum(PartnerRole, native_enum=False, length=16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organization: Mapped[Organization] = relationship(lazy="joined", innerjoin=True)


#: An event's partners, by when they were added.
Event.partners = relationship(
    EventPartner,
    cascade="all, delete-orphan",
    order_by=(EventPartner.created_at, EventPartner.org_id),
)


class EventSession(Base):
    __tablename__ = "event_sessions"
    __table_args__ = (
        sa.CheckConstraint("ends_at >= starts_at", name="ends_after_start"),
        sa.CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(NAME_MAX))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    room: Mapped[str] = mapped_column(sa.String(NAME_MAX), default="")
    capacity: Mapped[int | None]

    event: Mapped[Event] = relationship(back_populates="sessions")


class Series(Base):
    """A series (系列活动) of an organization's recurring salons or camps: its events are its
    dates, people subscribe to hear of each new one."""

    __tablename__ = "series"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(NAME_MAX))
    #: Markdown as the organizer wrote it; rendered and sanitized on display.
    description: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organization: Mapped[Organization] = relationship(lazy="joined", innerjoin=True)


class SeriesSubscription(Base):
    """Someone who wants a mail when a new date of the series is published."""

    __tablename__ = "series_subscriptions"
    __table_args__ = (sa.UniqueConstraint("series_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(sa.ForeignKey("series.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SeriesNotice(Base):
    """The mail that told a subscriber of an event of the series: at most one per person per
    event (the unique pair), so publishing again after a close mails nobody twice."""

    __tablename__ = "series_notices"
    __table_args__ = (sa.UniqueConstraint("event_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
