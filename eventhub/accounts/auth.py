"""Flask-Login wiring: tracked browser sessions for pages, Bearer tokens for the API.

Sign a browser in with ``sign_in(user, remember=...)``, never with ``login_user`` alone: it
starts an account session (accounts.sessions) and gives Flask-Login the id
``"<user id>:<session secret>"`` (``User.get_id``: Flask-Login's "alternative tokens"), which
the session cookie and the remember-me cookie carry. ``load_user`` accepts only the id of a
live session, so a revoked session (one revoked on the security page, or all of them after a
password change or reset) is signed out at its next request, remember-me cookie included; an
id without a session (a bare user id) is refused. ``sign_out()`` ends the current session.
``current_session_id()`` is the account session of this request (None for Bearer tokens).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, g, request, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_babel import lazy_gettext as _l
from flask_login import current_user, decode_cookie, login_user, logout_user

from eventhub.accounts import sessions
from eventhub.accounts.models import AccountSession, User
from eventhub.extensions import login_manager


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with a request that carries no session cookie (every
    API call with a Bearer token) given its empty session at once: Flask would build the
    cookie's signing serializer first, for nothing. A session written to is saved as ever."""

    def open_session(self, app: Flask, request: Any) -> SecureCookieSession | None:
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)


def init_auth(app: Flask) -> None:
    app.session_interface = SessionInterface()
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"


def sign_in(user: User, *, remember: bool = False) -> AccountSession | None:
    """Sign ``user`` in on this browser in a new account session and return it (None, and
    nothing changes, for an inactive account)."""
    if not user.is_active:
        return None
    row, key = sessions.start_session(user, request.user_agent.string, request.remote_addr)
    user.login_token = key
    login_user(user, remember=remember)
    g.account_session_id = row.id
    return row


def current_session_id() -> int | None:
    """The id of the account session this request is signed in with, if any."""
    if not current_user.is_authenticated:  # loads the user, and with it the session
        return None
    return g.get("account_session_id")


def sign_out() -> None:
    """Sign this browser out and end its account session."""
    session_id = current_session_id()
    logout_user()
    g.pop("account_session_id", None)
    if session_id is not None:
        sessions.end_session(session_id)


@login_manager.user_loader
def load_user(key: str) -> User | None:
    """The user of the live account session ``key`` (from the session or remember-me cookie)."""
    row = sessions.live_session(key, request.remote_addr)
    if row is None:
        # Forget a dead session, and its remember-me cookie when it carries the same key.
        session.pop("_user_id", None)
        cookie = request.cookies.get(_remember_cookie_name())
        if cookie and decode_cookie(cookie) == key:
            session["_remember"] = "clear"
        return None
    user = row.user
    user.login_token = key
    g.account_session_id = row.id
    return user


def _remember_cookie_name() -> str:
    return current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")


def bearer_token() -> str | None:
    """The token of this request's ``Authorization: Bearer <token>`` header, if any."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > 200:
        return None
    return token


def sole_bearer_token() -> str | None:
    """This request's Bearer token when it is its only credential: it carries no session or
    remember-me cookie, so no account and no judge device can be signed in, and its caller
    is the token's user or nobody. Such a request needs no CSRF header (a browser never
    sends an Authorization header by itself), and an endpoint on a hot path may read the
    token's user in a statement of its own instead of asking `current_user` (the door scan:
    `checkin.services.load_door`), then note them with `note_token_caller`."""
    cookies = request.cookies
    if cookies and (
        current_app.session_interface.get_cookie_name(current_app) in cookies
        or _remember_cookie_name() in cookies
    ):
        return None
    return bearer_token()


def note_token_caller(caller: Any) -> None:
    """Note the user an endpoint read from this request's sole Bearer token itself
    (`sole_bearer_token`): the access log names them."""
    g.auth_via_token = True
    g.token_caller = caller


@login_manager.request_loader
def load_user_from_request(req: object) -> User | None:
    """Authenticate API calls by ``Authorization: Bearer <token>``."""
    from eventhub.accounts.services import user_for_token

    token = bearer_token()
    user = user_for_token(token) if token is not None else None
    if user is not None:
        g.auth_via_token = True
    return user
