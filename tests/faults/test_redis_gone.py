"""Redis gone: the app runs with Redis (live versions, rate limits, the mail queue) behind a
proxy the test cuts. Meanwhile sign-in, registration and scanning work, the live endpoints
(welcome wall, check-in dashboard, poll screen, roadshow stage) read their versions from the
database and still answer 304 while nothing changed, and nothing answers 500.

Rate limits while Redis is down: counted in this process's memory (Flask-Limiter's fallback,
one warning logged). That is the safe choice: sign-in is never refused for an outage of a
cache (fail closed would lock everyone out), and a password guesser is still stopped after
LOGIN_RATE_LIMIT failures per process (fail open would drop the limit altogether)."""

from __future__ import annotations

import contextlib
import logging
import uuid

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from eventhub.accounts.services import create_token
from eventhub.checkin import live as checkin_live
from eventhub.database import db
from eventhub.extensions import limiter
from eventhub.mail.models import MailStatus, OutboxMessage
from eventhub.models import Membership
from tests import factories
from tests.conftest import TEST_REDIS_URL
from tests.faults.conftest import CuttableProxy

pytestmark = pytest.mark.concurrent("postgresql")


@pytest.fixture
def redis_proxy(redis_client, monkeypatch):
    """A proxy to the test Redis, and the shared Limiter put back afterwards."""
    target = redis_client.connection_pool.connection_kwargs
    proxy = CuttableProxy((target["host"], target["port"]))
    was_enabled = limiter.enabled
    monkeypatch.setattr(limiter, "_storage_dead", False)
    yield proxy
    proxy.cut()
    with contextlib.suppress(RedisConnectionError):
        limiter.reset()
    limiter.enabled = was_enabled


def _signed_in(app, client, user) -> None:
    with app.app_context():
        key = factories.session_key(user)
    with client.session_transaction() as session:
        session["_user_id"] = key
        session["_fresh"] = True


def test_redis_gone_falls_back_to_the_database_and_memory(fresh_db, redis_proxy, make_app, caplog):
    prefix = f"faults:{uuid.uuid4().hex}:"
    redis_url = f"redis://127.0.0.1:{redis_proxy.port}/{TEST_REDIS_URL.rsplit('/', 1)[-1]}"
    app = make_app(
        fresh_db.config["SQLALCHEMY_DATABASE_URI"],
        REDIS_URL=redis_url, LIVE_KEY_PREFIX=prefix, RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI=redis_url, RATELIMIT_KEY_PREFIX=prefix,
        RATELIMIT_STORAGE_OPTIONS={"socket_connect_timeout": 1, "socket_timeout": 1},
        LOGIN_RATE_LIMIT="3 per minute",
    )
    with app.app_context():
        event = factories.EventFactory(title="Redis 故障演练")
        contest = factories.contest(event.organization)
        organizer = factories.UserFactory()
        db.session.add(Membership(organization=event.organization, user=organizer,
                                  role="organizer"))
        db.session.commit()
        gate_list = factories.main_list_of(event)
        round_, _, _ = factories.roadshow(organizer, contest, judges=2, entries=2)
        guest = factories.UserFactory(email="redis-gone@example.com", phone="13500001234")
        token = create_token(organizer, "faults")[1]
        ids = {"event": event.id, "list": gate_list.id, "round": round_.id}
        live_version = checkin_live.version(event.id)
    assert live_version.startswith("r")  # Redis answers before the cut

    answers = []
    api = app.test_client()
    api.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    browser = app.test_client()
    _signed_in(app, browser, organizer)

    def call(client, method, path, **kwargs):
        response = client.open(path, method=method, **kwargs)
        answers.append((method, path, response.status_code))
        return response

    poll = call(api, "POST", f"/api/v1/events/{ids['event']}/polls", json={
        "question": "最喜欢哪个项目？", "options": ["甲", "乙"], "eligible": "checked_in"})
    assert poll.status_code == 201, poll.get_json()
    call(api, "POST", f"/api/v1/polls/{poll.get_json()['id']}/open")
    live_paths = [
        f"/api/v1/events/{ids['event']}/wall",
        f"/api/v1/rounds/{ids['round']}/stage",
        f"/events/{ids['event']}/checkin/dashboard/live",
        f"/polls/{poll.get_json()['id']}/screen/live",
    ]

    def etags() -> list[str]:
        tags = []
        for path in live_paths:
            client = api if path.startswith("/api/") else browser
            response = call(client, "GET", path)
            assert response.status_code == 200, (path, response.get_data(as_text=True)[:300])
            etag = response.headers["ETag"]
            unchanged = call(client, "GET", path, headers={"If-None-Match": etag})
            assert unchanged.status_code == 304, path
            tags.append(response.headers["ETag"])
        return tags

    with caplog.at_level(logging.INFO):
        redis_proxy.cut()  # Redis is gone

        # Sign-in works; failures are still limited (counted in memory meanwhile).
        signin = app.test_client()
        ok = call(signin, "POST", "/api/v1/tokens",
                  json={"email": guest.email, "password": factories.PASSWORD})
        assert ok.status_code == 201
        failures = [call(signin, "POST", "/api/v1/tokens",
                         json={"email": f"nobody{n}@example.com", "password": "wrong-pass-1"},
                         environ_base={"REMOTE_ADDR": "10.9.8.7"}).status_code
                    for n in range(4)]
        assert failures == [401, 401, 401, 429]

        before = etags()
        # A registration: committed, its mail kept in the outbox (the RQ queue is gone too).
        guest_api = app.test_client()
        guest_api.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {ok.get_json()['token']}"
        registered = call(guest_api, "POST", f"/api/v1/events/{ids['event']}/registrations",
                          json={"consent": True})
        assert registered.status_code == 201, registered.get_json()
        code = registered.get_json()["ticket"]["code"]
        with app.app_context():
            mails = db.session.query(OutboxMessage).filter_by(to_addr=guest.email).all()
            assert [m.status for m in mails] == [MailStatus.pending]
        # A scan at the door.
        scanned = call(api, "POST", f"/api/v1/checkin-lists/{ids['list']}/scans",
                       json={"code": code, "nonce": "redis-gone-1"})
        assert scanned.status_code == 200 and scanned.get_json()["status"] == "ok"
        after = etags()
        # The check-in shows at once, read from the database (no Redis bump needed).
        assert after[0] != before[0] and after[2] != before[2]
        wall = call(api, "GET", live_paths[0]).get_json()
        assert wall["checked_in"] == 1

        with app.app_context():
            assert checkin_live.version(ids["event"]).startswith("d")
        redis_proxy.restore()  # Redis is back: versions come from it again
        with app.app_context():
            assert checkin_live.version(ids["event"]).startswith("r")

    assert not [a for a in answers if a[2] >= 500], answers
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
