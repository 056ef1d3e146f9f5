"""The roadshow's pages: the organizers' control panel (its forms run the stage), the big
screen (organizers, or the signed link), their live fragments (ETag / 304), and the judges'
pages that follow the stage."""

from __future__ import annotations

import re

from eventhub.judging import roadshow
from eventhub.judging.models import StagePhase
from tests import factories


def page(round_, tail=""):
    return f"/judging/rounds/{round_.id}/stage/{tail}"


def text(response):
    return response.get_data(as_text=True)



def test_the_control_panel_runs_the_stage_with_forms(login, organizer, final):
    round_, entries, _ = final
    browser = login(organizer)
    html = text(browser.get(page(round_, "control")))
    assert html.count('class="rd-order__row') == 3
    assert 'name="action" value="next"' in html and 'value="start"' not in html
    screen_link = re.search(r'id="rd-open-screen" href="([^"]+)"', html).group(1)
    assert "/stage/screen?key=" in screen_link

    form = {"csrf_token": browser.csrf_token(page(round_, "control"))}
    done = browser.post(page(round_, "control"), data={**form, "action": "show",
                                                      "entry_id": entries[2].id})
    assert done.status_code == 302 and done.headers["Location"].endswith(page(round_, "control"))
    assert roadshow.stage_of(round_).entry_id == entries[2].id
    version = roadshow.stage_of(round_).version
    browser.post(page(round_, "control"), data={**form, "action": "start", "version": version})
    assert roadshow.stage_of(round_).phase == StagePhase.pitch
    html = text(browser.get(page(round_, "control")))
    assert 'value="pause"' in html and 'data-phase="pitch"' in html

    # A stale click (another organizer acted first) is refused with a message.
    stale = browser.post(page(round_, "control"), data={**form, "action": "qa",
                                                       "version": version},
                         follow_redirects=True)
    assert roadshow.stage_of(round_).phase == StagePhase.pitch
    assert 'class="flash flash--error"' in text(stale)

    browser.post(page(round_, "durations"), data={**form, "pitch_minutes": "8",
                                                  "qa_minutes": "7"})
    assert (roadshow.stage_of(round_).pitch_seconds, roadshow.stage_of(round_).qa_seconds) == \
        (480, 420)
    bad = browser.post(page(round_, "durations"), data={**form, "pitch_minutes": "-3",
                                                        "qa_minutes": "abc"},
                       follow_redirects=True)
    assert 'class="flash flash--error"' in text(bad)
    assert roadshow.stage_of(round_).qa_seconds == 420

    order = [e.id for e in roadshow.stage_order(round_)]
    browser.post(page(round_, "order"), data={**form, "action": "down", "entry_id": order[0]})
    assert [e.id for e in roadshow.stage_order(round_)] == [order[1], order[0], order[2]]
    browser.post(page(round_, "order"), data={**form, "action": "draw"})
    assert sorted(e.id for e in roadshow.stage_order(round_)) == sorted(order)


def test_forms_need_the_csrf_token(login, organizer, final):
    round_, entries, _ = final
    response = login(organizer).post(page(round_, "control"),
                                     data={"action": "show", "entry_id": entries[0].id})
    assert response.status_code == 400
    assert roadshow.stage_of(round_) is None


def test_only_organizers_open_the_control_panel(login, client, final, participant, staff,
                                                outsider_organizer):
    round_, entries, panel = final
    for user in (participant, staff, outsider_organizer, panel[0].user):
        browser = login(user)
        assert browser.get(page(round_, "control")).status_code == 403
        assert browser.get(page(round_, "control/live")).status_code == 403
        assert browser.post(page(round_, "control"),
                            data={"csrf_token": browser.csrf_token(), "action": "next"}
                            ).status_code == 403
        assert browser.get(page(round_, "screen")).status_code == 403
    assert "/login" in client.get(page(round_, "control")).headers["Location"]
    assert "/login" in client.get(page(round_, "screen")).headers["Location"]
    assert roadshow.stage_of(round_) is None
    assert client.get("/judging/rounds/424242/stage/screen").status_code == 404


def test_the_signed_link_opens_the_screen_of_its_round_only(client, organizer, contest, final):
    round_, entries, _ = final
    other, _, _ = factories.roadshow(organizer, contest, name="复赛", track="乡村振兴组")
    key = roadshow.make_screen_key(round_)
    roadshow.show_entry(organizer, round_, entries[0].id)
    shown = client.get(f"{page(round_, 'screen')}?key={key}")
    assert shown.status_code == 200
    html = text(shown)
    assert entries[0].title in html and f"screen/live?key={key}" in html
    assert html.count('class="rd-judge"') == 5  # five judges, none submitted
    assert client.get(f"{page(round_, 'screen/live')}?key={key}").status_code == 200
    assert "/login" in client.get(f"{page(other, 'screen')}?key={key}").headers["Location"]
    assert "/login" in client.get(f"{page(round_, 'screen')}?key={key}x").headers["Location"]
    assert "/login" in client.get(f"{page(round_, 'control')}?key={key}").headers["Location"]


def test_the_screen_shows_totals_struck_once_the_last_judge_submits(login, organizer, final):
    round_, entries, panel = final
    browser = login(organizer)
    roadshow.show_entry(organizer, round_, entries[0].id)
    for judge, total in zip(panel[:4], (72, 90, 70, 72.125), strict=True):
        factories.score(judge, round_, entries[0], total)
    first = browser.get(page(round_, "screen/live"))
    etag = first.headers["ETag"]
    assert 'data-complete="false"' in text(first) and "data-total" not in text(first)
    assert browser.get(page(round_, "screen/live"),
                       headers={"If-None-Match": etag}).status_code == 304
    factories.score(panel[4], round_, entries[0], 75)
    news = browser.get(page(round_, "screen/live"), headers={"If-None-Match": etag})
    assert news.status_code == 200
    html = text(news)
    assert 'data-complete="true"' in html
    assert re.search(r'data-struck="highest">.*?<s class="rd-judge__total" data-total>90\.00</s>',
                     html, re.S)
    assert re.search(r'data-struck="lowest">.*?<s class="rd-judge__total" data-total>70\.00</s>',
                     html, re.S)
    assert "72.13" in html  # 72.125 shown half away from zero
    assert 'data-score-value>73.04<' in html  # (72 + 72.125 + 75) / 3 = 73.0417
    assert 'class="rd-board__line is-on-stage"' in html


def test_the_clock_text_counts_down_and_shows_overtime():
    from eventhub.judging.roadshow_views import clock_text

    assert [clock_text(ms) for ms in (480_000, 479_001, 60_000, 999, 0, -1, -12_000,
                                      -61_500)] == \
        ["8:00", "8:00", "1:00", "0:01", "0:00", "+0:00", "+0:12", "+1:01"]


def test_the_judges_pages_follow_the_stage(login, final):
    round_, entries, panel = final
    browser = login(panel[0].user)
    for url in (f"/judging/rounds/{round_.id}",
                f"/judging/rounds/{round_.id}/entries/{entries[0].id}"):
        html = text(browser.get(url))
        assert f'data-stage-api="/api/v1/rounds/{round_.id}/stage?brief=true"' in html
        assert "js/roadshow-follow.js" in html or "js/scorecard.js" in html
