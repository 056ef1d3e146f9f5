"""Contest setup after the first draft (eventhub/judging/rounds.py, judges.py, assignments.py,
results.py): a round's settings, the rubric, judges, withdrawn conflicts, the entries advanced
from an earlier round."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from eventhub.audit import AuditEntry
from eventhub.database import db
from eventhub.errors import Conflict, NotAllowed, ValidationFailed
from eventhub.judging.assignments import assign, assignment_overview, assignments_of, auto_assign
from eventhub.judging.entries import entries_of, track_counts
from eventhub.judging.judges import (
    automatic_conflicts,
    conflicts_of,
    declare_conflict,
    is_conflicted,
    judges_of,
    remove_judge,
    update_judge,
    withdraw_conflict,
)
from eventhub.judging.models import (
    Aggregation,
    Assignment,
    ConflictOfInterest,
    Criterion,
    Judge,
    RoundStatus,
    Scorecard,
)
from eventhub.judging.results import take_advanced_entries, valid_scorecards
from eventhub.judging.rounds import (
    close_round,
    delete_criterion,
    entry_as_seen,
    hides_team,
    locked_fields,
    open_round,
    round_entry_ids,
    round_info,
    rounds_progress,
    update_criterion,
    update_round,
    weight_total,
)
from eventhub.judging.scorecards import save_scorecard
from tests import factories


@pytest.fixture
def entries(organizer, contest, track):
    return factories.entries(organizer, contest, track, 5)


@pytest.fixture
def judges(contest):
    return [factories.judge(contest, institution=f"机构{i}") for i in range(3)]


def _audits(action):
    return db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)).all()


def _draft(organizer, contest, **info):
    return factories.rubric_round(organizer, contest, draft=True, **info)


# Round settings ---------------------------------------------------------------------------


def test_a_draft_round_changes_every_setting_audited(organizer, contest):
    round_ = _draft(organizer, contest)
    opens = datetime(2030, 5, 1, 1, 0, tzinfo=UTC)
    closes = opens + timedelta(days=3)
    update_round(organizer, round_, round_info(
        round_, name="网络评审", aggregation="median", advance_top_percent=30, anonymous=True,
        opens_at=opens, closes_at=closes))
    db.session.expire_all()
    assert (round_.name, round_.aggregation, round_.advance_top_percent, round_.anonymous) == (
        "网络评审", Aggregation.median, 30, True)
    assert (round_.opens_at, round_.closes_at) == (opens, closes)
    # Naming another rule replaces the first.
    update_round(organizer, round_, round_info(round_, advance_top_n=5))
    db.session.expire_all()
    assert (round_.advance_top_n, round_.advance_top_percent) == (5, None)
    audit = _audits("round.updated")
    assert len(audit) == 2
    assert audit[0].before["name"] == "网评" and audit[0].after["name"] == "网络评审"
    assert audit[1].before == {"advance_top_n": None, "advance_top_percent": 30.0}


def test_an_open_round_keeps_its_method_rule_and_anonymity(organizer, contest, now):
    round_ = factories.rubric_round(organizer, contest)
    for change in ({"aggregation": "zscore"}, {"advance_threshold": 60}, {"anonymous": True}):
        with pytest.raises(Conflict) as error:
            update_round(organizer, round_, round_info(round_, **change))
        assert error.value.code == "round_not_draft"
        assert set(error.value.fields) == set(change) | (
            {"advance_threshold"} if "advance_threshold" in change else set())
    db.session.expire_all()
    assert round_.aggregation == Aggregation.mean and round_.anonymous is False
    # Its name and its window still change; the end must lie ahead.
    later = now + timedelta(days=2)
    update_round(organizer, round_, round_info(round_, name="网评二", closes_at=later))
    db.session.expire_all()
    assert round_.name == "网评二" and round_.closes_at.replace(microsecond=0) == later.replace(
        microsecond=0)
    with pytest.raises(ValidationFailed) as error:
        update_round(organizer, round_, round_info(
            round_, closes_at=now - timedelta(hours=1)))
    assert "closes_at" in error.value.fields
    assert len(_audits("round.updated")) == 1


def test_a_closed_round_keeps_its_window(organizer, contest, now):
    round_ = factories.rubric_round(organizer, contest)
    close_round(organizer, round_)
    with pytest.raises(Conflict) as error:
        update_round(organizer, round_, round_info(
            round_, closes_at=now + timedelta(days=1)))
    assert error.value.code == "round_closed"
    update_round(organizer, round_, round_info(round_, name="网评（已结束）"))
    assert round_.name == "网评（已结束）"


def test_round_settings_are_checked_and_only_organizers_change_them(
    organizer, staff, outsider_organizer, contest
):
    round_ = _draft(organizer, contest)
    other = _draft(organizer, contest, name="复赛")
    with pytest.raises(ValidationFailed):
        update_round(organizer, round_, round_info(round_, name=" "))
    with pytest.raises(ValidationFailed):
        update_round(organizer, round_, round_info(round_, advance_top_percent=0))
    with pytest.raises(Conflict) as error:
        update_round(organizer, round_, round_info(round_, name="复赛"))
    assert error.value.code == "name_taken"
    for user in (staff, outsider_organizer):
        with pytest.raises(NotAllowed):
            update_round(user, round_, round_info(round_, name="别的"))
    db.session.expire_all()
    assert round_.name == "网评" and other.name == "复赛"
    assert _audits("round.updated") == []


# Rubric -----------------------------------------------------------------------------------


def test_a_draft_rubric_line_changes_and_goes(organizer, contest):
    round_ = _draft(organizer, contest)
    first, second, third = round_.criteria
    update_criterion(organizer, first, name="团队", weight=30, description="成员背景")
    db.session.expire_all()
    assert (first.name, first.weight, first.max_points, first.description) == (
        "团队", 30, 10, "成员背景")
    # The others weigh 30 + 25: 46 would make 101.
    with pytest.raises(ValidationFailed) as error:
        update_criterion(organizer, second, weight=46)
    assert "weight" in error.value.fields
    with pytest.raises(Conflict) as error:
        update_criterion(organizer, second, name="团队")
    assert error.value.code == "name_taken"
    delete_criterion(organizer, third)
    db.session.expire_all()
    assert [c.name for c in round_.criteria] == ["团队", "标准2"]
    assert weight_total(round_) == 65
    assert db.session.get(Criterion, third.id) is None
    assert [a.before["name"] for a in _audits("criterion.deleted")] == ["标准3"]
    assert _audits("criterion.updated")[0].after["weight"] == 30
    with pytest.raises(ValidationFailed) as error:
        open_round(organizer, round_)
    assert error.value.code == "weights_not_100"


def test_an_open_rubric_does_not_change(organizer, staff, contest):
    round_ = factories.rubric_round(organizer, contest)
    criterion = round_.criteria[0]
    with pytest.raises(Conflict) as error:
        update_criterion(organizer, criterion, weight=40, name="新名")
    assert error.value.code == "round_not_draft"
    with pytest.raises(Conflict):
        delete_criterion(organizer, criterion)
    draft = _draft(organizer, contest, name="复赛")
    with pytest.raises(NotAllowed):
        delete_criterion(staff, draft.criteria[0])
    db.session.expire_all()
    assert criterion.name == "标准1" and len(draft.criteria) == 3


# Judges -----------------------------------------------------------------------------------


def test_a_judge_gets_a_new_institution_and_tags(organizer, staff, contest, judges, entries):
    judge = judges[0]
    update_judge(organizer, judge, institution="大学1", expertise=["医疗", "AI"])
    db.session.expire_all()
    assert (judge.institution, judge.expertise) == ("大学1", ["医疗", "AI"])
    assert is_conflicted(judge, entries[1])
    pairs = [(c.judge.id, c.entry.id) for c in automatic_conflicts(
        judges_of(contest), entries_of(contest))]
    assert pairs == [(judge.id, entries[1].id)]
    audit = _audits("judge.updated")[0]
    assert audit.before == {"institution": "机构0", "expertise": []}
    with pytest.raises(ValidationFailed):
        update_judge(organizer, judge, expertise=["x" * 201])
    with pytest.raises(NotAllowed):
        update_judge(staff, judge, institution="别处")


def test_removing_a_judge_takes_their_assignments_and_drafts(organizer, contest, judges,
                                                           entries):
    round_ = factories.rubric_round(organizer, contest)
    judge = judges[0]
    for entry in entries[:2]:
        assign(organizer, round_, judge.id, entry.id)
    declare_conflict(organizer, contest, judge.id, entries[3].id, "同事")
    save_scorecard(judge.user, round_, entries[0], {str(round_.criteria[0].id): 5})
    remove_judge(organizer, judge)
    db.session.expire_all()
    assert db.session.get(Judge, judge.id) is None
    for model in (Assignment, Scorecard, ConflictOfInterest):
        assert db.session.scalar(
            sa.select(sa.func.count()).select_from(model).where(model.judge_id == judge.id)
        ) == 0
    audit = _audits("judge.removed")[0]
    assert (audit.before["assignments"], audit.before["drafts"]) == (2, 1)
    assert audit.before["email"] == judge.user.email


def test_a_judge_with_submitted_scorecards_stays(organizer, contest, judges, entries):
    round_ = factories.rubric_round(organizer, contest)
    judge = judges[0]
    assign(organizer, round_, judge.id, entries[0].id)
    keys = [str(c.id) for c in round_.criteria]
    save_scorecard(judge.user, round_, entries[0], dict.fromkeys(keys, 1), submit=True)
    with pytest.raises(Conflict) as error:
        remove_judge(organizer, judge)
    assert error.value.code == "judge_has_scores"
    db.session.expire_all()
    assert db.session.get(Judge, judge.id) is not None
    assert len(assignments_of(round_)) == 1


# Conflicts --------------------------------------------------------------------------------


def test_a_withdrawn_conflict_lets_the_scorecard_count_again(organizer, staff, contest, judges,
                                                            entries):
    round_ = factories.rubric_round(organizer, contest)
    judge = judges[0]
    assign(organizer, round_, judge.id, entries[0].id)
    keys = [str(c.id) for c in round_.criteria]
    save_scorecard(judge.user, round_, entries[0], dict.fromkeys(keys, 1), submit=True)
    conflict, _ = declare_conflict(judge.user, contest, judge.id, entries[0].id, "亲属")
    assert valid_scorecards(round_) == []
    with pytest.raises(NotAllowed):
        withdraw_conflict(judge.user, conflict)
    with pytest.raises(NotAllowed):
        withdraw_conflict(staff, conflict)
    withdraw_conflict(organizer, conflict)
    db.session.expire_all()
    assert conflicts_of(contest) == []
    assert len(valid_scorecards(round_)) == 1
    audit = _audits("conflict.withdrawn")[0]
    assert audit.before == {"judge_id": judge.id, "entry_id": entries[0].id, "reason": "亲属",
                            "source": "judge"}


# Entries advanced from an earlier round ---------------------------------------------------


def _scored_round(organizer, contest, judges, entries, totals, **rule):
    """A round with one criterion (max 100, weight 100) in which every judge gives entry i
    ``totals[i]``; closed."""
    round_ = factories.rubric_round(organizer, contest, criteria=((100, 100),), **rule)
    key = str(round_.criteria[0].id)
    for entry, total in zip(entries, totals, strict=True):
        for judge in judges:
            assign(organizer, round_, judge.id, entry.id)
            save_scorecard(judge.user, round_, entry, {key: total}, submit=True)
    close_round(organizer, round_)
    return round_


def test_the_advanced_entries_take_part_with_ties_at_the_cut(organizer, contest, judges,
                                                             entries):
    # Top 2: 90, then 80 twice (tied at the cut: both advance), 70 and 60 do not.
    first = _scored_round(organizer, contest, judges, entries, [90, 80, 80, 70, 60],
                          advance_top_n=2)
    final = _draft(organizer, contest, name="决赛")
    taking_part = take_advanced_entries(organizer, final, first.id)
    expected = [entries[0].id, entries[1].id, entries[2].id]
    assert [e.id for e in taking_part] == expected
    assert sorted(round_entry_ids(final)) == expected
    audit = _audits("round.entries_advanced")[0]
    assert audit.after == {"from_round_id": first.id, "entry_ids": expected}


def test_advancing_by_threshold_uses_the_rounds_own_rule(organizer, contest, judges, entries):
    first = _scored_round(organizer, contest, judges, entries, [90, 80, 75, 74.99, 60],
                          advance_threshold=75)
    final = _draft(organizer, contest, name="决赛")
    take_advanced_entries(organizer, final, first.id)
    assert sorted(round_entry_ids(final)) == [e.id for e in entries[:3]]


def test_entries_advance_only_from_a_finished_round_of_the_contest(
    organizer, org, contest, judges, entries
):
    open_round = factories.rubric_round(organizer, contest, advance_top_n=1)
    no_rule = _scored_round(organizer, contest, judges, entries, [90, 80, 70, 60, 50],
                            name="无规则")
    final = _draft(organizer, contest, name="决赛")
    other = factories.rubric_round(organizer, factories.contest(org), name="别的比赛",
                                   draft=True)
    for source in (open_round.id, no_rule.id, final.id, other.id, 424242, "1"):
        with pytest.raises(ValidationFailed) as error:
            take_advanced_entries(organizer, final, source)
        assert "from_round_id" in error.value.fields
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "round.entries_set", AuditEntry.object_id == final.id)) == 0


# Overviews --------------------------------------------------------------------------------


def test_progress_and_load(organizer, contest, judges, entries, track):
    round_ = factories.rubric_round(organizer, contest)
    auto_assign(organizer, round_, 2)
    keys = [str(c.id) for c in round_.criteria]
    judge = judges[0]
    mine = [a for a in assignments_of(round_) if a.judge_id == judge.id]
    save_scorecard(judge.user, round_, mine[0].entry, dict.fromkeys(keys, 1),
                           submit=True)
    progress = rounds_progress(contest)[round_.id]
    assert (progress.assigned, progress.submitted) == (10, 1)
    overview = assignment_overview(round_)
    assert sum(overview.load.values()) == 10 and overview.load_range in ((3, 4),)
    assert all(len(rows) == 2 for rows in overview.by_entry.values())
    assert track_counts(contest) == {track.id: 5}
    assert round_.status == RoundStatus.open


def test_a_rounds_status_locks_its_settings_in_one_place(organizer, contest):
    round_ = _draft(organizer, contest)
    assert locked_fields(round_) == frozenset()
    open_round(organizer, round_)
    assert locked_fields(round_) == {"aggregation", "advance_top_n", "advance_top_percent",
                                     "advance_threshold", "anonymous"}
    close_round(organizer, round_)
    assert locked_fields(round_) == {"aggregation", "advance_top_n", "advance_top_percent",
                                     "advance_threshold", "anonymous", "opens_at", "closes_at"}


def test_an_anonymous_round_hides_the_team_from_all_but_organizers(organizer, contest, entries):
    entry = entries[0]
    entry.leader_id = organizer.id
    shown = _draft(organizer, contest, name="复赛")
    hidden = _draft(organizer, contest, name="网评（匿名）", anonymous=True)
    assert not hides_team(shown) and hides_team(hidden) and not hides_team(hidden, True)
    seen = entry_as_seen(entry, hidden)
    assert (seen["title"], seen["summary"]) == (entry.title, entry.summary)
    assert [seen[k] for k in ("team_name", "institution", "members", "leader_id")] == [None] * 4
    assert entry_as_seen(entry, hidden, organizer=True)["leader_id"] == organizer.id
    assert entry_as_seen(entry, shown)["institution"] == entry.institution
