"""Categories, custom questions, registrations and the sessions they booked."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventhub.accounts.models import EMAIL_MAX, NAME_MAX, User
from eventhub.database import Base, UTCDateTime, utcnow
from eventhub.events.models import Event, EventSession

#: The longest name on the welcome wall: it must fit a tile of the screen.
WALL_NAME_MAX = 20


class QuestionKind(enum.StrEnum):
    text = "text"
    textarea = "textarea"
    choice = "choice"
    multichoice = "multichoice"
    number = "number"
    email = "email"
    phone = "phone"
    date = "date"
    checkbox = "checkbox"


class RegistrationStatus(enum.StrEnum):
    pending = "pending"
    confirmed = "confirmed"
    waitlisted = "waitlisted"
    rejected = "rejected"
    cancelled = "cancelled"


class RegistrationSource(enum.StrEnum):
    self = "self"
    organizer = "organizer"
    imported = "imported"
    walk_in = "walk_in"


class Category(Base):
    """参会类型: audience, founder, investor, media, guest… each with its own places."""

    __tablename__ = "categories"
    __table_args__ = (
        sa.UniqueConstraint("event_id", "name"),
        sa.CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(NAME_MAX))
    description: Mapped[str] = mapped_column(sa.String(500), default="")
    #: None: no limit of its own (the event's capacity still applies).
    capacity: Mapped[int | None]
    requires_approval: Mapped[bool] = mapped_column(default=False)
    #: Investors (投资人): its confirmed registrants mark interest in the event's entries
    #: (融资对接, eventhub.engagement.investors).
    investor: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)

    event: Mapped[Event] = relationship()


class Question(Base):
    """One field of an event's registration form."""

    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    label: Mapped[str] = mapped_column(sa.String(NAME_MAX))
    kind: Mapped[QuestionKind] = mapped_column(sa.Enum(QuestionKind, native_enum=False, length=16))
    required: Mapped[bool] = mapped_column(default=False)
    #: The choices of choice and multichoice questions, in order.
    options: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    help_text: Mapped[str] = mapped_column(sa.String(500), default="")
    position: Mapped[int] = mapped_column(default=0)


class Registration(Base):
    __tablename__ = "registrations"
    __table_args__ = (
        # One registration per person per event: the database decides, not a form query.
        sa.UniqueConstraint("event_id", "user_id"),
        #: Counting places (event, status) and walking the waitlist in arrival order.
        sa.Index("ix_registrations_waitlist", "event_id", "status", "queued_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    #: None once the account was deleted (the registration stays, anonymized, for the counts).
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    category_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("categories.id", ondelete="RESTRICT"), index=True
    )
    status: Mapped[RegistrationStatus] = mapped_column(
        sa.Enum(RegistrationStatus, native_enum=False, length=16)
    )
    source: Mapped[RegistrationSource] = mapped_column(
        sa.Enum(RegistrationSource, native_enum=False, length=16), default=RegistrationSource.self
    )
    # The standard fields, confirmed on the form (a snapshot: the account may change later).
    name: Mapped[str] = mapped_column(sa.String(NAME_MAX))
    email: Mapped[str] = mapped_column(sa.String(EMAIL_MAX), default="")
    phone: Mapped[str] = mapped_column(sa.String(32), default="", index=True)
    organization: Mapped[str] = mapped_column(sa.String(NAME_MAX), default="")
    job_title: Mapped[str] = mapped_column(sa.String(NAME_MAX), default="")
    #: Answers to the event's questions: {"<question id>": value}.
    answers: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    #: 26 Crockford base32 characters (130 random bits); set when first confirmed.
    ticket_code: Mapped[str | None] = mapped_column(sa.String(26), unique=True)
    #: Which privacy notice was accepted, and when.
    consent_version: Mapped[str] = mapped_column(sa.String(32), default="")
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The registrant's consent to appear on the event's welcome wall (签到墙) once checked in
    #: (never pre-ticked; only they may change it), and the name shown there ("": the default,
    #: the surname followed by ``**``).
    show_on_wall: Mapped[bool] = mapped_column(default=False)
    wall_name: Mapped[str] = mapped_column(sa.String(WALL_NAME_MAX), default="")
    #: Arrival order on the waitlist.
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: For door staff: VIP, dietary needs, "needs an interpreter".
    notes: Mapped[str] = mapped_column(sa.String(1000), default="")
    decision_message: Mapped[str] = mapped_column(sa.String(1000), default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When the day-before reminder went out (so it goes out once).
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    anonymized_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    #: Set by `register` when it waitlists (it is then the last one): the position to answer
    #: with, without another count. Not kept up to date afterwards.
    known_position = None

    event: Mapped[Event] = relationship()
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    category: Mapped[Category | None] = relationship()
    sessions: Mapped[list[EventSession]] = relationship(
        secondary="registration_sessions", order_by="EventSession.starts_at"
    )


registration_sessions = sa.Table(
    "registration_sessions",
    Base.metadata,
    sa.Column(
        "registration_id",
        sa.ForeignKey("registrations.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column(
        "session_id",
        sa.ForeignKey("event_sessions.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)


@sa.event.listens_for(Category, "after_insert")
@sa.event.listens_for(Category, "after_update")
@sa.event.listens_for(Category, "after_delete")
@sa.event.listens_for(Question, "after_insert")
@sa.event.listens_for(Question, "after_update")
@sa.event.listens_for(Question, "after_delete")
def _form_changed(mapper: Any, connection: sa.Connection, target: Category | Question) -> None:
    """Any change of a category or question raises its event's form version, in the same
    flush, so a cached form (`queries.form_of`) is never used past a change.

    The event's copy in this session learns that its version is unknown (None: not cached)
    rather than being reloaded inside the flush."""
    connection.execute(
        sa.update(Event)
        .where(Event.id == target.event_id)
        .values(form_version=Event.form_version + 1)
    )
    session = sa.orm.object_session(target)
    event = session and session.identity_map.get(sa.orm.util.identity_key(Event, target.event_id))
    if event is not None:
        sa.orm.attributes.set_committed_value(event, "form_version", None)
