"""Capacity under real concurrency: many simultaneous registration requests on PostgreSQL.

Each request runs in its own thread with its own database connection and transaction, so
the capacity rule is decided by the database lock, not by the order of the test.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from threading import Barrier

import pytest
import sqlalchemy as sa

from eventhub.accounts.services import create_token
from eventhub.database import db
from eventhub.models import Event, EventSession, Organization, Registration, User
from eventhub.registrations import form_builder

pytestmark = pytest.mark.concurrent

N = 120
PLACES = 20


def _setup(app, *, capacity=None, category_capacity=None, session_capacity=None):
    """Make an event, N participants with tokens; return (event id, tokens, pool ids)."""
    with app.app_context():
        org = Organization(name="并发测试空间", slug="concurrency", kind="maker_space")
        now = datetime.now(UTC)
        event = Event(
            organization=org,
            title="并发报名测试",
            kind="salon",
            status="published",
            starts_at=now + timedelta(days=3),
            ends_at=now + timedelta(days=3, hours=2),
            capacity=capacity,
            published_at=now,
        )
        db.session.add(event)
        users = [
            User(email=f"p{i}@example.com", name=f"参与者{i}", phone=f"139{i:08d}")
            for i in range(N)
        ]
        db.session.add_all(users)
        db.session.commit()
        admin = User(email="boss@example.com", name="管理员", is_admin=True)
        db.session.add(admin)
        db.session.commit()
        category_id = session_id = None
        if category_capacity is not None:
            category_id = form_builder.save_category(admin, event, "观众", category_capacity).id
        if session_capacity is not None:
            session = EventSession(
                event=event,
                title="路演",
                starts_at=event.starts_at,
                ends_at=event.ends_at,
                capacity=session_capacity,
            )
            db.session.add(session)
            db.session.commit()
            session_id = session.id
        tokens = [create_token(u, "burst")[1] for u in users]
        admin_token = create_token(admin, "admin")[1]
        return event.id, tokens, admin_token, category_id, session_id


def _burst(app, event_id, tokens, body):
    barrier = Barrier(len(tokens))

    def one(token):
        client = app.test_client()
        barrier.wait()
        response = client.post(
            f"/api/v1/events/{event_id}/registrations",
            json=body,
            headers={"Authorization": f"Bearer {token}"},
        )
        return response.status_code, response.get_json()

    with ThreadPoolExecutor(max_workers=len(tokens)) as pool:
        return list(pool.map(one, tokens))


def _check_exact(app, event_id, results):
    assert {status for status, _ in results} == {201}, results[:3]
    bodies = [body for _, body in results]
    confirmed = [b for b in bodies if b["status"] == "confirmed"]
    waitlisted = [b for b in bodies if b["status"] == "waitlisted"]
    assert len(confirmed) == PLACES
    assert len(waitlisted) == N - PLACES
    assert sorted(b["waitlist_position"] for b in waitlisted) == list(range(1, N - PLACES + 1))
    assert len({b["ticket"]["code"] for b in confirmed}) == PLACES
    with app.app_context():
        counts = dict(
            db.session.execute(
                sa.select(Registration.status, sa.func.count())
                .where(Registration.event_id == event_id)
                .group_by(Registration.status)
            ).all()
        )
    assert counts == {"confirmed": PLACES, "waitlisted": N - PLACES}


@pytest.mark.parametrize("pool", ["event", "category", "session"])
def test_burst_fills_each_pool_exactly(fresh_db, pool):
    app = fresh_db
    event_id, tokens, _, category_id, session_id = _setup(
        app,
        capacity=PLACES if pool == "event" else None,
        category_capacity=PLACES if pool == "category" else None,
        session_capacity=PLACES if pool == "session" else None,
    )
    body = {"consent": True}
    if category_id:
        body["category_id"] = category_id
    if session_id:
        body["session_ids"] = [session_id]
    _check_exact(app, event_id, _burst(app, event_id, tokens, body))


def test_double_submits_make_one_registration(fresh_db):
    app = fresh_db
    event_id, tokens, _, _, _ = _setup(app, capacity=PLACES)
    results = _burst(app, event_id, [tokens[0]] * 24, {"consent": True})
    codes = sorted(status for status, _ in results)
    assert codes == [201] + [409] * 23
    assert {b["error"]["code"] for s, b in results if s == 409} == {"already_registered"}
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 1


def test_concurrent_cancellations_promote_in_arrival_order(fresh_db):
    app = fresh_db
    event_id, tokens, admin_token, _, _ = _setup(app, capacity=PLACES)
    results = _burst(app, event_id, tokens, {"consent": True})
    confirmed = [b["id"] for _, b in results if b["status"] == "confirmed"]
    waiting = sorted(
        (b["waitlist_position"], b["id"]) for _, b in results if b["status"] == "waitlisted"
    )
    barrier = Barrier(10)

    def cancel(registration_id):
        client = app.test_client()
        barrier.wait()
        return client.post(
            f"/api/v1/registrations/{registration_id}/cancel",
            headers={"Authorization": f"Bearer {admin_token}"},
        ).status_code

    with ThreadPoolExecutor(max_workers=10) as pool:
        assert set(pool.map(cancel, confirmed[:10])) == {200}
    first_ten = {rid for _, rid in waiting[:10]}
    with app.app_context():
        now_confirmed = set(
            db.session.scalars(
                sa.select(Registration.id).where(
                    Registration.event_id == event_id, Registration.status == "confirmed"
                )
            )
        )
    assert len(now_confirmed) == PLACES
    assert first_ten <= now_confirmed
    assert not ({rid for _, rid in waiting[10:]} & now_confirmed)
