"""Sign-ups and token requests at the same moment: each one is answered, none with "database
is locked" (on a SQLite file in WAL mode, the embedded default, and on PostgreSQL); a lock held
past the busy timeout answers 503 with Retry-After, never 500."""

from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from eventhub import create_app
from eventhub.accounts.services import SignUpInfo, sign_up
from eventhub.database import db
from eventhub.models import ApiToken, User

pytestmark = pytest.mark.concurrent

THREADS = 20
PASSWORD = "correct-horse-42"


def at_once(app, requests: list[tuple[str, dict]]) -> list[tuple[int, dict]]:
    """POST every (path, JSON body) from its own thread at the same moment; return the
    (status code, JSON body) of each."""
    barrier = Barrier(len(requests))

    def one(request: tuple[str, dict]) -> tuple[int, dict]:
        path, body = request
        client = app.test_client()
        barrier.wait()
        response = client.post(path, json=body)
        return response.status_code, response.get_json()

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(pool.map(one, requests))


def accounts(app, n: int) -> list[str]:
    """``n`` accounts with PASSWORD; their emails."""
    with app.app_context():
        emails = [f"member{i}@example.com" for i in range(n)]
        for i, email in enumerate(emails):
            sign_up(SignUpInfo(email=email, password=PASSWORD, name=f"成员{i}"))
        return emails


def token_request(email: str, name: str) -> tuple[str, dict]:
    return "/api/v1/tokens", {"email": email, "password": PASSWORD, "name": name}


def test_parallel_token_requests_of_one_account_each_get_a_token(fresh_db):
    app = fresh_db
    [email] = accounts(app, 1)
    results = at_once(app, [token_request(email, f"设备{i}") for i in range(THREADS)])
    assert [status for status, _ in results] == [201] * THREADS, results
    assert len({body["token"] for _, body in results}) == THREADS
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == THREADS
        user = db.session.scalar(sa.select(User).where(User.email == email))
        assert user.last_login_at is not None


def test_sign_ups_and_token_requests_at_once_all_succeed(fresh_db):
    app = fresh_db
    half = THREADS // 2
    emails = accounts(app, half)
    requests = [token_request(email, "脚本") for email in emails] + [
        ("/api/v1/accounts",
         {"email": f"new{i}@example.com", "password": PASSWORD, "name": f"新人{i}"})
        for i in range(half)
    ]
    results = at_once(app, requests)
    assert [status for status, _ in results] == [201] * THREADS, results
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == THREADS
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == half


@pytest.mark.concurrent("sqlite")
def test_a_lock_held_past_the_busy_timeout_answers_503_then_the_request_works(tmp_path):
    path = tmp_path / "locked.sqlite3"
    app = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}",
        SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"timeout": 0.2}},
    )
    app.instance_path = str(tmp_path)
    with app.app_context():
        upgrade()
    [email] = accounts(app, 1)
    client = app.test_client()
    other = sqlite3.connect(path, isolation_level=None)  # another process writing
    try:
        other.execute("BEGIN IMMEDIATE")
        path_, body = token_request(email, "被锁")
        response = client.post(path_, json=body)
        assert response.status_code == 503, response.get_json()
        assert int(response.headers["Retry-After"]) > 0
        assert response.get_json()["error"]["code"] == "unavailable"
    finally:
        other.execute("ROLLBACK")
        other.close()
    path_, body = token_request(email, "解锁后")
    assert client.post(path_, json=body).status_code == 201
    with app.app_context():
        assert db.session.scalar(sa.select(ApiToken.name)) == "解锁后"
        db.session.remove()
        db.engine.dispose()
