"""Mentors of an organization's pool, their office hours (slots), bookings of those slots and
the organization's mentor rule (绩效评估: at least ``min_coachings`` coachings a year of at
least ``min_minutes`` minutes)."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventhub.accounts.models import NAME_MAX, User
from eventhub.database import Base, UTCDateTime, utcnow

#: Default mentor rule (API.md): 10 coachings a year of at least 30 minutes.
DEFAULT_MIN_COACHINGS = 10
DEFAULT_MIN_MINUTES = 30


class SlotMode(enum.StrEnum):
    onsite = "onsite"
    online = "online"


class BookingStatus(enum.StrEnum):
    booked = "booked"
    cancelled = "cancelled"
    no_show = "no_show"


class Mentor(Base):
    """A person in an organization's mentor pool; ``public`` mentors show in the directory."""

    __tablename__ = "mentors"
    __table_args__ = (sa.UniqueConstraint("org_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(sa.String(NAME_MAX), default="")
    #: The mentor's own organization or employer (单位), not the pool's.
    affiliation: Mapped[str] = mapped_column(sa.String(NAME_MAX), default="")
    expertise: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    bio: Mapped[str] = mapped_column(sa.Text, default="")
    public: Mapped[bool] = mapped_column(default=True)
    photo_key: Mapped[str | None] = mapped_column(sa.String(NAME_MAX))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)

    @property
    def name(self) -> str:
        return self.user.name


class MentorSlot(Base):
    """Office hours: a time a mentor offers, onsite (at a space or an event) or online, for
    ``capacity`` people (1: a private session; more: a group clinic)."""

    __tablename__ = "mentor_slots"
    __table_args__ = (sa.Index("ix_mentor_slots_mentor_starts", "mentor_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mentor_id: Mapped[int] = mapped_column(sa.ForeignKey("mentors.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    mode: Mapped[SlotMode] = mapped_column(sa.Enum(SlotMode, native_enum=False, length=16))
    location: Mapped[str] = mapped_column(sa.String(NAME_MAX), default="")
    capacity: Mapped[int] = mapped_column(default=1)
    event_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("events.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    mentor: Mapped[Mentor] = relationship(lazy="joined", innerjoin=True)


class MentorBooking(Base):
    """A participant's place in a slot. ``live`` is True while the booking holds its place
    (booked or no-show) and NULL once cancelled: the unique (slot, user, live) constraint lets
    the database refuse a second live booking of one person in one slot on every backend
    (NULLs never collide), whatever the services do."""

    __tablename__ = "mentor_bookings"
    __table_args__ = (sa.UniqueConstraint("slot_id", "user_id", "live"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slot_id: Mapped[int] = mapped_column(
        sa.ForeignKey("mentor_slots.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    topic: Mapped[str] = mapped_column(sa.String(NAME_MAX))
    #: The booker's contest entry, if any (a plain id: mentors know no judging).
    entry_id: Mapped[int | None] = mapped_column()
    status: Mapped[BookingStatus] = mapped_column(
        sa.Enum(BookingStatus, native_enum=False, length=16), default=BookingStatus.booked
    )
    live: Mapped[bool | None] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: What the mentor or an organizer told the booker when cancelling.
    cancel_message: Mapped[str] = mapped_column(sa.Text, default="")
    #: When the day-before reminder was queued (once per booking).
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    slot: Mapped[MentorSlot] = relationship(lazy="joined", innerjoin=True)
    user: Mapped[User] = relationship()


class MentorRule(Base):
    """An organization's mentor rule (absent: the defaults)."""

    __tablename__ = "mentor_rules"

    org_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    min_coachings: Mapped[int] = mapped_column(default=DEFAULT_MIN_COACHINGS)
    min_minutes: Mapped[int] = mapped_column(default=DEFAULT_MIN_MINUTES)


class CoachingMode(enum.StrEnum):
    onsite = "onsite"
    online = "online"
    phone = "phone"


class CoachingStatus(enum.StrEnum):
    logged = "logged"
    confirmed = "confirmed"


#: The people a coaching served (辅导对象), each at most once.
coaching_mentees = sa.Table(
    "coaching_mentees",
    Base.metadata,
    sa.Column("coaching_id", sa.ForeignKey("mentor_coachings.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True,
              index=True),
)


class MentorCoaching(Base):
    """A coaching record (辅导记录) the mentor (or an organizer) logged; a mentee confirms it."""

    __tablename__ = "mentor_coachings"
    __table_args__ = (sa.Index("ix_mentor_coachings_mentor_started", "mentor_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mentor_id: Mapped[int] = mapped_column(sa.ForeignKey("mentors.id", ondelete="CASCADE"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    minutes: Mapped[int] = mapped_column()
    mode: Mapped[CoachingMode] = mapped_column(sa.Enum(CoachingMode, native_enum=False,
                                                       length=16))
    topic: Mapped[str] = mapped_column(sa.String(NAME_MAX))
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    booking_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("mentor_bookings.id", ondelete="SET NULL"), index=True
    )
    #: The contest entry coached, if any (a plain id: mentors know no judging).
    entry_id: Mapped[int | None] = mapped_column(index=True)
    status: Mapped[CoachingStatus] = mapped_column(
        sa.Enum(CoachingStatus, native_enum=False, length=16), default=CoachingStatus.logged
    )
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    mentor: Mapped[Mentor] = relationship(lazy="joined", innerjoin=True)
    mentees: Mapped[list[User]] = relationship(secondary=coaching_mentees, order_by=User.id)


class MentorRating(Base):
    """A mentee's rating of a coaching (1–5 stars), once; comments are for organizers."""

    __tablename__ = "mentor_ratings"
    __table_args__ = (sa.UniqueConstraint("coaching_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    coaching_id: Mapped[int] = mapped_column(
        sa.ForeignKey("mentor_coachings.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    stars: Mapped[int] = mapped_column()
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
