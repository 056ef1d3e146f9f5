"""Users, their signed-in browsers (account sessions) and API tokens."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventhub.database import Base, UTCDateTime, utcnow

NAME_MAX = 200
EMAIL_MAX = 254
USER_AGENT_MAX = 255
#: The longest textual IP address (IPv6 with an embedded IPv4 address).
IP_MAX = 45


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

    # ``memberships`` (list[Membership], delete-orphan) is added by eventhub.orgs.models: the
    # organizations know their members' accounts, accounts know no organization.
    tokens: Mapped[list[ApiToken]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="raise_on_sql"
    )
    account_sessions: Mapped[list[AccountSession]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True,
        lazy="raise_on_sql",
    )

    #: Not a column: while this object is the user of a signed-in browser, the id Flask-Login
    #: keeps in its session and remember-me cookies, "<user id>:<session secret>" (set by
    #: accounts.auth, Flask-Login's "alternative tokens").
    login_token = None

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.is_active_account

    def get_id(self) -> str:  # Flask-Login
        return self.login_token or str(self.id)

    def __eq__(self, other: object) -> bool:
        # UserMixin compares get_id(), which differs between browser sessions of one user.
        if isinstance(other, User):
            return self.id == other.id
        return NotImplemented

    __hash__ = object.__hash__

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


class AccountSession(Base):
    """A browser signed in to an account: listed on the account security page, revocable."""

    __tablename__ = "account_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: SHA-256 of the session's secret (hex). The secret lives only in the browser's cookies.
    digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Written at most every few minutes (accounts.sessions.TOUCH_INTERVAL), not per request.
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The browser's User-Agent header, cut to USER_AGENT_MAX characters.
    user_agent: Mapped[str] = mapped_column(sa.String(USER_AGENT_MAX), default="")
    #: The client's address as the app sees it (request.remote_addr), when last seen.
    ip: Mapped[str | None] = mapped_column(sa.String(IP_MAX))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="account_sessions")
