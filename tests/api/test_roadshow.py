"""The roadshow API: GET/POST /rounds/{id}/stage, PUT .../stage/order, POST .../order/draw;
who may do what, errors, what judges see, and the ETag / 304 of the stage."""

from __future__ import annotations

import pytest

from eventhub.judging import roadshow
from eventhub.judging.judges import declare_conflict
from eventhub.judging.models import StagePhase
from eventhub.judging.rounds import close_round, publish_round
from tests import factories
from tests.api.conftest import assert_error


def url(round_, tail=""):
    return f"/api/v1/rounds/{round_.id}/stage{tail}"



def test_an_organizer_runs_the_stage(api, organizer, final):
    round_, entries, _ = final
    client = api(organizer)
    body = client.get(url(round_)).get_json()
    assert (body["phase"], body["entry"], body["count"], body["version"]) == ("idle", None, 3, 0)
    assert [e["id"] for e in body["order"]] == [e.id for e in entries]

    shown = client.post(url(round_), json={"action": "show", "entry_id": entries[1].id,
                                           "pitch_seconds": 480, "qa_seconds": 420})
    assert shown.status_code == 200, shown.get_json()
    body = shown.get_json()
    assert body["entry"]["title"] == entries[1].title and body["entry"]["position"] == 2
    assert (body["phase"], body["qa_seconds"]) == ("ready", 420)
    assert [j["name"] for j in body["judges"]] == [j.user.name for j in final[2]]

    started = client.post(url(round_), json={"action": "start", "version": body["version"]})
    clock = started.get_json()["clock"]
    assert (clock["phase"], clock["running"], clock["duration_ms"]) == ("pitch", True, 480_000)
    assert 479_000 <= clock["remaining_ms"] <= 480_000
    assert "now" in started.get_json()

    stale = client.post(url(round_), json={"action": "qa", "version": body["version"]})
    assert_error(stale, 409, "stale_version")
    out_of_turn = client.post(url(round_), json={"action": "start"})
    assert_error(out_of_turn, 409, "stage_state")
    assert client.post(url(round_), json={"action": "finish"}).get_json()["phase"] == "scoring"


def test_the_order_is_set_and_drawn(api, organizer, final):
    round_, entries, _ = final
    client = api(organizer)
    order = [entries[2].id, entries[0].id, entries[1].id]
    response = client.put(url(round_, "/order"), json={"entry_ids": order})
    assert response.status_code == 200 and response.get_json() == {"entry_ids": order}
    drawn = client.post(url(round_, "/order/draw"))
    assert drawn.status_code == 200
    assert sorted(drawn.get_json()["entry_ids"]) == sorted(order)
    bad = client.put(url(round_, "/order"), json={"entry_ids": order[:2]})
    assert "entry_ids" in assert_error(bad, 422)["fields"]


@pytest.mark.parametrize(("body", "status", "code"), [
    ({"action": "show"}, 422, None),
    ({"action": "show", "entry_id": 424242}, 422, None),
    ({"action": "dance"}, 422, None),
    ({"action": "start", "pitch_seconds": -1}, 422, None),
    ({"action": "start", "qa_seconds": 10**9}, 422, None),
    ({"action": "start", "pitch_seconds": "480"}, 400, None),
    ({"action": "pause"}, 409, "stage_state"),
    ({"action": "next", "version": 99}, 409, "stale_version"),
])
def test_bad_actions_change_nothing(api, organizer, final, body, status, code):
    round_, _, _ = final
    response = api(organizer).post(url(round_), json=body)
    assert_error(response, status, code)
    assert roadshow.stage_of(round_) is None


def test_a_closed_round_keeps_its_stage(api, organizer, final):
    round_, entries, _ = final
    client = api(organizer)
    client.post(url(round_), json={"action": "show", "entry_id": entries[0].id})
    close_round(organizer, round_)
    assert_error(client.post(url(round_), json={"action": "next"}), 409, "round_closed")
    assert_error(client.put(url(round_, "/order"), json={"entry_ids": [e.id for e in entries]}),
                 409, "round_closed")
    assert client.post(url(round_), json={"action": "clear"}).get_json()["phase"] == "idle"


def test_who_may_read_and_run_the_stage(api, final, participant, outsider_organizer, staff,
                                        contest, organizer):
    round_, entries, panel = final
    unassigned = factories.judge(contest, institution="别处")
    # Who may not see the round (not its organizers or judges) gets 404, as for an unknown
    # round; its judges see it but may not run the stage (403).
    for user, read, run in ((participant, 404, 404), (outsider_organizer, 404, 404),
                            (staff, 404, 404), (panel[0].user, 200, 403),
                            (unassigned.user, 200, 403), (None, 401, 401)):
        client = api(user)
        assert client.get(url(round_)).status_code == read
        for method, tail, body in (("post", "", {"action": "next"}),
                                   ("put", "/order", {"entry_ids": [e.id for e in entries]}),
                                   ("post", "/order/draw", None)):
            response = getattr(client, method)(url(round_, tail), json=body)
            assert response.status_code == run, (user, tail)
    assert roadshow.stage_of(round_) is None
    draft = factories.contest(factories.OrganizationFactory(), status="draft", published_at=None)
    other, _, _ = factories.roadshow(organizer if False else _owner_of(draft), draft)
    assert_error(api(participant).get(url(other)), 404)  # a draft contest is invisible
    assert_error(api(organizer).get("/api/v1/rounds/424242/stage"), 404)


def _owner_of(event):
    user = factories.UserFactory()
    factories.MembershipFactory(organization=event.organization, user=user, role="owner")
    return user


def test_judges_see_no_scores_until_the_round_is_published(api, organizer, final):
    """Totals, score and leaderboard are results: organizers see them once every judge
    submitted, judges (who get 403 from GET /results) only once the round is published."""
    round_, entries, panel = final
    entry = entries[0]
    roadshow.show_entry(organizer, round_, entry.id)
    for judge, total in zip(panel[:4], (70, 72, 72, 75), strict=True):
        factories.score(judge, round_, entry, total)
    body = api(organizer).get(url(round_)).get_json()
    assert (body["complete"], body["totals"], body["score"]) == (False, None, None)
    factories.score(panel[4], round_, entry, 90)
    body = api(organizer).get(url(round_)).get_json()
    assert body["complete"] and body["score"] == 73.0
    assert body["leaderboard"][0]["entries"][0]["entry_id"] == entry.id
    judge = api(panel[0].user)
    body = judge.get(url(round_)).get_json()
    assert body["assigned_to_you"] is True and body["order"] is None
    assert body["entry"]["id"] == entry.id and body["phase"] == "ready"
    assert (body["complete"], body["judges"], body["totals"], body["score"],
            body["leaderboard"]) == (False, [], None, None, [])
    assert_error(judge.get(f"/api/v1/rounds/{round_.id}/results"), 403)
    close_round(organizer, round_)
    publish_round(organizer, round_)
    assert judge.get(f"/api/v1/rounds/{round_.id}/results").status_code == 200
    body = judge.get(url(round_)).get_json()
    assert body["complete"] and body["score"] == 73.0
    assert body["leaderboard"][0]["entries"][0]["entry_id"] == entry.id
    assert body["judges"] and all(j["name"] is None and j["judge_id"] is None
                                  for j in body["judges"])
    assert sorted(filter(None, (t["struck"] for t in body["totals"]))) == ["highest", "lowest"]


def test_a_brief_stage_is_what_tablets_follow(api, organizer, final, count_statements):
    round_, entries, panel = final
    roadshow.show_entry(organizer, round_, entries[0].id)
    factories.score(panel[1], round_, entries[0], 80)
    client = api(panel[0].user)
    count_statements.clear()
    body = client.get(url(round_, "?brief=true")).get_json()
    brief_cost = len(count_statements)
    assert body["entry"]["id"] == entries[0].id and body["assigned_to_you"] is True
    assert (body["judges"], body["leaderboard"], body["totals"]) == ([], [], None)
    count_statements.clear()
    full = api(organizer).get(url(round_)).get_json()
    assert full["judges"][1]["submitted"] is True and brief_cost < len(count_statements)
    assert_error(client.get(url(round_, "?brief=maybe")), 400)


def test_a_judge_with_a_conflict_is_not_sent_to_the_entry(api, organizer, contest, final):
    round_, entries, panel = final
    declare_conflict(organizer, contest, panel[1].id, entries[0].id, "亲属")
    roadshow.show_entry(organizer, round_, entries[0].id)
    assert api(panel[1].user).get(url(round_)).get_json()["assigned_to_you"] is False
    assert api(panel[0].user).get(url(round_)).get_json()["assigned_to_you"] is True


def test_the_etag_answers_304_until_something_changes(api, organizer, final):
    round_, entries, panel = final
    organizer_client, judge_client = api(organizer), api(panel[0].user)
    first = organizer_client.get(url(round_))
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "private, no-cache"
    same = organizer_client.get(url(round_), headers={"If-None-Match": etag})
    assert same.status_code == 304 and same.get_data() == b""
    judge_etag = judge_client.get(url(round_)).headers["ETag"]
    assert judge_etag != etag  # judges are told other things
    roadshow.show_entry(organizer, round_, entries[0].id)
    moved = organizer_client.get(url(round_), headers={"If-None-Match": etag})
    assert moved.status_code == 200 and moved.get_json()["phase"] == "ready"
    etag = moved.headers["ETag"]
    assert organizer_client.get(url(round_), headers={"If-None-Match": etag}).status_code == 304
    factories.score(panel[0], round_, entries[0], 80)  # a scorecard saved: the judges' ticks change
    after = organizer_client.get(url(round_), headers={"If-None-Match": etag})
    assert after.status_code == 200 and after.get_json()["judges"][0]["submitted"] is True
    assert roadshow.stage_of(round_).phase == StagePhase.ready


def test_polling_costs_a_fixed_few_statements(login, organizer, final, count_statements):
    round_, entries, _ = final
    roadshow.show_entry(organizer, round_, entries[0].id)
    client = login(organizer)
    etag = client.get(url(round_)).headers["ETag"]
    count_statements.clear()
    assert client.get(url(round_), headers={"If-None-Match": etag}).status_code == 304
    assert len(count_statements) <= 6


# Two organizers clicking at the same moment (real threads on PostgreSQL) ---------------------


def _race_setup(app):
    from eventhub.accounts.services import create_token

    with app.app_context():
        event, people = factories.contest_with_organizers(2)
        round_, entries, _ = factories.roadshow(people[0], event, judges=2, entries=2)
        tokens = [create_token(u, "panel")[1] for u in people]
        return round_.id, [e.id for e in entries], tokens


def _at_once(app, tokens, path, body):
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    barrier = Barrier(len(tokens))

    def click(token):
        client = app.test_client()
        barrier.wait()
        response = client.post(path, json=body, headers={"Authorization": f"Bearer {token}"})
        return response.status_code, response.get_json()

    with ThreadPoolExecutor(max_workers=len(tokens)) as pool:
        return list(pool.map(click, tokens))


@pytest.mark.concurrent
@pytest.mark.parametrize("attempt", range(3))
def test_two_organizers_clicking_at_once_act_once(fresh_db, attempt):
    import sqlalchemy as sa

    from eventhub.audit import AuditEntry
    from eventhub.database import db
    from eventhub.judging.models import Stage

    app = fresh_db
    round_id, entries, tokens = _race_setup(app)
    path = f"/api/v1/rounds/{round_id}/stage"
    # Both make the stage (its first use) and show the same entry: one change, no error.
    shown = _at_once(app, tokens, path, {"action": "show", "entry_id": entries[0]})
    assert [status for status, _ in shown] == [200, 200], shown
    # Both start the pitch: one starts it, the other is told it runs already.
    started = _at_once(app, tokens, path, {"action": "start"})
    assert sorted(status for status, _ in started) == [200, 409], started
    assert next(body for status, body in started if status == 409)["error"]["code"] == \
        "stage_state"
    with app.app_context():
        stage = db.session.get(Stage, round_id)
        assert (stage.phase.value, stage.version) == ("pitch", 3)
        actions = db.session.scalars(sa.select(AuditEntry.action).where(
            AuditEntry.action.like("stage.%")).order_by(AuditEntry.id)).all()
        assert actions == ["stage.show", "stage.start"]
