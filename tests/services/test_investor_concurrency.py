"""An investor's double tap: marks of the same entry sent at the same instant make one mark
(the unique (entry, investor) constraint decides; the later ones update it), and two accepts
of one mark at once make one connection. Each request runs in its own thread, connection and
transaction; on a SQLite file and on PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from threading import Barrier

import pytest
import sqlalchemy as sa

from eventhub.database import db
from eventhub.engagement import investors
from eventhub.judging.entries import EntryInfo, create_entry, create_track
from eventhub.models import (
    Entry,
    Event,
    InvestorConnection,
    InvestorInterest,
    Organization,
    User,
)
from eventhub.registrations import services as registrations
from eventhub.registrations.form_builder import save_category

pytestmark = pytest.mark.concurrent

N = 6


def _world():
    """A published contest with an entry led by a founder, and an investor of the contest.
    Returns (entry id, investor id, leader id)."""
    org = Organization(name="融资对接空间", slug="invest-race", kind="incubator")
    admin = User(email="boss@example.com", name="管理员", is_admin=True)
    investor = User(email="vc@example.com", name="钱投资")
    leader = User(email="lead@example.com", name="赵队长")
    db.session.add_all([org, admin, investor, leader])
    db.session.commit()
    start = datetime.now(UTC) + timedelta(days=3)
    event = Event(org_id=org.id, title="决赛路演", kind="contest", status="published",
                  starts_at=start, ends_at=start + timedelta(hours=8),
                  published_at=datetime.now(UTC))
    db.session.add(event)
    db.session.commit()
    category = save_category(admin, event, "投资人", investor=True)
    registrations.register(investor, event, registrations.RegistrationInfo(
        category_id=category.id, consent=True, phone="13900000001"))
    track = create_track(admin, event, "科技组")
    entry = create_entry(admin, event, EntryInfo(title="项目", track_id=track.id,
                                                 leader_id=leader.id))
    return entry.id, investor.id, leader.id


def _race(app, work):
    barrier = Barrier(N)

    def one(i):
        with app.app_context():
            try:
                prepared = work(i, prepare=True)
                db.session.commit()
                barrier.wait()
                return work(i, prepared=prepared)
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=N) as pool:
        return list(pool.map(one, range(N)))


def test_a_double_tap_makes_one_mark_and_two_accepts_one_connection(fresh_db):
    app = fresh_db
    with app.app_context():
        entry_id, investor_id, leader_id = _world()
    levels = ["interested", "meeting", "bp"]

    def mark(i, prepare=False, prepared=None):
        if prepare:
            return (db.session.get(User, investor_id),
                    db.session.get(Entry, entry_id))
        user, entry = prepared
        _, created = investors.mark_interest(user, entry, levels[i % 3], consent=True)
        return created

    created = _race(app, mark)
    assert sorted(created) == [False] * (N - 1) + [True]
    with app.app_context():
        marks = db.session.scalars(sa.select(InvestorInterest)).all()
        assert len(marks) == 1 and marks[0].share_consent_at is not None
        mark_id = marks[0].id

    def accept(i, prepare=False, prepared=None):
        if prepare:
            return (db.session.get(User, leader_id), db.session.get(InvestorInterest, mark_id))
        user, interest = prepared
        return investors.accept_interest(user, interest).id

    assert len(set(_race(app, accept))) == 1
    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count()).select_from(InvestorConnection))
    assert count == 1
