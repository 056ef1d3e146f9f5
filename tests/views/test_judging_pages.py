"""The judge's pages: the queue of a round and the scorecard of one entry (who may open them,
what they show)."""

from __future__ import annotations

import re

import pytest

from eventhub.judging.assignments import assign
from eventhub.judging.entries import EntryInfo, create_entry, create_track, tracks_of
from eventhub.judging.judges import declare_conflict, issue_judge_link
from eventhub.judging.rounds import close_round, open_round, publish_round, set_round_entries
from eventhub.judging.scorecards import save_scorecard
from tests import factories


@pytest.fixture
def setup(organizer, contest):
    """An open round (max 10/w40, 20/w35, 5/w25) with four entries: judge 0 scores entries
    0, 1 and 2 (entry 1 a draft, entry 2 submitted); judge 2 is assigned entry 3 and then
    found in conflict with it; judge 1 is assigned nothing."""
    track = create_track(organizer, contest, "医疗健康")
    entries = factories.entries(organizer, contest, track, 4, title="智慧医疗项目", team=True)
    judges = [factories.judge(contest, institution=f"机构{i}") for i in range(3)]
    round_ = factories.rubric_round(organizer, contest)
    set_round_entries(organizer, round_, None)
    for entry in entries[:3]:
        assign(organizer, round_, judges[0].id, entry.id)
    assign(organizer, round_, judges[2].id, entries[3].id)
    declare_conflict(organizer, contest, judges[2].id, entries[3].id, "师生关系")
    keys = [str(c.id) for c in round_.criteria]
    user = judges[0].user
    save_scorecard(user, round_, entries[1], {keys[0]: 7.5})
    save_scorecard(user, round_, entries[2], {keys[0]: 8, keys[1]: 15, keys[2]: 4},
                           submit=True)
    return {"entries": entries, "judges": judges, "round": round_, "keys": keys}


def _queue(setup):
    return f"/judging/rounds/{setup['round'].id}"


def _card(setup, index):
    return f"/judging/rounds/{setup['round'].id}/entries/{setup['entries'][index].id}"


def _section(html, status):
    match = re.search(rf'<section class="jq-group" aria-labelledby="jq-{status}">(.*?)</section>',
                      html, re.S)
    return match.group(1) if match else ""


def test_the_queue_shows_each_entry_under_its_status_and_the_progress(login, setup):
    response = login(setup["judges"][0].user).get(_queue(setup))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "智慧医疗项目0" in _section(html, "todo")
    assert "智慧医疗项目1" in _section(html, "draft")
    assert "智慧医疗项目2" in _section(html, "submitted")
    assert "智慧医疗项目3" not in html
    assert '<progress class="meter jq-progress__bar" max="3" value="1"' in html
    # Draft 7.5/10 × 40 = 30; submitted 8/10 × 40 + 15/20 × 35 + 4/5 × 25 = 78.25.
    assert "<strong>30.00</strong>" in _section(html, "draft")
    assert "<strong>78.25</strong>" in _section(html, "submitted")
    assert "<strong>" not in _section(html, "todo")
    assert "团队0" in html and "大学0" in html


def test_an_anonymous_round_hides_team_and_institution(login, organizer, contest, setup):
    track = tracks_of(contest)[0]
    entry = create_entry(organizer, contest, EntryInfo(
        title="匿名评审项目", track_id=track.id, team_name="秘密团队", institution="秘密大学",
        members=[{"name": "隐名", "role": "CEO"}]))
    round_ = factories.rubric_round(organizer, contest, name="网评匿名", anonymous=True,
                                    draft=True)
    set_round_entries(organizer, round_, [entry.id])
    assign(organizer, round_, setup["judges"][0].id, entry.id)
    open_round(organizer, round_)
    client = login(setup["judges"][0].user)
    for path in (f"/judging/rounds/{round_.id}",
                 f"/judging/rounds/{round_.id}/entries/{entry.id}"):
        response = client.get(path)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert "匿名评审项目" in html
        assert "秘密团队" not in html and "秘密大学" not in html and "隐名" not in html


def test_the_assigned_judge_opens_the_scorecard(login, setup):
    client = login(setup["judges"][0].user)
    response = client.get(_card(setup, 1))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "智慧医疗项目1" in html and "标准1" in html and "标准3" in html
    key = setup["keys"][0]
    assert re.search(rf'name="score-{key}" value="7.5"', html)
    assert 'rel="prev"' in html and 'rel="next"' in html
    assert 'id="sc-submit"' in html and "sc-submit\" hidden" not in html
    # The submitted card is read-only: no submit button, disabled steppers.
    locked = client.get(_card(setup, 2)).get_data(as_text=True)
    assert 'class="button button--primary sc-submit" hidden' in locked
    assert 'data-step="0.5" aria-label' in locked and " disabled>+</button>" in locked


def test_a_closed_round_makes_the_scorecard_read_only(login, organizer, setup):
    close_round(organizer, setup["round"])
    client = login(setup["judges"][0].user)
    html = client.get(_card(setup, 0)).get_data(as_text=True)
    assert 'data-open="false"' in html
    assert " disabled>+</button>" in html
    assert "sc-submit\" hidden" in html


def test_who_may_not_open_a_scorecard(login, organizer, staff, participant, setup):
    judges = setup["judges"]
    # Not assigned to the entry, or conflicted with it: 403.
    assert login(judges[1].user).get(_card(setup, 0)).status_code == 403
    assert login(judges[2].user).get(_card(setup, 3)).status_code == 403
    # The organizers and other members see the event but are no judges.
    assert login(organizer).get(_card(setup, 0)).status_code == 403
    assert login(organizer).get(_queue(setup)).status_code == 403
    assert login(staff).get(_queue(setup)).status_code == 403
    # Someone who is not a member of the organization: 403 on the published contest.
    assert login(participant).get(_queue(setup)).status_code == 403
    # A judge with nothing assigned sees an empty queue.
    empty = login(judges[1].user).get(_queue(setup))
    assert empty.status_code == 200
    assert ('<progress class="meter jq-progress__bar" max="1" value="0"'
            in empty.get_data(as_text=True))
    # An entry of another event, a round that does not exist: 404.
    assert login(judges[0].user).get(f"/judging/rounds/{setup['round'].id}/entries/999999"
                                     ).status_code == 404
    assert login(judges[0].user).get("/judging/rounds/999999").status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client, setup):
    response = client.get(_queue(setup))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_conflicted_entry_is_not_in_the_queue(login, setup):
    html = login(setup["judges"][2].user).get(_queue(setup)).get_data(as_text=True)
    assert "智慧医疗项目3" not in html
    assert '<progress class="meter jq-progress__bar" max="1" value="0"' in html


def test_the_sign_in_link_lands_on_the_queue(client, setup):
    judge = setup["judges"][0]
    response = client.submit(f"/judging/sign-in/{issue_judge_link(judge)}",
                             follow_redirects=True)
    assert response.status_code == 200
    assert response.request.path == _queue(setup)
    assert "智慧医疗项目0" in response.get_data(as_text=True)


def test_a_judge_with_several_rounds_chooses_one(login, organizer, contest, setup):
    judge = setup["judges"][0]
    final = factories.rubric_round(organizer, contest, name="决赛路演", draft=True)
    set_round_entries(organizer, final, [setup["entries"][0].id])
    assign(organizer, final, judge.id, setup["entries"][0].id)
    open_round(organizer, final)
    response = login(judge.user).get(f"/judging/events/{contest.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'href="/judging/rounds/{setup["round"].id}"' in html
    assert f'href="/judging/rounds/{final.id}"' in html
    # A judge with nothing assigned is told so; the organizers are no judges.
    idle = login(setup["judges"][1].user).get(f"/judging/events/{contest.id}")
    assert idle.status_code == 200 and 'class="jq-list"' not in idle.get_data(as_text=True)
    assert login(organizer).get(f"/judging/events/{contest.id}").status_code == 403


def _results(setup, method=""):
    suffix = f"?method={method}" if method else ""
    return f"/judging/rounds/{setup['round'].id}/results{suffix}"


def test_organizers_see_results_before_publication_with_methods_side_by_side(
    login, client, organizer, participant, setup
):
    html = login(organizer).get(_results(setup)).get_data(as_text=True)
    # Entry 2 is the only one with a submitted card: 8/10×40 + 15/20×35 + 4/5×25 = 78.25.
    assert "78.2500" in html and "智慧医疗项目2" in html
    assert "Methods side by side" in html or "方法对照" in html
    assert login(participant).get(_results(setup)).status_code == 403
    assert client.get(_results(setup)).status_code == 404
    assert login(organizer).get(_results(setup, "bogus")).status_code == 404


def test_published_results_are_public_without_the_comparison(login, organizer, participant,
                                                              setup):
    round_ = setup["round"]
    close_round(organizer, round_)
    publish_round(organizer, round_)
    response = login(participant).get(_results(setup, "median"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "78.2500" in html and 'aria-current="page"' in html
    assert "方法对照" not in html and "Methods side by side" not in html
