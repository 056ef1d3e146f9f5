"""Users and API tokens."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventhub.database import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from eventhub.orgs.models import Membership

NAME_MAX = 200
EMAIL_MAX = 254


class User(UserMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Always stored lower-cased and trimmed; the login key.
    email: Mapped[str] = mapped_column(sa.String(EMAIL_MAX), unique=True)
    name: Mapped[str] = mapped_column(sa.String(NAME_MAX))
    #: Chinese mobile number, 11 digits, no country code.
    phone: Mapped[str | None] = mapped_column(sa.String(32))
    organization: Mapped[str | None] = mapped_column(sa.String(NAME_MAX))
    job_title: Mapped[str | None] = mapped_column(sa.String(NAME_MAX))
    #: None for accounts created on someone's behalf, until they set one by a reset link.
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    locale: Mapped[str] = mapped_column(sa.String(16), default="zh_Hans")
    is_admin: Mapped[bool] = mapped_column(default=False)
    is_active_account: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )
    tokens: Mapped[list[ApiToken]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="raise_on_sql"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.is_active_account

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(NAME_MAX), default="")
    #: SHA-256 of the token (hex). The token itself is shown once and never stored.
    digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: The first characters of the token, so a user can tell their tokens apart.
    prefix: Mapped[str] = mapped_column(sa.String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="tokens")
