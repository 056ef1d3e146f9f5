"""Browser tests: a live eventhub server on its own database, driven by Debian's Chromium.

Playwright is used with the system Chromium (never a downloaded browser build): the first of
CHROMIUM_NAMES on the PATH. Without one the tests are skipped on a developer's machine (the
summary says so) and fail in CI (CI=true).
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade
from werkzeug.serving import BaseWSGIServer, make_server

from config import TestConfig
from eventhub import create_app
from eventhub.database import db
from tests.ci import in_ci

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


#: The phone the door and registration tests hold (CSS pixels).
PHONE = {"width": 375, "height": 812}

#: The names a system Chromium goes by (Debian, Ubuntu, Google's build).
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
#: Why the browser tests were skipped (shown in the summary), when they were.
_skipped_because: list[str] = []


def chromium_path() -> str | None:
    """The system Chromium to drive, or None when there is none."""
    return next(filter(None, map(shutil.which, CHROMIUM_NAMES)), None)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if _skipped_because:
        terminalreporter.write_line(f"browser tests skipped: {_skipped_because[0]}", yellow=True)


@dataclass
class LiveServer:
    app: Flask
    url: str

    @contextmanager
    def app_context(self) -> Iterator[None]:
        """Run services against the live server's database (seed data, check results)."""
        with self.app.app_context():
            try:
                yield
            finally:
                db.session.remove()


def browser_database_name(test_url: sa.URL) -> str:
    """The browser tests' PostgreSQL database, named after the suite's (two runs never share)."""
    return f"{test_url.database.removesuffix('_test')}_browser_test"


def browser_database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite file, or a fresh PostgreSQL database when the suite runs on PostgreSQL."""
    test_url = sa.engine.make_url(TestConfig.SQLALCHEMY_DATABASE_URI)
    if test_url.get_backend_name() != "postgresql":
        return f"sqlite:///{tmp_path_factory.mktemp('browser') / 'live.sqlite3'}"
    name = browser_database_name(test_url)
    with _postgres_admin(test_url) as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    return test_url.set(database=name).render_as_string(hide_password=False)


@contextmanager
def _postgres_admin(url: sa.URL) -> Iterator[sa.Connection]:
    engine = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    """The app, migrated on its own database, served on 127.0.0.1 from a thread."""
    url = browser_database_url(tmp_path_factory)
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    app.instance_path = str(tmp_path_factory.mktemp("browser-instance"))
    with app.app_context():
        upgrade()
    server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(app=app, url=f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.engine.dispose()
        if url.startswith("postgresql"):
            live_url = sa.engine.make_url(url)
            with _postgres_admin(live_url) as conn:
                conn.execute(sa.text(f"DROP DATABASE IF EXISTS {live_url.database} WITH (FORCE)"))


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Any]:
    """Playwright, to launch Debian's Chromium (once per session: its sync API runs once)."""
    if chromium_path() is None:
        message = "no Chromium found (apt-get install chromium fonts-noto-cjk)"
        if in_ci():
            pytest.fail(message + "; CI must run the browser tests")
        _skipped_because.append(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def chromium(playwright_driver) -> Iterator[Any]:
    """Debian's Chromium, launched headless by Playwright."""
    browser = playwright_driver.chromium.launch(
        executable_path=chromium_path(), args=CHROMIUM_ARGS
    )
    try:
        yield browser
    finally:
        browser.close()


@pytest.fixture
def new_page(chromium) -> Iterator[Any]:
    """``new_page(**context_options)`` opens a page in a fresh browser context (no cookies).

    Contexts default to a Chinese browser on a phone-sized screen.
    """
    contexts = []

    def _new_page(**options: Any) -> Any:
        options = {"locale": "zh-CN", "viewport": {"width": 390, "height": 844}, **options}
        context = chromium.new_context(**options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield _new_page
    for context in contexts:
        context.close()


def sign_in(page: Any, email: str, password: str, base_url: str | None = None) -> None:
    """Sign in through the login form: the one ``page`` shows, or ``base_url``'s /login.
    Returns once the browser has left the login page."""
    if base_url is not None:
        page.goto(base_url + "/login")
    form = page.locator("main form")
    form.locator("input[name=email]").fill(email)
    form.locator("input[name=password]").fill(password)
    form.locator("[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)


def open_judge_link(page: Any, live_server: Any, judge_id: int) -> None:
    """Open a new sign-in link of the judge on ``page`` (its page, then its button), as the
    judge does from the invitation mail. Returns once the browser has left the link's page."""
    from eventhub.judging.judges import issue_judge_link
    from eventhub.judging.models import Judge

    with live_server.app_context():
        token = issue_judge_link(db.session.get(Judge, judge_id))
    page.goto(f"{live_server.url}/judging/sign-in/{token}")
    page.locator("main form [type=submit]").click()
    page.wait_for_url(lambda url: "/judging/sign-in/" not in url)


# Data the tests make through the services, inside ``live_server.app_context()`` -----------


def admin_and_org(email: str, password: str, org_name: str, name: str = "平台管理员") -> tuple:
    """A platform admin signed up through the services and the maker space they made."""
    from eventhub.accounts import services as accounts
    from eventhub.orgs import services as orgs

    admin = accounts.sign_up(accounts.SignUpInfo(email, password, name))
    admin.is_admin = True
    db.session.commit()
    return admin, orgs.create_org(admin, org_name, "maker_space")


def add_member(admin: Any, org: Any, role: str, email: str, password: str, name: str) -> Any:
    """Sign up ``email`` and make them a member of ``org`` in ``role``; returns the user."""
    from eventhub.accounts import services as accounts
    from eventhub.orgs import services as orgs

    user = accounts.sign_up(accounts.SignUpInfo(email, password, name))
    orgs.set_member(admin, org, email, role)
    return user


def publish_event(admin: Any, org: Any, title: str, kind: str, starts_at: datetime,
                  length: timedelta, **info: Any) -> Any:
    """An event of ``org`` from ``starts_at`` for ``length``, created and published by
    ``admin`` (``info``: more EventInfo fields)."""
    from eventhub.events import services as events

    event = events.create_event(admin, org, events.EventInfo(
        title=title, kind=kind, starts_at=starts_at, ends_at=starts_at + length, **info))
    events.change_status(admin, event, "publish")
    return event


def register_people(event: Any, people: Mapping[str, tuple[str, str, str]],
                    password: str) -> dict[str, Any]:
    """Sign up each ``key: (email, name, phone)`` of ``people`` and register them for
    ``event`` (consenting); returns their registrations by key."""
    from eventhub.accounts import services as accounts
    from eventhub.registrations import services as reg

    registrations = {}
    for key, (email, name, phone) in people.items():
        user = accounts.sign_up(accounts.SignUpInfo(email, password, name, phone=phone))
        registrations[key] = reg.register(user, event, reg.RegistrationInfo(consent=True))
    return registrations


def door_phone(new_page: Any, **options: Any) -> Any:
    """A page on a phone at the door (375 px, touch unless ``options`` say otherwise) whose
    scanner starts with its camera off: the tests type or upload the codes."""
    page = new_page(**{"viewport": PHONE, "is_mobile": True, "has_touch": True, **options})
    page.context.add_init_script("localStorage.setItem('door:camera', 'off')")
    return page


def pytest_collection_modifyitems(config, items):
    """The live server's threads may leave a static file's handle to the garbage collector
    when Chromium drops a request half-way (a favicon it no longer wants): werkzeug's file
    wrapper is then never closed. That is the development server's doing, not the app's, and
    it surfaces at random in whichever browser test runs next, so browser tests don't fail on
    such an unraisable warning (every other test still does)."""
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.filterwarnings(
                "ignore::pytest.PytestUnraisableExceptionWarning"))
