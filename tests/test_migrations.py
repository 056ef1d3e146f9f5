"""The migrations build the models' schema on SQLite, PostgreSQL and MariaDB, and undo it.

PostgreSQL is the tests' server (MIGRATE_TEST_PG_URL, else the suite's PostgreSQL or the
throwaway one of tests/embedded_postgres.py), so it runs on any machine. MariaDB is skipped when
unreachable on a developer's machine; in CI (CI=true) an unreachable server fails the run
instead of hiding the test.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from eventhub import create_app
from eventhub.database import db
from eventhub.models import (
    CheckinList,
    Event,
    EventSession,
    Organization,
    Registration,
    Scan,
    User,
)
from tests.ci import missing
from tests.conftest import postgres_server_url

PG_SERVER = os.environ.get("MIGRATE_TEST_PG_URL")
MARIADB_SERVER = os.environ.get("MIGRATE_TEST_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306")
#: One scratch database per test process: two runs at once (a developer's and a helper
#: script's, or two checkouts) must not drop each other's database.
DATABASE = f"eventhub_migrate_{os.getpid()}_test"
#: A character outside the Basic Multilingual Plane, and an emoji: both need 4-byte UTF-8.
RARE_NAME = "𠈌 创业者 🚀"


def unreachable(what: str, error: Exception) -> None:
    missing(f"{what} is not reachable: {type(error).__name__}: {error}")


def schema_drift(connection: sa.Connection) -> list:
    """What Alembic would change to make the database match the models (empty: no drift)."""
    context = MigrationContext.configure(
        connection=connection, opts={"compare_type": True, "render_as_batch": True}
    )
    return compare_metadata(context, db.metadata)


@contextmanager
def server_database(admin_url: str, what: str, create_sql: str) -> Iterator[None]:
    """Create the scratch database on the server (dropping a leftover one); drop it after."""
    server = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {DATABASE}"))
            conn.execute(sa.text(create_sql))
    except sa.exc.OperationalError as error:
        server.dispose()
        unreachable(what, error)
    try:
        yield
    finally:
        with server.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {DATABASE}"))
        server.dispose()


#: The databases every migration runs on; the servers' runs are ``server`` tests.
BACKENDS = ["sqlite", *(pytest.param(name, marks=pytest.mark.server)
                        for name in ("postgres", "mariadb"))]


@pytest.fixture
def sqlite_url(tmp_path) -> Iterator[str]:
    yield f"sqlite:///{tmp_path / 'migrate.sqlite3'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    server = sa.engine.make_url(f"{PG_SERVER}/postgres") if PG_SERVER else postgres_server_url()
    with server_database(
        server.set(database="postgres").render_as_string(hide_password=False),
        "PostgreSQL",
        f"CREATE DATABASE {DATABASE} ENCODING 'UTF8'",
    ):
        yield server.set(database=DATABASE).render_as_string(hide_password=False)


@pytest.fixture
def mariadb_url() -> Iterator[str]:
    with server_database(
        MARIADB_SERVER,
        "MariaDB",
        f"CREATE DATABASE {DATABASE} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci",
    ):
        yield f"{MARIADB_SERVER}/{DATABASE}?charset=utf8mb4"


@pytest.mark.parametrize("backend", BACKENDS)
def test_upgrade_from_empty_then_downgrade_to_base(backend, request, tmp_path):
    url = request.getfixturevalue(f"{backend}_url")
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    app.instance_path = str(tmp_path)
    with app.app_context():
        engine = db.engine
        try:
            upgrade()
            with engine.connect() as conn:
                assert schema_drift(conn) == []
                assert round_trip_name(conn) == RARE_NAME
            downgrade(revision="base")
            assert set(sa.inspect(engine).get_table_names()) <= {"alembic_version"}
        finally:
            engine.dispose()


def round_trip_name(conn: sa.Connection) -> str:
    users = User.__table__
    conn.execute(
        sa.insert(users).values(email="rare@example.com", name=RARE_NAME, locale="zh_Hans",
                                is_admin=False, is_active_account=True)
    )
    name = conn.scalar(sa.select(users.c.name).where(users.c.email == "rare@example.com"))
    conn.execute(sa.delete(users))
    conn.commit()
    return name


def test_models_match_the_migrated_schema(session):
    """The test database was built by the migrations: the models must not differ from it."""
    assert schema_drift(session.connection()) == []


#: The events table as revision 0008 has it (the columns the test fills).
EVENTS_0008 = sa.table("events", *(sa.column(name) for name in (
    "id", "org_id", "title", "kind", "status", "description", "venue", "address", "starts_at",
    "ends_at", "timezone", "registration_paused", "requires_approval", "privacy_notice",
    "privacy_version", "is_listed", "created_at", "updated_at")))


@pytest.mark.parametrize("backend", BACKENDS)
def test_downgrading_the_nonce_scope_keeps_every_scan(backend, request, tmp_path):
    """0008 made nonces unique per list; going back makes them unique again without losing a
    scan (the later of two scans sharing a nonce gets a new one)."""
    url = request.getfixturevalue(f"{backend}_url")
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    app.instance_path = str(tmp_path)
    with app.app_context():
        engine = db.engine
        try:
            upgrade(revision="0008_scan_nonce_scope")
            starts = datetime(2026, 5, 18, 1, tzinfo=UTC)
            with sa.orm.Session(engine) as session:
                lists = []
                for n in range(2):
                    org = Organization(name=f"众创空间{n}", slug=f"org-{n}", kind="maker_space",
                                       description="")
                    session.add(org)
                    session.flush()
                    # Only 0008's columns: the model's later ones (series_id, lead_name) are
                    # not there yet, and an INSERT through the model names them (and their
                    # defaults).
                    event_id = session.scalar(sa.insert(EVENTS_0008).values(
                        org_id=org.id, title="创业沙龙", kind="salon", status="published",
                        description="", venue="", address="", starts_at=starts,
                        ends_at=starts + timedelta(hours=2), timezone="Asia/Shanghai",
                        registration_paused=False, requires_approval=False, privacy_notice="",
                        privacy_version=1, is_listed=True, created_at=starts, updated_at=starts,
                    ).returning(EVENTS_0008.c.id))
                    lists.append(CheckinList(event_id=event_id, name="主入口", is_main=True))
                session.add_all(lists)
                session.flush()
                session.add_all(
                    Scan(list_id=lst.id, nonce="4f2c0a4e-5d1b-4c55-9d1c-0b7e3c1f2a9d",
                         code="X", type="entry", status="invalid", response={})
                    for lst in lists
                )
                session.commit()
            downgrade(revision="0007_judge_links")
            with engine.connect() as conn:
                nonces = conn.execute(sa.text("SELECT nonce FROM scans ORDER BY id")).scalars()
                first, second = nonces
            assert first == "4f2c0a4e-5d1b-4c55-9d1c-0b7e3c1f2a9d"
            assert second.startswith(first[:40]) and second != first and len(second) <= 64
            downgrade(revision="base")
        finally:
            engine.dispose()


def test_altering_a_table_on_sqlite_keeps_the_rows_that_refer_to_it(sqlite_url, tmp_path):
    """SQLite alters a table by rebuilding it (copy, drop, rename): with foreign keys on,
    dropping the old registrations table would cascade to every registration's sessions and
    null its scans. The migrations run with them off (migrations/env.py), both ways."""
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=sqlite_url)
    app.instance_path = str(tmp_path)
    with app.app_context():
        engine = db.engine
        try:
            upgrade()
            starts = datetime(2026, 5, 18, 1, tzinfo=UTC)
            with sa.orm.Session(engine) as session:
                org = Organization(name="众创空间", slug="org", kind="maker_space",
                                   description="")
                event = Event(organization=org, title="创业周", kind="week", status="published",
                              description="", venue="", address="", starts_at=starts,
                              ends_at=starts + timedelta(days=1))
                talk = EventSession(event=event, title="路演", starts_at=starts,
                                    ends_at=starts + timedelta(hours=1))
                person = Registration(event=event, name="张伟", status="confirmed",
                                      source="online", ticket_code="T1", sessions=[talk])
                door = CheckinList(event=event, name="主入口", is_main=True)
                session.add_all([person, door])
                session.flush()
                session.add(Scan(list_id=door.id, registration_id=person.id, nonce="n-1",
                                 code="T1", type="entry", status="ok", response={}))
                session.commit()

            def kept() -> tuple[int, int]:
                with engine.connect() as conn:
                    return (conn.scalar(sa.text("SELECT count(*) FROM registration_sessions")),
                            conn.scalar(sa.text(
                                "SELECT count(*) FROM scans WHERE registration_id IS NOT NULL")))

            assert kept() == (1, 1)
            downgrade(revision="0012_investors")  # drops the wall's columns: a rebuild
            assert kept() == (1, 1)
            upgrade()  # adds them again: another rebuild
            assert kept() == (1, 1)
        finally:
            engine.dispose()
