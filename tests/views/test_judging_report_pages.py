"""Organizers' report pages of a round: the results page's averages and exports, the files,
the judge statistics page and an entry's audit trail (who may open them, what they show)."""

from __future__ import annotations

import re

import pytest
from flask_babel import gettext

from eventhub.judging.assignments import assign
from eventhub.judging.entries import EntryInfo, create_entry, create_track
from eventhub.judging.rounds import close_round, publish_round
from eventhub.judging.scorecards import save_scorecard
from tests import factories
from tests.services.test_judging_reports import build_contest


@pytest.fixture
def setup(organizer, org):
    return build_contest(organizer, org)


def _round_url(setup, tail):
    return f"/judging/rounds/{setup['round'].id}/{tail}"


def _audit_url(setup, index):
    return f"/judging/entries/{setup['entries'][index].id}/audit"


def _urls(setup):
    return [
        _round_url(setup, "results.csv"),
        _round_url(setup, "results.xlsx?method=median"),
        _round_url(setup, "results.pdf"),
        _round_url(setup, "statistics"),
        _audit_url(setup, 2),
    ]


def _row(html, entry_id):
    match = re.search(rf'<tr data-entry-id="{entry_id}">(.*?)</tr>', html, re.S)
    assert match, entry_id
    return match.group(1)


def test_organizers_see_averages_and_exports_on_the_results_page(login, organizer, setup):
    html = login(organizer).get(_round_url(setup, "results")).get_data(as_text=True)
    row = _row(html, setup["entries"][2].id)
    # 项目C's averages over the two valid cards: 6/10, 12/20, 3/5.
    assert re.findall(r"data-average>([^<]*)<", row) == ["6.00", "12.00", "3.00"]
    assert "辽宁大学" in row
    assert "张*" in _row(html, setup["entries"][0].id) and "张三" not in html
    for fmt in ("csv", "xlsx", "pdf"):
        assert f'id="rs-export-{fmt}"' in html
    assert f'/judging/entries/{setup["entries"][2].id}/audit' in html
    assert _round_url(setup, "statistics") in html


def test_published_results_show_unit_and_masked_leader_but_no_reports(login, organizer,
                                                                      participant, setup):
    round_ = setup["round"]
    close_round(organizer, round_)
    publish_round(organizer, round_)
    html = login(participant).get(_round_url(setup, "results")).get_data(as_text=True)
    row = _row(html, setup["entries"][0].id)
    assert "大连理工大学" in row and "张*" in row and "张三" not in html
    assert "data-average" not in html and "rs-export" not in html
    assert "/audit" not in html and "statistics" not in html


def test_exports_download_for_organizers(login, organizer, setup):
    page = login(organizer)
    csv = page.get(_round_url(setup, "results.csv"))
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    assert csv.headers["Content-Disposition"].startswith("attachment; filename=\"results-")
    assert csv.headers["Cache-Control"] == "private, no-store"
    assert "项目A" in csv.get_data().decode("utf-8-sig")
    xlsx = page.get(_round_url(setup, "results.xlsx?method=zscore"))
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    assert "-zscore.xlsx" in xlsx.headers["Content-Disposition"]
    pdf = page.get(_round_url(setup, "results.pdf"))
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.headers["Content-Disposition"].startswith("inline;")
    full = page.get(_round_url(setup, "results.csv?names=full")).get_data().decode("utf-8-sig")
    assert "张三" in full
    assert "张三" not in csv.get_data().decode("utf-8-sig")
    assert page.get(_round_url(setup, "results.csv?method=bogus")).status_code == 404
    assert page.get(_round_url(setup, "results.doc")).status_code == 404
    assert page.get("/judging/rounds/999999/results.csv").status_code == 404


def test_statistics_page_flags_the_harsh_judge(login, organizer, setup):
    html = login(organizer).get(_round_url(setup, "statistics?max_spread=30")).get_data(
        as_text=True)
    harsh = setup["judges"][4]
    entry = setup["entries"][3]
    assert f'data-outlier-judge="{harsh.id}" data-outlier-entry="{entry.id}"' in html
    assert html.count("data-outlier-judge=") == 1
    judge_row = re.search(rf'<tr data-judge-id="{harsh.id}">(.*?)</tr>', html, re.S).group(1)
    assert "rs-dev--down" in judge_row and "评委4" in judge_row
    # The draft of judge 2 is a missing scorecard.
    assert f'data-missing-judge="{setup["judges"][2].id}"' in html
    # Widest spread first: 项目C (80 points), then 项目D (64), both over 30.
    spreads = re.findall(r'<tr data-entry-id="(\d+)"( data-review="1")?>', html)
    assert [int(e) for e, _ in spreads][:2] == [setup["entries"][2].id, entry.id]
    assert [bool(r) for _, r in spreads] == [True, True, False, False]
    assert 'value="30"' in html
    # A nonsense limit falls back to the default.
    default = login(organizer).get(_round_url(setup, "statistics?max_spread=abc"))
    assert 'value="20"' in default.get_data(as_text=True)


def test_entry_audit_page_lists_saves_and_assignments(login, organizer, setup):
    round_, entries, judges, keys = (setup[k] for k in ("round", "entries", "judges", "keys"))
    save_scorecard(judges[2].user, round_, entries[2],
                           dict(zip(keys, (7, 14, 3.5), strict=True)), version=1)
    html = login(organizer).get(_audit_url(setup, 2)).get_data(as_text=True)
    first = re.search(r'<li class="rs-trail__item" data-action="([^"]+)">(.*?)</li>', html, re.S)
    assert first.group(1) == "scorecard.saved"
    item = first.group(2)
    assert "评委2" in item
    assert re.findall(r"data-before>([^<]*)<", item) == ["1", "1", "1"]
    assert re.findall(r"data-after>([^<]*)<", item) == ["7", "14", "3.5"]
    assert html.count('data-action="assignment.created"') == 4
    assert 'data-action="conflict.declared"' in html
    # Only this entry: no other entry's title among the judges' lines.
    assert "项目A" not in html


@pytest.mark.parametrize("who", ["outsider_organizer", "participant", "judge", "staff"])
def test_only_organizers_open_the_reports(request, login, setup, who):
    user = setup["judges"][0].user if who == "judge" else request.getfixturevalue(who)
    page = login(user)
    for url in _urls(setup):
        assert page.get(url).status_code == 403, url


def test_organizers_open_every_report(login, organizer, setup):
    page = login(organizer)
    for url in _urls(setup):
        assert page.get(url).status_code == 200, url


def test_signed_out_visitors_are_sent_to_sign_in(client, setup):
    for url in _urls(setup):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url


def test_reports_of_a_draft_contest_are_not_found_by_outsiders(login, outsider_organizer,
                                                                 organizer, org):
    contest = factories.contest(org, status="draft")
    track = create_track(organizer, contest, "医疗健康")
    entry = create_entry(organizer, contest,
                                 EntryInfo(title="项目", track_id=track.id))
    round_ = factories.rubric_round(organizer, contest)
    page = login(outsider_organizer)
    assert page.get(f"/judging/rounds/{round_.id}/statistics").status_code == 404
    assert page.get(f"/judging/rounds/{round_.id}/results.pdf").status_code == 404
    assert page.get(f"/judging/entries/{entry.id}/audit").status_code == 404
    assert login(organizer).get(f"/judging/entries/{entry.id}/audit").status_code == 200


def _agreement_row(html, track):
    match = re.search(rf'<tr data-track-id="{track.id}"[^>]*>(.*?)</tr>', html, re.S)
    assert match, track.name
    return match.group(0)


def test_statistics_page_says_why_kendalls_w_cannot_be_computed(login, organizer, setup):
    health, ai = setup["tracks"]
    page = login(organizer)
    html = page.get(_round_url(setup, "statistics")).get_data(as_text=True)
    # 医疗健康: judges 0 and 1 scored all three entries (the draft and the conflict do not
    # count): a W and its reading, no excuse. 人工智能 has one entry.
    row = _agreement_row(html, health)
    assert "data-undefined" not in row and "无法计算" not in row and "一致" in row
    row = _agreement_row(html, ai)
    assert 'data-undefined="entries"' in row
    assert gettext("Cannot be computed: the track needs at least two entries.") in row

    # Judge 2 submits 项目A only: three judges in the track, two of them scored all three.
    assign(organizer, setup["round"], setup["judges"][2].id, setup["entries"][0].id)
    save_scorecard(setup["judges"][2].user, setup["round"], setup["entries"][0],
                           dict.fromkeys(setup["keys"], 5), submit=True)
    html = page.get(_round_url(setup, "statistics")).get_data(as_text=True)
    row = _agreement_row(html, health)
    assert 'data-undefined="incomplete"' in row and "无法计算" in row
    assert gettext("Cannot be computed: every judge must score all %(entries)d entries of the "
                   "track; %(complete)d of its %(judges)d judges did.",
                   entries=3, complete=2, judges=3) in row
    assert gettext("It is computed for a track when every judge who scores in it has scored "
                   "all of its entries.") in html


def test_a_round_without_scorecards_has_empty_reports(login, organizer, org):
    contest = factories.contest(org)
    track = create_track(organizer, contest, "医疗健康")
    create_entry(organizer, contest, EntryInfo(title="项目", track_id=track.id))
    round_ = factories.rubric_round(organizer, contest)
    page = login(organizer)
    html = page.get(f"/judging/rounds/{round_.id}/statistics").get_data(as_text=True)
    assert "data-judge-id" not in html and "data-outlier-judge" not in html
    assert "data-review" not in html
    for fmt in ("csv", "xlsx", "pdf"):
        assert page.get(f"/judging/rounds/{round_.id}/results.{fmt}").status_code == 200
    body = page.get(f"/judging/rounds/{round_.id}/results.csv").get_data().decode("utf-8-sig")
    assert body.splitlines()[-1].split(",")[1:3] == ["", "项目"]  # no rank, no score
