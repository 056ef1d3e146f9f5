"""The judging API (API.md "Judging"): setup, assignments, scorecards, who may read what,
and results built from the scorecards that count."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from eventhub.database import db
from eventhub.judging.assignments import assign
from eventhub.judging.entries import EntryInfo, create_entry, create_track
from eventhub.judging.judges import declare_conflict
from eventhub.judging.models import Assignment, Scorecard, ScorecardStatus
from eventhub.judging.rounds import set_round_entries
from eventhub.judging.scorecards import save_scorecard
from eventhub.mail.models import OutboxMessage
from tests import factories
from tests.api.conftest import assert_error


@pytest.fixture
def contest(org):
    return factories.contest(org)


@pytest.fixture
def setup(organizer, contest):
    """Two tracks, four entries, three judges; an open round (max 10/w40, 20/w35, 5/w25)
    where judge 0 scores entries 0 and 1, judge 1 entry 0; judge 2 is assigned nothing."""
    tracks = [create_track(organizer, contest, n) for n in ("医疗健康", "人工智能")]
    entries = [
        create_entry(organizer, contest, EntryInfo(
            title=f"项目{i}", track_id=tracks[i % 2].id, team_name=f"团队{i}",
            institution=f"大学{i}", members=[{"name": f"成员{i}", "role": "CEO"}]))
        for i in range(4)
    ]
    judges = [factories.judge(contest, institution=f"机构{i}") for i in range(3)]
    round_ = factories.rubric_round(organizer, contest)
    for judge_index, entry_index in ((0, 0), (0, 1), (1, 0)):
        assign(organizer, round_, judges[judge_index].id, entries[entry_index].id)
    keys = [str(c.id) for c in round_.criteria]
    return {"tracks": tracks, "entries": entries, "judges": judges, "round": round_,
            "keys": keys}


def _full(keys, a=8, b=15, c=4):
    return {keys[0]: a, keys[1]: b, keys[2]: c}


# Setup through the API --------------------------------------------------------------------


def test_organizer_builds_a_contest(api, organizer, contest):
    client = api(organizer)
    base = f"/api/v1/events/{contest.id}"
    track = client.post(f"{base}/tracks", json={"name": "先进制造"})
    assert track.status_code == 201 and track.get_json()["name"] == "先进制造"
    assert_error(client.post(f"{base}/tracks", json={"name": "先进制造"}), 409, "name_taken")
    entry = client.post(f"{base}/entries", json={
        "title": "智能焊接机器人", "track_id": track.get_json()["id"], "team_name": "焊将",
        "institution": "沈阳工业大学", "summary": "……",
        "members": [{"name": "刘一", "role": "CTO"}]})
    assert entry.status_code == 201, entry.get_json()
    assert entry.get_json()["members"] == [{"name": "刘一", "role": "CTO"}]
    assert entry.get_json()["track"] == "先进制造"
    judge = client.post(f"{base}/judges", json={"email": "ping@example.com", "name": "平评委",
                                                "institution": "沈阳工业大学"})
    assert judge.status_code == 201 and judge.get_json()["email"] == "ping@example.com"
    assert client.post(f"{base}/judges", json={"email": "ping@example.com"}).status_code == 200
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(
        OutboxMessage.template == "judge_invitation")) == 2
    round_ = client.post(f"{base}/rounds", json={
        "name": "网评", "aggregation": "trimmed_mean", "advance_top_n": 1, "anonymous": True})
    assert round_.status_code == 201, round_.get_json()
    body = round_.get_json()
    assert (body["status"], body["aggregation"], body["criteria"]) == ("draft", "trimmed_mean", [])
    rid = body["id"]
    two_rules = client.post(f"{base}/rounds", json={"name": "复赛", "advance_top_n": 3,
                                                    "advance_threshold": 80})
    assert set(assert_error(two_rules, 422)["fields"]) == {"advance_top_n", "advance_threshold"}
    criterion = client.post(f"/api/v1/rounds/{rid}/criteria",
                            json={"name": "创新性", "max_points": 10, "weight": 60.5})
    assert criterion.status_code == 201
    assert criterion.get_json()["weight"] == 60.5
    assert_error(client.post(f"/api/v1/rounds/{rid}/open", json={}), 422, "weights_not_100")
    client.post(f"/api/v1/rounds/{rid}/criteria",
                json={"name": "市场", "max_points": 20, "weight": 39.5})
    opened = client.post(f"/api/v1/rounds/{rid}/open", json={})
    assert opened.status_code == 200 and opened.get_json()["status"] == "open"
    # The same institution: an automatic conflict, refused.
    refused = client.post(f"/api/v1/rounds/{rid}/assignments", json={
        "judge_id": judge.get_json()["id"], "entry_id": entry.get_json()["id"]})
    assert_error(refused, 409, "conflict_of_interest")
    rounds = client.get(f"{base}/rounds").get_json()["items"]
    assert [r["name"] for r in rounds] == ["网评"]
    assert [c["name"] for c in rounds[0]["criteria"]] == ["创新性", "市场"]
    assert client.get(f"{base}/tracks").get_json()["items"][0]["name"] == "先进制造"
    entries = client.get(f"{base}/entries").get_json()
    assert entries["total"] == 1 and entries["items"][0]["institution"] == "沈阳工业大学"
    assert client.get(f"{base}/judges").get_json()["items"][0]["institution"] == "沈阳工业大学"


def test_round_status_changes(api, organizer, setup):
    client = api(organizer)
    rid = setup["round"].id
    assert_error(client.post(f"/api/v1/rounds/{rid}/publish", json={}), 409, "round_status")
    assert client.post(f"/api/v1/rounds/{rid}/close", json={}).get_json()["status"] == "closed"
    assert_error(client.post(f"/api/v1/rounds/{rid}/open", json={}), 422)
    reopened = client.post(f"/api/v1/rounds/{rid}/open", json={"reason": "补录一张评分表"})
    assert reopened.get_json()["status"] == "open"
    client.post(f"/api/v1/rounds/{rid}/close")
    published = client.post(f"/api/v1/rounds/{rid}/publish",
                            json={"notice_ends_at": "2099-01-01T00:00:00+08:00"})
    assert published.status_code == 200
    assert published.get_json()["status"] == "published"
    assert published.get_json()["notice_ends_at"] == "2099-01-01T00:00:00+08:00"


def test_conflicts_declared_by_organizer_and_judge(api, organizer, contest, setup):
    judges, entries = setup["judges"], setup["entries"]
    path = f"/api/v1/events/{contest.id}/conflicts"
    first = api(organizer).post(path, json={"judge_id": judges[0].id,
                                            "entry_id": entries[0].id, "reason": "师生关系"})
    assert first.status_code == 201 and first.get_json()["source"] == "organizer"
    again = api(organizer).post(path, json={"judge_id": judges[0].id, "entry_id": entries[0].id})
    assert again.status_code == 200 and again.get_json()["id"] == first.get_json()["id"]
    mine = api(judges[1].user).post(path, json={"judge_id": judges[1].id,
                                                "entry_id": entries[0].id,
                                                "reason": "我认识这个团队"})
    assert mine.status_code == 201 and mine.get_json()["source"] == "judge"
    assert_error(api(judges[1].user).post(
        path, json={"judge_id": judges[2].id, "entry_id": entries[0].id}), 403)
    listed = api(organizer).get(path).get_json()["items"]
    assert len(listed) == 2
    # The assignments stay, marked as not counting.
    rows = api(organizer).get(f"/api/v1/rounds/{setup['round'].id}/assignments").get_json()
    assert rows["total"] == 3
    assert [(r["judge_id"], r["entry_id"], r["conflicted"]) for r in rows["items"]] == [
        (judges[0].id, entries[0].id, True), (judges[1].id, entries[0].id, True),
        (judges[0].id, entries[1].id, False)]


def test_automatic_assignment(api, organizer, setup):
    rid = setup["round"].id
    response = api(organizer).post(f"/api/v1/rounds/{rid}/assignments",
                                   json={"auto": {"judges_per_entry": 2}})
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"created": 5, "short": []}
    rows = db.session.execute(sa.select(Assignment.judge_id, Assignment.entry_id)
                              .where(Assignment.round_id == rid)).all()
    assert len(rows) == 8
    load = [sum(1 for j, _ in rows if j == judge.id) for judge in setup["judges"]]
    assert max(load) - min(load) <= 1
    both = api(organizer).post(f"/api/v1/rounds/{rid}/assignments", json={
        "auto": {"judges_per_entry": 2}, "judge_id": setup["judges"][0].id})
    assert_error(both, 422)


# Scorecards -------------------------------------------------------------------------------


def test_judge_saves_then_submits(api, setup):
    judge, entry, keys, rid = setup["judges"][0], setup["entries"][0], setup["keys"], \
        setup["round"].id
    client = api(judge.user)
    path = f"/api/v1/rounds/{rid}/scorecards/{entry.id}"
    empty = client.get(path).get_json()
    assert (empty["status"], empty["version"], empty["complete"]) == ("todo", 0, False)
    first = client.put(path, json={"scores": {keys[0]: 8}, "comment": "思路清晰"})
    assert first.status_code == 200
    # A draft's total covers the criteria scored so far: `complete` tells it is partial.
    assert first.get_json() == {"status": "draft", "version": 1, "total": 32.0,
                                "complete": False}
    assert client.get(path).get_json()["complete"] is False
    second = client.put(path, json={"scores": _full(keys), "version": 1, "submit": True})
    assert second.get_json() == {"status": "submitted", "version": 2, "total": 78.25,
                                 "complete": True}
    card = client.get(path).get_json()
    assert (card["total"], card["complete"]) == (78.25, True)
    assert card["scores"] == {k: float(v) for k, v in _full(keys).items()}
    assert card["comment"] == "思路清晰"
    assert_error(client.put(path, json={"scores": _full(keys), "version": 2}), 409,
                 "already_submitted")


def test_a_stale_save_gets_409_with_the_current_scorecard(api, setup):
    judge, entry, keys, rid = setup["judges"][0], setup["entries"][0], setup["keys"], \
        setup["round"].id
    path = f"/api/v1/rounds/{rid}/scorecards/{entry.id}"
    tablet, phone = api(judge.user), api(judge.user)
    tablet.put(path, json={"scores": {keys[0]: 5}})
    phone.put(path, json={"scores": {keys[0]: 6}, "version": 1})
    error = assert_error(tablet.put(path, json={"scores": {keys[0]: 7}, "version": 1}), 409,
                         "stale_version")
    assert error["scorecard"]["version"] == 2
    assert error["scorecard"]["scores"] == {keys[0]: 6}
    assert_error(tablet.put(path, json={"scores": {keys[0]: 7}}), 409, "stale_version")


def test_a_judge_reaches_only_their_own_card_and_none_in_their_own_institution(api, setup):
    judges, entries, keys, rid = setup["judges"], setup["entries"], setup["keys"], \
        setup["round"].id
    path = f"/api/v1/rounds/{rid}/scorecards/{entries[0].id}"
    other, mine = api(judges[1].user), api(judges[0].user)
    assert other.put(path, json={"scores": {keys[0]: 2}}).status_code == 200
    assert mine.get(path).get_json()["status"] == "todo"
    assert mine.put(path, json={"scores": {keys[0]: 9}}).get_json()["version"] == 1
    assert other.get(path).get_json()["scores"] == {keys[0]: 2}
    # The judge moves to the entry's institution: an automatic conflict from then on.
    judges[0].institution = " 大学0 "
    db.session.commit()
    assert_error(mine.get(path), 403)
    assert_error(mine.put(path, json={"scores": {keys[0]: 9}, "version": 1}), 403)
    assert other.put(path, json={"scores": {keys[0]: 3}, "version": 1}).status_code == 200


def test_scorecard_checks_in_order(api, organizer, setup):
    judges, entries, keys, rid = setup["judges"], setup["entries"], setup["keys"], \
        setup["round"].id
    client = api(judges[0].user)
    path = f"/api/v1/rounds/{rid}/scorecards/{entries[0].id}"
    out_of_range = {keys[0]: 10.5}
    assert_error(api(judges[2].user).put(path, json={"scores": out_of_range}), 403)
    error = assert_error(client.put(path, json={"scores": out_of_range}), 422)
    assert set(error["fields"]) == {f"scores.{keys[0]}"}
    error = assert_error(client.put(path, json={"scores": {keys[0]: 1}, "submit": True}), 422)
    assert set(error["fields"]) == {f"scores.{keys[1]}", f"scores.{keys[2]}"}
    assert_error(client.put(path, json={"scores": {"424242": 1}}), 422)
    assert_error(client.put(path, json={"scores": {keys[0]: "8"}}), 400)
    assert_error(client.put(path, json={"scores": {keys[0]: True}}), 400)
    api(organizer).post(f"/api/v1/rounds/{rid}/close")
    assert_error(client.put(path, json={"scores": out_of_range}), 409, "round_closed")
    assert_error(api(judges[2].user).put(path, json={"scores": {}}), 403)


def test_judges_reach_only_their_assigned_unconflicted_entries(api, organizer, contest, setup,
                                                               participant):
    """403 on every judge-facing endpoint for an entry not assigned, or conflicted."""
    judges, entries, keys, rid = setup["judges"], setup["entries"], setup["keys"], \
        setup["round"].id
    declare_conflict(organizer, contest, judges[0].id, entries[1].id, "亲属")
    judge = api(judges[0].user)
    for entry in (entries[1], entries[2]):  # conflicted, not assigned
        for method, path, body in [
            ("GET", f"/api/v1/rounds/{rid}/entries/{entry.id}", None),
            ("GET", f"/api/v1/rounds/{rid}/scorecards/{entry.id}", None),
            ("PUT", f"/api/v1/rounds/{rid}/scorecards/{entry.id}", {"scores": {keys[0]: 1}}),
        ]:
            assert_error(judge.open(path, method=method, json=body), 403)
    assert judge.get(f"/api/v1/rounds/{rid}/entries/{entries[0].id}").status_code == 200
    queue = judge.get(f"/api/v1/me/assignments?round_id={rid}").get_json()["items"]
    assert [i["entry"]["id"] for i in queue] == [entries[0].id]
    # Organizer-only endpoints: 403 for judges and for other signed-in people who see the
    # contest; its rounds are the judges' and the organizers' only (404 for the others).
    for client in (judge, api(participant)):
        for method, path, body in [
            ("GET", f"/api/v1/events/{contest.id}/entries", None),
            ("GET", f"/api/v1/events/{contest.id}/judges", None),
            ("GET", f"/api/v1/events/{contest.id}/conflicts", None),
            ("GET", f"/api/v1/rounds/{rid}/assignments", None),
            ("GET", f"/api/v1/rounds/{rid}/results", None),
            ("POST", f"/api/v1/events/{contest.id}/tracks", {"name": "新"}),
            ("POST", f"/api/v1/events/{contest.id}/entries",
             {"title": "新", "track_id": setup["tracks"][0].id}),
            ("POST", f"/api/v1/events/{contest.id}/judges", {"email": "x@example.com"}),
            ("POST", f"/api/v1/events/{contest.id}/rounds", {"name": "新"}),
            ("POST", f"/api/v1/rounds/{rid}/criteria",
             {"name": "新", "max_points": 1, "weight": 1}),
            ("POST", f"/api/v1/rounds/{rid}/entries", {"entry_ids": [entries[0].id]}),
            ("POST", f"/api/v1/rounds/{rid}/assignments",
             {"judge_id": judges[0].id, "entry_id": entries[2].id}),
            ("POST", f"/api/v1/rounds/{rid}/open", {}),
            ("POST", f"/api/v1/rounds/{rid}/close", {}),
            ("POST", f"/api/v1/rounds/{rid}/publish", {}),
        ]:
            sees = client is judge or path.startswith("/api/v1/events/")
            assert_error(client.open(path, method=method, json=body), 403 if sees else 404)
    # Outsiders see no judge-facing data either: they see the contest (403), but not its
    # rounds (404, as for an unknown round).
    outsider = api(participant)
    assert_error(outsider.get(f"/api/v1/rounds/{rid}/entries/{entries[0].id}"), 404)
    assert_error(outsider.get(f"/api/v1/rounds/{rid}/scorecards/{entries[0].id}"), 404)
    assert_error(outsider.get(f"/api/v1/events/{contest.id}/rounds"), 403)
    assert outsider.get("/api/v1/me/assignments").get_json() == {"items": []}


def test_a_stranger_cannot_tell_a_round_from_an_unknown_id(api, setup, participant):
    """Those who see the contest but not its judging side (neither its organizers nor its
    judges) get the answer of an unknown round for every round path, reads and writes."""
    rid, entry = setup["round"].id, setup["entries"][0]
    stranger = api(participant)
    for method, tail, body in (("GET", "", None), ("GET", "/assignments", None),
                               ("GET", "/results", None), ("GET", f"/entries/{entry.id}", None),
                               ("POST", "/open", {}), ("PATCH", "", {"name": "改"}),
                               ("POST", "/criteria", {"name": "新", "max_points": 1,
                                                      "weight": 1})):
        seen = stranger.open(f"/api/v1/rounds/{rid}{tail}", method=method, json=body)
        assert_error(seen, 404, "not_found")
        unknown = stranger.open(f"/api/v1/rounds/999999{tail}", method=method, json=body)
        assert seen.get_json() == unknown.get_json(), (method, tail)


def test_anonymous_rounds_hide_the_team_from_judges(api, organizer, setup):
    round_, judge, entry = setup["round"], setup["judges"][0], setup["entries"][0]
    round_.anonymous = True
    db.session.commit()
    seen = api(judge.user).get(f"/api/v1/rounds/{round_.id}/entries/{entry.id}").get_json()
    assert seen["title"] == "项目0"
    assert seen["team_name"] is None and seen["institution"] is None and seen["members"] is None
    queue = api(judge.user).get("/api/v1/me/assignments").get_json()["items"]
    assert all(i["entry"]["team_name"] is None for i in queue)
    full = api(organizer).get(f"/api/v1/rounds/{round_.id}/entries/{entry.id}").get_json()
    assert full["team_name"] == "团队0" and full["institution"] == "大学0"


def test_my_assignments_show_progress(api, setup):
    judge, entries, keys, rid = setup["judges"][0], setup["entries"], setup["keys"], \
        setup["round"].id
    client = api(judge.user)
    client.put(f"/api/v1/rounds/{rid}/scorecards/{entries[0].id}",
               json={"scores": _full(keys), "submit": True})
    client.put(f"/api/v1/rounds/{rid}/scorecards/{entries[1].id}", json={"scores": {keys[0]: 5}})
    items = client.get("/api/v1/me/assignments").get_json()["items"]
    assert [(i["entry"]["id"], i["status"], i["version"], i["total"], i["complete"])
            for i in items] == [(entries[0].id, "submitted", 1, 78.25, True),
                                (entries[1].id, "draft", 1, 20.0, False)]
    assert items[0]["entry"]["team_name"] == "团队0"


# Results ----------------------------------------------------------------------------------


def _submit(judge, round_, entry, scores):
    return save_scorecard(judge.user, round_, entry, scores, submit=True)


def test_results_count_only_valid_scorecards(api, organizer, contest, participant, setup):
    """Entries 0 and 2 (track 医疗健康), 1 and 3 (人工智能). Valid: judge 0 and 3 on entry 0
    (78.25 and 60), judge 0 on entry 1 (50). Left out: a draft, a card without an
    assignment, a card made conflicted afterwards, a card of an entry taken out of the round.
    """
    judges, entries, keys, round_ = setup["judges"], setup["entries"], setup["keys"], \
        setup["round"]
    extra = factories.judge(contest)
    assign(organizer, round_, extra.id, entries[0].id)
    assign(organizer, round_, judges[1].id, entries[1].id)
    assign(organizer, round_, judges[2].id, entries[1].id)
    assign(organizer, round_, judges[2].id, entries[3].id)
    _submit(judges[0], round_, entries[0], _full(keys))  # 78.25
    _submit(extra, round_, entries[0], _full(keys, 6, 12, 3))  # 24 + 21 + 15 = 60
    _submit(judges[0], round_, entries[1], _full(keys, 5, 10, 2.5))  # 20 + 17.5 + 12.5 = 50
    save_scorecard(judges[1].user, round_, entries[0], _full(keys, 0, 0, 0))  # draft
    _submit(judges[1], round_, entries[1], _full(keys, 10, 20, 5))  # 100, then conflicted
    declare_conflict(organizer, contest, judges[1].id, entries[1].id)
    _submit(judges[2], round_, entries[3], _full(keys, 10, 20, 5))  # entry 3 leaves the round
    factories.commit(Scorecard(round_id=round_.id, judge_id=judges[2].id,  # not assigned
                               entry_id=entries[0].id, scores=_full(keys, 0, 0, 0),
                               status=ScorecardStatus.submitted))
    _submit(judges[2], round_, entries[1], _full(keys, 0, 0, 0))  # 0, counts
    set_round_entries(organizer, round_, [e.id for e in entries[:3]])
    path = f"/api/v1/rounds/{round_.id}/results"
    assert_error(api(judges[0].user).get(path), 403)
    assert_error(api().get(path), 404)  # an unpublished round: as an unknown one
    body = api(organizer).get(path + "?method=mean").get_json()
    averages = [[c["average"] for c in e.pop("criteria")]
                for t in body["tracks"] for e in t["entries"]]
    assert averages == [[7.0, 13.5, 3.5], [None, None, None], [2.5, 5.0, 1.25]]
    assert body == {"method": "mean", "tracks": [
        {"track_id": setup["tracks"][0].id, "name": "医疗健康", "entries": [
            {"entry_id": entries[0].id, "title": "项目0", "score": 69.125, "rank": 1,
             "n_scores": 2, "advances": False},
            {"entry_id": entries[2].id, "title": "项目2", "score": None, "rank": None,
             "n_scores": 0, "advances": False}]},
        {"track_id": setup["tracks"][1].id, "name": "人工智能", "entries": [
            {"entry_id": entries[1].id, "title": "项目1", "score": 25.0, "rank": 1,
             "n_scores": 2, "advances": False}]},
    ]}
    median = api(organizer).get(path + "?method=median").get_json()
    assert median["tracks"][0]["entries"][0]["score"] == 69.125
    default = api(organizer).get(path).get_json()
    assert default["method"] == "mean"
    assert_error(api(organizer).get(path + "?method=best"), 422)
    # Once published: everyone, signed in or not.
    client = api(organizer)
    client.post(f"/api/v1/rounds/{round_.id}/close")
    client.post(f"/api/v1/rounds/{round_.id}/publish")
    for reader in (api(), api(participant), api(judges[0].user)):
        seen = reader.get(path + "?method=mean").get_json()
        for entry in (e for t in seen["tracks"] for e in t["entries"]):
            del entry["criteria"]
        assert seen == body


def test_results_apply_the_advancement_rule_with_ties(api, organizer, contest, setup):
    judges, entries, keys = setup["judges"], setup["entries"], setup["keys"]
    round_ = factories.rubric_round(organizer, contest, name="复赛", advance_top_n=1)
    set_round_entries(organizer, round_, [entries[0].id, entries[2].id])
    for entry in (entries[0], entries[2]):
        assign(organizer, round_, judges[0].id, entry.id)
        _submit(judges[0], round_, entry, _full([str(c.id) for c in round_.criteria]))
    body = api(organizer).get(f"/api/v1/rounds/{round_.id}/results").get_json()
    lines = body["tracks"][0]["entries"]
    assert [(line["rank"], line["advances"], line["score"]) for line in lines] == [
        (1, True, 78.25), (1, True, 78.25)]
    assert keys  # the first round's rubric is untouched


def test_organizers_take_a_judge_off_an_entry(api, organizer, setup):
    rid = setup["round"].id
    rows = api(organizer).get(f"/api/v1/rounds/{rid}/assignments").get_json()["items"]
    judge_client = api(setup["judges"][0].user)
    assert_error(judge_client.delete(f"/api/v1/assignments/{rows[0]['id']}"), 403)
    assert api(organizer).delete(f"/api/v1/assignments/{rows[0]['id']}").status_code == 204
    assert_error(api(organizer).delete(f"/api/v1/assignments/{rows[0]['id']}"), 404)
    left = api(organizer).get(f"/api/v1/rounds/{rid}/assignments").get_json()
    assert left["total"] == 2


def test_statistics_for_organizers(api, organizer, contest, setup):
    judges, entries, keys, round_ = setup["judges"], setup["entries"], setup["keys"], \
        setup["round"]
    assign(organizer, round_, judges[2].id, entries[0].id)
    _submit(judges[0], round_, entries[0], _full(keys))  # 78.25
    _submit(judges[1], round_, entries[0], _full(keys, 6, 12, 3))  # 60
    _submit(judges[2], round_, entries[0], _full(keys, 10, 20, 5))  # 100
    path = f"/api/v1/rounds/{round_.id}/statistics?max_spread=30"
    assert_error(api(judges[0].user).get(path), 403)
    body = api(organizer).get(path).get_json()
    by_judge = {j["judge_id"]: j for j in body["judges"]}
    # judge 0: n 1, mean 78.25, sd 0; deviation 78.25 - (60 + 100) / 2 = -1.75
    assert by_judge[judges[0].id] == {"judge_id": judges[0].id, "name": judges[0].user.name,
                                      "n": 1, "mean": 78.25, "sd": 0.0, "deviation": -1.75}
    spread = {e["entry_id"]: e for e in body["entries"]}[entries[0].id]
    assert spread == {"entry_id": entries[0].id, "n": 3, "spread": 40.0, "review": True}
    assert body["missing"] == [{"judge_id": judges[0].id, "entry_id": entries[1].id,
                                "status": "todo"}]
    assert [t["name"] for t in body["tracks"]] == ["医疗健康", "人工智能"]


def test_judges_work_in_a_contest_not_yet_published(api, contest, setup, participant):
    contest.status = "draft"
    db.session.commit()
    judge, entry, keys, rid = setup["judges"][0], setup["entries"][0], setup["keys"], \
        setup["round"].id
    client = api(judge.user)
    assert client.get(f"/api/v1/events/{contest.id}/rounds").status_code == 200
    assert client.get(f"/api/v1/rounds/{rid}/entries/{entry.id}").status_code == 200
    saved = client.put(f"/api/v1/rounds/{rid}/scorecards/{entry.id}",
                       json={"scores": {keys[0]: 3}})
    assert saved.status_code == 200
    queue = client.get("/api/v1/me/assignments").get_json()["items"]
    assert {i["judge_id"] for i in queue} == {judge.id}
    outsider = api(participant)
    assert_error(outsider.get(f"/api/v1/events/{contest.id}/rounds"), 404)
    assert_error(outsider.get(f"/api/v1/rounds/{rid}/entries/{entry.id}"), 404)
    assert_error(outsider.put(f"/api/v1/rounds/{rid}/scorecards/{entry.id}",
                              json={"scores": {}}), 404)
    assert_error(outsider.get(f"/api/v1/rounds/{rid}/scorecards/{entry.id}"), 404)
