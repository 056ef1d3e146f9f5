"""How often passwords may be tried, sign-ups made and reset links asked for.

Sign-in (the login form and ``POST /api/v1/tokens`` share every counter below):

1. **Per address, across accounts.** Failed sign-ins from one client address, whatever the
   accounts tried, are limited by ``LOGIN_RATE_LIMIT`` (a Flask-Limiter shared limit that
   counts failed answers only). Spraying many accounts from one address stops, while
   colleagues signing in successfully behind one office address are never held up.
2. **Per account, across addresses, with backoff.** After ``LOGIN_BACKOFF_AFTER`` failed
   passwords for one account (from anywhere, counted for a day), each further try has to wait
   a delay that doubles with every failure: 1 s after the 5th, then 2 s, 4 s, … up to
   ``LOGIN_BACKOFF_MAX`` (15 minutes). A successful sign-in resets the count. There is no
   fixed wall: the owner is never locked out for longer than the current delay, and a guesser
   spread over many addresses gets about a hundred tries a day instead of unlimited ones.
3. **The owner's own browser is not delayed by others.** A successful sign-in in a browser
   leaves a signed device cookie (``login_device``) naming the account. Tries from that browser
   are counted on their own (the same backoff), so failures someone else makes elsewhere never
   delay the owner's usual browser; a stolen cookie only buys its holder the same backoff.

Sign-up and reset requests are limited per address (``SIGNUP_RATE_LIMIT``,
``PASSWORD_RESET_RATE_LIMIT``) and reset requests also per account
(``PASSWORD_RESET_ACCOUNT_RATE_LIMIT``), so nobody can flood one mailbox.

The client address is ``request.remote_addr``: behind a reverse proxy, ``PROXY_FIX_X_FOR``
tells ProxyFix how many proxies to trust for ``X-Forwarded-For`` (none by default, so a client
cannot pick its own address). Counters live in the rate limiter's storage: Redis when
configured (shared by every worker), memory otherwise, and memory for a while when Redis is
down (Flask-Limiter's fallback), so sign-in keeps working.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

from flask import current_app, request
from flask_babel import format_timedelta
from flask_limiter import RequestLimit
from flask_limiter.util import get_remote_address
from itsdangerous import BadSignature, URLSafeSerializer
from limits import RateLimitItem, RateLimitItemPerDay, RateLimitItemPerSecond
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import TooManyRequests
from werkzeug.wrappers import Response

from eventhub.accounts.services import normalize_email
from eventhub.errors import InvalidCredentials, error_response, http_error_body
from eventhub.extensions import limiter

#: Failed passwords of one account (or one device of it) are counted for a day from the first;
#: the count stops at this cap (the delay reached its maximum long before).
FAILURES = RateLimitItemPerDay(100)
DEVICE_COOKIE = "login_device"
DEVICE_COOKIE_AGE = 365 * 24 * 3600


class LoginThrottled(TooManyRequests):
    """Too many failed passwords for this account lately: try again in ``wait`` seconds."""

    def __init__(self, wait: int) -> None:
        super().__init__(retry_after=wait)
        self.wait = wait


def backoff_delay(failures: int, after: int, maximum: int) -> int:
    """Seconds to wait after ``failures`` failed tries: none before ``after`` failures, then
    1, 2, 4, … doubling with each further failure, never more than ``maximum``."""
    if failures < after:
        return 0
    return min(2 ** min(failures - after, 32), maximum)


def retry_after(limit: RequestLimit) -> int:
    """Whole seconds until a breached ``limit`` lets a request through again (at least 1)."""
    return max(1, math.ceil(limit.window.reset_time - time.time()))


def wait_text(seconds: float) -> str:
    """A wait for people to read, in the request's language ("2 分钟")."""
    return format_timedelta(timedelta(seconds=max(1, math.ceil(seconds))), threshold=1,
                            add_direction=False)


# Sign-in backoff --------------------------------------------------------------------------


def _strategy() -> FixedWindowRateLimiter:
    # The limiter's current storage: Redis, or its in-memory fallback while Redis is down.
    return FixedWindowRateLimiter(limiter.limiter.storage)


def _account(email: str) -> str:
    # Counters and cookies name an account by a keyed digest: neither Redis nor the cookie
    # shows the address, and it cannot be confirmed by hashing guesses.
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, normalize_email(email).encode(), hashlib.sha256).hexdigest()[:32]


def _lock(delay: int) -> RateLimitItem:
    return RateLimitItemPerSecond(1, delay)


def _device_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="login-device")


def _device(account: str) -> str | None:
    """The nonce of this browser's device cookie when it names ``account``."""
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw:
        return None
    try:
        data = _device_serializer().loads(raw)
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("a") != account:
        return None
    nonce = data.get("n")
    return nonce if isinstance(nonce, str) else None


def _counter(email: str) -> tuple[str, ...]:
    """Whose failures this try counts with: this browser's for the account, else the account's."""
    account = _account(email)
    device = _device(account)
    return ("login-failures", account, device) if device else ("login-failures", account)


def _wait(counter: tuple[str, ...]) -> int:
    strategy = _strategy()
    failures = FAILURES.amount - strategy.get_window_stats(FAILURES, *counter).remaining
    delay = backoff_delay(failures, current_app.config["LOGIN_BACKOFF_AFTER"],
                          current_app.config["LOGIN_BACKOFF_MAX"])
    lock = (*counter, str(failures))
    if not delay or strategy.test(_lock(delay), *lock):
        return 0
    reset_time = strategy.get_window_stats(_lock(delay), *lock).reset_time
    return max(1, math.ceil(reset_time - time.time()))


def _failed(counter: tuple[str, ...]) -> None:
    strategy = _strategy()
    strategy.hit(FAILURES, *counter)
    failures = FAILURES.amount - strategy.get_window_stats(FAILURES, *counter).remaining
    delay = backoff_delay(failures, current_app.config["LOGIN_BACKOFF_AFTER"],
                          current_app.config["LOGIN_BACKOFF_MAX"])
    if delay:
        strategy.hit(_lock(delay), *counter, str(failures))


def _succeeded(email: str, counter: tuple[str, ...]) -> None:
    strategy = _strategy()
    strategy.clear(FAILURES, "login-failures", _account(email))
    strategy.clear(FAILURES, *counter)


@contextmanager
def login_attempt(email: str) -> Iterator[None]:
    """Guard one password check for ``email`` (rule 2 and 3 of the module docstring): refuse
    it while the account's backoff runs, count it when the block raises InvalidCredentials,
    reset the count when the block succeeds. Raises LoginThrottled (a 429 with Retry-After)."""
    if not limiter.enabled:
        yield
        return
    counter = _counter(email)
    wait = _wait(counter)
    if wait:
        raise LoginThrottled(wait)
    try:
        yield
    except InvalidCredentials:
        _failed(counter)
        raise
    _succeeded(email, counter)


def remember_device(response: Response, email: str) -> None:
    """Mark this browser as one where ``email`` signed in (rule 3 of the module docstring)."""
    value = _device_serializer().dumps({"a": _account(email), "n": secrets.token_urlsafe(12)})
    response.set_cookie(DEVICE_COOKIE, value, max_age=DEVICE_COOKIE_AGE, httponly=True,
                        samesite="Lax", secure=current_app.config["SESSION_COOKIE_SECURE"])


# Per-address limits (Flask-Limiter) ---------------------------------------------------------


def client_address() -> str:
    """The client's address (after ProxyFix, when proxies are trusted)."""
    return get_remote_address()


def submitted_email() -> str:
    """The account a reset request is for, as the limiter's key (a digest of the address)."""
    return _account(str(request.form.get("email") or ""))


def _failed_answer(response: Response) -> bool:
    # A refusal (429) is no password tried: it does not count.
    return response.status_code >= 400 and response.status_code != 429


def _config(name: str) -> Callable[[], str]:
    return lambda: current_app.config[name]


def api_refusal(limit: RequestLimit) -> Response:
    """API.md's 429 body (``rate_limited``) with Retry-After, for a breached limit."""
    return error_response(429, http_error_body(TooManyRequests()),
                          {"Retry-After": str(retry_after(limit))})


#: What a breached limit answers (a page passes one that shows its form again).
OnBreach = Callable[[RequestLimit], Response]


def limit_login(on_breach: OnBreach = api_refusal) -> Callable:
    """Limit failed sign-ins per address, one counter for every sign-in endpoint (rule 1)."""
    return limiter.shared_limit(_config("LOGIN_RATE_LIMIT"), scope="login",
                                key_func=client_address, methods=["POST"],
                                deduct_when=_failed_answer, on_breach=on_breach)


def limit_signup(on_breach: OnBreach = api_refusal) -> Callable:
    """Limit sign-ups per address, one counter for the page and the API."""
    return limiter.shared_limit(_config("SIGNUP_RATE_LIMIT"), scope="signup",
                                key_func=client_address, methods=["POST"], on_breach=on_breach)


def limit_reset_request(on_breach: OnBreach) -> Callable[[Callable], Callable]:
    """Limit password reset requests per address and per account."""
    per_address = limiter.shared_limit(
        _config("PASSWORD_RESET_RATE_LIMIT"), scope="reset", key_func=client_address,
        methods=["POST"], on_breach=on_breach,
    )
    per_account = limiter.shared_limit(
        _config("PASSWORD_RESET_ACCOUNT_RATE_LIMIT"), scope="reset-account",
        key_func=submitted_email, methods=["POST"], on_breach=on_breach,
    )
    return lambda view: per_address(per_account(view))
