"""Production probes and telemetry (eventhub/observability.py): /healthz, /readyz, request ids
in headers and logs, JSON log lines, /metrics and who may read it."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from config import TestConfig
from eventhub import create_app
from eventhub import observability as obs
from eventhub.mail.models import OutboxMessage

ROOT = Path(__file__).resolve().parent.parent


#: The apps the tests made, their engines closed after each test (a pooled PostgreSQL
#: connection left to the garbage collector warns in whichever test comes next).
_made: list = []


def _app(**overrides):
    app = create_app("testing", **overrides)
    _made.append(app)
    return app


@pytest.fixture(autouse=True)
def _close_engines():
    yield
    from eventhub.database import db

    while _made:
        with _made.pop().app_context():
            db.session.remove()
            db.engine.dispose()


# Liveness and readiness ------------------------------------------------------------------
@pytest.mark.concurrent()
def test_healthz_answers_without_database_or_session():
    # A database that cannot be reached: liveness does not care.
    app = _app(SQLALCHEMY_DATABASE_URI="sqlite:////nonexistent-folder/eventhub.sqlite3")
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_ok(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "checks": {"database": "ok"}}
    assert "Set-Cookie" not in response.headers


# An app of its own, on its own database: not inside the suite's per-test transaction (whose
# session every app in the process would otherwise share).
@pytest.mark.concurrent()
@pytest.mark.parametrize("url", [
    "sqlite:////nonexistent-folder/eventhub.sqlite3",
    "postgresql+psycopg://postgres@127.0.0.1:1/eventhub",  # nothing listens on port 1
])
def test_readyz_database_down(url):
    app = _app(SQLALCHEMY_DATABASE_URI=url)
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable"
    assert body["failed"] == ["database"]
    assert body["checks"]["database"] == "OperationalError"


@pytest.mark.concurrent()
def test_readyz_redis_down():
    app = _app(SQLALCHEMY_DATABASE_URI=TestConfig.SQLALCHEMY_DATABASE_URI,
               REDIS_URL="redis://127.0.0.1:1/0")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["failed"] == ["redis"]
    assert body["checks"] == {"database": "ok", "redis": "ConnectionError"}


@pytest.mark.concurrent()
def test_readyz_redis_up():
    redis = pytest.importorskip("redis")
    try:
        redis.Redis(socket_connect_timeout=0.5).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    app = _app(SQLALCHEMY_DATABASE_URI=TestConfig.SQLALCHEMY_DATABASE_URI,
               REDIS_URL="redis://127.0.0.1:6379/15")
    response = app.test_client().get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["checks"] == {"database": "ok", "redis": "ok"}


@pytest.mark.concurrent()
def test_probes_are_exempt_from_rate_limits():
    from eventhub.extensions import limiter

    app = _app(RATELIMIT_ENABLED=True, RATELIMIT_DEFAULT="1 per minute",
               SQLALCHEMY_DATABASE_URI=TestConfig.SQLALCHEMY_DATABASE_URI)
    c = app.test_client()
    try:
        assert [c.get("/healthz").status_code for _ in range(3)] == [200] * 3
        assert [c.get("/readyz").status_code for _ in range(3)] == [200] * 3
        # The default limit does apply elsewhere (so the exemption is what let them through).
        assert [c.get("/login").status_code for _ in range(2)][-1] == 429
    finally:
        # The shared extension goes back to the suite's setting. Flask-Limiter keeps the first
        # default limits it is given for the life of the process: take them back too, or every
        # later test that turns limits on would meet "1 per minute" everywhere.
        limiter.limit_manager.set_default_limits([])
        limiter.reset()
        limiter.enabled = False


# Request ids ------------------------------------------------------------------------------
def test_request_id_echoed_or_made(client):
    given = client.get("/healthz", headers={"X-Request-ID": "nginx-3f2a.17"})
    assert given.headers["X-Request-ID"] == "nginx-3f2a.17"
    made = [client.get("/healthz").headers["X-Request-ID"] for _ in range(2)]
    assert made[0] != made[1] and all(len(m) == 32 for m in made)
    # Not an id (spaces, quotes, too long): replaced, never echoed into logs or headers.
    for bad in ('a b', 'x"y', "z" * 129):
        answer = client.get("/healthz", headers={"X-Request-ID": bad}).headers["X-Request-ID"]
        assert answer != bad and len(answer) == 32
    # On errors too.
    missing = client.get("/no-such-page", headers={"X-Request-ID": "req-404"})
    assert missing.status_code == 404 and missing.headers["X-Request-ID"] == "req-404"


def test_access_log_line(app, login, participant, caplog, monkeypatch):
    monkeypatch.setitem(app.config, "ACCESS_LOG", True)
    browser = login(participant)
    with caplog.at_level(logging.INFO, logger="eventhub.access"):
        browser.get("/", headers={"X-Request-ID": "req-home"})
        browser.get("/healthz")  # a probe that succeeds is not logged
        browser.get("/no-such-page")
    lines = [r for r in caplog.records if r.name == "eventhub.access"]
    assert [(r.method, r.path, r.status) for r in lines] == [
        ("GET", "/", 200), ("GET", "/no-such-page", 404)
    ]
    home = lines[0]
    assert home.request_id == "req-home"
    assert home.user_id == participant.id
    assert isinstance(home.duration_ms, float) and home.duration_ms > 0


def test_access_log_off_by_default_in_tests(client, caplog):
    with caplog.at_level(logging.INFO, logger="eventhub.access"):
        client.get("/")
    assert not [r for r in caplog.records if r.name == "eventhub.access"]


@pytest.fixture
def json_app():
    """An app with LOG_FORMAT=json; the root logger's handlers are put back afterwards."""
    root = logging.getLogger()
    saved, level = root.handlers[:], root.level
    try:
        app = _app(LOG_FORMAT="json", ACCESS_LOG=True, PROPAGATE_EXCEPTIONS=False,
                   SQLALCHEMY_DATABASE_URI=TestConfig.SQLALCHEMY_DATABASE_URI)
        (handler,) = [h for h in root.handlers if isinstance(h.formatter, obs.JsonFormatter)]
        handler.setStream(io.StringIO())
        app.extensions["test_log"] = handler.stream

        @app.get("/boom")
        def boom():
            raise RuntimeError("kaputt")

        yield app
    finally:
        root.handlers[:] = saved
        root.setLevel(level)


@pytest.mark.concurrent()
def test_json_logs(json_app):
    c = json_app.test_client()
    c.get("/healthz", headers={"X-Request-ID": "req-ok"})
    c.get("/no-such-page", headers={"X-Request-ID": "req-404"})
    c.get("/boom", headers={"X-Request-ID": "req-500"})
    lines = [json.loads(line) for line in json_app.extensions["test_log"].getvalue().splitlines()]
    access = [e for e in lines if e["logger"] == "eventhub.access"]
    assert [(e["path"], e["status"], e["request_id"]) for e in access] == [
        ("/no-such-page", 404, "req-404"), ("/boom", 500, "req-500")
    ]
    for entry in access:
        assert entry["level"] == "INFO" and entry["method"] == "GET"
        assert entry["time"].endswith("+00:00") and entry["user_id"] is None
        assert set(entry) >= {"time", "level", "request_id", "method", "path", "status",
                              "duration_ms", "user_id"}
    (error,) = [e for e in lines if e["level"] == "ERROR"]
    assert error["request_id"] == "req-500"
    assert "RuntimeError: kaputt" in error["exc_info"]


# Metrics ----------------------------------------------------------------------------------
def test_metrics(client, session, api, staff, main_list, ticket):
    for _ in range(2):
        session.add(OutboxMessage(to_addr="a@example.com", subject="s", text_body="t",
                                  html_body="h", template="test"))
    session.commit()
    door = api(staff)
    for code in (ticket.ticket_code, ticket.ticket_code, "NO-SUCH-CODE"):
        door.post(f"/api/v1/checkin-lists/{main_list.id}/scans",
                  json={"code": code, "nonce": str(uuid.uuid4())})
    client.get("/")
    client.get("/no-such-page")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain; version=")
    text = response.get_data(as_text=True)
    assert 'eventhub_request_duration_seconds_count{endpoint="events.home",method="GET",' \
        'status="200"}' in text
    openmetrics = client.get("/metrics", headers={"Accept": "application/openmetrics-text"})
    assert openmetrics.content_type.startswith("application/openmetrics-text")
    assert 'endpoint="none",method="GET",status="404"' in text  # unmatched URLs share one
    assert 'endpoint="observability' not in text  # probes and scrapes are not timed
    # Read from the database at scrape time (the ticket's confirmation mail is queued too).
    assert 'eventhub_scans_total{result="ok"} 1.0' in text
    assert 'eventhub_scans_total{result="already_checked_in"} 1.0' in text
    assert 'eventhub_scans_total{result="invalid"} 1.0' in text
    assert 'eventhub_registrations{status="confirmed"} 1.0' in text
    pending = session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.status == "pending"))
    assert pending >= 2
    assert f'eventhub_mail_outbox{{status="pending"}} {float(pending)}' in text


def test_metrics_protected(client, app, monkeypatch):
    outside = {"REMOTE_ADDR": "8.8.8.8"}
    assert client.get("/metrics", environ_base=outside).status_code == 403
    for inside in ("127.0.0.1", "10.1.2.3", "172.18.0.5", "192.168.1.20", "::1"):
        assert client.get("/metrics", environ_base={"REMOTE_ADDR": inside}).status_code == 200
    monkeypatch.setitem(app.config, "METRICS_TOKEN", "s3cret-scrape")
    assert client.get("/metrics", environ_base=outside,
                      headers={"Authorization": "Bearer wrong"}).status_code == 403
    assert client.get("/metrics", environ_base=outside,
                      headers={"Authorization": "Bearer s3cret-scrape"}).status_code == 200


def test_metrics_multiprocess(tmp_path, client, monkeypatch):
    """Under gunicorn each worker writes to PROMETHEUS_MULTIPROC_DIR; any one answers for all."""
    work = (
        "from eventhub import observability as obs\n"
        "obs.REQUEST_LATENCY.labels('checkin_api.scan', 'POST', 200).observe(0.02)\n"
    )
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    for _ in range(2):  # two "workers", two processes
        subprocess.run([sys.executable, "-c", work], cwd=ROOT, env=env, check=True,
                       capture_output=True)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    text = client.get("/metrics").get_data(as_text=True)
    assert 'eventhub_request_duration_seconds_count{endpoint="checkin_api.scan",' \
        'method="POST",status="200"} 2.0' in text
    assert "eventhub_mail_outbox" in text  # read from the database at scrape time, as ever
