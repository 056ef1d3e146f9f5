"""Check-in lists (the main door, or one session) and the scans made at them."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventhub.accounts.models import NAME_MAX
from eventhub.database import Base, UTCDateTime, utcnow
from eventhub.events.models import Event, EventSession
from eventhub.registrations.models import Registration


class ScanType(enum.StrEnum):
    entry = "entry"
    exit = "exit"


class ScanStatus(enum.StrEnum):
    ok = "ok"
    already_checked_in = "already_checked_in"
    invalid = "invalid"
    wrong_event = "wrong_event"
    not_on_list = "not_on_list"
    not_confirmed = "not_confirmed"
    cancelled = "cancelled"


#: The scans that are check-ins: ok entries, not reverted (the partial index's condition).
CHECKED_IN = "status = 'ok' AND type = 'entry' AND reverted_at IS NULL"


class CheckinList(Base):
    """A door to check people in at: the whole event (the main list) or one session."""

    __tablename__ = "checkin_lists"
    __table_args__ = (sa.UniqueConstraint("event_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(NAME_MAX))
    #: Only those who booked this session are on the list; None: everyone confirmed.
    session_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("event_sessions.id", ondelete="CASCADE")
    )
    #: Every event has exactly one main list, made with the event.
    is_main: Mapped[bool] = mapped_column(default=False)
    #: With re-entry, an entry after an exit is ok; without, a second entry never is.
    allow_reentry: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[Event] = relationship()
    session: Mapped[EventSession | None] = relationship()


class Scan(Base):
    """One scan at a door, whatever its outcome. An ``ok`` scan is a check-in (or an exit)."""

    __tablename__ = "scans"
    __table_args__ = (
        #: The current state of a person at a list: their latest ok, unreverted scan.
        sa.Index("ix_scans_state", "list_id", "registration_id", "status"),
        sa.Index("ix_scans_list_at", "list_id", "at"),
        #: Check-ins (ok entry scans, not reverted) by registration: the reports match many
        #: events' registrations with them from this index alone (is_checked_in).
        sa.Index("ix_scans_checked_in", "registration_id", "list_id",
                 postgresql_where=sa.text(CHECKED_IN), sqlite_where=sa.text(CHECKED_IN)),
        #: A nonce is the device's name for one scan at one list: a retried upload of it
        #: records nothing new. Scoped to the list, so a nonce sent at another list (another
        #: event, another organization) is a scan of its own and never sees this answer.
        sa.UniqueConstraint("list_id", "nonce"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(sa.ForeignKey("checkin_lists.id", ondelete="CASCADE"))
    #: Chosen by the scanning device; a retried upload with the same nonce at the same list
    #: records nothing new (unique per list, see above).
    nonce: Mapped[str] = mapped_column(sa.String(64))
    #: The code as normalized by the server.
    code: Mapped[str] = mapped_column(sa.String(64))
    type: Mapped[ScanType] = mapped_column(sa.Enum(ScanType, native_enum=False, length=8))
    status: Mapped[ScanStatus] = mapped_column(sa.Enum(ScanStatus, native_enum=False, length=24))
    registration_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("registrations.id", ondelete="SET NULL")
    )
    #: When the server recorded it; ``client_at``: when the device scanned it (offline queue).
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    client_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    device: Mapped[str] = mapped_column(sa.String(64), default="")
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    reverted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reverted_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    #: The answer given the first time, returned unchanged to a replay of the nonce.
    response: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)

    checkin_list: Mapped[CheckinList] = relationship()
    registration: Mapped[Registration | None] = relationship()
