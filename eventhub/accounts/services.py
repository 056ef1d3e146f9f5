"""Accounts: sign-up, login, profile, password reset links and API tokens."""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from werkzeug.security import check_password_hash, generate_password_hash

from eventhub import audit
from eventhub.accounts.models import EMAIL_MAX, NAME_MAX, ApiToken, User
from eventhub.accounts.sessions import revoke_sessions_of
from eventhub.accounts.signals import password_changed
from eventhub.database import db, transactional, unique_or, utcnow
from eventhub.errors import InvalidCredentials, NotFound, ValidationFailed, raise_field_errors
from eventhub.text import check_text, text_error, too_long_message

PASSWORD_MIN = 8
PASSWORD_MAX = 128
PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
TOKEN_PREFIX = "eh_"  # noqa: S105 - a visible prefix, not a secret
#: Writing last_used_at on every API call, or last_login_at on every token request, would
#: turn every call into a write (on SQLite, each waits for the one write lock): they are
#: noted at most once in this interval.
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)


@dataclass
class SignUpInfo:
    email: str
    password: str
    name: str
    phone: str | None = None
    locale: str | None = None


def normalize_email(email: str) -> str:
    return email.strip().lower()


def check_email(email: str) -> str | None:
    """Return why ``email`` is not acceptable, or None."""
    problem = text_error(email, limit=EMAIL_MAX, required=True)
    if problem:
        return problem
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return _l("Enter a valid email address.")
    return None


def normalize_phone(phone: str | None) -> str | None:
    """Strip spaces, dashes and a +86 prefix from a phone number; None when empty."""
    if phone is None:
        return None
    digits = re.sub(r"[\s\-()]", "", phone)
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix) :]
    return digits or None


def check_phone(phone: str | None) -> str | None:
    """Return why ``phone`` (already normalized) is not a Chinese mobile number, or None."""
    if phone is None:
        return None
    if not PHONE_RE.match(phone):
        return _l("Enter an 11-digit mainland China mobile number, e.g. 13812345678.")
    return None


def check_password(password: str, email: str = "") -> str | None:
    """Return why ``password`` is too weak, or None.

    At least 8 characters, at most 128, with at least two of: letters, digits, other signs,
    and not the email address itself.
    """
    if len(password) < PASSWORD_MIN:
        return _l("Use at least %(n)d characters.", n=PASSWORD_MIN)
    if len(password) > PASSWORD_MAX:
        return too_long_message(PASSWORD_MAX)
    kinds = sum(
        [
            any(c.isalpha() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        ]
    )
    if kinds < 2:
        return _l("Mix letters with digits or symbols.")
    if email and password.strip().lower() in {email.lower(), email.split("@")[0].lower()}:
        return _l("The password must not be your email address.")
    return None


def check_name(name: Any) -> Any:
    """Return why ``name`` is not acceptable as a person's name (given, text, at most
    ``NAME_MAX`` characters), or None."""
    return text_error(name, limit=NAME_MAX, required=True)


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalize_email(email)))


@transactional
def sign_up(info: SignUpInfo) -> User:
    """Create an account. Raises ValidationFailed (fields) or Conflict ``email_taken``."""
    email = normalize_email(info.email)
    phone = normalize_phone(info.phone)
    raise_field_errors(
        {
            "email": check_email(email),
            "name": check_name(info.name),
            "phone": check_phone(phone),
            "password": check_password(info.password, email),
        }
    )
    locale = info.locale if info.locale in current_app.config["LANGUAGES"] else None
    user = User(
        email=email,
        name=info.name.strip(),
        phone=phone,
        password_hash=hash_password(info.password),
        locale=locale or current_app.config["BABEL_DEFAULT_LOCALE"],
    )
    with unique_or("email", _l("An account with this email already exists."), "email_taken"):
        db.session.add(user)
    return user


@transactional
def ensure_user(email: str, name: str, phone: str | None = None) -> User:
    """Find the account of ``email`` or create one without a password (claimed by a reset link)."""
    user = find_user_by_email(email)
    if user:
        return user
    email = normalize_email(email)
    phone = normalize_phone(phone)
    raise_field_errors(
        {"email": check_email(email), "name": check_name(name), "phone": check_phone(phone)}
    )
    user = User(email=email, name=name.strip(), phone=phone, password_hash=None)
    db.session.add(user)
    db.session.flush()
    return user


def verify_password(user: User | None, password: str) -> bool:
    if user is None or not user.password_hash:
        # Spend the same time as a real check, so timing does not reveal accounts.
        check_password_hash(_dummy_hash(), password)
        return False
    return check_password_hash(user.password_hash, password)


_DUMMY: dict[str, str] = {}


def _dummy_hash() -> str:
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in _DUMMY:
        _DUMMY[method] = generate_password_hash("not-a-password", method=method)
    return _DUMMY[method]


@transactional
def authenticate(email: str, password: str) -> User:
    """Return the active user with these credentials. Raises InvalidCredentials."""
    user = find_user_by_email(email or "")
    if not verify_password(user, password or "") or not user.is_active_account:
        raise InvalidCredentials()
    now = utcnow()
    if user.last_login_at is None or now - user.last_login_at > TOKEN_TOUCH_INTERVAL:
        user.last_login_at = now
    return user


@dataclass
class ProfileInfo:
    name: str
    phone: str | None = None
    organization: str | None = None
    job_title: str | None = None
    locale: str | None = None


@transactional
def update_profile(user: User, info: ProfileInfo) -> User:
    """Change a user's name, phone, organization, job title and language."""
    phone = normalize_phone(info.phone)
    raise_field_errors(
        {
            "name": check_name(info.name),
            "phone": check_phone(phone),
            "organization": text_error(info.organization, limit=NAME_MAX),
            "job_title": text_error(info.job_title, limit=NAME_MAX),
            "locale": None
            if info.locale in (None, *current_app.config["LANGUAGES"])
            else _l("Choose a language from the list."),
        }
    )
    user.name = info.name.strip()
    user.phone = phone
    user.organization = (info.organization or "").strip() or None
    user.job_title = (info.job_title or "").strip() or None
    if info.locale:
        user.locale = info.locale
    return user


@transactional
def set_locale(user: User, locale: str) -> None:
    """Remember the user's language. Raises ValidationFailed for an unknown one."""
    if locale not in current_app.config["LANGUAGES"]:
        raise ValidationFailed(fields={"locale": _l("Choose a language from the list.")})
    user.locale = locale


@transactional
def change_password(
    user: User, new_password: str, *, actor: User | None = None, keep_session_id: int | None = None
) -> None:
    """Set a new password and sign the account out everywhere (audited): every account
    session but ``keep_session_id`` (the browser making the change) and every API token is
    revoked, and `password_changed` is sent in the same unit of work (judging signs out the
    devices the account's judge links opened). Raises ValidationFailed when the password is
    too weak."""
    raise_field_errors({"password": check_password(new_password, user.email)})
    user.password_hash = hash_password(new_password)
    now = utcnow()
    sessions = revoke_sessions_of(user, except_id=keep_session_id, now=now)
    tokens = revoke_tokens_of(user, now)
    password_changed.send(user, now=now)
    audit.record("account.password_changed", user, actor=actor,
                 after={"sessions_revoked": sessions, "tokens_revoked": tokens})


@transactional
def change_own_password(
    user: User, current_password: str, new_password: str, *, keep_session_id: int | None
) -> None:
    """Change the signed-in user's password after checking their current one; every other
    session and every API token is revoked (see change_password). Raises ValidationFailed
    (``wrong_password`` on ``current_password``, or a weak ``password``)."""
    if not verify_password(user, current_password or ""):
        message = _l("The password is not right.")
        raise ValidationFailed(message, code="wrong_password",
                               fields={"current_password": message})
    change_password(user, new_password, actor=user, keep_session_id=keep_session_id)


# Password reset links ---------------------------------------------------------------------


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def _password_fingerprint(user: User) -> str:
    # Part of the link: once the password changes, every older link stops working.
    return hashlib.sha256((user.password_hash or "unset").encode()).hexdigest()[:16]


def make_reset_token(user: User) -> str:
    return _reset_serializer().dumps({"uid": user.id, "pw": _password_fingerprint(user)})


def user_from_reset_token(token: str, max_age: int | None = None) -> User:
    """Return the user a reset link belongs to. Raises ValidationFailed when expired (older
    than ``max_age`` seconds, by default PASSWORD_RESET_MAX_AGE) or used."""
    max_age = max_age or current_app.config["PASSWORD_RESET_MAX_AGE"]
    try:
        data = _reset_serializer().loads(token, max_age=max_age)
    except SignatureExpired:
        raise ValidationFailed(_l("This link has expired. Ask for a new one."), code="link_expired")
    except BadSignature:
        raise ValidationFailed(_l("This link is not valid."), code="link_invalid")
    user = db.session.get(User, data.get("uid")) if isinstance(data, dict) else None
    if user is None or data.get("pw") != _password_fingerprint(user):
        raise ValidationFailed(_l("This link has already been used."), code="link_invalid")
    return user


@transactional
def request_password_reset(email: str) -> None:
    """Mail a reset link when the account exists (silently nothing otherwise)."""
    from eventhub.links import external_url
    from eventhub.mail.services import queue_mail

    user = find_user_by_email(email or "")
    if user is None or not user.is_active_account:
        return
    token = make_reset_token(user)
    link = external_url("accounts.reset_password", token=token)
    hours = current_app.config["PASSWORD_RESET_MAX_AGE"] // 3600
    queue_mail(user.email, "password_reset", user.locale, user=user, link=link, hours=hours)


@transactional
def reset_password(token: str, new_password: str, max_age: int | None = None) -> User:
    """Set a new password from a reset link (valid for ``max_age`` seconds as in
    `user_from_reset_token`), signing the account out everywhere (every session and API token
    is revoked). Raises ValidationFailed."""
    user = user_from_reset_token(token, max_age)
    change_password(user, new_password, actor=user)
    return user


# API tokens -------------------------------------------------------------------------------


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transactional
def create_token(user: User, name: str = "") -> tuple[ApiToken, str]:
    """Make an API token for ``user``; return the row and the token (shown only now)."""
    name, error = check_text(name, limit=NAME_MAX)
    raise_field_errors({"name": error})
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user=user, name=name or "", digest=token_digest(token), prefix=token[:10])
    db.session.add(row)
    db.session.flush()
    return row, token


def live_token() -> sa.ColumnElement[bool]:
    """THE rule of a token that authenticates, for a statement reading ``api_tokens`` joined
    with the ``users`` holding them: the token of digest ``:digest`` (a bind parameter:
    `token_digest` of what the caller sent), not revoked, of an active account."""
    return sa.and_(
        ApiToken.digest == sa.bindparam("digest"),
        ApiToken.revoked_at.is_(None),
        User.is_active_account.is_(True),
    )


@functools.cache  # built once (every API call runs it), after all models are known
def _token_query() -> sa.Select:
    """The user holding the token of digest ``:digest`` (`live_token`), with their
    memberships (nearly every call asks what they may do), and the token's id and last use:
    one statement, and no token object (the answer never needs one)."""
    return (
        sa.select(User, ApiToken.id, ApiToken.last_used_at)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(live_token())
        .options(sa.orm.joinedload(User.memberships))
    )


def user_for_token(token: str) -> User | None:
    """Return the active user of a valid, unrevoked token, noting when it was last used (at
    most once a minute: a door's scanner calls many times a second)."""
    row = db.session.execute(_token_query(), {"digest": token_digest(token)}).unique().first()
    if row is None:
        return None
    user, token_id, last_used_at = row
    if note_token_use(token_id, last_used_at):
        db.session.commit()
    return user


def note_token_use(token_id: int, last_used_at: datetime | None) -> bool:
    """Note that the token ``token_id``, last used at ``last_used_at``, is used now, unless
    that was noted within `TOKEN_TOUCH_INTERVAL`; True when it wrote (in the current unit
    of work: the caller commits)."""
    now = utcnow()
    if last_used_at is not None and now - last_used_at <= TOKEN_TOUCH_INTERVAL:
        return False
    # On the table: the session holds no token to keep in step (a Core statement, not the
    # ORM's bulk update, which would look for them).
    tokens = ApiToken.__table__
    db.session.connection().execute(
        tokens.update().where(tokens.c.id == token_id).values(last_used_at=now)
    )
    return True


class OrgRole(NamedTuple):
    """A user's role in one organization (as a `Membership` holds it)."""

    org_id: int
    role: Any


class TokenCaller(NamedTuple):
    """A Bearer token's user as a statement of a hot path reads them with what it answers,
    with no ORM object (a door scans hundreds of tickets a minute; `checkin.services.
    load_door`): the permission predicates take it as they take a `User`. ``memberships``
    holds their role in the organizations that statement asked about, and only those."""

    id: int
    is_admin: bool
    memberships: tuple[OrgRole, ...]
    is_authenticated: bool = True


@transactional
def revoke_token(user: User, token_id: int) -> None:
    """Revoke one of the user's own tokens. Raises NotFound for anyone else's."""
    row = db.session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id or row.revoked_at is not None:
        raise NotFound()
    row.revoked_at = utcnow()
    audit.record("account.token_revoked", row, actor=user)


def revoke_tokens_of(user: User, now: datetime | None = None) -> int:
    """Revoke every live API token of ``user`` in the current unit of work (flushes, never
    commits); return how many."""
    result = db.session.execute(
        sa.update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now or utcnow())
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount


def list_tokens(user: User) -> list[ApiToken]:
    return list(
        db.session.scalars(
            sa.select(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .order_by(ApiToken.id.desc())
        )
    )
