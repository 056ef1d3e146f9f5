"""Mentors as judges (issue 13 point 5): a mentor who logged a coaching of an entry is in
conflict with it automatically, in every round of its contest (API.md "Mentors", like a shared
institution): no manual or automatic assignment pairs them, a coaching logged after the
assignment makes the scorecard stop counting, and organizers see why. A judge may be invited
from the organization's mentor pool."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from eventhub.audit import AuditEntry
from eventhub.database import db
from eventhub.errors import Conflict, ValidationFailed
from eventhub.judging import entries as entry_services
from eventhub.judging.assignments import assign, assignment_rows, auto_assign
from eventhub.judging.entries import may_read_attachment
from eventhub.judging.judges import (
    automatic_conflicts,
    coached_pairs,
    conflicted_pairs,
    invite_judge,
    is_conflicted,
    judges_of,
)
from eventhub.judging.models import Assignment, Judge
from eventhub.judging.results import round_results, valid_scorecards
from eventhub.judging.scorecards import can_score, my_assignments, scoring_target
from tests import factories


@pytest.fixture
def panel(organizer, contest, track):
    """Three entries (of 大学0..2) and three judges of no institution: no conflict yet."""
    made = factories.entries(organizer, contest, track, 3, title="项目")
    judges = [factories.judge(contest) for _ in range(3)]
    return made, judges


@pytest.fixture
def mentor_of(other_org):
    """``mentor_of(judge)``: the judge's account as a mentor of another organization's pool
    (any pool counts)."""
    return lambda judge: factories.mentor(other_org, judge.user)


def coach(mentor, entry_id, now, days_ago=3):
    """A coaching record of the mentor about ``entry_id`` (None: of no entry)."""
    return factories.coaching(mentor, entry_id, now - timedelta(days=days_ago))


def test_a_coaching_of_an_entry_is_an_automatic_conflict(contest, panel, mentor_of, now):
    (coached, other, _), (judge, free, _) = panel
    coaching = coach(mentor_of(judge), coached.id, now)
    assert is_conflicted(judge, coached)
    assert not is_conflicted(judge, other) and not is_conflicted(free, coached)
    assert coached_pairs([judge.id, free.id]) == {(judge.id, coached.id): coaching.started_at}
    assert conflicted_pairs(contest.id, judges_of(contest), panel[0]) == {(judge.id, coached.id)}
    [found] = automatic_conflicts(judges_of(contest), panel[0])
    assert (found.judge.id, found.entry.id) == (judge.id, coached.id)
    assert found.coached_at == coaching.started_at and not found.shared_institution


def test_a_coaching_of_no_entry_or_of_another_entry_conflicts_with_nothing(
        contest, panel, mentor_of, now, organizer):
    (entry, *_), (judge, *_) = panel
    mentor = mentor_of(judge)
    coach(mentor, None, now)
    elsewhere = factories.contest(contest.organization)
    other_track = entry_services.create_track(organizer, elsewhere, "人工智能")
    [foreign] = factories.entries(organizer, elsewhere, other_track, 1)
    coach(mentor, foreign.id, now)
    assert not any(is_conflicted(judge, e) for e in panel[0])
    assert conflicted_pairs(contest.id, judges_of(contest), panel[0]) == set()
    assert automatic_conflicts(judges_of(contest), panel[0]) == []


def test_a_deleted_coaching_conflicts_no_more(contest, panel, mentor_of, now):
    (entry, *_), (judge, *_) = panel
    coaching = coach(mentor_of(judge), entry.id, now)
    assert is_conflicted(judge, entry)
    db.session.delete(coaching)
    db.session.commit()
    assert not is_conflicted(judge, entry)
    assert coached_pairs([judge.id]) == {}


def test_assigning_a_mentor_to_the_entry_they_coached_is_refused(
        organizer, contest, panel, mentor_of, now):
    (entry, other, _), (judge, *_) = panel
    coach(mentor_of(judge), entry.id, now)
    for name in ("网评", "决赛"):  # every round of the contest
        round_ = factories.rubric_round(organizer, contest, name=name, draft=True)
        with pytest.raises(Conflict) as refused:
            assign(organizer, round_, judge.id, entry.id)
        assert refused.value.code == "conflict_of_interest"
        assign(organizer, round_, judge.id, other.id)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Assignment).where(
        Assignment.entry_id == entry.id)) == 0


def test_auto_assignment_never_picks_the_mentor_for_the_entry_they_coached(
        organizer, contest, panel, mentor_of, now):
    made, judges = panel
    coach(mentor_of(judges[0]), made[0].id, now)
    coach(mentor_of(judges[1]), made[0].id, now)
    round_ = factories.rubric_round(organizer, contest, draft=True)
    result = auto_assign(organizer, round_, 3)
    pairs = {(a.judge_id, a.entry_id) for a in result.created}
    assert (judges[0].id, made[0].id) not in pairs and (judges[1].id, made[0].id) not in pairs
    assert {(j.id, e.id) for j in judges for e in made} - pairs == {
        (judges[0].id, made[0].id), (judges[1].id, made[0].id)}
    assert result.short == {made[0].id: 2}


def test_a_coaching_logged_after_the_assignment_keeps_it_but_the_scorecard_stops_counting(
        organizer, contest, panel, mentor_of, now):
    (entry, *_), (judge, second, _) = panel
    round_ = factories.rubric_round(organizer, contest, criteria=((100, 100),))
    for j in (judge, second):
        assign(organizer, round_, j.id, entry.id)
    factories.score(judge, round_, entry, 90)
    factories.score(second, round_, entry, 70)
    assert len(valid_scorecards(round_)) == 2
    mentor = mentor_of(judge)
    coach(mentor, entry.id, now, days_ago=0)

    assert db.session.scalar(sa.select(sa.func.count()).select_from(Assignment).where(
        Assignment.judge_id == judge.id)) == 1
    assert [c.judge_id for c in valid_scorecards(round_)] == [second.id]
    [line] = [line for line in round_results(round_, "mean")["tracks"][0]["entries"]
              if line["entry_id"] == entry.id]
    assert (line["score"], line["n_scores"]) == (70.0, 1)
    assert {r["judge_id"]: r["conflicted"] for r in assignment_rows(round_)} == {
        judge.id: True, second.id: False}
    assert not can_score(judge.user, round_, entry)
    assert scoring_target(judge.user, round_.id, entry.id)[2] is None
    assert my_assignments(judge.user) == []
    assert not may_read_attachment(judge.user, entry)
    assert can_score(second.user, round_, entry)


def test_automatic_conflicts_list_both_reasons(contest, panel, mentor_of, now):
    (entry, *_), (judge, *_) = panel
    judge.institution = "大学0"
    db.session.commit()
    coach(mentor_of(judge), entry.id, now)
    [found] = automatic_conflicts(judges_of(contest), panel[0])
    assert found.shared_institution and found.coached_at is not None


def test_the_coaching_pairs_take_one_statement_however_many_judges(
        contest, panel, mentor_of, now, count_statements):
    made, judges = panel
    for judge in judges:
        coach(mentor_of(judge), made[1].id, now)
    more = [factories.judge(contest) for _ in range(5)]
    count_statements.clear()
    pairs = conflicted_pairs(contest.id, judges + more, made)
    assert pairs == {(j.id, made[1].id) for j in judges}
    assert len(count_statements) == 2  # declared, coached
    count_statements.clear()
    assert len(automatic_conflicts(judges + more, made)) == 3
    assert len(count_statements) == 1


# Inviting a judge from the pool -----------------------------------------------------------


def test_a_mentor_of_the_pool_is_invited_with_their_details(organizer, owner, org, contest):
    mentor = factories.mentor(org, factories.UserFactory(email="li@example.com", name="李导师"),
                         title="合伙人", affiliation="某某资本", expertise=["医疗", "投资"])
    judge, created = invite_judge(organizer, contest, None, mentor_id=mentor.id)
    assert created and judge.user_id == mentor.user_id
    assert (judge.invited_name, judge.institution, judge.expertise) == (
        "李导师", "某某资本", ["医疗", "投资"])
    audit = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "judge.invited")).one()
    assert audit.after["mentor_id"] == mentor.id
    # What the organizer types wins; the mentor's own email may be given too.
    again, created = invite_judge(organizer, contest, "LI@example.com", institution="东北大学",
                                  expertise=["AI"], mentor_id=mentor.id)
    assert not created and again.id == judge.id
    assert (again.institution, again.expertise) == ("东北大学", ["AI"])


@pytest.mark.parametrize("case", ["other_pool", "unknown", "not_an_id", "other_email"])
def test_inviting_a_mentor_of_another_pool_is_refused_and_changes_nothing(
        organizer, owner, org, other_org, contest, case):
    mine, theirs = factories.mentor(org), factories.mentor(other_org)
    email, mentor_id, field = {
        "other_pool": (None, theirs.id, "mentor_id"),
        "unknown": (None, 424242, "mentor_id"),
        "not_an_id": (None, "7", "mentor_id"),
        "other_email": ("someone@example.com", mine.id, "email"),
    }[case]
    with pytest.raises(ValidationFailed) as refused:
        invite_judge(organizer, contest, email, mentor_id=mentor_id)
    assert field in refused.value.fields
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Judge)) == 0

