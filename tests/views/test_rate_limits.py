"""Sign-in, sign-up and reset throttling (eventhub/accounts/throttle.py), the trusted proxies
in front of the app, a Redis outage, and HSTS."""

from __future__ import annotations

import contextlib
import logging
import time

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from eventhub import create_app
from eventhub.accounts.throttle import DEVICE_COOKIE, backoff_delay
from eventhub.extensions import limiter
from tests.api.conftest import assert_error
from tests.factories import PASSWORD
from tests.views.conftest import make_client, text

WRONG = "wrong-pass-1"
OPENAPI = "/api/v1/openapi.json"  # a page that needs no database


@pytest.fixture
def limited(app, monkeypatch):
    """``limited(**settings)``: an app with rate limits on (the Limiter is shared by every app
    of the process: its switch, counters and Redis-is-down state are put back afterwards)."""
    was_enabled = limiter.enabled
    # Flask-Limiter keeps "the storage is down" on the shared extension; restore it afterwards.
    monkeypatch.setattr(limiter, "_storage_dead", False)

    def make(**settings):
        config = {"RATELIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": "100 per minute"}
        config.update(settings)
        made = create_app("testing", **config)
        made.instance_path = app.instance_path
        return made

    yield make
    with contextlib.suppress(RedisConnectionError):  # a storage the test made unreachable
        limiter.reset()
    limiter.enabled = was_enabled


def api_login(client, email, password=WRONG, address=None, forwarded=None):
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    environ = {"REMOTE_ADDR": address} if address else {}
    return client.post("/api/v1/tokens", json={"email": email, "password": password},
                       headers=headers, environ_base=environ)


def web_login(client, email, password=WRONG, address=None, forwarded=None):
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    environ = {"REMOTE_ADDR": address} if address else {}
    return client.submit("/login", {"email": email, "password": password}, headers=headers,
                         environ_base=environ)


def test_the_backoff_doubles_from_one_second_up_to_its_maximum():
    assert [backoff_delay(n, 5, 900) for n in range(4, 17)] == [
        0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]
    assert backoff_delay(10**6, 5, 900) == 900


# Per address, across accounts ---------------------------------------------------------------


def test_spraying_many_accounts_from_one_address_is_limited(limited, participant):
    app = limited(LOGIN_RATE_LIMIT="3 per minute")
    client = app.test_client()
    with app.app_context():
        statuses = [api_login(client, f"user{i}@example.com").status_code for i in range(4)]
        refused = api_login(client, "participant@example.com", PASSWORD)
        other_address = api_login(client, "user9@example.com", address="10.0.0.2")
    assert statuses == [401, 401, 401, 429]
    assert_error(refused, 429, "rate_limited")
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert other_address.status_code == 401


def test_successful_sign_ins_do_not_use_up_the_address(limited, participant):
    # Colleagues behind one office address: only failures count.
    app = limited(LOGIN_RATE_LIMIT="2 per minute")
    client = app.test_client()
    with app.app_context():
        statuses = [api_login(client, "participant@example.com", PASSWORD).status_code
                    for _ in range(4)]
    assert statuses == [201] * 4


def test_web_and_api_sign_ins_share_one_counter(limited, participant):
    app = limited(LOGIN_RATE_LIMIT="3 per minute")
    api, browser = app.test_client(), make_client(app)
    with app.app_context():
        assert web_login(browser, "a@example.com").status_code == 422
        assert api_login(api, "b@example.com").status_code == 401
        assert web_login(browser, "c@example.com").status_code == 422
        assert_error(api_login(api, "d@example.com"), 429, "rate_limited")
        page = web_login(browser, "participant@example.com", PASSWORD)
    assert page.status_code == 429
    assert "Retry-After" in page.headers
    # The form again, saying why and for how long, not a dead end.
    assert 'name="email"' in text(page)
    assert "尝试次数过多" in text(page)


# Per account, across addresses ---------------------------------------------------------------


def test_one_account_from_many_addresses_is_slowed_down(limited, participant):
    app = limited(PROXY_FIX_X_FOR=1, LOGIN_BACKOFF_AFTER=3)
    api, browser = app.test_client(), make_client(app)
    with app.app_context():
        statuses = [
            web_login(browser, "participant@example.com", forwarded="203.0.113.1").status_code,
            api_login(api, "participant@example.com", forwarded="203.0.113.2").status_code,
            web_login(browser, "Participant@Example.com", forwarded="203.0.113.3").status_code,
        ]
        refused = api_login(api, "participant@example.com", PASSWORD, forwarded="203.0.113.4")
        page = web_login(browser, "participant@example.com", forwarded="203.0.113.5")
        other_account = api_login(api, "someone@example.com", forwarded="203.0.113.6")
    assert statuses == [422, 401, 422]
    # Even the right password waits for the delay (1 s after the 3rd failure here).
    assert_error(refused, 429, "rate_limited")
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert page.status_code == 429
    assert "该账号登录失败次数过多" in text(page)
    assert other_account.status_code == 401


def test_the_owner_signs_in_once_the_short_delay_has_passed(limited, participant):
    app = limited(LOGIN_BACKOFF_AFTER=3)
    attacker, owner = app.test_client(), make_client(app)
    with app.app_context():
        for _ in range(3):
            assert api_login(attacker, "participant@example.com",
                             address="198.51.100.7").status_code == 401
        locked = web_login(owner, "participant@example.com", PASSWORD, address="10.1.1.1")
        assert locked.status_code == 429
        wait = int(locked.headers["Retry-After"])
        assert 1 <= wait <= 2  # the delay after the 3rd failure, not a long wall
        time.sleep(wait + 0.1)
        signed_in = web_login(owner, "participant@example.com", PASSWORD, address="10.1.1.1")
        assert signed_in.status_code == 302
        # The success reset the count: the next failure does not lock the account again.
        assert api_login(attacker, "participant@example.com",
                         address="198.51.100.7").status_code == 401
        assert api_login(attacker, "participant@example.com", PASSWORD,
                         address="198.51.100.7").status_code == 201


def test_the_owners_usual_browser_is_not_delayed_by_someone_elses_failures(
        limited, participant):
    app = limited(LOGIN_BACKOFF_AFTER=3)
    with app.app_context():
        first = make_client(app)
        assert web_login(first, "participant@example.com", PASSWORD).status_code == 302
        device = first.get_cookie(DEVICE_COOKIE)
        assert device is not None and device.http_only
        attacker = app.test_client()
        for _ in range(3):
            assert api_login(attacker, "participant@example.com",
                             address="198.51.100.7").status_code == 401
        # A browser the owner never used waits; the one they signed in with before does not.
        elsewhere = make_client(app)
        assert web_login(elsewhere, "participant@example.com", PASSWORD).status_code == 429
        usual = make_client(app)
        usual.set_cookie(DEVICE_COOKIE, device.value)
        assert web_login(usual, "participant@example.com", PASSWORD).status_code == 302
        # The cookie is bound to its account: it buys nothing for another one.
        for _ in range(3):
            assert api_login(attacker, "owner2@example.com",
                             address="198.51.100.7").status_code == 401
        stranger = make_client(app)
        stranger.set_cookie(DEVICE_COOKIE, device.value)
        assert web_login(stranger, "owner2@example.com").status_code == 429


def test_a_forged_device_cookie_is_ignored(limited, participant):
    app = limited(LOGIN_BACKOFF_AFTER=3)
    with app.app_context():
        attacker = app.test_client()
        for _ in range(3):
            assert api_login(attacker, "participant@example.com").status_code == 401
        forged = make_client(app)
        forged.set_cookie(DEVICE_COOKIE, "eyJhIjoieCIsIm4iOiJ5In0.forged")
        assert web_login(forged, "participant@example.com", PASSWORD).status_code == 429


# Trusted proxies -----------------------------------------------------------------------------


def test_x_forwarded_for_is_ignored_when_no_proxy_is_trusted(limited):
    app = limited(LOGIN_RATE_LIMIT="3 per minute")  # PROXY_FIX_X_FOR = 0 by default
    client = app.test_client()
    with app.app_context():
        statuses = [api_login(client, f"user{i}@example.com",
                              forwarded=f"203.0.113.{i}").status_code for i in range(4)]
    assert statuses == [401, 401, 401, 429]


def test_the_client_behind_a_trusted_proxy_is_told_apart(limited):
    app = limited(LOGIN_RATE_LIMIT="3 per minute", PROXY_FIX_X_FOR=1)
    client = app.test_client()
    with app.app_context():
        statuses = [api_login(client, f"user{i}@example.com",
                              forwarded=f"203.0.113.{i}").status_code for i in range(6)]
        # Only the last address is the proxy's: a client cannot prepend one of its choice.
        spoofed = [api_login(client, f"user{i}@example.com",
                             forwarded=f"198.51.100.{i}, 203.0.113.50").status_code
                   for i in range(4)]
    assert statuses == [401] * 6
    assert spoofed == [401, 401, 401, 429]


# Sign-up and password reset ------------------------------------------------------------------


def test_sign_ups_are_limited_per_address_on_the_page_and_the_api_together(limited):
    app = limited(SIGNUP_RATE_LIMIT="2 per minute")
    api, browser = app.test_client(), make_client(app)
    with app.app_context():
        assert api.post("/api/v1/accounts", json={}).status_code == 422
        assert browser.submit("/signup", {"email": "x"}).status_code == 422
        assert_error(api.post("/api/v1/accounts", json={}), 429, "rate_limited")
        page = browser.submit("/signup", {"email": "x"})
        elsewhere = api.post("/api/v1/accounts", json={}, environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert page.status_code == 429
    assert 'name="email"' in text(page) and "尝试次数过多" in text(page)
    assert elsewhere.status_code == 422


def test_reset_requests_are_limited_per_account_across_addresses(limited, participant):
    app = limited(PASSWORD_RESET_ACCOUNT_RATE_LIMIT="2 per hour")
    browser = make_client(app)
    with app.app_context():
        statuses = [
            browser.submit("/password/forgot", {"email": "participant@example.com"},
                           environ_base={"REMOTE_ADDR": f"10.0.0.{i}"}).status_code
            for i in range(3)
        ]
        other = browser.submit("/password/forgot", {"email": "other@example.com"})
    assert statuses == [302, 302, 429]
    assert other.status_code == 302


def test_reset_requests_are_limited_per_address_across_accounts(limited):
    app = limited(PASSWORD_RESET_RATE_LIMIT="2 per minute")
    browser = make_client(app)
    with app.app_context():
        statuses = [
            browser.submit("/password/forgot", {"email": f"u{i}@example.com"}).status_code
            for i in range(3)
        ]
    assert statuses == [302, 302, 429]


# Redis down ----------------------------------------------------------------------------------


def test_sign_in_keeps_working_while_redis_is_down(limited, participant, caplog):
    app = limited(RATELIMIT_STORAGE_URI="redis://127.0.0.1:1", LOGIN_RATE_LIMIT="3 per minute")
    with caplog.at_level(logging.INFO), app.app_context():
        pages = [web_login(make_client(app), "participant@example.com", PASSWORD).status_code
                 for _ in range(3)]
        token = api_login(app.test_client(), "participant@example.com", PASSWORD)
        reset = make_client(app).submit("/password/forgot", {"email": "participant@example.com"})
        signup = app.test_client().post("/api/v1/accounts", json={})
        # The limits still hold meanwhile, counted in memory.
        api = app.test_client()
        failures = [api_login(api, f"u{i}@example.com").status_code for i in range(4)]
    assert pages == [302, 302, 302]
    assert token.status_code == 201
    assert reset.status_code == 302
    assert signup.status_code == 422
    assert failures == [401, 401, 401, 429]
    fallbacks = [r for r in caplog.records if "falling back to in-memory" in r.getMessage()]
    assert len(fallbacks) == 1
    assert fallbacks[0].levelno == logging.WARNING
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


# HSTS ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("config", "sent"), [("production", True), ("development", False),
                                              ("testing", False)])
def test_hsts_is_sent_in_production_only(app, config, sent):
    was_enabled = limiter.enabled
    try:
        made = create_app(config, SECRET_KEY="x" * 32, SQLALCHEMY_DATABASE_URI="sqlite://",
                          RATELIMIT_ENABLED=False)
        made.instance_path = app.instance_path
        response = made.test_client().get(OPENAPI)
    finally:
        limiter.enabled = was_enabled
    assert response.status_code == 200
    if sent:
        assert response.headers["Strict-Transport-Security"] == (
            "max-age=31536000; includeSubDomains")
    else:
        assert "Strict-Transport-Security" not in response.headers


def test_hsts_is_configurable(app):
    was_enabled = limiter.enabled
    try:
        quiet = create_app("production", SECRET_KEY="x" * 32, SQLALCHEMY_DATABASE_URI="sqlite://",
                           RATELIMIT_ENABLED=False, STRICT_TRANSPORT_SECURITY="")
        loud = create_app("testing", STRICT_TRANSPORT_SECURITY="max-age=600")
    finally:
        limiter.enabled = was_enabled
    assert "Strict-Transport-Security" not in quiet.test_client().get(OPENAPI).headers
    assert loud.test_client().get(OPENAPI).headers["Strict-Transport-Security"] == "max-age=600"


def test_the_api_document_names_retry_after_on_every_429(client):
    document = client.get(OPENAPI).get_json()
    limited_operations = [
        (path, method, operation["responses"]["429"])
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
        if isinstance(operation, dict) and "429" in operation.get("responses", {})
    ]
    assert {path for path, _, _ in limited_operations} >= {"/api/v1/tokens", "/api/v1/accounts"}
    for path, method, answer in limited_operations:
        assert "Retry-After" in answer.get("headers", {}), (path, method)
