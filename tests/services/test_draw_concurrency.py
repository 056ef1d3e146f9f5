"""Two runs of one draw at the same instant (two organizers' laptops, a double click): one
draws and the other answers 409 ``already_drawn``, and the winners are drawn once. Each run
in its own thread, connection and transaction; on a SQLite file and on PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from threading import Barrier

import pytest
import sqlalchemy as sa

from eventhub.checkin import services as checkin
from eventhub.database import db
from eventhub.engagement import draws
from eventhub.engagement.models import Draw, DrawWinner
from eventhub.errors import Conflict
from eventhub.models import AuditEntry, CheckinList, Event, Organization, User
from eventhub.registrations import services as registrations

pytestmark = pytest.mark.concurrent

N = 4


def _world() -> tuple[int, int]:
    """A committed draw of five checked-in people. Returns (draw id, organizer id)."""
    org = Organization(name="抽奖空间", slug="draw-race", kind="maker_space")
    admin = User(email="boss@example.com", name="管理员", is_admin=True)
    db.session.add_all([org, admin])
    db.session.commit()
    start = datetime.now(UTC) + timedelta(days=1)
    event = Event(org_id=org.id, title="创业周开幕式", kind="week", status="published",
                  starts_at=start, ends_at=start + timedelta(hours=8),
                  published_at=datetime.now(UTC))
    db.session.add(event)
    db.session.commit()
    door = db.session.scalar(sa.select(CheckinList).where(CheckinList.event_id == event.id))
    if door is None:
        door = CheckinList(event_id=event.id, name="主入口", is_main=True)
        db.session.add(door)
        db.session.commit()
    for i in range(5):
        user = User(email=f"p{i}@example.com", name=f"王{i}")
        db.session.add(user)
        db.session.commit()
        registration = registrations.register(user, event, registrations.RegistrationInfo(
            consent=True, phone=f"1390000000{i}"))
        checkin.scan(admin, door, registration.ticket_code, f"n{i}")
    draw = draws.create_draw(admin, event, "开幕抽奖", [{"name": "一等奖", "count": 2}],
                             "checked_in")
    draws.commit_draw(admin, draw)
    return draw.id, admin.id


def test_two_runs_at_once_draw_once(fresh_db):
    app = fresh_db
    with app.app_context():
        draw_id, admin_id = _world()
    barrier = Barrier(N)

    def one(_):
        with app.app_context():
            try:
                admin = db.session.get(User, admin_id)
                draw = db.session.get(Draw, draw_id)
                db.session.commit()
                barrier.wait()
                try:
                    draws.run_draw(admin, draw)
                    return "drawn"
                except Conflict as error:
                    return error.code
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=N) as pool:
        results = sorted(pool.map(one, range(N)))
    assert results == ["already_drawn"] * (N - 1) + ["drawn"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(DrawWinner.id))) == 2
        assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id)).where(
            AuditEntry.action == "draw.drawn")) == 1
