"""Organizers' reports of a round: the exports (CSV, Excel, the PDF 成绩表) say exactly what the
results say, per-criterion averages count valid scorecards only, the statistics view and an
entry's audit trail."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask_babel import gettext
from openpyxl import load_workbook

from eventhub.audit import AuditEntry
from eventhub.database import db
from eventhub.errors import NotAllowed
from eventhub.judging import labels, reports
from eventhub.judging.assignments import assign
from eventhub.judging.entries import EntryInfo, create_entry, create_track
from eventhub.judging.judges import declare_conflict
from eventhub.judging.results import round_results
from eventhub.judging.rounds import close_round, open_round, publish_round, set_round_entries
from eventhub.judging.scorecards import save_scorecard
from tests import factories
from tests.services.test_badges import pdf_text

CRITERIA = ((10, 40), (20, 35), (5, 25))


def build_contest(organizer, org):
    """A contest round (top 2 advance, mean) of two tracks.

    医疗健康: 项目A (78.25, 56.5) and 项目B (56.5, 78.25) tie at 67.375; 项目C (100, 20) is third
    at 60, with a draft of judge 2 and a submitted card of judge 3 declared in conflict
    afterwards (neither counts). 人工智能: 项目D (80, 81.75, 84 and a harsh 20: mean 66.4375).
    """
    contest = factories.contest(org)
    health = create_track(organizer, contest, "医疗健康")
    ai = create_track(organizer, contest, "人工智能")
    leader = factories.UserFactory(name="张三")
    entries = [
        create_entry(organizer, contest, EntryInfo(
            title="项目A", track_id=health.id, team_name="=HYPERLINK(\"x\")",
            institution="大连理工大学", leader_id=leader.id)),
        create_entry(organizer, contest, EntryInfo(
            title="项目B", track_id=health.id, institution="东北大学",
            members=[{"name": "王小明", "role": "负责人"}])),
        create_entry(organizer, contest, EntryInfo(
            title="项目C", track_id=health.id, institution="辽宁大学")),
        create_entry(organizer, contest, EntryInfo(
            title="项目D", track_id=ai.id, institution="大连海事大学")),
    ]
    judges = [factories.judge(contest, user=factories.UserFactory(name=f"评委{i}"),
                              institution=f"机构{i}") for i in range(5)]
    round_ = factories.rubric_round(organizer, contest, criteria=CRITERIA, advance_top_n=2,
                                    name="网评")
    keys = [str(c.id) for c in round_.criteria]

    def score(j, e, values, submit=True):
        assign(organizer, round_, judges[j].id, entries[e].id)
        save_scorecard(judges[j].user, round_, entries[e],
                               dict(zip(keys, values, strict=True)), submit=submit)

    score(0, 0, (8, 15, 4))
    score(1, 0, (6, 10, 3))
    score(0, 1, (6, 10, 3))
    score(1, 1, (8, 15, 4))
    score(0, 2, (10, 20, 5))
    score(1, 2, (2, 4, 1))
    score(2, 2, (1, 1, 1), submit=False)
    score(3, 2, (10, 20, 5))
    declare_conflict(organizer, contest, judges[3].id, entries[2].id, "师生关系")
    score(0, 3, (8, 16, 4))
    score(1, 3, (8, 17, 4))
    score(2, 3, (9, 16, 4))
    score(4, 3, (2, 4, 1))
    return {"contest": contest, "round": round_, "entries": entries, "judges": judges,
            "keys": keys, "tracks": (health, ai)}


@pytest.fixture
def setup(organizer, org):
    return build_contest(organizer, org)


def _rows_by_title(table):
    return {row.title: row for track in table.tracks for row in track.rows}


def test_results_carry_per_criterion_averages_of_the_valid_cards_only(setup):
    results = round_results(setup["round"], "mean")
    rows = {r["title"]: r for t in results["tracks"] for r in t["entries"]}
    # 项目C: judges 0 and 1 only; judge 2's draft (1, 1, 1) and conflicted judge 3's submitted
    # (10, 20, 5) would give 4.3333 or 7.3333 for the first criterion.
    assert [c["average"] for c in rows["项目C"]["criteria"]] == [6.0, 12.0, 3.0]
    assert rows["项目C"]["n_scores"] == 2
    assert [c["average"] for c in rows["项目A"]["criteria"]] == [7.0, 12.5, 3.5]
    assert [c["average"] for c in rows["项目D"]["criteria"]] == [6.75, 13.25, 3.25]
    assert [c["name"] for c in rows["项目A"]["criteria"]] == ["标准1", "标准2", "标准3"]
    assert [c["criterion_id"] for c in rows["项目A"]["criteria"]] == [
        int(k) for k in setup["keys"]]


def test_the_table_shows_unit_and_masked_leader(setup):
    round_ = setup["round"]
    table = reports.results_table(round_, round_results(round_, "mean"))
    rows = _rows_by_title(table)
    assert (rows["项目A"].institution, rows["项目A"].leader) == ("大连理工大学", "张*")
    assert rows["项目B"].leader == "王**"
    assert rows["项目C"].leader == ""
    assert reports.mask_name("欧阳娜娜") == "欧***" and reports.mask_name(" ") == ""


def _csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_csv_export_matches_the_results(organizer, setup):
    round_ = setup["round"]
    data, mimetype, filename = reports.export_results(organizer, round_, "mean", "csv")
    assert mimetype.startswith("text/csv")
    assert filename == f"results-{round_.event_id}-round-{round_.id}-mean.csv"
    lines = _csv_rows(data)
    assert lines[0][0] == f"创新创业大赛 · 网评 · {gettext('Results')}"
    assert labels.aggregation_label("mean") in lines[1][0]
    header, body = lines[2], lines[3:]
    assert len(header) == 8 + 3 + 1
    yes, no = gettext("Yes"), gettext("No")
    # Track and rank order; ties share rank 1, the next is 3; top 2 advance (both tied ones).
    assert [(r[0], r[1], r[2], r[6], r[7], r[-1]) for r in body] == [
        ("医疗健康", "1", "项目A", "67.375", "2", yes),
        ("医疗健康", "1", "项目B", "67.375", "2", yes),
        ("医疗健康", "3", "项目C", "60.0", "2", no),
        ("人工智能", "1", "项目D", "66.4375", "4", yes),
    ]
    assert body[2][8:11] == ["6.0", "12.0", "3.0"]
    # The team name "=HYPERLINK(...)" is not a formula any more; the leader is masked.
    assert body[0][3] == "'=HYPERLINK(\"x\")" and body[0][5] == "张*"
    assert "张三" not in data.decode("utf-8-sig")


def test_other_methods_are_exported_as_the_results_say(organizer, setup):
    round_ = setup["round"]
    results = round_results(round_, "median")
    body = _csv_rows(reports.export_results(organizer, round_, "median", "csv")[0])[3:]
    expected = [(str(r["rank"]), r["title"], repr(r["score"]))
                for t in results["tracks"] for r in t["entries"]]
    assert [(r[1], r[2], r[6]) for r in body] == expected


def test_xlsx_export_has_numbers_with_four_decimals(organizer, setup):
    data, mimetype, _ = reports.export_results(organizer, setup["round"], "mean", "xlsx")
    assert "spreadsheetml" in mimetype
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet.freeze_panes == "A4"
    assert sheet["A3"].font.bold and sheet["A1"].value.startswith("创新创业大赛")
    row = list(sheet[4])
    assert row[1].value == 1 and row[2].value == "项目A"
    assert row[6].value == pytest.approx(67.375) and row[6].number_format == "0.0000"
    assert row[8].value == 7 and row[8].number_format == "0.0000"
    assert row[3].value == "'=HYPERLINK(\"x\")" and row[3].data_type == "s"
    assert sheet.max_row == 3 + 4


def test_pdf_sheet_shows_titles_scores_and_ties(organizer, setup):
    round_ = setup["round"]
    close_round(organizer, round_)
    publish_round(organizer, round_)
    data, mimetype, _ = reports.export_results(organizer, round_, "trimmed_mean", "pdf")
    assert mimetype == "application/pdf" and data.startswith(b"%PDF")
    text = pdf_text(data)
    flat = " ".join(text.split())
    assert gettext("%(event)s %(round)s results sheet", event="创新创业大赛",
                   round="网评") in flat
    assert labels.aggregation_label("trimmed_mean") in flat
    for title in ("项目A", "项目B", "项目C", "项目D", "医疗健康", "人工智能", "大连理工大学"):
        assert title in text
    assert "67.3750" in text and "60.0000" in text and "66.4375" in text
    # Ranks 1, 1, 3 in the first track, each in the cell before the project's.
    tokens = text.split()
    assert [tokens[tokens.index(t) - 1] for t in ("项目A", "项目B", "项目C", "项目D")] == [
        "1", "1", "3", "1"]
    assert gettext("Page %(page)d of %(pages)d", page=1, pages=1) in flat
    assert gettext("Supervisor's signature") in flat
    assert gettext("Published.") in flat


def test_exports_are_for_organizers_and_audited(organizer, participant, outsider_organizer,
                                                 setup):
    round_ = setup["round"]
    for user in (participant, outsider_organizer, setup["judges"][0].user):
        with pytest.raises(NotAllowed):
            reports.export_results(user, round_, "mean", "csv")
    reports.export_results(organizer, round_, "zscore", "xlsx")
    rows = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "results.exported")).all()
    assert len(rows) == 1
    assert rows[0].actor_id == organizer.id and rows[0].object_id == round_.id
    assert rows[0].after == {"format": "xlsx", "method": "zscore", "rows": 4,
                             "full_names": False}


def test_full_leader_names_on_request(organizer, setup):
    data = reports.export_results(organizer, setup["round"], "mean", "csv", full_names=True)[0]
    body = _csv_rows(data)[3:]
    assert [r[5] for r in body] == ["张三", "王小明", "", ""]
    row = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "results.exported")).one()
    assert row.after["full_names"] is True


def test_api_results_carry_the_averages(api, organizer, setup):
    round_ = setup["round"]
    body = api(organizer).get(f"/api/v1/rounds/{round_.id}/results").get_json()
    rows = {r["title"]: r for t in body["tracks"] for r in t["entries"]}
    assert rows["项目C"]["criteria"] == [
        {"criterion_id": int(key), "name": f"标准{i + 1}", "average": average}
        for i, (key, average) in enumerate(zip(setup["keys"], (6.0, 12.0, 3.0), strict=True))
    ]
    # API.md's fields are all still there.
    assert set(rows["项目C"]) == {"entry_id", "title", "score", "rank", "n_scores", "advances",
                                 "criteria"}


def test_statistics_view_flags_the_harsh_judge(setup):
    stats = reports.statistics_view(setup["round"], 30)
    harsh = setup["judges"][4]
    assert [(o["name"], o["title"]) for o in stats["outliers"]] == [("评委4", "项目D")]
    judges = {j["name"]: j for j in stats["judges"]}
    assert judges["评委4"]["deviation"] < -60
    assert judges["评委2"]["missing"] == 1  # the draft on 项目C
    assert judges["评委4"]["judge_id"] == harsh.id and judges["评委4"]["missing"] == 0
    spreads = [e["spread"] for e in stats["entries"]]
    assert spreads == sorted(spreads, reverse=True)
    assert [e["title"] for e in stats["entries"] if e["review"]] == ["项目C", "项目D"]
    assert [t["name"] for t in stats["tracks"]] == ["医疗健康", "人工智能"]


@pytest.mark.parametrize(("w", "words"), [
    (None, "Not defined: every judge of the track must score every entry."),
    (0.85, "Strong agreement"), (0.7, "Strong agreement"), (0.55, "Moderate agreement"),
    (0.3, "Weak agreement"), (0.1, "Little or no agreement"),
])
def test_kendall_w_in_words(app, w, words):
    with app.test_request_context():
        assert reports.agreement_words(w) == gettext(words)


def test_entry_audit_lists_saves_with_before_and_after_and_assignments(organizer, setup):
    round_, entries, judges, keys = (setup[k] for k in ("round", "entries", "judges", "keys"))
    entry = entries[2]
    save_scorecard(judges[2].user, round_, entry, dict(zip(keys, (7, 14, 3.5),
                                                                   strict=True)),
                           comment="很好", version=1, submit=True)
    lines, pagination = reports.entry_audit(setup["contest"], entry)
    actions = [line.action for line in lines]
    assert actions[0] == "scorecard.submitted"
    latest = lines[0]
    assert latest.actor == "评委2" and latest.version == 2 and latest.round == "网评"
    assert [(s.criterion, s.before, s.after) for s in latest.scores] == [
        ("标准1", 1, 7), ("标准2", 1, 14), ("标准3", 1, 3.5)]
    assert latest.comment == ("", "很好")
    assert actions.count("assignment.created") == 4
    assigned = [line for line in lines if line.action == "assignment.created"]
    assert {line.judge for line in assigned} == {"评委0", "评委1", "评委2", "评委3"}
    assert "conflict.declared" in actions and "entry.created" in actions
    assert "round.open" in actions
    # Nothing about the other entries.
    assert actions.count("scorecard.submitted") + actions.count("scorecard.saved") == 5
    assert pagination.total == len(lines) and pagination.pages == 1


def test_entry_audit_pages(organizer, setup, monkeypatch):
    monkeypatch.setattr(reports, "AUDIT_PAGE_SIZE", 3)
    entry = setup["entries"][0]
    first, pagination = reports.entry_audit(setup["contest"], entry, 1)
    second, _ = reports.entry_audit(setup["contest"], entry, 2)
    assert len(first) == 3 and pagination.pages > 1
    assert first[-1].at >= second[0].at
    assert not {x.id for x in first} & {x.id for x in second}
    everything = {x.id for page in range(1, pagination.pages + 1)
                  for x in reports.entry_audit(setup["contest"], entry, page)[0]}
    assert len(everything) == pagination.total


def test_a_long_pdf_sheet_numbers_its_pages_and_repeats_the_header(app, setup):
    round_ = setup["round"]
    table = reports.results_table(round_, round_results(round_, "mean"))
    table.tracks[0].rows *= 40  # 120 lines
    text = pdf_text(reports.results_pdf(table, datetime.now(UTC)))
    pages = text.count("\f")
    assert pages >= 3
    flat = " ".join(text.split())
    for page in (1, pages):
        assert gettext("Page %(page)d of %(pages)d", page=page, pages=pages) in flat
    assert flat.count(gettext("Rank")) >= pages + 1  # every page's table has its header


def test_entry_audit_shows_the_rounds_it_takes_part_in_only(organizer, setup):
    round_, contest, entries = setup["round"], setup["contest"], setup["entries"]
    close_round(organizer, round_)
    open_round(organizer, round_, reason="评委补评")
    other = factories.rubric_round(organizer, contest, name="决赛", draft=True)
    set_round_entries(organizer, other, [entries[0].id])
    lines, _ = reports.entry_audit(contest, entries[2])
    reopened = next(line for line in lines if line.action == "round.reopened")
    assert reopened.round == "网评"
    assert [(d.label, d.before, d.after) for d in reopened.details] == [
        (gettext("Status"), labels.round_status_label("closed"),
         labels.round_status_label("open")),
        (gettext("Reason"), None, "评委补评")]
    assert "round.closed" in [line.action for line in lines]
    assert "决赛" not in {line.round for line in lines}
    lines, _ = reports.entry_audit(contest, entries[0])
    assert "决赛" in {line.round for line in lines}


def test_entry_audit_shows_an_edit_as_the_fields_changed(organizer, setup):
    from eventhub.judging.entries import update_entry

    contest, entry = setup["contest"], setup["entries"][0]
    ai = setup["tracks"][1]
    update_entry(organizer, entry, {"title": "项目A2", "track_id": ai.id})
    lines, _ = reports.entry_audit(contest, entry)
    assert lines[0].action == "entry.updated" and lines[0].actor == organizer.name
    assert [(d.label, d.before, d.after) for d in lines[0].details] == [
        (gettext("Title"), "项目A", "项目A2"), (gettext("Track"), "医疗健康", "人工智能")]
    created = next(line for line in lines if line.action == "entry.created")
    assert (gettext("Track"), None, "医疗健康") in [
        (d.label, d.before, d.after) for d in created.details]
