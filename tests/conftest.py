"""Fixtures: the app on SQLite or PostgreSQL (TEST_DATABASE_URL), one rolled-back transaction
per test, users in every role, and signed-in clients.

TEST_DATABASE_URL unset: the suite runs on an in-memory SQLite database, and the tests marked
``concurrent`` run twice, on a SQLite file (WAL) and on a throwaway PostgreSQL server started
for the session (tests/embedded_postgres.py). TEST_DATABASE_URL=embedded: the whole suite
runs on that throwaway server. TEST_DATABASE_URL=postgresql+psycopg://...: everything runs on
that server (the concurrency tests in a database of their own).

With pytest-xdist (``-n 2``) every worker has databases of its own: eventhub_test becomes
eventhub_gw0_test, eventhub_gw1_test... (the browser tests' and the concurrency tests' ones
follow), and the workers share one throwaway PostgreSQL server.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import session as flask_session
from flask.testing import FlaskClient
from flask_migrate import downgrade, upgrade
from flask_sqlalchemy.session import _app_ctx_id
from flask_wtf.csrf import generate_csrf

from config import TestConfig
from eventhub import create_app
from eventhub.database import db
from tests import embedded_postgres, factories
from tests.ci import missing

DEFAULT_PASSWORD = "correct-horse-42"


def ensure_test_database(url: str) -> None:
    """Refuse a non-test PostgreSQL database; create the test database when it is missing."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return
    if not (parsed.database or "").endswith("_test"):
        raise pytest.UsageError(f"TEST_DATABASE_URL must name a database ending in _test: {url}")
    if parsed.get_backend_name() != "postgresql":
        return
    admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database}
        )
        if not exists:
            conn.execute(sa.text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()


class FreshContextClient(FlaskClient):
    """Push a new app context per request.

    The test itself runs inside an app context, and Flask reuses it for requests; then ``g``
    (where Flask-Login caches the user, Flask-WTF the CSRF state) would leak from one request
    into the next. A fresh context per request behaves like a real server.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    ensure_test_database(TestConfig.SQLALCHEMY_DATABASE_URI)
    instance = tmp_path_factory.mktemp("instance")
    app = create_app("testing")
    app.instance_path = str(instance)
    app.test_client_class = FreshContextClient
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            # Start from nothing, whatever an interrupted run left behind.
            with db.engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
    yield app
    with app.app_context():
        db.session.remove()
        downgrade(revision="base")
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _db(app, request):
    """Every test runs inside one outer transaction that is rolled back afterwards (a
    savepoint of its module's, when the module shares data: ``module_db``)."""
    if request.node.get_closest_marker("concurrent") or "concurrent_app" in request.fixturenames:
        with one_concurrency_test_at_a_time(request.getfixturevalue("tmp_path_factory")):
            yield None
            if xdist_worker() is not None and "concurrent_app" in request.fixturenames:
                # Leave no idle connections to the other workers' concurrency tests.
                concurrent = request.getfixturevalue("concurrent_app")
                with concurrent.app_context():
                    db.engine.dispose()
        return
    if request.node.get_closest_marker("browser"):
        yield None
        return
    with app.app_context():
        if "module_db" in request.fixturenames:
            connection = request.getfixturevalue("module_db")
            with bound_session(connection, undo=connection.begin_nested()) as session:
                yield session
            return
        connection = db.engine.connect()
        try:
            with bound_session(connection, undo=connection.begin()) as session:
                yield session
        finally:
            connection.close()


@contextmanager
def bound_session(connection: sa.Connection, undo=None) -> Iterator[sa.orm.scoped_session]:
    """``db.session`` bound to ``connection``, whose transaction its commits only save points
    of; ``undo`` (a transaction of the connection) is rolled back at the end."""
    original = db.session
    # A plain Session: Flask-SQLAlchemy's own would pick the engine over this connection.
    db.session = sa.orm.scoped_session(
        sa.orm.sessionmaker(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        ),
        scopefunc=_app_ctx_id,
    )
    try:
        yield db.session
    finally:
        db.session.remove()
        db.session = original
        if undo is not None and undo.is_active:
            undo.rollback()


@pytest.fixture(scope="module")
def module_db(app):
    """A connection whose transaction lasts the module: data a module-scoped fixture makes on
    it (inside ``with module_data():``) is made once for the module's tests, each of which
    rolls back to it."""
    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        try:
            yield connection
        finally:
            transaction.rollback()
            connection.close()


@pytest.fixture(scope="module")
def module_data(app, module_db):
    """``with module_data():`` around a module-scoped fixture's work puts it in the module's
    shared transaction (``module_db``)."""
    @contextmanager
    def _module_data():
        with app.app_context(), bound_session(module_db) as session:
            yield session
            session.commit()
    return _module_data


@pytest.fixture(autouse=True)
def _limiter_switch_kept():
    """Flask-Limiter's Limiter is one object for every app of the process, and an app a test
    makes (limits on, or a development or production config) turns it on for every later
    test of the worker: each test gives back the switch it found (the suite's: off)."""
    from eventhub.extensions import limiter

    enabled = limiter.enabled
    yield
    limiter.enabled = enabled


@pytest.fixture
def session(_db):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def now():
    return datetime.now(UTC)


@pytest.fixture
def org(_db):
    return factories.OrganizationFactory(name="沈阳市众创空间", kind="maker_space")


@pytest.fixture
def other_org(_db):
    return factories.OrganizationFactory(name="大连理工大学科技园", kind="university_park")


@pytest.fixture
def admin(_db):
    return factories.UserFactory(email="admin@example.com", name="平台管理员", is_admin=True)


def _member(org, role, email, name):
    user = factories.UserFactory(email=email, name=name)
    factories.MembershipFactory(organization=org, user=user, role=role)
    return user


@pytest.fixture
def owner(org):
    return _member(org, "owner", "owner@example.com", "王主任")


@pytest.fixture
def organizer(org):
    return _member(org, "organizer", "organizer@example.com", "李组织")


@pytest.fixture
def staff(org):
    return _member(org, "staff", "staff@example.com", "张工作人员")


@pytest.fixture
def participant(_db):
    return factories.UserFactory(
        email="participant@example.com", name="赵参与", phone="13812345678"
    )


@pytest.fixture
def outsider_organizer(other_org):
    return _member(other_org, "organizer", "other@example.com", "外部组织者")


@pytest.fixture
def event(org, now):
    return factories.EventFactory(
        organization=org,
        title="2026 沈阳创业周",
        kind="week",
        status="published",
        starts_at=now + timedelta(days=10),
        ends_at=now + timedelta(days=12),
    )


@pytest.fixture
def login(app):
    """``login(user)``: a client signed in as ``user`` (a browser session); ``c.csrf`` is the
    X-CSRFToken value for the API."""

    def _login(user):
        c = app.test_client()
        with app.app_context(), app.test_request_context():
            c.csrf = generate_csrf()
            raw = flask_session["csrf_token"]
        with c.session_transaction() as s:
            s["_user_id"] = factories.session_key(user)
            s["_fresh"] = True
            s["csrf_token"] = raw
        return c

    return _login


@pytest.fixture
def api(app):
    """``api(user)`` returns a test client that sends a Bearer token of ``user``."""
    from eventhub.accounts.services import create_token

    def _api(user=None):
        c = app.test_client()
        if user is not None:
            _, token = create_token(user, "tests")
            c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        return c

    return _api


#: TEST_DATABASE_URL's value that runs the whole suite on the throwaway PostgreSQL server.
EMBEDDED = "embedded"


def xdist_worker() -> str | None:
    """The pytest-xdist worker this process is (``gw0``, ``gw1``...), None without xdist."""
    return os.environ.get("PYTEST_XDIST_WORKER") or None


def is_xdist_controller(config) -> bool:
    """True in the process that hands the tests to xdist's workers (and runs none itself)."""
    return xdist_worker() is None and config.getoption("dist", "no") != "no"


def per_worker(name: str) -> str:
    """A database name of this process's own: ``eventhub_test`` is ``eventhub_gw1_test`` in
    xdist's worker gw1 (the ``_test`` ending stays), itself without xdist."""
    worker = xdist_worker()
    if worker is None:
        return name
    if name.endswith("_test"):
        return f"{name.removesuffix('_test')}_{worker}_test"
    return f"{name}_{worker}"


def worker_database_url(url: sa.URL) -> sa.URL:
    """``url`` with a database of this xdist worker's own (a SQLite file gets a name of its
    own beside it; in-memory SQLite is per process already)."""
    if xdist_worker() is None or not url.database or url.database == ":memory:":
        return url
    if url.get_backend_name() == "sqlite":
        path = Path(url.database)
        return url.set(database=str(path.with_name(f"{path.stem}_{xdist_worker()}{path.suffix}")))
    return url.set(database=per_worker(url.database))


@contextmanager
def one_concurrency_test_at_a_time(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Under xdist, hold a lock of the run's workers for a concurrency test: each may use 60
    connections (PostgreSQL allows 100 by default), and a test measures the races of its own
    threads, not of another worker's test. Without xdist (or fcntl) there is nothing to do."""
    try:
        import fcntl
    except ImportError:  # Windows
        fcntl = None
    if xdist_worker() is None or fcntl is None:
        yield
        return
    # The workers' temporary folders (popen-gw0, popen-gw1...) share the run's.
    with open(tmp_path_factory.getbasetemp().parent / "concurrency-tests.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


#: Test files whose tests share data made once (``module_db``): on one worker, in order.
SHARED_DATA_FILES = ("tests/services/test_demo.py",)
#: A concurrency test's id: its backend is the first parameter (pytest_generate_tests).
CONCURRENT_RUN = re.compile(r"\[(postgresql|sqlite)[\]-]")


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """xdist's scheduling: a browser test file's tests on one worker, in order (their
    module-scoped data is made once on the worker's live server), and likewise a file of
    SHARED_DATA_FILES; the concurrency tests (a
    ``[postgresql…]`` or ``[sqlite…]`` run) all on one worker, one after the other, as their
    lock would have them anyway, instead of a worker idling while the other holds it; every
    other test on its own, to whichever worker is free. (``--dist loadgroup`` cannot group
    tests with pytest 9.2, whose test ids xdist can no longer rename.)"""
    from xdist.scheduler import LoadScopeScheduling

    class BrowserFilesTogether(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            if path.startswith("tests/browser/") or path in SHARED_DATA_FILES:
                return path
            if CONCURRENT_RUN.search(nodeid):
                return "concurrency tests"
            return nodeid

    return BrowserFilesTogether(config, log)


def pytest_configure(config):
    if is_xdist_controller(config):
        # Each worker sets up its own databases. The run's id names the workers' shared
        # pgserver folder, which pytest_unconfigure removes should a worker leave it behind.
        if not config.getoption("testrunuid", None):
            config.option.testrunuid = uuid.uuid4().hex
        return
    if os.environ.get("TEST_DATABASE_URL", "").strip().lower() == EMBEDDED:
        url = embedded_postgres.server_url().set(database=per_worker("eventhub_test"))
    else:
        url = worker_database_url(sa.engine.make_url(TestConfig.SQLALCHEMY_DATABASE_URI))
    TestConfig.SQLALCHEMY_DATABASE_URI = url.render_as_string(hide_password=False)


def pytest_unconfigure(config):
    embedded_postgres.stop()
    if is_xdist_controller(config):
        embedded_postgres.remove_shared(config.option.testrunuid)


def pytest_report_header(config):
    if os.environ.get("TEST_DATABASE_URL", "").strip().lower() == EMBEDDED and (
        is_xdist_controller(config)
    ):
        return "database: eventhub_gwN_test (one per xdist worker) on the embedded PostgreSQL"
    url = sa.engine.make_url(TestConfig.SQLALCHEMY_DATABASE_URI)
    where = url.render_as_string(hide_password=True).split("@")[-1]
    if embedded_postgres.started():
        where = f"{url.database} on the embedded PostgreSQL (pgserver)"
    if is_xdist_controller(config) and url.get_backend_name() != "sqlite":
        where += " (one database per xdist worker: _gw0_test, _gw1_test...)"
    return f"database: {where}"


def suite_on_postgres() -> bool:
    return sa.engine.make_url(TestConfig.SQLALCHEMY_DATABASE_URI).get_backend_name() == (
        "postgresql"
    )


def pytest_generate_tests(metafunc):
    """Run each concurrency test on every database it must hold on: a SQLite file and
    PostgreSQL, or only the suite's PostgreSQL when the suite runs there."""
    if "concurrent_backend" in metafunc.fixturenames:
        backends = ["postgresql"] if suite_on_postgres() else ["sqlite", "postgresql"]
        # @pytest.mark.concurrent("postgresql"): a test of one database's behaviour only.
        marker = metafunc.definition.get_closest_marker("concurrent")
        if marker is not None and marker.args:
            backends = [b for b in backends if b in marker.args] or list(marker.args)
        metafunc.parametrize("concurrent_backend", backends, scope="session")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """A concurrency test's PostgreSQL run, and a test of PostgreSQL alone, is a ``server``
    test (marked before ``-m`` selects): with the SQLite suite it runs on the embedded server,
    with a PostgreSQL suite on that one. CI's SQLite pass leaves the ``server`` tests to its
    PostgreSQL pass (``-m "not server"``)."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        backend = callspec.params.get("concurrent_backend") if callspec else None
        marker = item.get_closest_marker("concurrent")
        if backend == "postgresql" or (marker is not None and marker.args == ("postgresql",)):
            item.add_marker(pytest.mark.server)


#: The project folder (package.json, node_modules).
ROOT = Path(__file__).resolve().parent.parent
#: Why node_modules could not be installed, for the summary (the scanner tests skip).
_frontend_problems: list[str] = []


def pytest_sessionstart(session):
    if xdist_worker() is not None:
        return  # xdist's controller installed them before starting its workers
    problem = install_frontend_modules()
    if problem:
        _frontend_problems.append(problem)


def install_frontend_modules() -> str | None:
    """Run ``npm ci`` when node_modules is missing or older than package-lock.json and npm
    is at hand (the scanner page serves its QR decoder from there). Returns why the modules
    are missing, or None."""
    lock, manifest = ROOT / "package-lock.json", ROOT / "package.json"
    if not lock.exists():
        return None
    installed = ROOT / "node_modules" / ".package-lock.json"
    newest = max(lock.stat().st_mtime, manifest.stat().st_mtime)
    if installed.exists() and installed.stat().st_mtime >= newest:
        return None
    npm = shutil.which("npm")
    if npm is None:
        return "npm not found, node_modules not installed: install Node.js and npm"
    done = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["?"])[-1]
        return f"npm ci failed ({last})"
    return None


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if embedded_postgres.start_seconds is not None:
        terminalreporter.write_line(
            f"embedded PostgreSQL (pgserver) started in {embedded_postgres.start_seconds:.1f} s"
        )
    for problem in _frontend_problems:
        terminalreporter.write_line(f"scanner decoder tests skipped: {problem}", yellow=True)


os.environ.setdefault("EVENTHUB_CONFIG", "testing")


def postgres_server_url() -> sa.URL:
    """A PostgreSQL server of the tests: the suite's when it runs on PostgreSQL, otherwise the
    throwaway one (started now if it is not running yet)."""
    if suite_on_postgres():
        return sa.engine.make_url(TestConfig.SQLALCHEMY_DATABASE_URI)
    return embedded_postgres.server_url().set(database=per_worker("eventhub_test"))


@pytest.fixture(scope="session")
def concurrent_app(concurrent_backend, tmp_path_factory):
    """An app on a database of its own, for tests whose transactions really race: a SQLite
    file (WAL, as the embedded default runs) or PostgreSQL (``concurrent_backend``)."""
    if concurrent_backend == "sqlite":
        path = tmp_path_factory.mktemp("concurrent") / "concurrent.sqlite3"
        app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}")
        with app.app_context():
            upgrade()
    else:
        url = postgres_server_url()
        url = url.set(database=f"{url.database.removesuffix('_test')}_concurrent_test")
        ensure_test_database(url.render_as_string(hide_password=False))
        app = create_app(
            "testing",
            SQLALCHEMY_DATABASE_URI=url.render_as_string(hide_password=False),
            SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 40, "max_overflow": 20},
        )
        with app.app_context():
            with db.engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            upgrade()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def fresh_db(concurrent_app):
    """Empty every table of the concurrent app's database after the test."""
    yield concurrent_app
    with concurrent_app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            present = set(sa.inspect(conn).get_table_names())
            tables = [t for t in db.metadata.sorted_tables if t.name in present]
            if conn.dialect.name == "postgresql":
                names = ", ".join(f'"{t.name}"' for t in tables)
                conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                for table in reversed(tables):
                    conn.execute(table.delete())


@pytest.fixture
def main_list(event):
    """The event's main check-in list."""
    return factories.main_list_of(event)


@pytest.fixture
def ticket(event, participant):
    """The participant's confirmed registration for the event, with its ticket code."""
    from eventhub.registrations import services as reg

    return reg.register(participant, event, reg.RegistrationInfo(consent=True))


@pytest.fixture
def count_statements(app):
    """The SQL statements sent while the test runs (savepoints aside), to keep hot paths lean."""
    statements = []

    def listener(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", listener)
    yield statements
    sa.event.remove(engine, "before_cursor_execute", listener)


# Contests --------------------------------------------------------------------------------


@pytest.fixture
def contest(org):
    """A published contest of the org (factories.contest)."""
    return factories.contest(org)


@pytest.fixture
def track(organizer, contest):
    """The contest's one track, 医疗健康."""
    from eventhub.judging.entries import create_track

    return create_track(organizer, contest, "医疗健康")


@pytest.fixture
def tracks(organizer, contest):
    """The contest's two tracks, 医疗健康 and 人工智能."""
    from eventhub.judging.entries import create_track

    return [create_track(organizer, contest, name) for name in ("医疗健康", "人工智能")]


@pytest.fixture
def open_window(organizer, contest, now):
    """The contest's entry window, open from yesterday to tomorrow."""
    from eventhub.judging.entries import set_entry_window

    return set_entry_window(organizer, contest, now - timedelta(days=1),
                                    now + timedelta(days=1))


@pytest.fixture
def final(organizer, contest):
    """An open roadshow round: (round, entries, judges) (factories.roadshow)."""
    return factories.roadshow(organizer, contest)


#: The Redis of the tests (database 15 of the local server; keys under a per-test prefix).
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture(scope="session")
def redis_client():
    """A client of the test Redis: skipped where there is none, but a failure in CI."""
    import redis

    client = redis.Redis.from_url(TEST_REDIS_URL)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        missing(f"no Redis at {TEST_REDIS_URL}")
    yield client
    client.close()


@pytest.fixture
def redis_live(app, redis_client, monkeypatch):
    """Live versions in Redis on 127.0.0.1 under a key prefix of this test, removed after it."""
    import uuid

    client = redis_client
    prefix = f"test:{uuid.uuid4().hex}:"
    monkeypatch.setitem(app.config, "REDIS_URL", TEST_REDIS_URL)
    monkeypatch.setitem(app.config, "LIVE_KEY_PREFIX", prefix)
    yield client
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)
