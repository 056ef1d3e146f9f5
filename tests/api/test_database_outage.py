"""An unreachable database answers 503 with Retry-After (API.md's error body, or a page), logs
one line per failure and no traceback, and the app recovers by itself when it is back."""

from __future__ import annotations

import logging
import re
import socket

import pytest
import sqlalchemy as sa
from flask_sqlalchemy.session import Session, _app_ctx_id

from eventhub import create_app
from eventhub.database import db
from eventhub.errors import RETRY_AFTER_SECONDS, database_unavailable
from tests.api.conftest import assert_error, schema_errors


@pytest.fixture
def own_session(monkeypatch):
    """Flask-SQLAlchemy's own session (per app, per context) instead of the test's, which is
    bound to the suite's database: these tests run apps on databases of their own."""
    factory = sa.orm.sessionmaker(class_=Session, db=db, expire_on_commit=False)
    monkeypatch.setattr(db, "session", sa.orm.scoped_session(factory, scopefunc=_app_ctx_id))


@pytest.fixture
def closed_port() -> int:
    """A local TCP port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_app(tmp_path, url: str, **options):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, **options)
    app.instance_path = str(tmp_path)
    return app


def problems(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.WARNING]


def assert_one_line_logged(caplog, path: str) -> None:
    [record] = problems(caplog)
    message = record.getMessage()
    assert "database unavailable" in message and path in message
    assert "\n" not in message
    assert record.exc_info is None and record.stack_info is None
    caplog.clear()


def test_postgresql_down_answers_503_with_retry_after_and_one_log_line(
    own_session, tmp_path, closed_port, caplog
):
    url = f"postgresql+psycopg://postgres@127.0.0.1:{closed_port}/eventhub_down_test"
    client = make_app(tmp_path, url).test_client()

    response = client.get("/api/v1/events")
    error = assert_error(response, 503, "unavailable")
    assert "fields" not in error
    assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert_one_line_logged(caplog, "/api/v1/events")
    document = client.get("/api/v1/openapi.json").get_json()  # served without the database
    documented = document["paths"]["/api/v1/events"]["get"]["responses"]["503"]
    assert not schema_errors(document, documented["content"]["application/json"]["schema"],
                             response.get_json())

    # A signed-in browser (its user cannot even be loaded) gets a page, in its language.
    with client.session_transaction() as session:
        session["_user_id"] = "1"
        session["locale"] = "en"
    page = client.get("/")
    assert page.status_code == 503
    assert page.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    html = page.get_data(as_text=True)
    assert "Back in a moment" in html and 'lang="en"' in html
    assert f'http-equiv="refresh" content="{RETRY_AFTER_SECONDS}"' in html
    assert_one_line_logged(caplog, "GET /")

    # The default language is Chinese; a form sent is not sent again by the page.
    browser = make_app(tmp_path, url).test_client()
    form = browser.get("/login").get_data(as_text=True)  # needs no database
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    sent = browser.post("/login", data={"csrf_token": token, "email": "zhang@example.com",
                                        "password": "correct-horse-42"})
    assert sent.status_code == 503
    html = sent.get_data(as_text=True)
    assert "请稍候" in html and "http-equiv" not in html
    assert_one_line_logged(caplog, "POST /login")


def test_sqlite_file_out_of_reach_answers_503_and_recovers_by_itself(
    own_session, tmp_path, caplog
):
    folder = tmp_path / "volume"  # not mounted yet
    app = make_app(tmp_path, f"sqlite:///{folder / 'eventhub.sqlite3'}")
    client = app.test_client()

    for _ in range(3):
        assert_error(client.get("/api/v1/events"), 503, "unavailable")
        assert_one_line_logged(caplog, "/api/v1/events")

    folder.mkdir()
    with app.app_context():
        db.create_all()
    response = client.get("/api/v1/events")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["total"] == 0
    assert problems(caplog) == []


def test_a_lost_connection_midway_is_503_and_the_next_request_works(app, client, event, caplog):
    engine = db.session.get_bind()
    refused = sa.exc.OperationalError(
        "SELECT 1", {}, _driver_error(engine, "server closed the connection unexpectedly")
    )

    def drop(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("SELECT"):  # rollbacks still pass
            raise refused

    sa.event.listen(engine, "before_cursor_execute", drop)
    try:
        assert_error(client.get(f"/api/v1/events/{event.id}"), 503, "unavailable")
        page = client.get(f"/events/{event.id}")
        assert page.status_code == 503 and page.headers["Retry-After"]
    finally:
        sa.event.remove(engine, "before_cursor_execute", drop)
    assert len(problems(caplog)) == 2
    assert all(r.exc_info is None for r in caplog.records)

    response = client.get(f"/api/v1/events/{event.id}")
    assert response.status_code == 200
    assert response.get_json()["title"] == event.title


def _driver_error(engine, text: str) -> Exception:
    """The driver's own error class for a lost connection (sqlite3's or psycopg's)."""
    if engine.dialect.name == "sqlite":
        import sqlite3

        return sqlite3.OperationalError("database is locked")
    import psycopg

    return psycopg.OperationalError(text)


def test_a_wrong_statement_is_no_outage():
    import sqlite3

    missing_table = sa.exc.OperationalError("SELECT * FROM nothing", {},
                                            sqlite3.OperationalError("no such table: nothing"))
    assert not database_unavailable(missing_table)
    locked = sa.exc.OperationalError("UPDATE users", {},
                                     sqlite3.OperationalError("database is locked"))
    assert database_unavailable(locked)
    assert database_unavailable(sa.exc.TimeoutError("QueuePool limit reached"))
    assert not database_unavailable(
        sa.exc.IntegrityError("INSERT", {}, sqlite3.IntegrityError("UNIQUE constraint failed"))
    )


def test_an_unexpected_database_error_still_propagates_in_tests(app, client, event):
    engine = db.session.get_bind()

    def wrong(_conn, _cursor, statement, *_args):
        import sqlite3

        if statement.lstrip().upper().startswith("SELECT"):
            raise sa.exc.OperationalError(statement, {},
                                          sqlite3.OperationalError("no such column"))

    sa.event.listen(engine, "before_cursor_execute", wrong)
    try:
        with pytest.raises(sa.exc.OperationalError, match="no such column"):
            client.get(f"/api/v1/events/{event.id}")
    finally:
        sa.event.remove(engine, "before_cursor_execute", wrong)


@pytest.mark.concurrent("postgresql")
def test_postgresql_restart_is_survived_by_the_pool(concurrent_app, fresh_db, tmp_path, caplog):
    """Connections the server dropped (a restart, a failover) are replaced by the pool's
    pre-ping: the next request works, no error answered."""
    url = concurrent_app.config["SQLALCHEMY_DATABASE_URI"]
    if sa.engine.make_url(url).get_backend_name() != "postgresql":
        pytest.skip("a server that restarts: PostgreSQL's case")
    name = "eventhub-outage-test"
    app = make_app(tmp_path, url, SQLALCHEMY_ENGINE_OPTIONS={
        "connect_args": {"application_name": name},
    })
    client = app.test_client()
    assert client.get("/api/v1/events").status_code == 200

    with concurrent_app.app_context(), db.engine.begin() as conn:
        # Waiting (up to 5 s) until each backend has ended: its goodbye has reached the pooled
        # connection's socket (a request in the very moment of a crash can still meet 503).
        killed = conn.scalar(sa.text(
            "SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity "
            "WHERE application_name = :name"), {"name": name})
    assert killed >= 1

    assert client.get("/api/v1/events").status_code == 200
    assert problems(caplog) == []
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.mark.concurrent("postgresql")
def test_a_pooled_postgresql_connection_is_pinged_only_when_it_may_be_dead(
    concurrent_app, tmp_path, monkeypatch
):
    """No round trip before a request on a connection just used; one when it was idle long
    (dropped silently on the way?) or its server ended it, which is then replaced unseen."""

    from eventhub import database

    url = concurrent_app.config["SQLALCHEMY_DATABASE_URI"]
    if sa.engine.make_url(url).get_backend_name() != "postgresql":
        pytest.skip("the socket check is PostgreSQL's")
    assert make_app(tmp_path, url).config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is False
    engine = sa.create_engine(url, pool_size=1, max_overflow=0)
    database.configure_engine(engine)
    pings = []
    ping = engine.dialect.do_ping
    monkeypatch.setattr(engine.dialect, "do_ping", lambda conn: pings.append(1) or ping(conn))
    try:
        with engine.connect() as conn:
            first = conn.scalar(sa.text("SELECT pg_backend_pid()"))
        with engine.connect() as conn:
            assert conn.scalar(sa.text("SELECT pg_backend_pid()")) == first
        assert pings == []

        monkeypatch.setattr(database, "PING_AFTER_IDLE", 0.0)
        with engine.connect() as conn:
            assert conn.scalar(sa.text("SELECT pg_backend_pid()")) == first
        assert pings == [1]
        monkeypatch.setattr(database, "PING_AFTER_IDLE", 3600.0)

        with concurrent_app.app_context(), db.engine.begin() as admin:
            # Returns once the backend has ended: its goodbye is on the pooled socket.
            assert admin.scalar(sa.text("SELECT pg_terminate_backend(:pid, 5000)"),
                                {"pid": first})
        with engine.connect() as conn:
            assert conn.scalar(sa.text("SELECT pg_backend_pid()")) != first
        assert pings == [1, 1]
    finally:
        engine.dispose()

