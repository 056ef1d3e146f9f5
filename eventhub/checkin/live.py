"""A cheap version of an event's check-in state that every web worker sees alike.

The organizers' dashboard polls with the version as its ETag and gets ``304`` from the version
alone while nothing changed. Without Redis the version is read from the database in one
statement (counts and maxima over the event's scans, lists and registrations: a count catches
a scan whose id is lower than one seen already but that committed later). With ``REDIS_URL``
it is a counter per event, bumped after the commit of every scan and revert (`scan_recorded`,
`scan_reverted`); if Redis cannot be reached, the database answers.

Both versions also carry the current minute, so changes nobody signals (a registration
confirmed, a Redis bump lost) show within a minute at the latest.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import time
from typing import Any

import sqlalchemy as sa
from flask import current_app

from eventhub.checkin.models import CheckinList, Scan
from eventhub.checkin.signals import scan_recorded, scan_reverted
from eventhub.database import after_commit, db
from eventhub.registrations.models import Registration

log = logging.getLogger(__name__)

#: Seconds after which a version changes even if nothing signalled a change.
REFRESH_SECONDS = 60
#: Redis keys expire when an event has been quiet this long (the count starts over: fine,
#: the minute in the version keeps old ETags from matching).
KEY_TTL_SECONDS = 14 * 24 * 3600
#: Give up on Redis quickly: the database can always answer.
REDIS_TIMEOUT_SECONDS = 0.5

_clients: dict[str, Any] = {}


def _redis() -> Any | None:
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


def redis_key(event_id: int) -> str:
    prefix = current_app.config.get("LIVE_KEY_PREFIX", "eventhub:")
    return f"{prefix}checkin-version:{event_id}"


def bump(event_id: int) -> None:
    """Tell every worker that the event's check-in state changed (a no-op without Redis)."""
    client = _redis()
    if client is None:
        return
    try:
        with client.pipeline() as pipe:
            pipe.incr(redis_key(event_id))
            pipe.expire(redis_key(event_id), KEY_TTL_SECONDS)
            pipe.execute()
    except Exception:  # Redis down: dashboards catch up within REFRESH_SECONDS.
        log.warning("could not bump the check-in version of event %s", event_id, exc_info=True)


@scan_recorded.connect
@scan_reverted.connect
def _bump_after_commit(event_id: int, **_: Any) -> None:
    if current_app.config.get("REDIS_URL"):
        after_commit(functools.partial(bump, event_id))


def db_state(event_id: int) -> tuple[Any, ...]:
    """What changes whenever a scan, a revert, a list or a registration of the event does."""
    lists = sa.select(CheckinList.id).where(CheckinList.event_id == event_id)
    of_scans = Scan.list_id.in_(lists)
    of_registrations = Registration.event_id == event_id
    of_lists = CheckinList.event_id == event_id
    parts = [
        sa.select(sa.func.count(Scan.id)).where(of_scans),
        sa.select(sa.func.max(Scan.id)).where(of_scans),
        sa.select(sa.func.count(Scan.reverted_at)).where(of_scans),
        sa.select(sa.func.max(Scan.reverted_at)).where(of_scans),
        sa.select(sa.func.count(Registration.id)).where(of_registrations),
        sa.select(sa.func.max(Registration.updated_at)).where(of_registrations),
        sa.select(sa.func.count(CheckinList.id)).where(of_lists),
        sa.select(sa.func.max(CheckinList.id)).where(of_lists),
    ]
    row = db.session.execute(sa.select(*(p.scalar_subquery() for p in parts))).one()
    return tuple(row)


def version(event_id: int) -> str:
    """The event's check-in version: equal strings mean the dashboard shows the same."""
    slot = int(time.time() // REFRESH_SECONDS)
    client = _redis()
    if client is not None:
        try:
            counter = client.get(redis_key(event_id))
            return f"r{int(counter or 0)}.{slot}"
        except Exception:
            log.warning("Redis unreachable; reading the check-in version from the database")
    digest = hashlib.blake2b(repr(db_state(event_id)).encode(), digest_size=8).hexdigest()
    return f"d{digest}.{slot}"
