"""The setup endpoints added after the first draft: PATCH a round, PATCH/DELETE a rubric line,
PATCH/DELETE a judge, DELETE a declared conflict, and the entries of a round advanced from an
earlier one."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from eventhub.audit import AuditEntry
from eventhub.database import db
from eventhub.judging.assignments import assign
from eventhub.judging.entries import create_track
from eventhub.judging.judges import declare_conflict
from eventhub.judging.models import ConflictOfInterest, Criterion, Judge
from eventhub.judging.rounds import close_round
from eventhub.judging.scorecards import save_scorecard
from tests import factories
from tests.api.conftest import assert_error


@pytest.fixture
def world(organizer, contest):
    track = create_track(organizer, contest, "医疗健康")
    entries = factories.entries(organizer, contest, track, 3)
    judges = [factories.judge(contest, institution=f"机构{i}") for i in range(2)]
    draft = factories.rubric_round(organizer, contest, draft=True)
    return {"entries": entries, "judges": judges, "draft": draft}


def _audits(action):
    return db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)).all()


def test_patch_a_round(api, organizer, world):
    client = api(organizer)
    rid = world["draft"].id
    response = client.patch(f"/api/v1/rounds/{rid}", json={
        "name": "网络评审", "aggregation": "zscore", "advance_top_percent": 25,
        "closes_at": "2030-05-20T18:00:00+08:00"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["name"], body["aggregation"], body["advance_top_percent"], body["closes_at"]) \
        == ("网络评审", "zscore", 25.0, "2030-05-20T18:00:00+08:00")
    # Naming another rule replaces it; what is left out stays.
    body = client.patch(f"/api/v1/rounds/{rid}", json={"advance_threshold": 70}).get_json()
    assert (body["advance_top_percent"], body["advance_threshold"], body["name"]) == (
        None, 70.0, "网络评审")
    client.post(f"/api/v1/rounds/{rid}/open")
    assert_error(client.patch(f"/api/v1/rounds/{rid}", json={"aggregation": "mean"}), 409,
                 "round_not_draft")
    assert client.patch(f"/api/v1/rounds/{rid}", json={"name": "网评"}).status_code == 200
    assert len(_audits("round.updated")) == 3


def test_patch_and_delete_a_rubric_line(api, organizer, world):
    client = api(organizer)
    first, second = (c.id for c in world["draft"].criteria[:2])
    response = client.patch(f"/api/v1/criteria/{first}", json={"weight": 45, "name": "团队"})
    assert_error(response, 422)  # 45 + 35 + 25 = 105
    response = client.patch(f"/api/v1/criteria/{first}", json={"weight": 30, "name": "团队"})
    assert response.status_code == 200 and response.get_json()["weight"] == 30
    assert client.delete(f"/api/v1/criteria/{second}").status_code == 204
    db.session.expire_all()
    assert db.session.get(Criterion, second) is None
    rid = world["draft"].id
    assert_error(client.post(f"/api/v1/rounds/{rid}/open"), 422, "weights_not_100")
    client.post(f"/api/v1/rounds/{rid}/criteria", json={"name": "市场", "max_points": 10,
                                                        "weight": 45})
    assert client.post(f"/api/v1/rounds/{rid}/open").status_code == 200
    assert_error(client.delete(f"/api/v1/criteria/{first}"), 409, "round_not_draft")
    assert_error(client.patch(f"/api/v1/criteria/{first}", json={"weight": 20}), 409,
                 "round_not_draft")


def test_patch_and_remove_a_judge(api, organizer, contest, world):
    client = api(organizer)
    judge = world["judges"][0]
    response = client.patch(f"/api/v1/judges/{judge.id}",
                            json={"institution": "大学1", "expertise": ["医疗"]})
    assert response.status_code == 200
    assert (response.get_json()["institution"], response.get_json()["expertise"]) == (
        "大学1", ["医疗"])
    # Now in an automatic conflict with entry 1: a manual assignment is refused.
    round_ = factories.rubric_round(organizer, contest, name="复赛")
    refused = client.post(f"/api/v1/rounds/{round_.id}/assignments",
                          json={"judge_id": judge.id, "entry_id": world["entries"][1].id})
    assert_error(refused, 409, "conflict_of_interest")
    assign(organizer, round_, judge.id, world["entries"][0].id)
    keys = [str(c.id) for c in round_.criteria]
    save_scorecard(judge.user, round_, world["entries"][0], dict.fromkeys(keys, 1),
                           submit=True)
    assert_error(client.delete(f"/api/v1/judges/{judge.id}"), 409, "judge_has_scores")
    judge_id, other_id, round_id = judge.id, world["judges"][1].id, round_.id
    assign(organizer, round_, other_id, world["entries"][0].id)
    assert client.delete(f"/api/v1/judges/{other_id}").status_code == 204
    db.session.expire_all()
    assert db.session.get(Judge, other_id) is None and db.session.get(Judge, judge_id)
    assert [r["judge_id"] for r in client.get(
        f"/api/v1/rounds/{round_id}/assignments").get_json()["items"]] == [judge_id]


def test_withdraw_a_conflict(api, organizer, contest, world):
    judge, entry = world["judges"][0], world["entries"][0]
    conflict, _ = declare_conflict(organizer, contest, judge.id, entry.id, "亲属")
    # The judge declared or not, only organizers withdraw.
    assert_error(api(judge.user).delete(f"/api/v1/conflicts/{conflict.id}"), 403)
    assert api(organizer).delete(f"/api/v1/conflicts/{conflict.id}").status_code == 204
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ConflictOfInterest)) == 0
    assert len(_audits("conflict.withdrawn")) == 1
    assert_error(api(organizer).delete(f"/api/v1/conflicts/{conflict.id}"), 404)


def test_entries_advanced_from_an_earlier_round(api, organizer, contest, world):
    client = api(organizer)
    entries, judges = world["entries"], world["judges"]
    first = factories.rubric_round(organizer, contest, name="初赛", criteria=((100, 100),),
                                   advance_top_n=1)
    key = str(first.criteria[0].id)
    for entry, total in zip(entries, (60, 90, 90), strict=True):
        assign(organizer, first, judges[0].id, entry.id)
        save_scorecard(judges[0].user, first, entry, {key: total}, submit=True)
    path = f"/api/v1/rounds/{world['draft'].id}/entries"
    assert "from_round_id" in assert_error(
        client.post(path, json={"from_round_id": first.id}), 422)["fields"]
    close_round(organizer, first)
    both = client.post(path, json={"from_round_id": first.id, "entry_ids": [entries[0].id]})
    assert_error(both, 422)
    response = client.post(path, json={"from_round_id": first.id})
    assert response.status_code == 200
    # Two entries tied first: both advance.
    assert response.get_json() == {"entry_ids": [entries[1].id, entries[2].id]}
    assert client.post(path, json={"entry_ids": [entries[0].id]}).get_json() == {
        "entry_ids": [entries[0].id]}


@pytest.mark.parametrize("who", ["outsider", "judge", "participant", "anonymous"])
def test_others_change_nothing(api, outsider_organizer, participant, organizer, contest, world,
                               who):
    judge, entry = world["judges"][0], world["entries"][0]
    conflict, _ = declare_conflict(organizer, contest, judge.id, entry.id, "亲属")
    user = {"outsider": outsider_organizer, "judge": judge.user, "participant": participant,
            "anonymous": None}[who]
    client = api(user)
    criterion = world["draft"].criteria[0]
    calls = [
        ("patch", f"/api/v1/rounds/{world['draft'].id}", {"name": "改"}),
        ("patch", f"/api/v1/criteria/{criterion.id}", {"weight": 10}),
        ("delete", f"/api/v1/criteria/{criterion.id}", None),
        ("patch", f"/api/v1/judges/{judge.id}", {"institution": "改"}),
        ("delete", f"/api/v1/judges/{world['judges'][1].id}", None),
        ("delete", f"/api/v1/conflicts/{conflict.id}", None),
    ]
    for method, path, body in calls:
        response = getattr(client, method)(path, json=body) if body else getattr(
            client, method)(path)
        expected = 401 if user is None else (403, 404)
        assert response.status_code in (expected if isinstance(expected, tuple)
                                        else (expected,)), (path, response.get_json())
    assert _audits("round.updated") + _audits("criterion.updated") + _audits(
        "criterion.deleted") + _audits("judge.updated") + _audits("judge.removed") + _audits(
        "conflict.withdrawn") == []
