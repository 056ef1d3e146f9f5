"""Two gates, one ticket, the same moment: exactly one ok (real threads on PostgreSQL)."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from threading import Barrier

import pytest
import sqlalchemy as sa

from eventhub.accounts.services import create_token
from eventhub.checkin.models import CheckinList, Scan
from eventhub.database import db
from eventhub.models import Event, Membership, Organization, User
from eventhub.registrations import services as reg
from eventhub.registrations.models import Registration

pytestmark = pytest.mark.concurrent

GATES = 24


def _setup(app):
    with app.app_context():
        now = datetime.now(UTC)
        org = Organization(name="签到并发", slug="checkin-race", kind="incubator")
        event = Event(
            organization=org,
            title="开幕式",
            kind="forum",
            status="published",
            starts_at=now + timedelta(days=1),
            ends_at=now + timedelta(days=1, hours=3),
            published_at=now,
        )
        staff = User(email="gate@example.com", name="门岗")
        guest = User(email="guest@example.com", name="来宾", phone="13912345678")
        db.session.add_all(
            [event, staff, guest, Membership(organization=org, user=staff, role="staff")]
        )
        db.session.add(CheckinList(event=event, name="主入口", is_main=True))
        db.session.commit()
        ticket = reg.register(guest, event, reg.RegistrationInfo(consent=True)).ticket_code
        list_id = db.session.scalar(
            sa.select(CheckinList.id).where(CheckinList.event_id == event.id)
        )
        tokens = [create_token(staff, f"gate {i}")[1] for i in range(GATES)]
        return list_id, ticket, tokens


def at_once(app, tokens, path, body_of):
    """POST ``body_of(gate)`` to ``path`` from every gate at the same moment (each with its
    own token); return the (status code, JSON body) of each."""
    barrier = Barrier(GATES)

    def gate(index):
        client = app.test_client()
        barrier.wait()
        response = client.post(
            path, json=body_of(index), headers={"Authorization": f"Bearer {tokens[index]}"}
        )
        return response.status_code, response.get_json()

    with ThreadPoolExecutor(max_workers=GATES) as pool:
        return list(pool.map(gate, range(GATES)))


def count_scans(app, *where) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Scan).where(*where))


def test_parallel_scans_of_one_ticket_give_exactly_one_ok(fresh_db):
    app = fresh_db
    list_id, code, tokens = _setup(app)
    results = at_once(
        app, tokens, f"/api/v1/checkin-lists/{list_id}/scans",
        lambda gate: {"code": code, "nonce": f"gate-{gate}", "device": f"gate {gate}"},
    )
    assert {status for status, _ in results} == {200}
    statuses = sorted(body["status"] for _, body in results)
    assert statuses == ["already_checked_in"] * (GATES - 1) + ["ok"]
    assert count_scans(app, Scan.status == "ok") == 1


def test_parallel_replays_of_one_nonce_record_one_scan(fresh_db):
    app = fresh_db
    list_id, code, tokens = _setup(app)
    results = at_once(
        app, tokens, f"/api/v1/checkin-lists/{list_id}/scans",
        lambda gate: {"code": "UNKNOWN" + code[7:], "nonce": "same-nonce"},
    )
    answers = [body for _, body in results]
    assert all(a == answers[0] for a in answers) and answers[0]["status"] == "invalid"
    assert count_scans(app) == 1


def test_parallel_retries_of_one_walk_in_register_one_person(fresh_db):
    app = fresh_db
    list_id, _, tokens = _setup(app)
    results = at_once(
        app, tokens, f"/api/v1/checkin-lists/{list_id}/walk-ins",
        lambda gate: {"name": "现场来宾", "phone": "13600001111", "nonce": "walk-in-1"},
    )
    # One registers; the others queue on the event's lock and get its answer.
    assert {status for status, _ in results} == {201}
    assert all(body == results[0][1] for _, body in results)
    assert results[0][1]["scan"]["status"] == "ok"
    with app.app_context():
        phones = db.session.scalars(sa.select(Registration.phone)).all()
    assert phones.count("13600001111") == 1
    assert count_scans(app, Scan.nonce == "walk-in-1") == 1


@pytest.mark.concurrent("postgresql")
def test_a_scan_that_waited_for_the_ticket_decides_on_the_scan_it_waited_for(fresh_db):
    """Gate B reads the ticket while gate A holds its row lock; A's ok commits meanwhile, so
    the scans B's statement read are older than A's: B's record finds a newer latest scan,
    reads the scans again and answers already_checked_in (with A's scan as the previous)."""
    from eventhub.checkin import services as checkin

    app = fresh_db
    list_id, code, tokens = _setup(app)
    a_holds, a_may_go = threading.Event(), threading.Event()

    def gate_a():
        with app.test_request_context():
            door, caller = checkin.load_door(list_id, code, tokens[0])
            a_holds.set()
            a_may_go.wait(30)
            return checkin.scan(caller, door, code, "gate-a", device="A")

    def gate_b():
        a_holds.wait(30)
        response = app.test_client().post(
            f"/api/v1/checkin-lists/{list_id}/scans",
            json={"code": code, "nonce": "gate-b", "device": "B"},
            headers={"Authorization": f"Bearer {tokens[1]}"},
        )
        return response.get_json()

    with ThreadPoolExecutor(max_workers=2) as pool:
        a, b = pool.submit(gate_a), pool.submit(gate_b)
        with app.app_context():
            for _ in range(300):  # until B waits for the row lock A holds
                waiting = db.session.scalar(sa.text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND datname = current_database()"))
                db.session.rollback()
                if waiting:
                    break
                time.sleep(0.01)
        assert waiting == 1
        a_may_go.set()
        first, second = a.result(timeout=30), b.result(timeout=30)
    assert first["status"] == "ok"
    assert second["status"] == "already_checked_in"
    assert second["previous"] == {"at": first["at"], "device": "A"}
    assert count_scans(app, Scan.status == "ok") == 1
