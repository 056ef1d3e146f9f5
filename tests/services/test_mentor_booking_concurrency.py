"""A dozen people book a one-place office hour at the same instant: exactly one gets it
(issue 13). Each booking runs in its own thread, connection and transaction, so the slot's
lock decides, not the order of the test; on a SQLite file and on PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from threading import Barrier

import pytest
import sqlalchemy as sa

from eventhub.database import db
from eventhub.errors import Conflict
from eventhub.mentors import services
from eventhub.models import MentorBooking, MentorSlot, Organization, User

pytestmark = pytest.mark.concurrent

N = 12


def test_a_dozen_people_book_one_place_exactly_once(fresh_db):
    app = fresh_db
    with app.app_context():
        org = Organization(name="导师并发空间", slug="mentor-race", kind="maker_space")
        admin = User(email="boss@example.com", name="管理员", is_admin=True)
        people = [User(email=f"m{i}@example.com", name=f"创业者{i}") for i in range(N)]
        db.session.add_all([org, admin, *people])
        db.session.commit()
        mentor = services.add_mentor(admin, org, "mentor@example.com", "周导师")
        start = datetime.now(UTC) + timedelta(days=1)
        slot = services.add_slot(admin, mentor, start, start + timedelta(hours=1), "online")
        slot_id, user_ids = slot.id, [u.id for u in people]
    barrier = Barrier(N)

    def one(user_id):
        with app.app_context():
            user = db.session.get(User, user_id)
            target = db.session.get(MentorSlot, slot_id)
            db.session.commit()
            barrier.wait()
            try:
                services.book(user, target, "商业计划书")
                return "booked"
            except Conflict as error:
                return error.code
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=N) as pool:
        results = list(pool.map(one, user_ids))
    assert sorted(results) == ["booked"] + ["slot_full"] * (N - 1)
    with app.app_context():
        count = db.session.scalar(
            sa.select(sa.func.count()).select_from(MentorBooking)
            .where(MentorBooking.slot_id == slot_id)
        )
    assert count == 1
