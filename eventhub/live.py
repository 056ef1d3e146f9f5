"""A cheap version of some live state that every web worker sees alike (live pages poll it as
their ETag and get ``304`` from the version alone while nothing changed).

Without Redis the version is a digest of what a `LiveVersion`'s ``db_state`` reads from the
database (counts and maxima, in one statement). With ``REDIS_URL`` it is a counter per object,
bumped after the commit of every change that matters (`LiveVersion.bump_after_commit` from a
signal handler, so a rolled-back change bumps nothing); if Redis cannot be reached, the
database answers.

Both versions also carry the current minute, so changes nobody signals (a Redis bump lost, a
row edited elsewhere) show within a minute at the latest.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import time
from collections.abc import Callable
from typing import Any

from flask import Response, current_app, make_response, request
from flask_babel import get_locale
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from eventhub.database import after_commit

log = logging.getLogger(__name__)

#: Seconds after which a version changes even if nothing signalled a change (the default of
#: the LIVE_REFRESH_SECONDS setting).
REFRESH_SECONDS = 60
#: Redis keys expire when an object has been quiet this long (the count starts over: fine,
#: the minute in the version keeps old ETags from matching).
KEY_TTL_SECONDS = 14 * 24 * 3600
#: Give up on Redis quickly: the database can always answer.
REDIS_TIMEOUT_SECONDS = 0.5
#: How long a big screen's signed link works by default (seconds): from the rehearsal to the
#: day itself.
SCREEN_LINK_MAX_AGE = 7 * 24 * 3600

_clients: dict[str, Any] = {}


def redis_client() -> Any | None:
    """A client for ``REDIS_URL`` (one per URL and process), or None when not configured."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    client = _clients.get(url)
    if client is None:
        from redis import Redis

        client = Redis.from_url(
            url,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        )
        _clients[url] = client
    return client


class LiveVersion:
    """The version of one kind of live state (``name``), per object id.

    ``db_state(object_id)`` returns a tuple that changes whenever the state does; it is the
    version when Redis is not configured (or unreachable).
    """

    def __init__(self, name: str, db_state: Callable[[int], tuple[Any, ...]]) -> None:
        self.name = name
        self.db_state = db_state

    def redis_key(self, object_id: int) -> str:
        prefix = current_app.config.get("LIVE_KEY_PREFIX", "eventhub:")
        return f"{prefix}{self.name}:{object_id}"

    def bump(self, object_id: int) -> None:
        """Tell every worker that the object's state changed (a no-op without Redis)."""
        client = redis_client()
        if client is None:
            return
        key = self.redis_key(object_id)
        try:
            with client.pipeline() as pipe:
                pipe.incr(key)
                pipe.expire(key, KEY_TTL_SECONDS)
                pipe.execute()
        except Exception:  # Redis down: pages catch up within LIVE_REFRESH_SECONDS.
            log.warning("could not bump %s of %s", self.name, object_id, exc_info=True)

    def bump_after_commit(self, object_id: int) -> None:
        """`bump` once the current unit of work commits (nothing when it rolls back)."""
        if current_app.config.get("REDIS_URL"):
            after_commit(functools.partial(self.bump, object_id))

    def version(self, object_id: int) -> str:
        """Equal strings mean the live state is the same."""
        slot = int(time.time() // current_app.config.get("LIVE_REFRESH_SECONDS", REFRESH_SECONDS))
        client = redis_client()
        if client is not None:
            try:
                counter = client.get(self.redis_key(object_id))
                return f"r{int(counter or 0)}.{slot}"
            except Exception:
                log.warning("Redis unreachable; reading %s from the database", self.name)
        state = repr(self.db_state(object_id)).encode()
        return f"d{hashlib.blake2b(state, digest_size=8).hexdigest()}.{slot}"


# Live pages: the ETag of what they show, and their answers ------------------------------------


def page_etag(version: str, *parts: object) -> str:
    """The ETag of a live page or fragment: the live ``version`` of what it shows, the
    ``parts`` that tell its views apart, and the language."""
    key = "|".join(str(p) for p in (version, *parts, get_locale()))
    return hashlib.blake2b(key.encode(), digest_size=10).hexdigest()


def _uncached(response: Response, etag: str) -> Response:
    response.set_etag(etag)
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def not_modified(etag: str) -> Response | None:
    """A 304 when the request's ETag is still ``etag``, else None (render the page)."""
    if not request.if_none_match.contains(etag):
        return None
    return _uncached(Response(status=304), etag)


def live_page(html: str, etag: str) -> Response:
    """The rendered page or fragment with its ETag, to be asked again every time."""
    return _uncached(make_response(html), etag)


def live_answer(etag: str, render: Callable[[], Any]) -> Response:
    """What a screen that polls is told: a 304 while its ETag is still ``etag`` (``render``
    does not run: nothing changed), else what ``render`` makes (HTML, or a response such as
    jsonify's) with the ETag, to be asked again every time."""
    return not_modified(etag) or _uncached(make_response(render()), etag)


# Big screens' signed links ----------------------------------------------------------------------


def _screen_serializer(screen: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"{screen}-screen")


def make_screen_key(screen: str, object_id: int, **claims: int | str) -> str:
    """A signed read-only key to one object's big screen (``screen`` names its kind, e.g.
    ``"poll"``), for a projector laptop without an account; the roadshow's screen link, made
    public for every screen. ``claims`` are signed into the key beside the object's id (e.g.
    the row of a link that can be revoked); `screen_key_claims` reads them back."""
    return _screen_serializer(screen).dumps({**claims, "id": object_id})


def screen_key_claims(
    key: str | None, screen: str, max_age: int = SCREEN_LINK_MAX_AGE
) -> dict[str, Any] | None:
    """What ``key`` was signed with for ``screen`` (``id`` and the claims), or None when it is
    missing, not signed for it, or older than ``max_age`` seconds."""
    if not key:
        return None
    try:
        data = _screen_serializer(screen).loads(key, max_age=max_age)
    except (SignatureExpired, BadSignature):
        return None
    return data if isinstance(data, dict) else None


def screen_key_valid(
    key: str | None, screen: str, object_id: int, max_age: int = SCREEN_LINK_MAX_AGE
) -> bool:
    """Tell whether ``key`` opens this object's ``screen`` (signed for it, not expired)."""
    data = screen_key_claims(key, screen, max_age)
    return data is not None and data.get("id") == object_id
