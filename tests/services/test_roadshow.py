"""The live roadshow: the stage's state machine and clocks, the order of appearance, the board
the big screen shows (struck highest and lowest, the round's score, the leaderboard), the live
version (database, Redis, two app instances on one database) and the screen's signed key."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from eventhub import create_app
from eventhub.audit import AuditEntry
from eventhub.database import db
from eventhub.errors import Conflict, NotAllowed, ValidationFailed
from eventhub.judging import roadshow
from eventhub.judging.assignments import assign, auto_assign, unassign
from eventhub.judging.entries import EntryInfo, create_entry
from eventhub.judging.judges import declare_conflict, issue_judge_link
from eventhub.judging.models import Assignment, RoundEntry, StagePhase
from eventhub.judging.results import round_results
from eventhub.judging.rounds import close_round, round_entry_ids, set_round_entries
from eventhub.judging.scorecards import save_scorecard
from tests import factories
from tests.conftest import TEST_REDIS_URL

T0 = datetime(2026, 5, 18, 1, 30, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)



# The state machine and its clocks -----------------------------------------------------------


def test_a_pitch_and_its_questions_run_on_the_clock(organizer, final):
    round_, entries, _ = final
    stage = roadshow.show_entry(organizer, round_, entries[1].id)
    assert (stage.phase, stage.entry_id, stage.version) == (StagePhase.ready, entries[1].id, 2)
    assert roadshow.clock(stage, at(5))["phase"] is None

    roadshow.start_pitch(organizer, round_, now=at(0))
    assert roadshow.clock(stage, at(90)) == {"phase": "pitch", "running": True,
                                             "duration_ms": 480_000, "elapsed_ms": 90_000,
                                             "remaining_ms": 390_000}
    roadshow.pause_clock(organizer, round_, now=at(100))
    assert roadshow.clock(stage, at(1000))["remaining_ms"] == 380_000  # paused: no time passes
    roadshow.resume_clock(organizer, round_, now=at(1000))
    assert roadshow.clock(stage, at(1390))["remaining_ms"] == -10_000  # overtime
    roadshow.reset_clock(organizer, round_, now=at(1400))
    assert roadshow.clock(stage, at(1401))["elapsed_ms"] == 1000

    roadshow.start_qa(organizer, round_, now=at(1500))
    assert roadshow.clock(stage, at(1560)) == {"phase": "qa", "running": True,
                                               "duration_ms": 300_000, "elapsed_ms": 60_000,
                                               "remaining_ms": 240_000}
    stage = roadshow.finish_entry(organizer, round_, now=at(1800))
    assert stage.phase == StagePhase.scoring and not stage.running
    assert stage.version == 8  # made at 1, then one per change
    verbs = db.session.scalars(sa.select(AuditEntry.action).where(
        AuditEntry.action.like("stage.%")).order_by(AuditEntry.id)).all()
    assert verbs == ["stage.show", "stage.start", "stage.pause", "stage.resume", "stage.reset",
                     "stage.qa", "stage.finish"]


@pytest.mark.parametrize(("action", "phase_before"), [
    ("start", "idle"), ("pause", "ready"), ("resume", "pitch_running"), ("qa", "scoring"),
    ("finish", "idle"), ("reset", "ready"), ("start", "pitch_running"),
])
def test_actions_out_of_turn_are_refused(organizer, final, action, phase_before):
    round_, entries, _ = final
    if phase_before != "idle":
        roadshow.show_entry(organizer, round_, entries[0].id)
    if phase_before == "pitch_running":
        roadshow.start_pitch(organizer, round_, now=at(0))
    if phase_before == "scoring":
        roadshow.finish_entry(organizer, round_, now=at(0))
    version = roadshow.stage_of(round_).version if roadshow.stage_of(round_) else None
    with pytest.raises(Conflict) as caught:
        roadshow.act(organizer, round_, action, now=at(10))
    assert caught.value.code == "stage_state"
    stage = roadshow.stage_of(round_)
    assert stage is None or stage.version == version


def test_showing_next_and_clearing_follow_the_order(organizer, final):
    round_, entries, _ = final
    order = [entries[2].id, entries[0].id, entries[1].id]
    roadshow.set_order(organizer, round_, order)
    assert [e.id for e in roadshow.stage_order(round_)] == order
    assert roadshow.next_entry(organizer, round_).entry_id == order[0]  # empty stage: the first
    roadshow.start_pitch(organizer, round_, now=at(0))
    stage = roadshow.next_entry(organizer, round_)
    assert (stage.entry_id, stage.phase, stage.running) == (order[1], StagePhase.ready, False)
    assert roadshow.clock(stage, at(50))["elapsed_ms"] == 0
    roadshow.next_entry(organizer, round_)
    with pytest.raises(Conflict) as caught:
        roadshow.next_entry(organizer, round_)
    assert caught.value.code == "no_next_entry"
    version = roadshow.stage_of(round_).version
    assert roadshow.show_entry(organizer, round_, order[2]).version == version  # a double click
    stage = roadshow.clear_stage(organizer, round_)
    assert (stage.entry_id, stage.phase) == (None, StagePhase.idle)


def test_a_stale_version_is_refused(organizer, final):
    round_, entries, _ = final
    stage = roadshow.show_entry(organizer, round_, entries[0].id)
    seen = stage.version
    roadshow.act(organizer, round_, "start", version=seen, now=at(0))
    with pytest.raises(Conflict) as caught:
        roadshow.act(organizer, round_, "qa", version=seen, now=at(1))
    assert caught.value.code == "stale_version"
    assert roadshow.stage_of(round_).phase == StagePhase.pitch


def test_bad_values_are_refused(organizer, final, contest):
    round_, entries, _ = final
    other = factories.contest(factories.OrganizationFactory())
    foreign = create_entry(organizer, contest, EntryInfo(
        title="不在决赛", track_id=entries[0].track_id))
    set_round_entries(organizer, round_, [e.id for e in entries])
    for entry_id in (foreign.id, 0, None, "1", True, other.id * 1000):
        with pytest.raises(ValidationFailed) as caught:
            roadshow.show_entry(organizer, round_, entry_id)
        assert "entry_id" in caught.value.fields
    for seconds in (0, -5, 9, 3 * 3600 + 1, 10**12, 2.5, "480", True):
        with pytest.raises(ValidationFailed):
            roadshow.set_durations(organizer, round_, pitch_seconds=seconds)
    with pytest.raises(ValidationFailed):
        roadshow.act(organizer, round_, "explode")
    for ids in ([entries[0].id], [*(e.id for e in entries), entries[0].id],
                [entries[0].id, entries[1].id, foreign.id], "1,2,3", None):
        with pytest.raises(ValidationFailed):
            roadshow.set_order(organizer, round_, ids)
    assert roadshow.stage_of(round_) is None  # nothing was made


def test_durations_eight_plus_seven(organizer, final):
    round_, entries, _ = final
    stage = roadshow.act(organizer, round_, "show", entry_id=entries[0].id,
                         pitch_seconds=480, qa_seconds=420)
    assert (stage.pitch_seconds, stage.qa_seconds) == (480, 420)
    roadshow.start_qa(organizer, round_, now=at(0))
    assert roadshow.clock(stage, at(0))["remaining_ms"] == 420_000


def test_only_the_contests_organizers_run_the_stage(final, participant, outsider_organizer,
                                                    staff, organizer):
    round_, entries, panel = final
    for user in (participant, outsider_organizer, staff, panel[0].user):
        with pytest.raises(NotAllowed):
            roadshow.show_entry(user, round_, entries[0].id)
        with pytest.raises(NotAllowed):
            roadshow.draw_order(user, round_)
        with pytest.raises(NotAllowed):
            roadshow.set_order(user, round_, [e.id for e in entries])
    assert roadshow.stage_of(round_) is None


def test_the_stage_needs_an_open_round(organizer, final):
    round_, entries, _ = final
    roadshow.show_entry(organizer, round_, entries[0].id)
    close_round(organizer, round_)
    for action in ("show", "next", "start"):
        with pytest.raises(Conflict) as caught:
            roadshow.act(organizer, round_, action, entry_id=entries[1].id)
        assert caught.value.code == "round_closed"
    assert roadshow.clear_stage(organizer, round_).phase == StagePhase.idle


def test_the_order_is_drawn_by_lot_and_moved(organizer, final):
    round_, entries, _ = final
    ids = sorted(e.id for e in entries)
    drawn = [e.id for e in roadshow.draw_order(organizer, round_, rng=random.Random(3))]
    expected = list(ids)
    random.Random(3).shuffle(expected)
    assert drawn == expected
    positions = dict(db.session.execute(sa.select(RoundEntry.entry_id, RoundEntry.position)
                                        .where(RoundEntry.round_id == round_.id)).all())
    assert sorted(positions.values()) == [1, 2, 3]
    assert round_entry_ids(round_) == set(ids)  # the same entries take part
    moved = [e.id for e in roadshow.move_in_order(organizer, round_, drawn[2], -1)]
    assert moved == [drawn[0], drawn[2], drawn[1]]
    assert [e.id for e in roadshow.move_in_order(organizer, round_, drawn[0], -1)] == moved
    audits = db.session.scalars(sa.select(AuditEntry.action).where(
        AuditEntry.action.like("stage.order%"))).all()
    assert audits == ["stage.order_drawn", "stage.order_set", "stage.order_set"]
    secret_draws = {tuple(e.id for e in roadshow.draw_order(organizer, round_))
                    for _ in range(12)}
    assert len(secret_draws) > 1


# The board ----------------------------------------------------------------------------------


def test_no_totals_before_the_last_judge_submits(organizer, final):
    round_, entries, panel = final
    entry = entries[0]
    roadshow.show_entry(organizer, round_, entry.id)
    for judge, total in zip(panel[:4], (70, 72, 72, 75), strict=True):
        factories.score(judge, round_, entry, total)
    factories.score(panel[4], round_, entry, 90, submit=False)  # a draft does not count
    board = roadshow.board(round_, now=at(0))
    assert board["entry"]["title"] == entry.title and board["entry"]["team_name"] == "团队1"
    assert [(j["number"], j["submitted"]) for j in board["judges"]] == [
        (1, True), (2, True), (3, True), (4, True), (5, False)]
    assert all(j["name"] is None for j in board["judges"])
    assert (board["complete"], board["totals"], board["score"]) == (False, None, None)
    assert board["leaderboard"][0]["entries"] == []


def test_the_last_submission_shows_totals_struck_and_the_rounds_score(organizer, final):
    """docs/JUDGING.md §3's example: 70, 72, 72, 75, 90 → one 70 and the 90 struck → 73.0."""
    round_, entries, panel = final
    entry = entries[0]
    roadshow.show_entry(organizer, round_, entry.id)
    for judge, total in zip(panel, (72, 90, 70, 72, 75), strict=True):
        factories.score(judge, round_, entry, total)
    board = roadshow.board(round_, now=at(0))
    assert board["complete"] is True
    assert board["totals"] == [
        {"number": 1, "total": 72.0, "struck": None},
        {"number": 2, "total": 90.0, "struck": "highest"},
        {"number": 3, "total": 70.0, "struck": "lowest"},
        {"number": 4, "total": 72.0, "struck": None},
        {"number": 5, "total": 75.0, "struck": None},
    ]
    results = round_results(round_, "trimmed_mean")["tracks"][0]["entries"]
    assert board["score"] == next(r["score"] for r in results if r["entry_id"] == entry.id) == 73
    assert roadshow.score_display(board["score"]) == "73.00"
    assert board["leaderboard"][0]["entries"] == [
        {"entry_id": entry.id, "title": entry.title, "score": 73.0, "on_stage": True,
         "rank": 1}]


def test_equal_totals_strike_exactly_one_copy_each(organizer, final):
    round_, entries, panel = final
    for entry, totals in zip(entries[:2], ((80, 80, 80, 80, 80), (60, 90, 60, 90, 75)),
                             strict=True):
        roadshow.show_entry(organizer, round_, entry.id)
        for judge, total in zip(panel, totals, strict=True):
            factories.score(judge, round_, entry, total)
        board = roadshow.board(round_, now=at(0))
        struck = [(t["number"], t["struck"]) for t in board["totals"] if t["struck"]]
        assert len(struck) == 2 and {s for _, s in struck} == {"highest", "lowest"}
        if totals[0] == 80:
            assert struck == [(1, "lowest"), (2, "highest")] and board["score"] == 80
        else:
            assert struck == [(1, "lowest"), (2, "highest")] and board["score"] == 75


@pytest.mark.parametrize("method", ["mean", "median", "zscore"])
def test_other_methods_strike_nothing_and_score_as_the_results(organizer, contest, method):
    round_, entries, panel = factories.roadshow(organizer, contest, aggregation=method)
    for entry, base in zip(entries, (70, 81.5, 64.25), strict=True):
        for i, judge in enumerate(panel):
            factories.score(judge, round_, entry, base + (i * 3.5) % 11)
    roadshow.show_entry(organizer, round_, entries[1].id)
    board = roadshow.board(round_, now=at(0))
    assert all(t["struck"] is None for t in board["totals"])
    results = {r["entry_id"]: r for r in round_results(round_, method)["tracks"][0]
               ["entries"]}
    assert board["score"] == results[entries[1].id]["score"]
    assert [(line["entry_id"], line["score"], line["rank"])
            for line in board["leaderboard"][0]["entries"]] == sorted(
        ((r["entry_id"], r["score"], r["rank"]) for r in results.values()),
        key=lambda t: t[2])


def test_trimming_needs_five_totals(organizer, contest):
    round_, entries, panel = factories.roadshow(organizer, contest, judges=4)
    roadshow.show_entry(organizer, round_, entries[0].id)
    for judge, total in zip(panel, (60, 70, 80, 95), strict=True):
        factories.score(judge, round_, entries[0], total)
    board = roadshow.board(round_, now=at(0))
    assert all(t["struck"] is None for t in board["totals"]) and board["score"] == 76.25


def test_a_conflicted_judge_is_left_out(organizer, contest, final):
    round_, entries, panel = final
    entry = entries[0]
    declare_conflict(organizer, contest, panel[2].id, entry.id, "指导过该团队")
    roadshow.show_entry(organizer, round_, entry.id)
    for judge in (panel[0], panel[1], panel[3]):
        factories.score(judge, round_, entry, 80)
    board = roadshow.board(round_, now=at(0))
    assert [j["number"] for j in board["judges"]] == [1, 2, 4, 5]  # 评委 3 stays 评委 3 elsewhere
    assert board["complete"] is False
    factories.score(panel[4], round_, entry, 60)
    board = roadshow.board(round_, now=at(0))
    assert board["complete"] and [t["number"] for t in board["totals"]] == [1, 2, 4, 5]
    assert board["score"] == 75  # four totals: no trimming


def test_the_leaderboard_ranks_fully_scored_entries(organizer, final):
    round_, entries, panel = final
    for entry, total in zip(entries, (88, 88, 90), strict=True):
        for judge in panel:
            factories.score(judge, round_, entry, total)
    extra = create_entry(organizer, round_.event, EntryInfo(
        title="半途", track_id=entries[0].track_id))
    assign(organizer, round_, panel[0].id, extra.id)
    assign(organizer, round_, panel[1].id, extra.id)
    factories.score(panel[0], round_, extra, 99)  # one of two judges: not on the leaderboard yet
    roadshow.show_entry(organizer, round_, entries[2].id)
    lines = roadshow.board(round_, now=at(0))["leaderboard"][0]["entries"]
    assert [(line["entry_id"], line["rank"], line["on_stage"]) for line in lines] == [
        (entries[2].id, 1, True), (entries[0].id, 2, False), (entries[1].id, 2, False)]


def test_an_anonymous_round_hides_the_team_except_from_organizers(organizer, contest):
    round_, entries, _ = factories.roadshow(organizer, contest, anonymous=True)
    roadshow.show_entry(organizer, round_, entries[0].id)
    public = roadshow.board(round_)
    assert public["entry"]["team_name"] is None and public["entry"]["institution"] is None
    assert public["order"] is None
    mine = roadshow.board(round_, organizer=True)
    assert mine["entry"]["team_name"] == "团队1" and len(mine["order"]) == 3
    assert all(j["name"] for j in mine["judges"])


# The live version ---------------------------------------------------------------------------


def test_the_database_version_follows_the_stage_and_the_submissions(organizer, final):
    round_, entries, panel = final
    seen = [roadshow.live_version(round_.id)]
    roadshow.show_entry(organizer, round_, entries[0].id)
    seen.append(roadshow.live_version(round_.id))
    card = factories.score(panel[0], round_, entries[0], 50, submit=False)
    save_scorecard(panel[0].user, round_, entries[0], {}, version=card.version)
    assert roadshow.live_version(round_.id) == seen[-1]  # drafts show nowhere: no change
    factories.score(panel[1], round_, entries[0], 50)
    seen.append(roadshow.live_version(round_.id))
    assign(organizer, round_, factories.judge(round_.event).id, entries[0].id)
    seen.append(roadshow.live_version(round_.id))
    assert len(set(seen)) == len(seen)


def test_the_redis_version_is_bumped_after_each_commit(redis_live, organizer, final):
    round_, entries, panel = final
    key = roadshow.stage_version.redis_key(round_.id)
    start = int(redis_live.get(key) or 0)  # opening the round bumped it already
    assert roadshow.live_version(round_.id).startswith(f"r{start}.")
    roadshow.show_entry(organizer, round_, entries[0].id)
    assert int(redis_live.get(key)) == start + 1
    factories.score(panel[1], round_, entries[0], 66, submit=False)
    assert int(redis_live.get(key)) == start + 1  # a draft: nothing to show
    factories.score(panel[0], round_, entries[0], 66)
    assert int(redis_live.get(key)) == start + 2
    close_round(organizer, round_)
    assert roadshow.live_version(round_.id).startswith(f"r{start + 3}.")
    with pytest.raises(Conflict):
        roadshow.show_entry(organizer, round_, entries[1].id)  # refused: nothing bumped
    assert int(redis_live.get(key)) == start + 3


def test_assignments_and_conflicts_bump_the_redis_version(redis_live, organizer, final):
    """Without Redis the database digest sees them; with it they must be announced."""
    round_, entries, panel = final
    key = roadshow.stage_version.redis_key(round_.id)

    def bumps(change) -> int:
        start = int(redis_live.get(key) or 0)
        change()
        return int(redis_live.get(key) or 0) - start

    newcomer = factories.judge(round_.event)
    assert bumps(lambda: assign(organizer, round_, newcomer.id, entries[0].id)) == 1
    assert bumps(lambda: declare_conflict(
        organizer, round_.event, newcomer.id, entries[0].id, "老同事")) == 1
    assignment = db.session.scalar(sa.select(Assignment).filter_by(
        round_id=round_.id, judge_id=newcomer.id, entry_id=entries[0].id))
    assert bumps(lambda: unassign(organizer, assignment)) == 1
    assert bumps(lambda: auto_assign(organizer, round_, 1)) == 0  # nothing new
    assert bumps(lambda: declare_conflict(  # in no round: nothing to show
        organizer, round_.event, newcomer.id, entries[1].id)) == 0


@pytest.fixture(params=["database", "redis"])
def two_workers(request, tmp_path):
    """Two app instances (two gunicorn workers) on one SQLite file, their live versions read
    from the database or from one Redis."""
    from flask_migrate import upgrade

    settings = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'workers.sqlite3'}"}
    if request.param == "redis":
        client = request.getfixturevalue("redis_client")
        settings.update(REDIS_URL=TEST_REDIS_URL, LIVE_KEY_PREFIX=f"test:{uuid.uuid4().hex}:")
    apps = [create_app("testing", **settings) for _ in range(2)]
    for app in apps:
        app.instance_path = str(tmp_path)
    with apps[0].app_context():
        upgrade()
    yield apps
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    if request.param == "redis":
        for key in client.scan_iter(f"{settings['LIVE_KEY_PREFIX']}*"):
            client.delete(key)


def test_a_save_on_one_worker_changes_the_version_the_other_serves(two_workers):
    first, second = two_workers
    with first.app_context():
        org = factories.OrganizationFactory()
        boss = factories.UserFactory()
        factories.MembershipFactory(organization=org, user=boss, role="organizer")
        db.session.commit()
        round_, entries, panel = factories.roadshow(boss, factories.contest(org))
        roadshow.show_entry(boss, round_, entries[0].id)
        ids = round_.id, entries[0].id, panel[0].user_id
        db.session.remove()
    with second.app_context():
        before = roadshow.live_version(ids[0])
        assert before[0] == ("r" if second.config.get("REDIS_URL") else "d")
        db.session.remove()
    with first.app_context():
        from eventhub.judging.models import Entry, Round
        from eventhub.models import User

        round_ = db.session.get(Round, ids[0])
        save_scorecard(db.session.get(User, ids[2]), round_,
                               db.session.get(Entry, ids[1]),
                               {str(round_.criteria[0].id): 77}, submit=True)
        db.session.remove()
    with second.app_context():
        assert roadshow.live_version(ids[0]) != before
        db.session.remove()


# The screen's key ---------------------------------------------------------------------------


def test_the_screen_key_opens_its_round_only(organizer, contest, final):
    round_, _, _ = final
    other, _, _ = factories.roadshow(organizer, contest, name="复赛", track="乡村振兴组")
    key = roadshow.make_screen_key(round_)
    assert roadshow.screen_key_valid(key, round_)
    assert not roadshow.screen_key_valid(key, other)
    assert not roadshow.screen_key_valid(key[:-2] + "xx", round_)
    assert not roadshow.screen_key_valid(None, round_)
    assert not roadshow.screen_key_valid(issue_judge_link(
        factories.judge(contest)), round_)
