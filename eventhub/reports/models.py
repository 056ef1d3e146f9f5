"""Reporting's own tables: the photos organizers upload as evidence of an event (the subsidy
evidence pack's 照片/). They live here, beside the pack that uses them, rather than in events:
only reporting reads them and events may not import reports."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from eventhub.database import Base, UTCDateTime, utcnow


class EventPhoto(Base):
    """A photo of an event taken as evidence (JPEG or PNG, stored re-encoded without its
    metadata under `eventhub.uploads` kind ``evidence``)."""

    __tablename__ = "event_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    #: The stored file's key (`eventhub.uploads`), never the uploader's file name.
    key: Mapped[str] = mapped_column(sa.String(32), unique=True)
    #: ``JPEG`` or ``PNG``: the format the file was stored in.
    format: Mapped[str] = mapped_column(sa.String(8))
    #: Bytes of the stored (re-encoded) file.
    size: Mapped[int]
    uploaded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DashboardLink(Base):
    """A signed, expiring read-only link to an organization's dashboard, for people without an
    account (a sponsor's office). The signed key names the row, so the link stops working when
    it expires or is revoked; the key itself is never stored."""

    __tablename__ = "dashboard_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
