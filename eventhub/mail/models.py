"""The mail outbox: mail is queued in the same transaction as the change that causes it."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from eventhub.database import Base, UTCDateTime, utcnow


class MailStatus(enum.StrEnum):
    pending = "pending"
    sent = "sent"
    failed = "failed"


class OutboxMessage(Base):
    __tablename__ = "mail_outbox"
    __table_args__ = (sa.Index("ix_mail_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    to_addr: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(500))
    text_body: Mapped[str] = mapped_column(sa.Text)
    html_body: Mapped[str] = mapped_column(sa.Text)
    #: Which mail this is (the template name), for tests and statistics.
    template: Mapped[str] = mapped_column(sa.String(64))
    #: Files sent with the mail (`services.Attachment.as_row` each: filename, content type,
    #: content as text or base64), or None.
    attachments: Mapped[list[dict] | None] = mapped_column(sa.JSON)
    #: A mail queued unrendered (`services.queue_unrendered`): the arguments its template's
    #: renderer takes; null once rendered (the subject and bodies are empty until then).
    render_args: Mapped[dict | None] = mapped_column(sa.JSON(none_as_null=True))
    status: Mapped[MailStatus] = mapped_column(
        sa.Enum(MailStatus, native_enum=False, length=16), default=MailStatus.pending
    )
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
