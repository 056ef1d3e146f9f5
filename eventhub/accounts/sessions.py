"""Account sessions: every browser signed in to an account, listed and revocable one by one.

Signing in starts a session with a random secret. The browser keeps ``"<user id>:<secret>"``
(its *session key*) as the id Flask-Login stores in the session cookie and the remember-me
cookie; the database keeps only the secret's SHA-256. A session works while it is not
revoked, its user is active and it was seen within the remember-me cookie's lifetime, so
revoking it (or a password change revoking all of them) signs that browser out at its next
request, remember-me cookie included. accounts.auth wires this into Flask-Login.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from ua_parser import parse as parse_user_agent

from eventhub import audit
from eventhub.accounts.models import IP_MAX, USER_AGENT_MAX, AccountSession, User
from eventhub.database import db, transactional, utcnow
from eventhub.errors import NotFound

#: last_seen_at (and ip) are written at most this often: reading pages does not write.
TOUCH_INTERVAL = timedelta(minutes=5)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _split_key(key: str) -> tuple[int, str] | None:
    user_id, sep, secret = str(key).partition(":")
    if not sep or not secret or len(secret) > 100 or not user_id.isdigit():
        return None
    return int(user_id), secret


def idle_limit() -> timedelta:
    """How long an unused session lives: as long as a remember-me cookie."""
    duration = current_app.config["REMEMBER_COOKIE_DURATION"]
    return duration if isinstance(duration, timedelta) else timedelta(seconds=duration)


@transactional
def start_session(
    user: User, user_agent: str | None, ip: str | None, now: datetime | None = None
) -> tuple[AccountSession, str]:
    """Record a new signed-in browser of ``user``; return the row and its session key (the
    only time the key exists outside the browser)."""
    now = now or utcnow()
    secret = secrets.token_urlsafe(32)
    row = AccountSession(
        user=user,
        digest=_digest(secret),
        created_at=now,
        last_seen_at=now,
        user_agent=(user_agent or "")[:USER_AGENT_MAX],
        ip=(ip or "")[:IP_MAX] or None,
    )
    db.session.add(row)
    db.session.flush()
    return row, f"{user.id}:{secret}"


@functools.cache  # built once: every signed-in page runs it
def _session_query() -> sa.Select:
    return (
        sa.select(AccountSession)
        .where(AccountSession.digest == sa.bindparam("digest"), AccountSession.revoked_at.is_(None))
        .options(sa.orm.joinedload(AccountSession.user))
    )


def live_session(key: str, ip: str | None = None, now: datetime | None = None
                 ) -> AccountSession | None:
    """Return the live session of ``key`` with its user, or None when the key is malformed,
    unknown, revoked, unused for too long, or its user is inactive.

    One statement; at most every TOUCH_INTERVAL a short write notes when (and from where)
    the session was last seen.
    """
    parts = _split_key(key)
    if parts is None:
        return None
    user_id, secret = parts
    row = db.session.execute(_session_query(), {"digest": _digest(secret)}).scalar_one_or_none()
    if row is None or row.user_id != user_id or not row.user.is_active_account:
        return None
    now = now or utcnow()
    if now - row.last_seen_at > idle_limit():
        return None
    if now - row.last_seen_at > TOUCH_INTERVAL:
        row.last_seen_at = now
        row.ip = (ip or "")[:IP_MAX] or row.ip
        db.session.commit()
    return row


def list_sessions(user: User, now: datetime | None = None) -> list[AccountSession]:
    """``user``'s live sessions, the most recently seen first."""
    since = (now or utcnow()) - idle_limit()
    return list(
        db.session.scalars(
            sa.select(AccountSession)
            .where(
                AccountSession.user_id == user.id,
                AccountSession.revoked_at.is_(None),
                AccountSession.last_seen_at > since,
            )
            .order_by(AccountSession.last_seen_at.desc(), AccountSession.id.desc())
        )
    )


@transactional
def revoke_session(user: User, session_id: int, now: datetime | None = None) -> AccountSession:
    """Revoke one of ``user``'s live sessions (audited). Raises NotFound for anyone else's,
    an unknown or an already revoked one."""
    row = db.session.get(AccountSession, session_id)
    if row is None or row.user_id != user.id or row.revoked_at is not None:
        raise NotFound()
    row.revoked_at = now or utcnow()
    audit.record("account.session_revoked", row, actor=user)
    return row


@transactional
def revoke_other_sessions(user: User, keep_id: int | None, now: datetime | None = None) -> int:
    """Revoke every live session of ``user`` but ``keep_id`` (audited); return how many."""
    count = revoke_sessions_of(user, except_id=keep_id, now=now)
    audit.record("account.sessions_revoked", user, actor=user, after={"sessions": count})
    return count


def revoke_sessions_of(user: User, except_id: int | None = None,
                       now: datetime | None = None) -> int:
    """Revoke ``user``'s live sessions but ``except_id`` in the current unit of work (flushes,
    never commits); return how many."""
    query = sa.update(AccountSession).where(
        AccountSession.user_id == user.id, AccountSession.revoked_at.is_(None)
    )
    if except_id is not None:
        query = query.where(AccountSession.id != except_id)
    result = db.session.execute(
        query.values(revoked_at=now or utcnow()).execution_options(synchronize_session="fetch")
    )
    return result.rowcount


@transactional
def end_session(session_id: int, now: datetime | None = None) -> None:
    """Mark the session a browser signed out of as over (nothing when already over)."""
    db.session.execute(
        sa.update(AccountSession)
        .where(AccountSession.id == session_id, AccountSession.revoked_at.is_(None))
        .values(revoked_at=now or utcnow())
        .execution_options(synchronize_session="fetch")
    )


@transactional
def purge_ended_sessions(now: datetime | None = None) -> int:
    """Delete the sessions that can no longer sign anyone in (revoked, or unused for longer
    than a remember-me cookie lives), with the addresses they hold; return how many."""
    since = (now or utcnow()) - idle_limit()
    result = db.session.execute(
        sa.delete(AccountSession)
        .where(sa.or_(AccountSession.revoked_at.is_not(None), AccountSession.last_seen_at <= since))
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount


#: Parsing a User-Agent runs many regular expressions; the same few headers come back.
_parse_user_agent = functools.lru_cache(maxsize=1024)(parse_user_agent)


def describe_device(user_agent: str | None) -> str:
    """Say in plain words which browser on which system a User-Agent header names, e.g.
    "Chrome on Windows 10" (in the current language)."""
    result = _parse_user_agent(user_agent or "")
    browser = result.user_agent.family if result.user_agent else None
    system = None
    if result.os:
        system = " ".join(p for p in (result.os.family, result.os.major) if p)
    if result.device and result.device.family not in ("Other", "Generic Smartphone", "Spider"):
        model = result.device.model or result.device.family
        if system and model.lower() not in system.lower():
            system = f"{system} ({model})"
    if browser and system:
        return _("%(browser)s on %(system)s", browser=browser, system=system)
    return browser or system or _("Unknown device")
