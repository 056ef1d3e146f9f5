"""Judging services: contest setup, judges and their sign-in links, conflicts of interest,
rounds and rubric, assignments, scorecards, and which scorecards count."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from eventhub.audit import AuditEntry
from eventhub.database import db
from eventhub.errors import Conflict, NotAllowed, ValidationFailed
from eventhub.judging import scorecards
from eventhub.judging.assignments import assign, assignments_of, auto_assign, unassign
from eventhub.judging.entries import EntryInfo, create_entry, create_track, tracks_of
from eventhub.judging.judges import (
    check_judge_link,
    conflicted_pairs,
    declare_conflict,
    invite_judge,
    is_conflicted,
    issue_judge_link,
    judge_device,
    judge_names,
    judge_of,
    open_judge_link,
)
from eventhub.judging.models import (
    Assignment,
    ConflictSource,
    Entry,
    JudgeLink,
    RoundEntry,
    RoundStatus,
    Scorecard,
    ScorecardStatus,
)
from eventhub.judging.results import valid_scorecards
from eventhub.judging.rounds import (
    RoundInfo,
    add_criterion,
    close_round,
    create_round,
    open_round,
    publish_round,
    round_entry_ids,
    set_round_entries,
)
from eventhub.judging.scorecards import (
    can_score,
    my_assignments,
    save_scorecard,
    scorecard_body,
    scorecard_complete,
    scorecard_of,
    scorecard_total,
    scoring_target,
)
from eventhub.mail.models import OutboxMessage
from eventhub.models import User
from tests import factories


@pytest.fixture
def contest(org):
    return factories.contest(org)


@pytest.fixture
def tracks(organizer, contest):
    return [create_track(organizer, contest, name) for name in ("医疗健康", "人工智能")]


def _entry(actor, event, track, title, institution=""):
    return create_entry(
        actor, event, EntryInfo(title=title, track_id=track.id, team_name=f"{title}团队",
                                        institution=institution)
    )


@pytest.fixture
def entries(organizer, contest, tracks):
    return [
        _entry(organizer, contest, tracks[i % 2], f"项目{i}", institution=f"大学{i}")
        for i in range(6)
    ]


@pytest.fixture
def judges(contest):
    return [factories.judge(contest, institution=f"机构{i}") for i in range(4)]


def _audits(action):
    return db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)).all()


# Tracks and entries -----------------------------------------------------------------------


def test_tracks_are_unique_per_contest_and_only_organizers_add_them(
    organizer, staff, contest, tracks
):
    assert [t.name for t in tracks_of(contest)] == ["医疗健康", "人工智能"]
    with pytest.raises(Conflict) as error:
        create_track(organizer, contest, "医疗健康")
    assert error.value.code == "name_taken"
    with pytest.raises(NotAllowed):
        create_track(staff, contest, "新能源")


def test_judging_needs_a_contest(organizer, event):
    with pytest.raises(Conflict) as error:
        create_track(organizer, event, "医疗健康")
    assert error.value.code == "not_a_contest"


def test_entry_needs_a_track_of_its_contest_and_clean_members(
    organizer, org, contest, tracks
):
    other = factories.contest(org)
    foreign = create_track(organizer, other, "其他组")
    with pytest.raises(ValidationFailed) as error:
        create_entry(organizer, contest, EntryInfo(
            title="", track_id=foreign.id, members=[{"name": ""}]))
    assert set(error.value.fields) == {"title", "track_id", "members"}
    entry = create_entry(organizer, contest, EntryInfo(
        title=" 智能导诊 ", track_id=tracks[0].id, members=[{"name": "张三", "role": "CEO"}]))
    assert entry.title == "智能导诊"
    assert entry.members == [{"name": "张三", "role": "CEO"}]


# Judges -----------------------------------------------------------------------------------


def _link_token(email):
    """The sign-in link token of the last invitation mailed to ``email``."""
    mail = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.to_addr == email)
        .order_by(OutboxMessage.id.desc())
    ).first()
    assert mail.template == "judge_invitation"
    return re.search(r"/judging/sign-in/(\S+)", mail.text_body).group(1)


def test_inviting_a_judge_makes_an_account_and_mails_a_sign_in_link(
    app, organizer, contest
):
    judge, created = invite_judge(
        organizer, contest, " New.Judge@Example.com ", name="钱评委", institution="东北大学",
        expertise=["医疗"],
    )
    assert created
    assert judge.user.email == "new.judge@example.com"
    assert judge.user.password_hash is None
    assert judge.institution == "东北大学" and judge.expertise == ["医疗"]
    assert not judge.accepted and judge.display_name == "钱评委"
    token = _link_token("new.judge@example.com")
    assert check_judge_link(token).judge_id == judge.id
    # Only the token's digest is stored.
    assert token not in {link.digest for link in db.session.scalars(sa.select(JudgeLink))}
    again, created = invite_judge(organizer, contest, "new.judge@example.com",
                                          institution="辽宁大学")
    assert not created and again.id == judge.id and again.institution == "辽宁大学"
    assert len(_audits("judge.invited")) == 2


def test_inviting_an_existing_account_takes_nothing_of_it_before_acceptance(
    organizer, contest
):
    known = factories.UserFactory(email="known@example.com", name="孙真名",
                                  organization="某某大学")
    judge, _ = invite_judge(organizer, contest, "known@example.com")
    assert judge.display_name == "known@example.com"
    assert judge.institution == ""
    assert "孙真名" not in judge_names(contest.id).values()
    link = open_judge_link(_link_token("known@example.com"))
    assert link.judge.accepted and link.judge.display_name == "孙真名"
    # Accepting brings the judge's own institution in (it makes automatic conflicts).
    assert link.judge.institution == "某某大学"
    assert _audits("judge.accepted")[0].actor_id == known.id


def test_only_organizers_invite_judges(staff, contest):
    with pytest.raises(NotAllowed):
        invite_judge(staff, contest, "someone@example.com")


def test_a_link_opens_once(contest, now):
    judge = factories.judge(contest, accepted=False)
    token = issue_judge_link(judge, now=now)
    link = open_judge_link(token, now=now)
    assert link.used_at == now and judge.accepted_at == now
    assert judge_device(link.id, now=now).judge_id == judge.id
    with pytest.raises(ValidationFailed) as error:
        open_judge_link(token, now=now + timedelta(seconds=1))
    assert error.value.code == "link_used"


def test_an_expired_link_opens_nothing(app, contest, now, monkeypatch):
    monkeypatch.setitem(app.config, "JUDGE_LINK_MAX_AGE", 3600)
    judge = factories.judge(contest, accepted=False)
    token = issue_judge_link(judge, now=now)
    with pytest.raises(ValidationFailed) as error:
        open_judge_link(token, now=now + timedelta(hours=1))
    assert error.value.code == "link_expired"
    assert not judge.accepted
    assert db.session.scalars(sa.select(JudgeLink)).one().used_at is None


def test_a_new_link_revokes_the_earlier_one_and_its_device(contest, now):
    judge = factories.judge(contest)
    first = open_judge_link(issue_judge_link(judge, now=now), now=now)
    unused = issue_judge_link(judge, now=now)
    issue_judge_link(judge, now=now)
    assert judge_device(first.id, now=now) is None
    with pytest.raises(ValidationFailed) as error:
        open_judge_link(unused, now=now)
    assert error.value.code == "link_revoked"


def test_a_device_ends_after_its_time_or_with_its_judge(app, organizer, contest, now,
                                                         monkeypatch):
    monkeypatch.setitem(app.config, "JUDGE_DEVICE_MAX_AGE", 3600)
    judge = factories.judge(contest)
    link = open_judge_link(issue_judge_link(judge, now=now), now=now)
    assert judge_device(link.id, now=now + timedelta(minutes=59)) is not None
    assert judge_device(link.id, now=now + timedelta(hours=1)) is None
    from eventhub.judging.judges import remove_judge

    remove_judge(organizer, judge)
    assert judge_device(link.id, now=now) is None


def test_a_forged_link_opens_nothing(contest):
    judge = factories.judge(contest)
    token = issue_judge_link(judge)
    for forged in (token[:-1] + ("A" if token[-1] != "A" else "B"), "", "x" * 500, None):
        with pytest.raises(ValidationFailed) as error:
            open_judge_link(forged)
        assert error.value.code == "link_invalid"


def test_a_device_acts_for_its_judge_in_its_contest_only(org, organizer, contest, tracks):
    """The same account judging two contests: a device its link opened in one scores
    nothing, and lists nothing, of the other."""
    other = factories.contest(org)
    other_track = create_track(organizer, other, "其他")
    user = factories.UserFactory()
    mine, theirs = factories.judge(contest, user=user), factories.judge(other, user=user)
    here = _entry(organizer, contest, tracks[0], "本赛项目")
    there = _entry(organizer, other, other_track, "他赛项目")
    round_here = factories.rubric_round(organizer, contest)
    round_there = factories.rubric_round(organizer, other)
    assign(organizer, round_here, mine.id, here.id)
    assign(organizer, round_there, theirs.id, there.id)
    device = judge_device(open_judge_link(issue_judge_link(mine)).id)
    assert can_score(user, round_there, there)  # the account may
    assert can_score(device, round_here, here)
    assert not can_score(device, round_there, there)
    assert scoring_target(device, round_there.id, there.id)[2] is None
    assert [i.entry.id for i in my_assignments(device)] == [here.id]
    assert judge_of(device, other.id) is None
    with pytest.raises(NotAllowed):
        declare_conflict(device, other, theirs.id, there.id)
    with pytest.raises(NotAllowed):
        save_scorecard(device, round_there, there, {})


# Conflicts of interest ----------------------------------------------------------------------


def test_same_institution_is_an_automatic_conflict_ignoring_case_and_spaces(contest, tracks):
    judge = factories.judge(contest, institution=" Northeastern  University")
    entry = factories.commit(Entry(event_id=contest.id, track_id=tracks[0].id,
                                           title="A", institution="northeastern university"))
    other = factories.commit(Entry(event_id=contest.id, track_id=tracks[0].id,
                                           title="B", institution=""))
    assert is_conflicted(judge, entry)
    assert not is_conflicted(judge, other)
    nobody = factories.judge(contest, institution="")
    assert not is_conflicted(nobody, other)


def test_organizers_and_the_judge_declare_conflicts(organizer, contest, entries, judges):
    conflict, created = declare_conflict(
        organizer, contest, judges[0].id, entries[0].id, "曾指导该团队")
    assert created and conflict.source == ConflictSource.organizer
    same, created = declare_conflict(organizer, contest, judges[0].id, entries[0].id)
    assert not created and same.id == conflict.id
    mine, created = declare_conflict(judges[1].user, contest, judges[1].id, entries[1].id,
                                             "我认识这个团队")
    assert created and mine.source == ConflictSource.judge
    with pytest.raises(NotAllowed):
        declare_conflict(judges[1].user, contest, judges[2].id, entries[1].id)
    assert is_conflicted(judges[1], entries[1])
    assert len(_audits("conflict.declared")) == 2


# Rounds -----------------------------------------------------------------------------------


def test_round_takes_at_most_one_advancement_rule(organizer, contest):
    with pytest.raises(ValidationFailed) as error:
        create_round(organizer, contest, RoundInfo(
            name="网评", advance_top_n=3, advance_threshold=80))
    assert set(error.value.fields) == {"advance_top_n", "advance_threshold"}
    first = create_round(organizer, contest, RoundInfo(name="网评",
                                                                       advance_top_percent=30))
    second = create_round(organizer, contest, RoundInfo(name="决赛"))
    assert (first.position, second.position) == (1, 2)


def test_weights_must_sum_to_100_before_opening(organizer, contest):
    round_ = create_round(organizer, contest, RoundInfo(name="网评"))
    add_criterion(organizer, round_, "创新性", 10, 60)
    with pytest.raises(ValidationFailed) as error:
        add_criterion(organizer, round_, "团队", 10, 50)
    assert "weight" in error.value.fields
    with pytest.raises(ValidationFailed) as error:
        open_round(organizer, round_)
    assert error.value.code == "weights_not_100"
    add_criterion(organizer, round_, "团队", 10, 40)
    open_round(organizer, round_)
    assert round_.status == RoundStatus.open
    with pytest.raises(Conflict) as error:
        add_criterion(organizer, round_, "市场", 10, 1)
    assert error.value.code == "round_not_draft"


def test_status_flow_and_reopening_with_a_reason(organizer, contest):
    round_ = factories.rubric_round(organizer, contest)
    with pytest.raises(Conflict):
        publish_round(organizer, round_)
    close_round(organizer, round_)
    with pytest.raises(ValidationFailed) as error:
        open_round(organizer, round_)
    assert "reason" in error.value.fields
    open_round(organizer, round_, reason="评委张三的评分表提交错误")
    reopened = _audits("round.reopened")
    assert len(reopened) == 1
    assert reopened[0].before == {"status": "closed"}
    assert reopened[0].after["reason"] == "评委张三的评分表提交错误"
    close_round(organizer, round_)
    publish_round(organizer, round_)
    assert round_.status == RoundStatus.published and round_.published_at is not None
    assert [a.action for a in db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.object_type == "rounds", AuditEntry.object_id
                                    == round_.id).order_by(AuditEntry.id))] == [
        "round.created", "round.open", "round.closed", "round.reopened", "round.closed",
        "round.published"]


def test_a_round_whose_window_has_ended_cannot_open_and_reopens_without_an_end(
    organizer, contest
):
    now = datetime.now(UTC)
    round_ = factories.rubric_round(organizer, contest, draft=True,
                                    opens_at=now - timedelta(days=9),
                                    closes_at=now - timedelta(days=2))
    with pytest.raises(ValidationFailed) as error:
        open_round(organizer, round_)
    assert error.value.code == "window_ended" and round_.status == RoundStatus.draft
    # Opened while its window ran (as the demo replays the past), closed, then reopened.
    open_round(organizer, round_, now=now - timedelta(days=5))
    close_round(organizer, round_)
    open_round(organizer, round_, reason="补录一位评委的评分")
    assert round_.status == RoundStatus.open and round_.closes_at is None


def test_a_judge_can_be_invited_without_a_mail(organizer, contest):
    invite_judge(organizer, contest, "quiet@example.com", notify=False)
    assert db.session.scalar(
        sa.select(sa.func.count()).select_from(OutboxMessage)
        .where(OutboxMessage.to_addr == "quiet@example.com")
    ) == 0


def test_entries_taking_part_default_to_all(organizer, contest, entries):
    round_ = factories.rubric_round(organizer, contest)
    assert round_entry_ids(round_) == {e.id for e in entries}
    set_round_entries(organizer, round_, [entries[0].id, entries[1].id])
    assert round_entry_ids(round_) == {entries[0].id, entries[1].id}
    with pytest.raises(ValidationFailed):
        set_round_entries(organizer, round_, [entries[0].id, 424242])
    set_round_entries(organizer, round_, None)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RoundEntry)) == 6


# Assignments ------------------------------------------------------------------------------


def test_manual_assignment_refuses_a_conflicted_pair(organizer, contest, entries, judges):
    round_ = factories.rubric_round(organizer, contest)
    declare_conflict(organizer, contest, judges[0].id, entries[0].id)
    with pytest.raises(Conflict) as error:
        assign(organizer, round_, judges[0].id, entries[0].id)
    assert error.value.code == "conflict_of_interest"
    same_place = factories.judge(contest, institution="大学1")
    with pytest.raises(Conflict):
        assign(organizer, round_, same_place.id, entries[1].id)
    assignment, created = assign(organizer, round_, judges[0].id, entries[1].id)
    assert created
    again, created = assign(organizer, round_, judges[0].id, entries[1].id)
    assert not created and again.id == assignment.id
    assert len(_audits("assignment.created")) == 1


def test_manual_assignment_needs_an_entry_of_the_round(organizer, contest, entries, judges):
    round_ = factories.rubric_round(organizer, contest)
    set_round_entries(organizer, round_, [entries[0].id])
    with pytest.raises(ValidationFailed) as error:
        assign(organizer, round_, judges[0].id, entries[1].id)
    assert "entry_id" in error.value.fields


def test_auto_assignment_balances_load_and_avoids_conflicts(organizer, contest, tracks):
    entries = [_entry(organizer, contest, tracks[i % 2], f"项目{i}", f"学校{i % 3}")
               for i in range(10)]
    judges = [factories.judge(contest, institution=f"学校{i}") for i in range(3)]
    judges += [factories.judge(contest, institution="投资机构", expertise=["人工智能"])
               for _ in range(2)]
    round_ = factories.rubric_round(organizer, contest)
    declare_conflict(organizer, contest, judges[3].id, entries[1].id)
    result = auto_assign(organizer, round_, 3)
    assert result.short == {}
    rows = db.session.execute(sa.select(Assignment.judge_id, Assignment.entry_id)).all()
    assert len(rows) == 30
    conflicts = conflicted_pairs(contest.id, judges, entries)
    assert not set(rows) & conflicts
    per_entry = {e.id: sum(1 for _, x in rows if x == e.id) for e in entries}
    assert set(per_entry.values()) == {3}
    load = [sum(1 for j, _ in rows if j == judge.id) for judge in judges]
    assert max(load) - min(load) <= 1
    # Running it again tops nothing up: every entry has its judges.
    assert auto_assign(organizer, round_, 3).created == []


def test_auto_assignment_prefers_matching_expertise(organizer, contest, tracks):
    ai = tracks[1]
    entries = [_entry(organizer, contest, ai, f"AI{i}") for i in range(4)]
    plain = [factories.judge(contest) for _ in range(2)]
    experts = [factories.judge(contest, expertise=["人工智能"]) for _ in range(2)]
    round_ = factories.rubric_round(organizer, contest)
    auto_assign(organizer, round_, 1)
    chosen = {a.judge_id for a in assignments_of(round_)}
    assert {j.id for j in experts} <= chosen
    assert len(entries) == 4 and len(plain) == 2


def test_auto_assignment_reports_entries_short_of_judges(organizer, contest, tracks):
    entry = _entry(organizer, contest, tracks[0], "项目", "东北大学")
    factories.judge(contest, institution="东北大学")
    factories.judge(contest)
    round_ = factories.rubric_round(organizer, contest)
    result = auto_assign(organizer, round_, 2)
    assert result.short == {entry.id: 1} and len(result.created) == 1


# Scorecards -------------------------------------------------------------------------------


@pytest.fixture
def scoring(organizer, contest, entries, judges):
    """An open round (criteria max 10/w40, max 20/w35, max 5/w25); judge 0 on entry 0."""
    round_ = factories.rubric_round(organizer, contest)
    assign(organizer, round_, judges[0].id, entries[0].id)
    keys = [str(c.id) for c in round_.criteria]
    return round_, judges[0], entries[0], keys


def test_save_then_submit_a_scorecard(scoring):
    round_, judge, entry, keys = scoring
    card = save_scorecard(judge.user, round_, entry, {keys[0]: 8}, comment="不错")
    assert (card.status, card.version, card.comment) == (ScorecardStatus.draft, 1, "不错")
    card = save_scorecard(judge.user, round_, entry, {keys[0]: 8, keys[1]: 15,
                                                               keys[2]: 4}, submit=True, version=1)
    assert (card.status, card.version) == (ScorecardStatus.submitted, 2)
    assert scorecard_body(card, round_.criteria)["total"] == 78.25
    assert card.comment == "不错"
    assert [a.action for a in _audits("scorecard.saved") + _audits("scorecard.submitted")] == [
        "scorecard.saved", "scorecard.submitted"]
    assert _audits("scorecard.submitted")[0].before["version"] == 1


def test_scorecard_checks_come_in_api_order(organizer, scoring, judges, entries):
    round_, judge, entry, keys = scoring
    bad = {keys[0]: 11}
    # 403 before anything else: not assigned.
    with pytest.raises(NotAllowed):
        save_scorecard(judges[1].user, round_, entry, bad)
    save_scorecard(judge.user, round_, entry, {keys[0]: 1})
    # stale before 422
    with pytest.raises(Conflict) as error:
        save_scorecard(judge.user, round_, entry, bad, version=7)
    assert error.value.code == "stale_version"
    assert error.value.extra["scorecard"]["version"] == 1
    assert error.value.extra["scorecard"]["scores"] == {keys[0]: 1}
    with pytest.raises(Conflict) as error:
        save_scorecard(judge.user, round_, entry, bad)
    assert error.value.code == "stale_version"
    with pytest.raises(ValidationFailed) as error:
        save_scorecard(judge.user, round_, entry, {keys[0]: 11, keys[1]: -0.5}, version=1)
    assert set(error.value.fields) == {f"scores.{keys[0]}", f"scores.{keys[1]}"}
    with pytest.raises(ValidationFailed) as error:
        save_scorecard(judge.user, round_, entry, {keys[0]: 2}, submit=True, version=1)
    assert set(error.value.fields) == {f"scores.{keys[1]}", f"scores.{keys[2]}"}
    full = {keys[0]: 10, keys[1]: 20, keys[2]: 5}
    save_scorecard(judge.user, round_, entry, full, submit=True, version=1)
    # already_submitted before stale_version and 422
    with pytest.raises(Conflict) as error:
        save_scorecard(judge.user, round_, entry, bad, version=1)
    assert error.value.code == "already_submitted"
    # round_closed before already_submitted
    close_round(organizer, round_)
    with pytest.raises(Conflict) as error:
        save_scorecard(judge.user, round_, entry, bad, version=2)
    assert error.value.code == "round_closed"


def test_scoring_window_times_close_the_round(organizer, scoring, now):
    round_, judge, entry, keys = scoring
    round_.closes_at = now - timedelta(minutes=1)
    with pytest.raises(Conflict) as error:
        save_scorecard(judge.user, round_, entry, {keys[0]: 1})
    assert error.value.code == "round_closed"


def test_a_conflict_declared_after_assignment_stops_scoring(organizer, contest, scoring):
    round_, judge, entry, keys = scoring
    save_scorecard(judge.user, round_, entry, {keys[0]: 1})
    declare_conflict(judge.user, contest, judge.id, entry.id, "我认识这个团队")
    assert assignments_of(round_)  # the assignment stays
    with pytest.raises(NotAllowed):
        save_scorecard(judge.user, round_, entry, {keys[0]: 2}, version=1)
    assert my_assignments(judge.user, round_.id) == []


def test_my_assignments_list_status(organizer, scoring, entries):
    round_, judge, entry, keys = scoring
    assign(organizer, round_, judge.id, entries[2].id)
    save_scorecard(judge.user, round_, entry, {keys[0]: 3})
    queue = my_assignments(judge.user, round_.id)
    assert [(i.entry.id, i.status) for i in queue] == [(entry.id, "draft"),
                                                       (entries[2].id, "todo")]
    # The draft's total is partial: only one of the three criteria is scored.
    assert [i.complete for i in queue] == [False, False]
    save_scorecard(judge.user, round_, entry, dict.fromkeys(keys, 1), version=1)
    assert [i.complete for i in my_assignments(judge.user, round_.id)] == [True, False]


def test_my_assignments_of_one_round_take_only_its_cards(
    organizer, contest, scoring, entries, count_statements
):
    round_, judge, entry, keys = scoring
    final = factories.rubric_round(organizer, contest, name="决赛")
    assign(organizer, final, judge.id, entry.id)
    final_key = str(final.criteria[0].id)
    save_scorecard(judge.user, final, entry, {final_key: 9}, submit=False)
    assert [(i.round.id, i.status) for i in my_assignments(judge.user, round_.id)] == [
        (round_.id, "todo")]
    count_statements.clear()
    queue = my_assignments(judge.user, final.id)
    assert [(i.round.id, i.status, i.scorecard.scores) for i in queue] == [
        (final.id, "draft", {final_key: 9})]
    cards_query = next(s for s in count_statements if "FROM scorecards" in s)
    assert "scorecards.round_id IN" in cards_query
    both = my_assignments(judge.user)
    assert [(i.round.id, i.status) for i in both] == [(round_.id, "todo"), (final.id, "draft")]


def test_a_first_save_racing_another_device_gets_stale_version(scoring, monkeypatch):
    """Both devices saw no scorecard; the other one's insert came first: this one's insert
    writes nothing and answers stale_version with that card (no error, no savepoint)."""
    from types import SimpleNamespace

    round_, judge, entry, keys = scoring
    save_scorecard(judge.user, round_, entry, {keys[0]: 4})  # the other device
    seen = scorecards._scoring

    def before_the_other_save(user, round_, entry):
        row = seen(user, round_, entry)
        return SimpleNamespace(judge_id=row.judge_id, institution=row.institution,
                               Scorecard=None)

    monkeypatch.setattr(scorecards, "_scoring", before_the_other_save)
    with pytest.raises(Conflict) as error:
        save_scorecard(judge.user, round_, entry, {keys[0]: 9})
    assert error.value.code == "stale_version"
    assert error.value.extra["scorecard"]["scores"] == {keys[0]: 4}
    monkeypatch.undo()
    card = scorecard_of(judge.user, round_, entry)
    assert (card.version, card.scores) == (1, {keys[0]: 4})
    assert len(_audits("scorecard.saved")) == 1


def test_a_first_save_rolled_back_after_its_insert_can_be_made_again(scoring):
    """The unit of work fails after the insert (here a listener of the signal): nothing is
    kept, and the next save works (SQLite may hand out the same id again)."""
    from eventhub.judging.signals import scorecard_saved

    round_, judge, entry, keys = scoring

    def broken_screen(_sender=None, **_):
        raise RuntimeError("screen down")

    scorecard_saved.connect(broken_screen)
    try:
        with pytest.raises(RuntimeError):
            save_scorecard(judge.user, round_, entry, {keys[0]: 4})
    finally:
        scorecard_saved.disconnect(broken_screen)
    assert scorecard_of(judge.user, round_, entry) is None
    card = save_scorecard(judge.user, round_, entry, {keys[0]: 5})
    assert (card.version, card.scores) == (1, {keys[0]: 5})
    assert scorecard_of(judge.user, round_, entry) is card


def test_an_update_writes_the_card_and_its_audit_entry(scoring):
    round_, judge, entry, keys = scoring
    first = save_scorecard(judge.user, round_, entry, {keys[0]: 4}, comment="初评")
    assert db.session.get(Scorecard, first.id) is first
    card = save_scorecard(judge.user, round_, entry, {keys[0]: 6, keys[1]: 10},
                                  version=1)
    db.session.expire_all()
    stored = db.session.get(Scorecard, card.id)
    assert (stored.version, stored.scores, stored.comment, stored.status) == (
        2, {keys[0]: 6, keys[1]: 10}, "初评", ScorecardStatus.draft)
    audit = _audits("scorecard.saved")[-1]
    assert audit.before == {"scores": {keys[0]: 4}, "comment": "初评", "status": "draft",
                            "version": 1}
    assert audit.after == {"round_id": round_.id, "entry_id": entry.id,
                           "scores": {keys[0]: 6, keys[1]: 10}, "comment": "初评",
                           "status": "draft", "version": 2}


# Which scorecards count -------------------------------------------------------------------


def test_valid_scorecards_leave_out_drafts_unassigned_conflicted_and_absent_entries(
    organizer, contest, entries, judges
):
    round_ = factories.rubric_round(organizer, contest)
    full = {str(c.id): c.max_points for c in round_.criteria}
    for judge in judges[:3]:
        for entry in entries[:3]:
            assign(organizer, round_, judge.id, entry.id)
    counted = save_scorecard(judges[0].user, round_, entries[0], full, submit=True)
    save_scorecard(judges[1].user, round_, entries[0], full)  # a draft
    conflicted = save_scorecard(judges[2].user, round_, entries[0], full, submit=True)
    declare_conflict(organizer, contest, judges[2].id, entries[0].id)
    # an entry no longer taking part
    absent = save_scorecard(judges[0].user, round_, entries[2], full, submit=True)
    # a same-institution conflict that arose after the score: the judge moved
    moved = save_scorecard(judges[1].user, round_, entries[1], full, submit=True)
    judges[1].institution = entries[1].institution
    # a submitted scorecard without an assignment
    unassigned = factories.commit(Scorecard(
        round_id=round_.id, judge_id=judges[3].id, entry_id=entries[0].id, scores=full,
        status=ScorecardStatus.submitted))
    set_round_entries(organizer, round_, [e.id for e in entries[:2]])
    valid = valid_scorecards(round_)
    assert [c.id for c in valid] == [counted.id]
    assert {conflicted.id, absent.id, moved.id, unassigned.id}.isdisjoint({c.id for c in valid})


def test_permission_predicates(organizer, scoring, judges, participant):
    from eventhub.judging import permissions as judging_permissions

    round_, judge, entry, _ = scoring
    assert judging_permissions.can_judge(judge.user, round_, entry)
    assert not judging_permissions.can_judge(judges[1].user, round_, entry)
    assert not judging_permissions.can_judge(participant, round_, entry)
    assert judging_permissions.is_judge_of(judge.user, round_.event)
    assert not judging_permissions.can_see_results(judge.user, round_)
    assert judging_permissions.can_see_results(organizer, round_)
    assert db.session.get(User, judge.user_id) is judge.user


def test_templates_ask_the_judging_predicates_the_judging_blueprint_registers(app):
    """judging/permissions.py's predicates reach the templates through the judging blueprint;
    eventhub.permissions lists only the accounts', organizations' and events' ones."""
    from eventhub import permissions
    from eventhub.judging import permissions as judging_permissions

    assert app.jinja_env.globals["can_judge"] is judging_permissions.can_judge
    assert app.jinja_env.globals["can_see_results"] is judging_permissions.can_see_results
    assert app.jinja_env.globals["can_manage_event"] is permissions.can_manage_event
    assert "can_judge" not in permissions.template_predicates()


def test_a_recused_judge_is_replaced_by_running_auto_assignment_again(
    organizer, contest, entries, judges
):
    round_ = factories.rubric_round(organizer, contest)
    set_round_entries(organizer, round_, [entries[0].id])
    auto_assign(organizer, round_, 2)
    first = {a.judge_id for a in assignments_of(round_)}
    recused = min(first)
    declare_conflict(organizer, contest, recused, entries[0].id, "回避")
    result = auto_assign(organizer, round_, 2)
    assert len(result.created) == 1 and result.created[0].judge_id not in first
    assert len(assignments_of(round_)) == 3  # the recused one stays on record


def test_unassigning_is_audited_and_the_scorecard_stops_counting(
    organizer, scoring, contest
):
    round_, judge, entry, keys = scoring
    save_scorecard(judge.user, round_, entry, dict.fromkeys(keys, 1), submit=True)
    assert len(valid_scorecards(round_)) == 1
    assignment = assignments_of(round_)[0]
    unassign(organizer, assignment)
    assert assignments_of(round_) == []
    assert valid_scorecards(round_) == []
    removed = _audits("assignment.removed")
    assert removed[0].before == {"round_id": round_.id, "judge_id": judge.id,
                                 "entry_id": entry.id}
    close_round(organizer, round_)
    again = factories.commit(Assignment(round_id=round_.id, judge_id=judge.id,
                                                entry_id=entry.id))
    with pytest.raises(Conflict) as error:
        unassign(organizer, again)
    assert error.value.code == "round_closed"


def test_a_scorecard_total_rounds_half_away_from_zero_like_results():
    from types import SimpleNamespace

    criterion = SimpleNamespace(id=7, max_points=100, weight=100)
    # In floats, 100 × 0.00015 / 100 is 0.000149999…, which round() takes down to 0.0001.
    assert round(100 * 0.00015 / 100, 4) == 0.0001
    assert scorecard_total([criterion], {"7": 0.00015}) == 0.0002
    # A draft's running total counts the criteria scored so far.
    other = SimpleNamespace(id=8, max_points=10, weight=0)
    assert scorecard_total([criterion, other], {"7": 50}) == 50.0
    # ... so it is partial until every criterion has a score.
    assert not scorecard_complete([criterion, other], {"7": 50})
    assert not scorecard_complete([criterion, other], {"7": 50, "8": None})
    assert scorecard_complete([criterion, other], {"7": 50, "8": 0})
