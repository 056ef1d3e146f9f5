"""Audience voting (人气奖) and live polls through the API (issue 14): paths, fields, status
codes and error codes as API.md says, and every rule of `eventhub.engagement.polls`."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from eventhub.audit import AuditEntry
from eventhub.checkin import services as checkin
from eventhub.database import db
from eventhub.engagement import polls
from eventhub.models import PollVote
from eventhub.registrations import services as reg
from tests import factories
from tests.api.conftest import assert_error, db_counts


def _checked_in(event, user, staff):
    registration = reg.register(user, event, reg.RegistrationInfo(consent=True))
    checkin.scan(staff, factories.main_list_of(event), registration.ticket_code,
                 f"n-{registration.id}")
    return registration


@pytest.fixture
def voter(event, organizer):
    user = factories.UserFactory(email="voter@example.com", name="钱投票", phone="13900001111")
    _checked_in(event, user, organizer)
    return user


def _create(api, organizer, event, **body):
    body = {"question": "最喜欢哪个分论坛？", "options": ["人工智能", "医疗健康", "新能源"],
            "eligible": "checked_in", **body}
    body = {k: v for k, v in body.items() if v is not None}
    response = api(organizer).post(f"/api/v1/events/{event.id}/polls", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


@pytest.fixture
def poll(api, organizer, event):
    body = _create(api, organizer, event)
    assert api(organizer).post(f"/api/v1/polls/{body['id']}/open").status_code == 200
    return body


def test_creating_opening_and_closing_a_poll(api, organizer, event):
    body = _create(api, organizer, event)
    assert body["status"] == "draft"
    assert [o["label"] for o in body["options"]] == ["人工智能", "医疗健康", "新能源"]
    assert all(isinstance(o["id"], int) for o in body["options"])
    opened = api(organizer).post(f"/api/v1/polls/{body['id']}/open")
    assert opened.status_code == 200 and opened.get_json()["status"] == "open"
    closed = api(organizer).post(f"/api/v1/polls/{body['id']}/close")
    assert closed.status_code == 200 and closed.get_json()["status"] == "closed"
    assert_error(api(organizer).post(f"/api/v1/polls/{body['id']}/open"), 409, "poll_closed")
    actions = db.session.scalars(sa.select(AuditEntry.action).where(
        AuditEntry.object_type == "polls", AuditEntry.object_id == body["id"])).all()
    assert {"poll.opened", "poll.closed"} <= set(actions)


def test_closing_a_draft_is_a_conflict(api, organizer, event):
    body = _create(api, organizer, event)
    assert_error(api(organizer).post(f"/api/v1/polls/{body['id']}/close"), 409, "poll_not_open")


def test_a_rounds_entries_are_the_options(api, organizer, contest):
    round_, entries, _ = factories.roadshow(organizer, contest, judges=1, entries=3)
    body = _create(api, organizer, contest, round_id=round_.id, options=None)
    assert [o["label"] for o in body["options"]] == [e.title for e in entries]


def test_only_organizers_create_open_and_close(api, event, participant, staff, organizer):
    clients = [api(user) for user in (participant, staff)]
    before = db_counts()
    for client in clients:
        response = client.post(f"/api/v1/events/{event.id}/polls", json={
            "question": "Q", "options": ["a", "b"], "eligible": "confirmed"})
        assert_error(response, 403)
    assert db_counts() == before
    body = _create(api, organizer, event)
    # a draft is invisible to everyone but the organizers
    assert_error(api(staff).post(f"/api/v1/polls/{body['id']}/open"), 404)
    assert_error(api(participant).get(f"/api/v1/polls/{body['id']}"), 404)
    api(organizer).post(f"/api/v1/polls/{body['id']}/open")
    assert_error(api(staff).post(f"/api/v1/polls/{body['id']}/close"), 403)
    assert api(participant).get(f"/api/v1/polls/{body['id']}").get_json()["status"] == "open"


@pytest.mark.parametrize("body, field", [
    ({"options": ["只有一个"]}, "options"),
    ({"options": ["同", "同"]}, "options"),
    ({"options": ["a", " "]}, "options"),
    ({"options": None, "round_id": None}, "options"),
    ({"round_id": 1}, "options"),  # both options and a round
    ({"max_choices": 0}, "max_choices"),
    ({"max_choices": 4}, "max_choices"),
    ({"question": ""}, "question"),
    ({"eligible": "everyone"}, "eligible"),
])
def test_bad_polls_are_refused(api, organizer, event, body, field):
    payload = {"question": "Q", "options": ["a", "b", "c"], "eligible": "confirmed", **body}
    payload = {k: v for k, v in payload.items() if v is not None}
    client = api(organizer)
    before = db_counts()
    response = client.post(f"/api/v1/events/{event.id}/polls", json=payload)
    assert_error(response, 422)
    assert field in response.get_json()["error"]["fields"]
    assert db_counts() == before


def test_another_events_round_is_refused(api, organizer, event, contest):
    round_, _, _ = factories.roadshow(organizer, contest, judges=1, entries=2)
    response = api(organizer).post(f"/api/v1/events/{event.id}/polls", json={
        "question": "Q", "round_id": round_.id, "eligible": "confirmed"})
    assert_error(response, 422)
    assert "round_id" in response.get_json()["error"]["fields"]


def test_a_checked_in_registrant_votes_once(api, poll, voter):
    option = poll["options"][1]["id"]
    response = api(voter).post(f"/api/v1/polls/{poll['id']}/votes", json={"option_ids": [option]})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["option_ids"] == [option]
    again = api(voter).post(f"/api/v1/polls/{poll['id']}/votes", json={"option_ids": [option]})
    assert_error(again, 409, "already_voted")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PollVote)) == 1


def test_not_checked_in_is_not_eligible(api, poll, event, participant):
    reg.register(participant, event, reg.RegistrationInfo(consent=True))
    response = api(participant).post(f"/api/v1/polls/{poll['id']}/votes",
                                     json={"option_ids": [poll["options"][0]["id"]]})
    assert_error(response, 409, "not_eligible")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PollVote)) == 0


def test_confirmed_is_enough_when_the_poll_says_so(api, organizer, event, participant):
    body = _create(api, organizer, event, eligible="confirmed")
    api(organizer).post(f"/api/v1/polls/{body['id']}/open")
    reg.register(participant, event, reg.RegistrationInfo(consent=True))
    response = api(participant).post(f"/api/v1/polls/{body['id']}/votes",
                                     json={"option_ids": [body["options"][0]["id"]]})
    assert response.status_code == 201


def test_a_cancelled_registration_is_not_eligible(api, poll, event, voter):
    registration = polls.registration_of(voter, event)
    reg.cancel(voter, registration)
    response = api(voter).post(f"/api/v1/polls/{poll['id']}/votes",
                               json={"option_ids": [poll["options"][0]["id"]]})
    assert_error(response, 409, "not_eligible")


def test_someone_without_a_registration_may_not_vote(api, poll, participant):
    response = api(participant).post(f"/api/v1/polls/{poll['id']}/votes",
                                     json={"option_ids": [poll["options"][0]["id"]]})
    assert_error(response, 403)


def test_no_votes_before_the_opening_or_after_the_close(api, organizer, event, voter):
    body = _create(api, organizer, event)
    url = f"/api/v1/polls/{body['id']}/votes"
    choice = {"option_ids": [body["options"][0]["id"]]}
    # a draft is not visible to voters at all
    assert_error(api(voter).post(url, json=choice), 404)
    api(organizer).post(f"/api/v1/polls/{body['id']}/open")
    api(organizer).post(f"/api/v1/polls/{body['id']}/close")
    assert_error(api(voter).post(url, json=choice), 409, "poll_closed")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PollVote)) == 0


@pytest.mark.parametrize("choice", ["two", "unknown", "repeated", "empty", "other_poll"])
def test_bad_choices_are_refused(api, organizer, event, poll, voter, choice):
    other = _create(api, organizer, event)
    ids = [o["id"] for o in poll["options"]]
    option_ids = {"two": ids[:2], "unknown": [424242], "repeated": [ids[0], ids[0]],
                  "empty": [], "other_poll": [other["options"][0]["id"]]}[choice]
    response = api(voter).post(f"/api/v1/polls/{poll['id']}/votes",
                               json={"option_ids": option_ids})
    assert_error(response, 422)
    assert "option_ids" in response.get_json()["error"]["fields"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PollVote)) == 0


def test_another_events_option_is_unknown(api, organizer, org, now, poll, voter):
    second = factories.EventFactory(organization=org, status="published",
                                    starts_at=now, ends_at=now)
    other = _create(api, organizer, second)
    response = api(voter).post(f"/api/v1/polls/{poll['id']}/votes",
                               json={"option_ids": [other["options"][0]["id"]]})
    assert_error(response, 422)


def test_several_choices_when_allowed(api, organizer, event, voter):
    body = _create(api, organizer, event, max_choices=2)
    api(organizer).post(f"/api/v1/polls/{body['id']}/open")
    ids = [o["id"] for o in body["options"]]
    response = api(voter).post(f"/api/v1/polls/{body['id']}/votes", json={"option_ids": ids[:2]})
    assert response.status_code == 201
    results = api(organizer).get(f"/api/v1/polls/{body['id']}/results").get_json()
    assert results == {"voters": 1, "options": [
        {"id": ids[0], "label": "人工智能", "votes": 1},
        {"id": ids[1], "label": "医疗健康", "votes": 1},
        {"id": ids[2], "label": "新能源", "votes": 0}]}


def test_results_are_hidden_from_voters_until_the_close(api, organizer, poll, voter, client):
    option = poll["options"][2]["id"]
    api(voter).post(f"/api/v1/polls/{poll['id']}/votes", json={"option_ids": [option]})
    url = f"/api/v1/polls/{poll['id']}/results"
    assert_error(api(voter).get(url), 403)
    assert_error(client.get(url), 403)
    organizers = api(organizer).get(url)
    assert organizers.status_code == 200 and organizers.get_json()["voters"] == 1
    api(organizer).post(f"/api/v1/polls/{poll['id']}/close")
    for caller in (api(voter), client):
        body = caller.get(url).get_json()
        assert body["voters"] == 1
        assert [o["votes"] for o in body["options"]] == [0, 0, 1]


def test_results_in_one_aggregate_query(api, organizer, poll, voter, count_statements):
    polls_ = db.session.get(polls.Poll, poll["id"])
    count_statements.clear()
    polls.tally(polls_)
    assert len(count_statements) == 1


def test_the_event_lists_its_polls(api, organizer, event, poll, participant):
    draft = _create(api, organizer, event)
    organizers = api(organizer).get(f"/api/v1/events/{event.id}/polls").get_json()["items"]
    assert {p["id"] for p in organizers} == {poll["id"], draft["id"]}
    public = api(participant).get(f"/api/v1/events/{event.id}/polls").get_json()["items"]
    assert [p["id"] for p in public] == [poll["id"]]
