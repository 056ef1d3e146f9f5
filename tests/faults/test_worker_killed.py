"""A gunicorn worker killed (SIGKILL) in the middle of a registration burst: the requests it
held die with it and their clients send them again. Afterwards there is no half-written
registration (each one whole: its answers, consent, status, a ticket when confirmed, its
mail), exactly CAPACITY confirmed, and a gapless waitlist."""

from __future__ import annotations

import http.client
import json
import os
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from eventhub.accounts.services import create_token
from eventhub.database import db
from eventhub.mail.models import OutboxMessage
from eventhub.models import Event, Organization, Registration, User
from eventhub.registrations import form_builder, queries
from tests.faults.conftest import gunicorn, worker_pids

pytestmark = pytest.mark.concurrent("postgresql")

PEOPLE = 60
CAPACITY = 20
CLIENTS = 12


def _setup(app) -> tuple[int, str, list[str]]:
    with app.app_context():
        now = datetime.now(UTC)
        org = Organization(name="故障演练空间", slug="faults-burst", kind="incubator")
        event = Event(organization=org, title="限额路演日", kind="forum", status="published",
                      starts_at=now + timedelta(days=5), ends_at=now + timedelta(days=5, hours=3),
                      capacity=CAPACITY, published_at=now)
        admin = User(email="faults-admin@example.com", name="管理员", is_admin=True)
        users = [User(email=f"burst{i}@example.com", name=f"报名者{i}", phone=f"137{i:08d}")
                 for i in range(PEOPLE)]
        db.session.add_all([event, admin, *users])
        db.session.commit()
        question = form_builder.save_question(
            admin, event, form_builder.QuestionInfo(label="融资阶段", kind="text", required=True))
        tokens = [create_token(u, "burst")[1] for u in users]
        return event.id, str(question.id), tokens


def _post(port: int, path: str, body: dict, token: str) -> tuple[int, dict | None]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("POST", path, body=json.dumps(body), headers={
            "Content-Type": "application/json", "Authorization": f"Bearer {token}"})
        response = conn.getresponse()
        data = response.read()
        return response.status, json.loads(data) if data else None
    finally:
        conn.close()


def wait_until_served(port: int) -> None:
    """Until both workers have loaded the app (the master listens long before)."""
    deadline = time.monotonic() + 90
    served = 0
    while served < 4:
        assert time.monotonic() < deadline, "gunicorn's workers did not start"
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            conn.request("GET", "/api/v1/openapi.json")
            served += conn.getresponse().status == 200
        except (ConnectionError, http.client.HTTPException):
            time.sleep(0.1)
        finally:
            conn.close()


def test_a_worker_killed_mid_burst_leaves_no_half_registration(fresh_db):
    app = fresh_db
    event_id, question, tokens = _setup(app)
    path = f"/api/v1/events/{event_id}/registrations"
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    died: list[str] = []
    answers: dict[int, tuple[int, dict | None]] = {}
    lock = threading.Lock()
    third = threading.Event()

    with gunicorn(url, workers=2) as (port, master):
        wait_until_served(port)
        def register(index: int) -> None:
            body = {"consent": True, "answers": {question: f"天使轮 {index}"}}
            deadline = time.monotonic() + 60
            while True:  # a request that died is sent again
                try:
                    status, answer = _post(port, path, body, tokens[index])
                except (ConnectionError, http.client.HTTPException) as exc:
                    with lock:
                        died.append(type(exc).__name__)
                    assert time.monotonic() < deadline
                    time.sleep(0.05)
                    continue
                break
            with lock:
                answers[index] = (status, answer)
                if len(answers) >= PEOPLE // 3:
                    third.set()

        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            done = [pool.submit(register, i) for i in range(PEOPLE)]
            assert third.wait(60)
            before = len(answers)
            victim = worker_pids(master.pid)[0]
            os.kill(victim, signal.SIGKILL)
            for future in done:
                future.result()
        assert before < PEOPLE  # the kill fell in the middle of the burst
        assert died  # and took requests with it
        assert victim not in worker_pids(master.pid)  # gunicorn replaced it

    # The first answer of each person: 201, or 409 when the request that died had committed.
    statuses = [status for status, _ in answers.values()]
    assert set(statuses) <= {201, 409}, [a for a in answers.values() if a[0] not in (201, 409)]
    assert statuses.count(409) <= len(died)
    with app.app_context():
        rows = db.session.scalars(sa.select(Registration).where(
            Registration.event_id == event_id).order_by(Registration.id)).all()
        assert len(rows) == PEOPLE  # one each, none lost, none twice
        assert len({r.user_id for r in rows}) == PEOPLE
        for row in rows:
            index = int(row.email.removeprefix("burst").partition("@")[0])
            assert row.answers == {question: f"天使轮 {index}"}
            assert row.consent_at is not None and row.consent_version
            assert row.status in ("confirmed", "waitlisted")
            assert (row.ticket_code is not None) == (row.status == "confirmed")
            assert (row.confirmed_at is not None) == (row.status == "confirmed")
        confirmed = [r for r in rows if r.status == "confirmed"]
        assert len(confirmed) == CAPACITY
        event = db.session.get(Event, event_id)
        waiting = [r.id for r in rows if r.status == "waitlisted"]
        positions = queries.waitlist_positions(event, waiting)
        assert sorted(positions.values()) == list(range(1, PEOPLE - CAPACITY + 1))
        # Each registration's mail was written with it (the same transaction): one each.
        mails = db.session.execute(sa.select(OutboxMessage.to_addr, sa.func.count())
                                   .group_by(OutboxMessage.to_addr)).all()
        assert len(mails) == PEOPLE and {n for _, n in mails} == {1}
    # Answers given to the clients agree with the database.
    for status, body in answers.values():
        if status == 201:
            assert body["status"] in ("confirmed", "waitlisted")
