"""Office-hour reminders run from cron: several runs at the same instant (two hosts, an
overlapping schedule) remind each booking once (issue 13). Each run has its own thread,
connection and transaction; on a SQLite file and on PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from threading import Barrier

import pytest
import sqlalchemy as sa

from eventhub.database import db
from eventhub.mentors import mails, services
from eventhub.models import MentorBooking, Organization, OutboxMessage, User

pytestmark = pytest.mark.concurrent

RUNS = 6
BOOKERS = 3


def test_simultaneous_runs_remind_each_booking_once(fresh_db):
    app = fresh_db
    with app.app_context():
        org = Organization(name="提醒并发空间", slug="remind-race", kind="maker_space")
        admin = User(email="boss@example.com", name="管理员", is_admin=True)
        people = [User(email=f"r{i}@example.com", name=f"创业者{i}") for i in range(BOOKERS)]
        db.session.add_all([org, admin, *people])
        db.session.commit()
        mentor = services.add_mentor(admin, org, "mentor@example.com", "周导师")
        start = datetime.now(UTC) + timedelta(hours=6)
        slot = services.add_slot(admin, mentor, start, start + timedelta(hours=1), "online",
                                 capacity=BOOKERS)
        for person in people:
            services.book(person, slot, "商业计划书")
    barrier = Barrier(RUNS)

    def run(_):
        with app.app_context():
            barrier.wait()
            try:
                return mails.send_booking_reminders()
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=RUNS) as pool:
        counts = list(pool.map(run, range(RUNS)))
    assert sum(counts) == BOOKERS
    with app.app_context():
        reminders = db.session.scalars(
            sa.select(OutboxMessage.to_addr)
            .where(OutboxMessage.template == "mentor_booking_reminder")
        ).all()
        assert sorted(reminders) == sorted(f"r{i}@example.com" for i in range(BOOKERS))
        assert db.session.scalar(sa.select(sa.func.count()).select_from(MentorBooking)
                                 .where(MentorBooking.reminded_at.is_(None))) == 0
