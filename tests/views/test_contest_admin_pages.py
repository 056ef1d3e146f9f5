"""The organizers' contest pages: the hub (tracks, judges, conflicts, rounds) and a round's page
(settings, rubric, entries, assignments, status): who may open them, and that every form
changes the database and the audit log, or changes nothing and says why."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from eventhub.audit import AuditEntry
from eventhub.database import db
from eventhub.judging.assignments import assign
from eventhub.judging.entries import create_track, tracks_of
from eventhub.judging.models import (
    Aggregation,
    Assignment,
    ConflictOfInterest,
    Criterion,
    Judge,
    Round,
    RoundStatus,
    Track,
)
from eventhub.judging.rounds import open_round, round_entry_ids
from eventhub.judging.scorecards import save_scorecard
from tests import factories
from tests.views.conftest import count, fresh, text


@pytest.fixture
def world(organizer, contest):
    """A track with three entries (大学0-2), two judges (机构0 and 大学1: an automatic
    conflict with entry 1), a draft round with a full rubric."""
    track = create_track(organizer, contest, "医疗健康")
    entries = factories.entries(organizer, contest, track, 3, title="智慧医疗")
    judges = [factories.judge(contest, institution="机构0", expertise=["医疗"]),
              factories.judge(contest, institution="大学1")]
    round_ = factories.rubric_round(organizer, contest, draft=True)
    return {"track": track, "entries": entries, "judges": judges, "round": round_}


def _hub(contest):
    return f"/events/{contest.id}/contest"


def _round(contest, round_):
    return f"/events/{contest.id}/contest/rounds/{round_.id}"


def _audits(action):
    return db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)).all()


def _csrf(client, url):
    return client.csrf_token(url)


def _post(client, url, form_url, data, prefix=""):
    """Post ``data`` (field names without ``prefix``) with the CSRF token of ``form_url``."""
    token = _csrf(client, form_url)
    key = f"{prefix}-" if prefix else ""
    return client.post(url, data={f"{key}csrf_token": token,
                                  **{f"{key}{k}": v for k, v in data.items()}})


# Who may open the pages -------------------------------------------------------------------


def test_organizers_open_the_hub_and_the_round_page(login, organizer, owner, contest, world):
    for user in (organizer, owner):
        client = login(user)
        hub = client.get(_hub(contest))
        assert hub.status_code == 200
        html = text(hub)
        assert f'data-track-count="{world["track"].id}"' in html
        assert world["judges"][0].user.email in html
        assert "大学1" in html and "data-automatic-conflicts" in html
        assert f'data-round-id="{world["round"].id}"' in html
        page = client.get(_round(contest, world["round"]))
        assert page.status_code == 200
        html = text(page)
        assert 'data-weight-total="100"' in html
        assert f'data-criterion-id="{world["round"].criteria[0].id}"' in html
        assert f'href="/judging/rounds/{world["round"].id}/results"' in html


def test_the_event_page_links_organizers_to_the_hub(login, organizer, participant, contest):
    assert f'href="{_hub(contest)}"' in text(login(organizer).get(f"/events/{contest.id}"))
    assert "data-contest-admin" not in text(login(participant).get(f"/events/{contest.id}"))


def test_others_may_not_open_the_pages(login, client, organizer, outsider_organizer,
                                       participant, staff, org, contest, world):
    judge = world["judges"][0].user
    paths = [_hub(contest), _round(contest, world["round"]),
             f"/events/{contest.id}/contest/judges/{world['judges'][0].id}"]
    for path in paths:
        for user in (outsider_organizer, participant, staff, judge):
            assert login(user).get(path).status_code == 403, (path, user.email)
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    # A draft contest is invisible to outsiders: 404.
    draft = factories.contest(org, status="draft", published_at=None)
    assert login(outsider_organizer).get(_hub(draft)).status_code == 404
    # Another event's round, a missing round, an event that is no contest: 404.
    other = factories.rubric_round(organizer, factories.contest(org), name="别的", draft=True)
    organizer_client = login(organizer)
    assert organizer_client.get(f"/events/{contest.id}/contest/rounds/{other.id}"
                                ).status_code == 404
    assert organizer_client.get(f"/events/{contest.id}/contest/rounds/999999").status_code == 404
    salon = factories.EventFactory(organization=org)
    assert organizer_client.get(_hub(salon)).status_code == 404
    # A judge or a rubric line of another contest or round, through this one's URLs: 404.
    stranger = factories.judge(other.event)
    assert organizer_client.get(f"{_hub(contest)}/judges/{stranger.id}").status_code == 404
    assert organizer_client.get(
        f"{_round(contest, world['round'])}/criteria/{other.criteria[0].id}").status_code == 404


def test_outsiders_post_nothing(login, outsider_organizer, contest, world):
    client = login(outsider_organizer)
    token = client.csrf_token("/")
    response = client.post(f"{_hub(contest)}/tracks",
                           data={"csrf_token": token, "track-csrf_token": token,
                                 "track-name": "新赛道"})
    assert response.status_code == 403
    response = client.post(f"{_round(contest, world['round'])}/open", data={"csrf_token": token})
    assert response.status_code == 403
    assert count(Track) == 1 and fresh(world["round"]).status == RoundStatus.draft


# The hub's forms --------------------------------------------------------------------------


def test_add_a_track(login, organizer, contest, world):
    client = login(organizer)
    response = _post(client, f"{_hub(contest)}/tracks", _hub(contest), {"name": "先进制造"},
                     "track")
    assert response.status_code == 302
    assert [t.name for t in tracks_of(contest)] == ["医疗健康", "先进制造"]
    assert len(_audits("track.created")) == 2
    again = _post(client, f"{_hub(contest)}/tracks", _hub(contest), {"name": "先进制造"},
                  "track")
    assert again.status_code == 422 and 'id="track-name-error"' in text(again)
    assert count(Track) == 2


def test_invite_edit_and_remove_a_judge(login, organizer, contest, world):
    client = login(organizer)
    response = _post(client, f"{_hub(contest)}/judges", _hub(contest), {
        "email": "zhang@example.com", "name": "张评委", "institution": "东北大学",
        "expertise": "医疗，人工智能, 投资"}, "judge")
    assert response.status_code == 302
    judge = db.session.scalar(sa.select(Judge).join(Judge.user).where(
        Judge.event_id == contest.id, Judge.institution == "东北大学"))
    assert judge.expertise == ["医疗", "人工智能", "投资"]
    assert _audits("judge.invited")[0].after["institution"] == "东北大学"
    bad = _post(client, f"{_hub(contest)}/judges", _hub(contest), {"email": "not-an-email"},
                "judge")
    assert bad.status_code == 422 and 'id="judge-email-error"' in text(bad)
    assert count(Judge, Judge.event_id == contest.id) == 3

    edit = f"{_hub(contest)}/judges/{judge.id}"
    assert client.get(edit).status_code == 200
    response = client.submit(edit, {"institution": "大学2", "expertise": "医疗"})
    assert response.status_code == 302
    judge = fresh(judge)
    assert (judge.institution, judge.expertise) == ("大学2", ["医疗"])
    assert _audits("judge.updated")[0].after == {"institution": "大学2", "expertise": ["医疗"]}
    assert "大学2" in text(client.get(_hub(contest)))  # now an automatic conflict, listed

    judge_id = judge.id
    response = client.submit(f"{edit}/remove", form_url=_hub(contest))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Judge, judge_id) is None
    assert len(_audits("judge.removed")) == 1


def test_a_judge_with_submitted_scores_is_not_removed(login, organizer, contest, world):
    round_, judge, entry = world["round"], world["judges"][0], world["entries"][0]
    open_round(organizer, round_)
    assign(organizer, round_, judge.id, entry.id)
    keys = [str(c.id) for c in round_.criteria]
    save_scorecard(judge.user, round_, entry, dict.fromkeys(keys, 1), submit=True)
    client = login(organizer)
    response = client.submit(f"{_hub(contest)}/judges/{judge.id}/remove", form_url=_hub(contest),
                             follow_redirects=True)
    assert "flash--error" in text(response)
    assert fresh(judge) is not None and _audits("judge.removed") == []


def test_declare_and_withdraw_a_conflict(login, organizer, contest, world):
    client = login(organizer)
    judge, entry = world["judges"][0], world["entries"][2]
    response = _post(client, f"{_hub(contest)}/conflicts", _hub(contest), {
        "judge_id": judge.id, "entry_id": entry.id, "reason": "曾指导该团队"}, "conflict")
    assert response.status_code == 302
    conflict = db.session.scalar(sa.select(ConflictOfInterest))
    assert len(_audits("conflict.declared")) == 1
    assert (conflict.judge_id, conflict.entry_id, conflict.reason) == (judge.id, entry.id,
                                                                        "曾指导该团队")
    assert f'data-conflict-id="{conflict.id}"' in text(client.get(_hub(contest)))
    bad = _post(client, f"{_hub(contest)}/conflicts", _hub(contest), {
        "judge_id": 424242, "entry_id": entry.id}, "conflict")
    assert bad.status_code == 422 and count(ConflictOfInterest) == 1
    conflict_id = conflict.id
    response = client.submit(f"{_hub(contest)}/conflicts/{conflict_id}/withdraw",
                             form_url=_hub(contest))
    assert response.status_code == 302
    assert count(ConflictOfInterest) == 0
    assert _audits("conflict.withdrawn")[0].before["reason"] == "曾指导该团队"


def test_create_a_round(login, organizer, contest, world):
    client = login(organizer)
    response = _post(client, f"{_hub(contest)}/rounds", _hub(contest), {
        "name": "决赛路演", "aggregation": "trimmed_mean", "rule": "top_n", "rule_value": "3",
        "anonymous": "y", "opens_at": "2030-05-18T09:30", "closes_at": "2030-05-18T17:00"},
        "round")
    assert response.status_code == 302
    round_ = db.session.scalar(sa.select(Round).where(Round.name == "决赛路演"))
    assert response.headers["Location"].endswith(_round(contest, round_))
    assert (round_.aggregation, round_.advance_top_n, round_.anonymous) == (
        Aggregation.trimmed_mean, 3, True)
    # 09:30 in Shanghai is 01:30 UTC.
    assert (round_.opens_at.hour, round_.opens_at.minute) == (1, 30)
    assert _audits("round.created")[-1].after["name"] == "决赛路演"
    for data in ({"name": "", "rule": "none"}, {"name": "复赛", "rule": "top_n"},
                 {"name": "复赛", "rule": "top_percent", "rule_value": "0"},
                 {"name": "复赛", "rule": "none", "opens_at": "2030-05-18T09:30",
                  "closes_at": "2030-05-18T09:00"}):
        bad = _post(client, f"{_hub(contest)}/rounds", _hub(contest),
                    {"aggregation": "mean", **data}, "round")
        assert bad.status_code == 422, data
    assert count(Round, Round.event_id == contest.id) == 2


# The round page's forms -------------------------------------------------------------------


def test_round_settings(login, organizer, contest, world, now):
    client = login(organizer)
    round_ = world["round"]
    url = _round(contest, round_)
    response = client.submit(url, {"name": "网络评审", "aggregation": "median",
                                   "rule": "threshold", "rule_value": "75.5"})
    assert response.status_code == 302
    round_ = fresh(round_)
    assert (round_.name, round_.aggregation, round_.advance_threshold) == (
        "网络评审", Aggregation.median, 75.5)
    assert _audits("round.updated")[0].after["advance_threshold"] == 75.5
    # Once open, the method no longer changes; the name and window still do.
    open_round(organizer, round_)
    html = text(client.get(url))
    assert '<select disabled id="aggregation"' in html
    later = (now + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    # A method sent anyway (the input is disabled) is refused, with the reason beside it.
    refused = client.submit(url, {"name": "网评", "aggregation": "zscore", "closes_at": later})
    assert refused.status_code == 422 and 'id="aggregation-error"' in text(refused)
    assert fresh(round_).name == "网络评审" and fresh(round_).closes_at is None
    # What the browser sends: the name and the window (the disabled inputs are left out).
    response = client.submit(url, {"name": "网评", "closes_at": later})
    assert response.status_code == 302
    round_ = fresh(round_)
    assert (round_.name, round_.aggregation, round_.advance_threshold) == (
        "网评", Aggregation.median, 75.5)
    assert round_.closes_at is not None


def test_rubric_add_edit_delete_and_the_weight_rule(login, organizer, contest, world):
    client = login(organizer)
    round_ = world["round"]
    url = _round(contest, round_)
    first = round_.criteria[0]
    # Full already: one more would pass 100.
    bad = _post(client, f"{url}/criteria", url, {"name": "市场", "max_points": "10",
                                                 "weight": "10"}, "criterion")
    assert bad.status_code == 422 and 'id="criterion-weight-error"' in text(bad)
    edit = f"{url}/criteria/{first.id}"
    response = client.submit(edit, {"name": "创新性", "description": "新颖", "max_points": "10",
                                    "weight": "30"})
    assert response.status_code == 302
    assert (fresh(first).name, fresh(first).weight) == ("创新性", 30)
    html = text(client.get(url))
    assert 'data-weight-total="90"' in html
    # Opening refuses a rubric short of 100, with the message, and changes nothing.
    response = client.submit(f"{url}/open", follow_redirects=True)
    assert "flash--error" in text(response) and "100" in text(response)
    assert fresh(round_).status == RoundStatus.draft
    response = _post(client, f"{url}/criteria", url, {"name": "市场", "max_points": "5",
                                                      "weight": "10"}, "criterion")
    assert response.status_code == 302
    last = fresh(round_).criteria[-1]
    last_id = last.id
    response = client.submit(f"{url}/criteria/{last_id}/delete", form_url=url)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Criterion, last_id) is None
    assert len(_audits("criterion.deleted")) == 1 and len(_audits("criterion.updated")) == 1


def test_entries_taking_part(login, organizer, contest, world):
    client = login(organizer)
    round_ = world["round"]
    url = _round(contest, round_)
    entries = world["entries"]
    response = _post(client, f"{url}/entries", url, {
        "mode": "pick", "entry_ids": [entries[0].id, entries[2].id]}, "entries")
    assert response.status_code == 302
    assert round_entry_ids(round_) == {entries[0].id, entries[2].id}
    # Advanced from an earlier round that is not closed: refused, nothing changes.
    final = factories.rubric_round(organizer, contest, name="决赛", draft=True)
    final_url = _round(contest, final)
    bad = _post(client, f"{final_url}/entries", final_url, {
        "mode": "advanced", "from_round_id": round_.id}, "entries")
    assert bad.status_code == 422
    assert round_entry_ids(final) == {e.id for e in entries}


def test_assignments_manual_and_automatic(login, organizer, contest, world):
    client = login(organizer)
    round_ = world["round"]
    url = _round(contest, round_)
    judges, entries = world["judges"], world["entries"]
    # Judge 1 (大学1) and entry 1 (大学1): refused with the reason.
    response = _post(client, f"{url}/assignments", url, {
        "judge_id": judges[1].id, "entry_id": entries[1].id}, "assign")
    assert response.status_code == 302
    assert count(Assignment) == 0
    page = client.get(response.headers["Location"])
    assert "flash--error" in text(page)
    response = _post(client, f"{url}/assignments", url, {
        "judge_id": judges[0].id, "entry_id": entries[1].id}, "assign")
    assert count(Assignment) == 1
    assignment = db.session.scalar(sa.select(Assignment))
    assert len(_audits("assignment.created")) == 1
    response = _post(client, f"{url}/auto-assign", url, {"judges_per_entry": "2"}, "auto")
    assert response.status_code == 302
    # Entry 1 lacks its second judge (the only other one is conflicted).
    assert count(Assignment) == 5
    page = text(client.get(url))
    assert "flash--warning" in page and 'data-load-range="2-3"' in page
    assert f'data-load-of="{judges[0].id}">3<' in page
    bad = _post(client, f"{url}/auto-assign", url, {"judges_per_entry": "9"}, "auto")
    assert bad.status_code == 422 and count(Assignment) == 5
    assignment_id = assignment.id
    response = client.submit(f"{url}/assignments/{assignment_id}/remove", form_url=url)
    assert count(Assignment) == 4
    assert len(_audits("assignment.removed")) == 1


def test_status_open_close_reopen_publish(login, organizer, contest, world, now):
    client = login(organizer)
    round_ = world["round"]
    url = _round(contest, round_)
    assert client.submit(f"{url}/open").status_code == 302
    assert fresh(round_).status == RoundStatus.open
    assert client.submit(f"{url}/close").status_code == 302
    assert fresh(round_).status == RoundStatus.closed
    # Reopening needs a reason.
    bad = _post(client, f"{url}/reopen", url, {"reason": "  "}, "reopen")
    assert bad.status_code == 422 and 'id="reopen-reason-error"' in text(bad)
    assert fresh(round_).status == RoundStatus.closed
    response = _post(client, f"{url}/reopen", url, {"reason": "一位评委漏评"}, "reopen")
    assert response.status_code == 302
    assert fresh(round_).status == RoundStatus.open
    assert _audits("round.reopened")[0].after["reason"] == "一位评委漏评"
    client.submit(f"{url}/close")
    past = (now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    bad = _post(client, f"{url}/publish", url, {"notice_ends_at": past}, "publish")
    assert bad.status_code == 422 and fresh(round_).status == RoundStatus.closed
    later = (now + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    response = _post(client, f"{url}/publish", url, {"notice_ends_at": later}, "publish")
    assert response.status_code == 302
    round_ = fresh(round_)
    assert round_.status == RoundStatus.published and round_.notice_ends_at is not None
    assert len(_audits("round.published")) == 1
