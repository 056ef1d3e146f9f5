"""Investor interest at roadshows (融资对接): an investor's mark on a contest entry and the
connection that shares both sides' contact details once the team accepts it.

Consent (PIPL): sharing contact details with the other side is a purpose of its own, so it
needs its own consent from each side, recorded with the time and the version of the text that
was shown. The investor gives theirs on the mark (``share_consent_at``), the team's leader
gives theirs by accepting; the connection row keeps both copies, so what was agreed to stays
on record even if the mark changes later.
"""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventhub.accounts.models import User
from eventhub.database import Base, UTCDateTime, utcnow
from eventhub.judging.models import Entry

#: Longest note an investor may leave with a mark.
NOTE_MAX = 1000


class InterestLevel(enum.StrEnum):
    """How far an investor's interest goes, from least to most (感兴趣 / 想约谈 / 要BP)."""

    interested = "interested"
    meeting = "meeting"
    bp = "bp"


class InvestorInterest(Base):
    """An investor's mark on an entry: one per investor and entry (the database decides), its
    level changed by marking again. The team sees it without the investor's identity."""

    __tablename__ = "investor_interests"
    __table_args__ = (sa.UniqueConstraint("entry_id", "investor_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(sa.ForeignKey("entries.id", ondelete="CASCADE"))
    investor_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    level: Mapped[InterestLevel] = mapped_column(
        sa.Enum(InterestLevel, native_enum=False, length=16)
    )
    #: For the team, shown only once connected (it may name the investor).
    note: Mapped[str] = mapped_column(sa.String(NOTE_MAX), default="")
    #: The investor's consent to share their contact details with the team if it accepts:
    #: when, and which text (`investors.SHARE_CONSENT_VERSION`); None: not given (or withdrawn).
    share_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    share_consent_version: Mapped[str] = mapped_column(sa.String(32), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    entry: Mapped[Entry] = relationship()
    investor: Mapped[User] = relationship()


class InvestorConnection(Base):
    """A mark the team accepted (对接成功): its investor and the leader who accepted see each
    other's contact details, with both consents on record. One per mark."""

    __tablename__ = "investor_connections"

    id: Mapped[int] = mapped_column(primary_key=True)
    interest_id: Mapped[int] = mapped_column(
        sa.ForeignKey("investor_interests.id", ondelete="CASCADE"), unique=True
    )
    entry_id: Mapped[int] = mapped_column(
        sa.ForeignKey("entries.id", ondelete="CASCADE"), index=True
    )
    investor_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    #: The leader who accepted (and consented); a later leader of the entry sees nothing.
    leader_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    investor_consent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    investor_consent_version: Mapped[str] = mapped_column(sa.String(32))
    leader_consent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    leader_consent_version: Mapped[str] = mapped_column(sa.String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    interest: Mapped[InvestorInterest] = relationship()
    entry: Mapped[Entry] = relationship()
    investor: Mapped[User] = relationship(foreign_keys=[investor_id])
    leader: Mapped[User] = relationship(foreign_keys=[leader_id])
