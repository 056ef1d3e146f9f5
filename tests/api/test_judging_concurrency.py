"""Two devices of one judge save the same scorecard version at the same moment: exactly one
wins, the other gets 409 stale_version (real threads on PostgreSQL)."""

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from threading import Barrier

import pytest
import sqlalchemy as sa

from eventhub.accounts.services import create_token
from eventhub.database import db
from eventhub.judging.assignments import assign
from eventhub.judging.entries import EntryInfo, create_entry, create_track
from eventhub.judging.judges import invite_judge
from eventhub.judging.models import Scorecard
from eventhub.judging.rounds import RoundInfo, add_criterion, create_round, open_round
from eventhub.models import Event, Membership, Organization, User

pytestmark = pytest.mark.concurrent

DEVICES = 2


def _setup(app):
    with app.app_context():
        now = datetime.now(UTC)
        org = Organization(name="评审并发", slug="judging-race", kind="incubator")
        event = Event(organization=org, title="创新创业大赛", kind="contest", status="published",
                      starts_at=now + timedelta(days=1), ends_at=now + timedelta(days=2),
                      published_at=now)
        organizer = User(email="boss@example.com", name="组织者")
        judge_user = User(email="judge@example.com", name="评委")
        db.session.add_all([event, organizer, judge_user,
                            Membership(organization=org, user=organizer, role="organizer")])
        db.session.commit()
        track = create_track(organizer, event, "医疗健康")
        entry = create_entry(organizer, event,
                                     EntryInfo(title="项目", track_id=track.id))
        judge, _ = invite_judge(organizer, event, judge_user.email)
        round_ = create_round(organizer, event, RoundInfo(name="网评"))
        criterion = add_criterion(organizer, round_, "创新性", 10, 100)
        open_round(organizer, round_)
        assign(organizer, round_, judge.id, entry.id)
        tokens = [create_token(judge_user, f"device {i}")[1] for i in range(DEVICES)]
        return (f"/api/v1/rounds/{round_.id}/scorecards/{entry.id}", str(criterion.id), tokens)


def at_once(app, tokens, path, body_of):
    barrier = Barrier(len(tokens))

    def device(index):
        client = app.test_client()
        barrier.wait()
        response = client.put(
            path, json=body_of(index), headers={"Authorization": f"Bearer {tokens[index]}"}
        )
        return response.status_code, response.get_json()

    with ThreadPoolExecutor(max_workers=len(tokens)) as pool:
        return list(pool.map(device, range(len(tokens))))


@pytest.mark.parametrize("attempt", range(5))
def test_two_devices_saving_one_version_give_one_200_and_one_stale_version(fresh_db, attempt):
    app = fresh_db
    path, key, tokens = _setup(app)
    first = app.test_client().put(path, json={"scores": {key: 1}},
                                  headers={"Authorization": f"Bearer {tokens[0]}"})
    assert first.get_json()["version"] == 1
    results = at_once(app, tokens, path,
                      lambda device: {"scores": {key: 5 + device}, "version": 1})
    statuses = sorted(status for status, _ in results)
    assert statuses == [200, 409], results
    winner = next(body for status, body in results if status == 200)
    loser = next(body for status, body in results if status == 409)
    assert winner["version"] == 2
    assert loser["error"]["code"] == "stale_version"
    assert loser["error"]["scorecard"]["version"] == 2
    with app.app_context():
        card = db.session.scalars(sa.select(Scorecard)).one()
        assert card.version == 2
        assert card.scores == loser["error"]["scorecard"]["scores"]


@pytest.mark.parametrize("attempt", range(3))
def test_two_devices_making_the_first_save_at_once_give_one_200_and_one_stale_version(
    fresh_db, attempt
):
    app = fresh_db
    path, key, tokens = _setup(app)
    results = at_once(app, tokens, path, lambda device: {"scores": {key: 5 + device}})
    assert sorted(status for status, _ in results) == [200, 409], results
    loser = next(body for status, body in results if status == 409)
    assert loser["error"]["code"] == "stale_version"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Scorecard)) == 1
