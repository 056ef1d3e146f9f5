"""Mentors as judges through the API (API.md "Mentors", last point; issue 13 point 5): a judge
who coached an entry as a mentor is in conflict with it automatically (409
`conflict_of_interest`, never picked by `auto`, no scoring, listed with its reason), and
`POST /events/{id}/judges` takes a mentor of the organization's pool by `mentor_id`."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from eventhub.database import db
from eventhub.judging.assignments import assign
from eventhub.judging.models import Assignment, Judge
from tests import factories
from tests.api.conftest import assert_error


@pytest.fixture
def setup(organizer, contest, track, other_org):
    """Two entries, two judges; judge 0's account is a mentor (of another organization's pool)
    who coached entry 0; an open round with one criterion of 100 points."""
    entries = factories.entries(organizer, contest, track, 2)
    judges = [factories.judge(contest) for _ in range(2)]
    mentor = factories.mentor(other_org, judges[0].user)
    coaching = factories.coaching(mentor, entries[0].id)
    round_ = factories.rubric_round(organizer, contest, criteria=((100, 100),))
    return {"entries": entries, "judges": judges, "coaching": coaching, "round": round_}


def test_assigning_the_mentor_to_the_entry_they_coached_is_409(api, organizer, setup):
    client = api(organizer)
    url = f"/api/v1/rounds/{setup['round'].id}/assignments"
    judge, (coached, other) = setup["judges"][0], setup["entries"]
    assert_error(client.post(url, json={"judge_id": judge.id, "entry_id": coached.id}),
                 409, "conflict_of_interest")
    assert client.post(url, json={"judge_id": judge.id, "entry_id": other.id}).status_code == 201
    auto = client.post(url, json={"auto": {"judges_per_entry": 2}})
    assert auto.status_code == 200, auto.get_json()
    assert auto.get_json()["short"] == [{"entry_id": coached.id, "missing": 1}]
    pairs = set(db.session.execute(sa.select(Assignment.judge_id, Assignment.entry_id)).all())
    assert (judge.id, coached.id) not in pairs
    assert (setup["judges"][1].id, coached.id) in pairs


def test_a_coaching_after_the_assignment_stops_the_scorecard(
        api, organizer, contest, setup, other_org):
    judges, (coached, _) = setup["judges"], setup["entries"]
    round_ = setup["round"]
    assign(organizer, round_, judges[1].id, coached.id)
    key = str(round_.criteria[0].id)
    client = api(judges[1].user)
    saved = client.put(f"/api/v1/rounds/{round_.id}/scorecards/{coached.id}",
                       json={"scores": {key: 80}, "submit": True})
    assert saved.status_code == 200
    factories.coaching(factories.mentor(contest.organization, judges[1].user), coached.id)
    # The assignment stays; the scorecard no longer counts and the judge may not score.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Assignment).where(
        Assignment.judge_id == judges[1].id)) == 1
    results = api(organizer).get(f"/api/v1/rounds/{round_.id}/results?method=mean")
    line = next(e for e in results.get_json()["tracks"][0]["entries"]
                if e["entry_id"] == coached.id)
    assert line["n_scores"] == 0
    assert_error(client.put(f"/api/v1/rounds/{round_.id}/scorecards/{coached.id}",
                            json={"scores": {key: 90}, "version": 2}), 403)
    assert client.get(f"/api/v1/me/assignments?round_id={round_.id}").get_json()["items"] == []


def test_the_conflicts_list_the_coaching_with_its_reason(api, organizer, contest, setup):
    body = api(organizer).get(f"/api/v1/events/{contest.id}/conflicts").get_json()
    assert body["items"] == []
    [automatic] = body["automatic"]
    assert automatic["judge_id"] == setup["judges"][0].id
    assert automatic["entry_id"] == setup["entries"][0].id
    assert automatic["reasons"] == ["coaching"]
    coached_at = datetime.fromisoformat(automatic["coached_at"])
    assert abs(coached_at - setup["coaching"].started_at) < timedelta(seconds=1)


def test_a_coaching_of_no_entry_conflicts_with_nothing(api, organizer, contest, track,
                                                      other_org):
    entries = factories.entries(organizer, contest, track, 1)
    judge = factories.judge(contest)
    factories.coaching(factories.mentor(other_org, judge.user), None)
    round_ = factories.rubric_round(organizer, contest, draft=True)
    response = api(organizer).post(f"/api/v1/rounds/{round_.id}/assignments",
                                   json={"judge_id": judge.id, "entry_id": entries[0].id})
    assert response.status_code == 201
    assert api(organizer).get(
        f"/api/v1/events/{contest.id}/conflicts").get_json()["automatic"] == []


# Inviting a mentor of the pool ------------------------------------------------------------


def test_a_mentor_of_the_pool_is_invited_by_mentor_id(api, organizer, org, contest):
    user = factories.UserFactory(email="wang@example.com", name="王导师")
    mentor = factories.mentor(org, user, title="教授", affiliation="东北大学",
                              expertise=["医疗"])
    response = api(organizer).post(f"/api/v1/events/{contest.id}/judges",
                                   json={"mentor_id": mentor.id})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["email"], body["institution"], body["expertise"]) == (
        "wang@example.com", "东北大学", ["医疗"])
    again = api(organizer).post(f"/api/v1/events/{contest.id}/judges",
                                json={"mentor_id": mentor.id, "email": "wang@example.com"})
    assert again.status_code == 200 and again.get_json()["id"] == body["id"]


@pytest.mark.parametrize("case", ["other_pool", "unknown", "email_and_other_mentor", "neither"])
def test_a_mentor_of_another_pool_is_422_and_changes_nothing(
        api, organizer, org, other_org, contest, case):
    mine, theirs = factories.mentor(org), factories.mentor(other_org)
    body, field = {
        "other_pool": ({"mentor_id": theirs.id}, "mentor_id"),
        "unknown": ({"mentor_id": 424242}, "mentor_id"),
        "email_and_other_mentor": ({"mentor_id": mine.id, "email": "x@example.com"}, "email"),
        "neither": ({"name": "无名"}, "email"),
    }[case]
    response = api(organizer).post(f"/api/v1/events/{contest.id}/judges", json=body)
    error = assert_error(response, 422)
    assert field in error["fields"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Judge)) == 0


def test_the_openapi_document_describes_mentor_id(api):
    document = api().get("/api/v1/openapi.json").get_json()
    schema = document["components"]["schemas"]["JudgeIn"]
    assert "mentor_id" in schema["properties"] and "email" not in schema.get("required", [])
    assert "pool" in schema["properties"]["mentor_id"]["description"]
    conflicts = document["components"]["schemas"]["ConflictList"]["properties"]
    assert "automatic" in conflicts
