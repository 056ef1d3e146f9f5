"""The judging API and judges' sign-in links: what an invitation answers about the invited
account, and what a judge device (a link opened in a browser) may call."""

from __future__ import annotations

import re

import pytest

from eventhub.judging import roadshow
from eventhub.judging.assignments import assign
from eventhub.judging.entries import create_track
from eventhub.judging.judges import issue_judge_link, judges_of
from tests import factories
from tests.api.conftest import assert_error

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _device(app, judge):
    """A browser in which the judge's link was opened; ``.csrf`` its CSRF token."""
    client = app.test_client()
    link = f"/judging/sign-in/{issue_judge_link(judge)}"
    csrf = CSRF_RE.search(client.get(link).get_data(as_text=True)).group(1)
    assert client.post(link, data={"csrf_token": csrf}).status_code == 302
    client.csrf = csrf
    return client


@pytest.fixture
def panel(organizer, contest):
    """An open round with one entry assigned to one judge."""
    track = create_track(organizer, contest, "医疗健康")
    entry = factories.entries(organizer, contest, track, 1, title="智慧医疗项目")[0]
    judge = factories.judge(contest)
    round_ = factories.rubric_round(organizer, contest)
    assign(organizer, round_, judge.id, entry.id)
    return {"judge": judge, "round": round_, "entry": entry,
            "keys": [str(c.id) for c in round_.criteria]}


def test_inviting_an_existing_account_answers_nothing_of_it_until_accepted(
    app, api, organizer, contest
):
    known = factories.UserFactory(email="known@example.com", name="孙真名",
                                  organization="某某大学")
    client = api(organizer)
    response = client.post(f"/api/v1/events/{contest.id}/judges",
                           json={"email": "known@example.com"})
    assert response.status_code == 201
    body = response.get_json()
    assert (body["name"], body["user_id"], body["institution"], body["status"]) == \
        (None, None, "", "invited")
    assert body["email"] == "known@example.com"
    listed = client.get(f"/api/v1/events/{contest.id}/judges").get_json()["items"]
    assert "孙真名" not in str(listed) and "某某大学" not in str(listed)
    judge = judges_of(contest)[0]
    _device(app, judge)
    accepted = client.get(f"/api/v1/events/{contest.id}/judges").get_json()["items"][0]
    assert (accepted["name"], accepted["user_id"], accepted["institution"],
            accepted["status"]) == ("孙真名", known.id, "某某大学", "accepted")
    assert accepted["accepted_at"]


def test_a_judge_device_scores_through_the_api(app, panel):
    device = _device(app, panel["judge"])
    path = f"/api/v1/rounds/{panel['round'].id}/scorecards/{panel['entry'].id}"
    assert device.get(path).get_json()["status"] == "todo"
    scores = {"scores": {panel["keys"][0]: 7}}
    # A browser session's writes need the CSRF header.
    assert device.put(path, json=scores).status_code == 400
    saved = device.put(path, json=scores, headers={"X-CSRFToken": device.csrf})
    assert saved.status_code == 200, saved.get_json()
    assert saved.get_json()["version"] == 1
    mine = device.get("/api/v1/me/assignments").get_json()["items"]
    assert [i["entry"]["id"] for i in mine] == [panel["entry"].id]
    assert device.get(f"/api/v1/rounds/{panel['round'].id}/stage?brief=true").status_code == 200
    # Nothing of the account beyond the judging.
    assert_error(device.get("/api/v1/me"), 401)
    assert_error(device.get("/api/v1/me/registrations"), 401)


def test_a_judge_device_cannot_score_another_contest_of_the_same_account(
    app, org, organizer, panel
):
    other = factories.contest(org)
    track = create_track(organizer, other, "其他")
    entry = factories.entries(organizer, other, track, 1, title="他赛项目")[0]
    theirs = factories.judge(other, user=panel["judge"].user)
    round_ = factories.rubric_round(organizer, other)
    assign(organizer, round_, theirs.id, entry.id)
    device = _device(app, panel["judge"])
    path = f"/api/v1/rounds/{round_.id}/scorecards/{entry.id}"
    # The device sees its own contest's judging only: another's round is as an unknown one.
    assert_error(device.put(path, json={"scores": {}}, headers={"X-CSRFToken": device.csrf}),
                 404)
    assert_error(device.get(path), 404)
    assert_error(device.get(f"/api/v1/rounds/{round_.id}/stage"), 404)
    assert device.get("/api/v1/me/assignments").get_json()["items"][0]["round_id"] == \
        panel["round"].id


def test_a_judge_device_reads_no_scores_of_an_unpublished_round(app, organizer, final):
    round_, entries, panel = final
    roadshow.show_entry(organizer, round_, entries[0].id)
    for judge in panel:
        factories.score(judge, round_, entries[0], 80)
    body = _device(app, panel[0]).get(f"/api/v1/rounds/{round_.id}/stage").get_json()
    assert body["entry"]["id"] == entries[0].id and body["assigned_to_you"] is True
    assert (body["judges"], body["totals"], body["score"], body["leaderboard"]) == \
        ([], None, None, [])
