"""Lucky draws (抽奖) through the API: every rule of API.md's draws, and the verification of a
draw from its public JSON alone, with hashlib (independently of eventhub's code)."""

from __future__ import annotations

import hashlib

import pytest

from eventhub.audit import AuditEntry
from eventhub.checkin import services as checkin
from eventhub.database import db
from eventhub.engagement.models import DrawWinner
from eventhub.registrations import services as reg
from tests import factories
from tests.api.conftest import assert_error

SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨"


@pytest.fixture
def people(event, organizer, main_list):
    """Twelve confirmed registrations of the event; the first eight checked in."""
    registrations = []
    for i in range(12):
        user = factories.UserFactory(name=f"{SURNAMES[i]}小{i}", phone=f"1380000{i:04d}")
        registration = reg.register(user, event, reg.RegistrationInfo(consent=True))
        if i < 8:
            checkin.scan(organizer, main_list, registration.ticket_code, f"draw-{i}")
        registrations.append(registration)
    return registrations


def _create(client, event, **overrides):
    body = {"name": "幸运抽奖", "prizes": [{"name": "一等奖", "count": 1},
                                         {"name": "二等奖", "count": 2}],
            "eligible": "checked_in", **overrides}
    return client.post(f"/api/v1/events/{event.id}/draws", json=body)


def _drawn(client, event, **overrides):
    draw_id = _create(client, event, **overrides).get_json()["id"]
    committed = client.post(f"/api/v1/draws/{draw_id}/commit")
    assert committed.status_code == 200, committed.get_json()
    ran = client.post(f"/api/v1/draws/{draw_id}/run")
    assert ran.status_code == 200, ran.get_json()
    return draw_id, committed.get_json(), ran.get_json()


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def recompute(record: dict) -> list[tuple[str, int]]:
    """API.md's definitions, from the public JSON only: check the commitment and the pool's
    digest, then give each prize its winners from the draw order (redraws: the next in order
    not yet drawn). Returns [(prize, registration id)] of the current winners."""
    seed, pool = record["seed"], record["pool"]
    assert len(seed) == 64 and seed == seed.lower()
    assert _sha(seed) == record["commitment"]
    assert _sha(",".join(str(i) for i in sorted(pool))) == record["pool_digest"]
    assert len(pool) == record["pool_size"]
    order = sorted(pool, key=lambda r: _sha(f"{seed}:{r}"))
    winners, taken = [], 0
    for prize in record["prizes"]:
        for _ in range(prize["count"]):
            if taken < len(order):
                winners.append([prize["name"], order[taken]])
                taken += 1
    for redraw in record["redraws"]:
        slot = winners.index([redraw["prize"], redraw["registration_id"]])
        winners[slot][1] = order[taken]
        assert redraw["replaced_by"] == order[taken]
        taken += 1
    return [tuple(w) for w in winners]


def test_a_draw_recomputes_from_its_public_json(api, organizer, event, people):
    client = api(organizer)
    created = _create(client, event)
    assert created.status_code == 201
    assert created.get_json() == {"id": created.get_json()["id"], "status": "draft"}
    draw_id, committed, ran = _drawn(client, event)
    assert committed["status"] == "committed" and committed["pool_size"] == 8
    assert ran["status"] == "drawn"
    assert [w["prize"] for w in ran["winners"]] == ["一等奖", "二等奖", "二等奖"]

    public = api().get(f"/api/v1/draws/{draw_id}").get_json()
    assert public["commitment"] == committed["commitment"]
    assert public["pool_digest"] == committed["pool_digest"]
    assert public["seed"] == ran["seed"]
    expected = recompute(public)
    assert [(w["prize"], w["registration_id"]) for w in public["winners"]] == expected
    assert [(w["prize"], w["registration_id"]) for w in ran["winners"]] == expected
    names = {r.id: r.name for r in people}
    for winner in public["winners"]:
        assert winner["display_name"] == names[winner["registration_id"]][0] + "**"


def test_the_seed_is_hidden_before_the_run_and_a_draft_is_404(api, organizer, event, people):
    client = api(organizer)
    draw_id = _create(client, event).get_json()["id"]
    assert_error(api().get(f"/api/v1/draws/{draw_id}"), 404)
    assert client.get(f"/api/v1/draws/{draw_id}").status_code == 200  # its organizers
    committed = client.post(f"/api/v1/draws/{draw_id}/commit").get_json()
    assert "seed" not in committed
    public = api().get(f"/api/v1/draws/{draw_id}").get_json()
    assert public["status"] == "committed"
    assert "seed" not in public and "pool" not in public and public["winners"] == []
    assert public["commitment"] == committed["commitment"]
    for response in (client.get(f"/api/v1/draws/{draw_id}"),
                     api().get(f"/api/v1/events/{event.id}/draws")):
        assert "seed" not in response.get_data(as_text=True)


def test_drawing_twice_is_409_and_changes_nothing(api, organizer, event, people):
    client = api(organizer)
    draw_id, _, ran = _drawn(client, event)
    assert_error(client.post(f"/api/v1/draws/{draw_id}/run"), 409, "already_drawn")
    assert_error(client.post(f"/api/v1/draws/{draw_id}/commit"), 409, "already_committed")
    public = client.get(f"/api/v1/draws/{draw_id}").get_json()
    assert public["seed"] == ran["seed"] and public["winners"] == ran["winners"]
    assert db.session.query(DrawWinner).count() == 3


def test_running_before_the_commit_is_409(api, organizer, event, people):
    client = api(organizer)
    draw_id = _create(client, event).get_json()["id"]
    assert_error(client.post(f"/api/v1/draws/{draw_id}/run"), 409, "not_committed")
    assert_error(client.post(f"/api/v1/draws/{draw_id}/redraw",
                             json={"registration_id": people[0].id, "reason": "缺席"}),
                 409, "not_drawn")


def test_checked_in_and_confirmed_eligibility(api, organizer, event, people):
    client = api(organizer)
    for eligible, expected in (("checked_in", people[:8]), ("confirmed", people)):
        draw_id = _create(client, event, eligible=eligible).get_json()["id"]
        client.post(f"/api/v1/draws/{draw_id}/commit")
        client.post(f"/api/v1/draws/{draw_id}/run")
        assert client.get(f"/api/v1/draws/{draw_id}").get_json()["pool"] == sorted(
            r.id for r in expected)


def test_a_reverted_or_cancelled_check_in_is_not_eligible(api, organizer, event, people):
    from eventhub.checkin.models import Scan

    scan = db.session.query(Scan).filter_by(registration_id=people[0].id).one()
    checkin.revert(organizer, scan.id)
    reg.cancel(organizer, people[1])
    client = api(organizer)
    draw_id = _create(client, event).get_json()["id"]
    assert client.post(f"/api/v1/draws/{draw_id}/commit").get_json()["pool_size"] == 6


def test_a_session_list_limits_the_pool(api, organizer, event, people):
    session = factories.SessionFactory(event=event)
    people[9].sessions.append(session)
    people[10].sessions.append(session)
    db.session.commit()
    session_list = checkin.create_list(organizer, event, "分论坛", session_id=session.id)
    client = api(organizer)
    draw_id = _create(client, event, eligible="confirmed",
                      list_id=session_list.id).get_json()["id"]
    client.post(f"/api/v1/draws/{draw_id}/commit")
    client.post(f"/api/v1/draws/{draw_id}/run")
    pool = client.get(f"/api/v1/draws/{draw_id}").get_json()["pool"]
    assert pool == sorted([people[9].id, people[10].id])


def test_earlier_winners_are_excluded(api, organizer, event, people):
    client = api(organizer)
    first, _, ran = _drawn(client, event)
    second, committed, _ = _drawn(client, event, exclude_winners_of=[first])
    winners = {w["registration_id"] for w in ran["winners"]}
    pool = client.get(f"/api/v1/draws/{second}").get_json()["pool"]
    assert committed["pool_size"] == 5
    assert not winners & set(pool)


def test_redraw_gives_the_prize_to_the_next_in_order(api, organizer, event, people):
    client = api(organizer)
    draw_id, _, ran = _drawn(client, event)
    absent = ran["winners"][1]["registration_id"]
    response = client.post(f"/api/v1/draws/{draw_id}/redraw",
                           json={"registration_id": absent, "reason": "三次唱名未到场"})
    assert response.status_code == 200, response.get_json()
    record = response.get_json()
    assert record["winner"]["prize"] == "二等奖"
    assert absent not in [w["registration_id"] for w in record["winners"]]
    assert record["redraws"][0]["reason"] == "三次唱名未到场"
    public = api().get(f"/api/v1/draws/{draw_id}").get_json()
    assert sorted((w["prize"], w["registration_id"]) for w in public["winners"]) == sorted(
        recompute(public))
    audit = db.session.query(AuditEntry).filter_by(action="draw.redrawn").one()
    assert audit.after["reason"] == "三次唱名未到场" and audit.before["registration_id"] == absent
    # The absent winner is no winner any more: redrawing them again is refused.
    assert_error(client.post(f"/api/v1/draws/{draw_id}/redraw",
                             json={"registration_id": absent, "reason": "again"}),
                 409, "not_a_winner")


def test_redrawing_a_non_winner_or_without_a_reason_changes_nothing(api, organizer, event,
                                                                     people):
    client = api(organizer)
    draw_id, _, ran = _drawn(client, event)
    winners = {w["registration_id"] for w in ran["winners"]}
    loser = next(r.id for r in people if r.id not in winners)
    before = client.get(f"/api/v1/draws/{draw_id}").get_json()
    assert_error(client.post(f"/api/v1/draws/{draw_id}/redraw",
                             json={"registration_id": loser, "reason": "缺席"}),
                 409, "not_a_winner")
    error = assert_error(client.post(f"/api/v1/draws/{draw_id}/redraw",
                                     json={"registration_id": min(winners), "reason": "  "}),
                         422)
    assert "reason" in error["fields"]
    assert_error(client.post(f"/api/v1/draws/{draw_id}/redraw",
                             json={"registration_id": min(winners)}), 422)
    assert client.get(f"/api/v1/draws/{draw_id}").get_json() == before


def test_redraw_when_the_pool_is_exhausted(api, organizer, event, people):
    client = api(organizer)
    draw_id, _, ran = _drawn(client, event, prizes=[{"name": "纪念品", "count": 8}])
    assert len(ran["winners"]) == 8
    assert_error(client.post(f"/api/v1/draws/{draw_id}/redraw",
                             json={"registration_id": ran["winners"][0]["registration_id"],
                                   "reason": "缺席"}), 409, "pool_exhausted")


def test_more_prizes_than_people_leaves_the_last_short(api, organizer, event, people):
    client = api(organizer)
    _, _, ran = _drawn(client, event, prizes=[{"name": "A", "count": 5},
                                              {"name": "B", "count": 5}])
    assert [w["prize"] for w in ran["winners"]] == ["A"] * 5 + ["B"] * 3


def test_an_empty_pool_cannot_be_committed(api, organizer, event):
    client = api(organizer)
    draw_id = _create(client, event).get_json()["id"]
    assert_error(client.post(f"/api/v1/draws/{draw_id}/commit"), 409, "empty_pool")


@pytest.mark.parametrize(("body", "field"), [
    ({"prizes": []}, "prizes"),
    ({"prizes": [{"name": "A", "count": 0}]}, "prizes"),
    ({"prizes": [{"name": "", "count": 1}]}, "prizes"),
    ({"prizes": [{"name": "A", "count": 1}] * 21}, "prizes"),
    ({"name": "  "}, "name"),
    ({"eligible": "everyone"}, "eligible"),
    ({"list_id": 424242}, "list_id"),
    ({"exclude_winners_of": [424242]}, "exclude_winners_of"),
])
def test_bad_draws_are_422(api, organizer, event, body, field):
    response = _create(api(organizer), event, **body)
    error = assert_error(response, 422)
    assert any(key.startswith(field) for key in error["fields"]), error


def test_foreign_lists_and_draws_are_refused(api, organizer, event, people, org):
    other = factories.EventFactory(organization=org)
    client = api(organizer)
    foreign_draw = _create(client, other).get_json()["id"]
    foreign_list = factories.main_list_of(other)
    for body in ({"list_id": foreign_list.id}, {"exclude_winners_of": [foreign_draw]}):
        assert_error(_create(client, event, **body), 422)


def test_only_organizers_act(api, organizer, participant, outsider_organizer, event, people):
    client = api(organizer)
    draw_id = _create(client, event).get_json()["id"]
    assert_error(_create(api(participant), event), 403)
    assert_error(api().post(f"/api/v1/events/{event.id}/draws", json={}), 401)
    assert_error(api(participant).post(f"/api/v1/draws/{draw_id}/commit"), 404)  # a draft
    client.post(f"/api/v1/draws/{draw_id}/commit")
    for who in (participant, outsider_organizer):
        assert_error(api(who).post(f"/api/v1/draws/{draw_id}/run"), 403)
    assert_error(api().post(f"/api/v1/draws/{draw_id}/run"), 401)


def test_commit_run_and_redraw_are_audited(api, organizer, event, people):
    client = api(organizer)
    draw_id, committed, ran = _drawn(client, event)
    entries = {e.action: e for e in db.session.query(AuditEntry).filter(
        AuditEntry.action.like("draw.%"))}
    assert entries["draw.committed"].after["commitment"] == committed["commitment"]
    assert entries["draw.drawn"].after["seed"] == ran["seed"]
    assert entries["draw.drawn"].event_id == event.id


def test_the_docs_script_verifies_a_draw_and_catches_a_forgery(api, organizer, event, people,
                                                                tmp_path):
    import json
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[2] / "docs" / "verify_draw.py"
    client = api(organizer)
    draw_id, _, ran = _drawn(client, event)
    client.post(f"/api/v1/draws/{draw_id}/redraw",
                json={"registration_id": ran["winners"][0]["registration_id"], "reason": "缺席"})
    record = api().get(f"/api/v1/draws/{draw_id}").get_json()

    def verify(data):
        path = tmp_path / "draw.json"
        path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
        return subprocess.run([sys.executable, str(script), str(path)], capture_output=True,
                              text=True, check=False)

    good = verify(record)
    assert good.returncode == 0 and good.stdout.count("OK") == 4, good.stdout + good.stderr
    forged = dict(record, winners=[dict(record["winners"][0], registration_id=-1),
                                   *record["winners"][1:]])
    bad = verify(forged)
    assert bad.returncode == 1 and "winners: MISMATCH" in bad.stdout
    assert "commitment: MISMATCH" in verify(dict(record, seed="0" * 64)).stdout
