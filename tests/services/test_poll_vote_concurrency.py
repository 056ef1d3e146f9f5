"""One registration votes from ten requests at the same instant: exactly one vote counts
(issue 14). Each request runs in its own thread, connection and transaction, so the unique
(poll, registration) constraint decides, not the order of the test; on a SQLite file and on
PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from threading import Barrier

import pytest
import sqlalchemy as sa

from eventhub.checkin import services as checkin
from eventhub.database import db
from eventhub.engagement import polls
from eventhub.errors import Conflict
from eventhub.models import (
    CheckinList,
    Event,
    Organization,
    Poll,
    PollChoice,
    PollVote,
    User,
)
from eventhub.registrations import services as reg

pytestmark = pytest.mark.concurrent

N = 10


def test_ten_requests_of_one_registration_make_one_vote(fresh_db):
    app = fresh_db
    with app.app_context():
        org = Organization(name="投票并发空间", slug="poll-race", kind="maker_space")
        admin = User(email="boss@example.com", name="管理员", is_admin=True)
        voter = User(email="voter@example.com", name="钱投票", phone="13900001111")
        start = datetime.now(UTC) + timedelta(days=1)
        event = Event(organization=org, title="创业大赛决赛", kind="contest", status="published",
                      starts_at=start, ends_at=start + timedelta(hours=4))
        db.session.add_all([org, admin, voter, event])
        db.session.commit()
        door = CheckinList(event_id=event.id, name="主入口", is_main=True)
        db.session.add(door)
        db.session.commit()
        registration = reg.register(voter, event, reg.RegistrationInfo(consent=True))
        checkin.scan(admin, door, registration.ticket_code, "race-nonce")
        poll = polls.create_poll(admin, event, "人气奖", "checked_in",
                                 options=["项目一", "项目二", "项目三"])
        polls.open_poll(admin, poll)
        poll_id, voter_id = poll.id, voter.id
        option_ids = [o.id for o in poll.options]
    barrier = Barrier(N)

    def one(i):
        with app.app_context():
            user = db.session.get(User, voter_id)
            target = db.session.get(Poll, poll_id)
            db.session.commit()
            barrier.wait()
            try:
                polls.vote_as(user, target, [option_ids[i % 3]], device=f"d{i}")
                return "voted"
            except Conflict as error:
                return error.code
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=N) as pool:
        results = list(pool.map(one, range(N)))
    assert sorted(results) == ["already_voted"] * (N - 1) + ["voted"]
    with app.app_context():
        votes = db.session.scalar(sa.select(sa.func.count()).select_from(PollVote)
                                  .where(PollVote.poll_id == poll_id))
        choices = db.session.scalar(sa.select(sa.func.count()).select_from(PollChoice))
        assert (votes, choices) == (1, 1)
        assert polls.tally(db.session.get(Poll, poll_id))["voters"] == 1
