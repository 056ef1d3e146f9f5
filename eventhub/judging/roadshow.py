"""The live roadshow (路演) of a round: the order of appearance, the entry on stage, its pitch
and Q&A clocks, and what the big screen shows.

The stage is a small state machine (`StagePhase`)::

    idle --show--> ready --start--> pitch --qa--> qa --finish--> scoring
                     \\______________qa________/      ^
                      \\_____________finish__________/   (pitch may finish too)

``pause``/``resume``/``reset`` work on a pitch or Q&A clock; ``show``/``next`` put another
entry on stage (ready, clock at zero); ``clear`` leaves the stage empty. A clock is
``elapsed_ms`` already run plus, while ``running``, the time since ``phase_started_at``; the
server sends what remains and its own ``now``, screens count down from that. Every change
bumps ``Stage.version``, takes the stage's row lock (SQLite: the write lock) first, may name
the version it was decided on (a stale one is 409 ``stale_version``) and is audited.

The live version of a round (`live_version`) changes after the commit of every stage change,
scorecard save and round change: a Redis counter with ``REDIS_URL``, else a digest of a few
counts and maxima in the database, so every gunicorn worker answers alike.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from eventhub import audit, permissions
from eventhub.database import db, is_unique_violation, lock_for_write, transactional, utcnow
from eventhub.errors import Conflict, ValidationFailed, raise_field_errors
from eventhub.formatting import format_fixed
from eventhub.judging import scoring
from eventhub.judging.assignments import assignment_rows
from eventhub.judging.models import (
    Aggregation,
    Assignment,
    ConflictOfInterest,
    Entry,
    Judge,
    Round,
    RoundEntry,
    RoundStatus,
    Scorecard,
    ScorecardStatus,
    Stage,
    StagePhase,
)
from eventhub.judging.results import round_results, valid_scorecard_rows
from eventhub.judging.rounds import entry_as_seen, round_closed, round_entries, round_entry_ids
from eventhub.judging.signals import round_changed, scorecard_saved
from eventhub.live import LiveVersion
from eventhub.live import make_screen_key as make_screen_key_of
from eventhub.live import screen_key_valid as screen_key_valid_of
from eventhub.mentors.models import MentorCoaching

#: Shortest and longest pitch or Q&A time an organizer may set (seconds).
MIN_SECONDS, MAX_SECONDS = 10, 3 * 3600
#: How long the big screen's signed link works (seconds): from the rehearsal to the final.
SCREEN_LINK_MAX_AGE = 7 * 24 * 3600
#: Phases whose clock counts.
CLOCK_PHASES = (StagePhase.pitch, StagePhase.qa)

ACTIONS = ("show", "next", "start", "pause", "resume", "qa", "finish", "reset", "clear")


def stage_state() -> Conflict:
    return Conflict(_l("The stage cannot do that now. The current state is shown."),
                    code="stage_state")


# The live version ---------------------------------------------------------------------------


def _db_state(round_id: int) -> tuple[Any, ...]:
    """What changes whenever the stage, a submission, an assignment, a conflict (declared, or a
    coaching of one of the contest's entries, which the mentors' pages log without telling
    judging) or the entries of the round do (one statement). Drafts are left out: screens show
    only submissions, and judges' autosaves (about one a second each while scoring) would make
    every poll a 200."""
    event_id = sa.select(Round.event_id).where(Round.id == round_id).scalar_subquery()
    of_cards = Scorecard.round_id == round_id
    of_assignments = Assignment.round_id == round_id
    of_conflicts = ConflictOfInterest.judge_id.in_(
        sa.select(Judge.id).where(Judge.event_id == event_id)
    )
    of_coachings = MentorCoaching.entry_id.in_(
        sa.select(Entry.id).where(Entry.event_id == event_id)
    )
    parts = [
        sa.select(Stage.version).where(Stage.round_id == round_id),
        sa.select(Round.status).where(Round.id == round_id),
        sa.select(sa.func.count(Scorecard.submitted_at)).where(of_cards),
        sa.select(sa.func.max(Scorecard.submitted_at)).where(of_cards),
        sa.select(sa.func.count(Assignment.id)).where(of_assignments),
        sa.select(sa.func.max(Assignment.id)).where(of_assignments),
        sa.select(sa.func.count(ConflictOfInterest.id)).where(of_conflicts),
        sa.select(sa.func.max(ConflictOfInterest.id)).where(of_conflicts),
        sa.select(sa.func.count(MentorCoaching.id)).where(of_coachings),
        sa.select(sa.func.max(MentorCoaching.updated_at)).where(of_coachings),
        sa.select(sa.func.count()).select_from(RoundEntry).where(RoundEntry.round_id == round_id),
    ]
    return tuple(db.session.execute(sa.select(*(p.scalar_subquery() for p in parts))).one())


#: The round's live version: equal strings mean the stage and its scores are the same.
stage_version = LiveVersion("stage-version", _db_state)


def live_version(round_id: int) -> str:
    """The round's live version (see the module docstring)."""
    return stage_version.version(round_id)


@round_changed.connect
def _bump_after_commit(_sender: Any = None, *, round_id: int, **_: Any) -> None:
    stage_version.bump_after_commit(round_id)


@scorecard_saved.connect
def _bump_after_submission(
    _sender: Any = None, *, round_id: int, submitted: bool, **_: Any
) -> None:
    if submitted:  # drafts change nothing the screens show
        stage_version.bump_after_commit(round_id)


# Reading ------------------------------------------------------------------------------------


def stage_of(round_: Round) -> Stage | None:
    """The round's stage (None before its first use)."""
    return db.session.get(Stage, round_.id)


def _positions(round_: Round) -> dict[int, int | None]:
    return dict(
        db.session.execute(
            sa.select(RoundEntry.entry_id, RoundEntry.position).where(
                RoundEntry.round_id == round_.id
            )
        ).all()
    )


def stage_order(round_: Round) -> list[Entry]:
    """The entries taking part in their order of appearance; entries without a place come
    last, in track and id order."""
    positions = _positions(round_)

    def key(entry: Entry) -> tuple[bool, int]:
        position = positions.get(entry.id)
        return position is None, position or 0

    return sorted(round_entries(round_), key=key)


def elapsed_ms(stage: Stage, now: datetime) -> int:
    """Milliseconds the stage's clock has run in its phase, as of ``now``."""
    running = 0
    if stage.running and stage.phase_started_at is not None:
        running = max(0, int((now - stage.phase_started_at).total_seconds() * 1000))
    return stage.elapsed_ms + running


def clock(stage: Stage | None, now: datetime) -> dict[str, Any]:
    """The clock as of ``now``: its phase, whether it runs, its length and what remains
    (negative: overtime). No clock outside a pitch or Q&A."""
    if stage is None or stage.phase not in CLOCK_PHASES:
        return {"phase": None, "running": False, "duration_ms": 0, "elapsed_ms": 0,
                "remaining_ms": 0}
    seconds = stage.pitch_seconds if stage.phase == StagePhase.pitch else stage.qa_seconds
    elapsed = elapsed_ms(stage, now)
    return {"phase": stage.phase.value, "running": stage.running,
            "duration_ms": seconds * 1000, "elapsed_ms": elapsed,
            "remaining_ms": seconds * 1000 - elapsed}


# Changing the stage -------------------------------------------------------------------------


def _locked_stage(round_: Round) -> Stage:
    """The round's stage under its row lock (made on first use)."""
    lock_for_write()
    query = (
        sa.select(Stage)
        .where(Stage.round_id == round_.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    stage = db.session.scalars(query).first()
    if stage is not None:
        return stage
    try:
        with db.session.begin_nested():
            stage = Stage(round_id=round_.id, phase=StagePhase.idle, version=1, elapsed_ms=0,
                          running=False, pitch_seconds=480, qa_seconds=300)
            db.session.add(stage)
            db.session.flush()
    except sa.exc.IntegrityError as exc:
        if not is_unique_violation(exc):
            raise
        stage = db.session.scalars(query).one()  # another organizer made it a moment ago
    return stage


def _snapshot(stage: Stage) -> dict[str, Any]:
    return {"entry_id": stage.entry_id, "phase": stage.phase.value, "running": stage.running,
            "elapsed_ms": stage.elapsed_ms, "pitch_seconds": stage.pitch_seconds,
            "qa_seconds": stage.qa_seconds}


def _change(
    actor: Any, round_: Round, verb: str, change: Callable[[Stage], bool | None],
    version: int | None = None, statuses: Iterable[RoundStatus] = (RoundStatus.open,),
    audited: bool = True,
) -> Stage:
    """Apply ``change`` to the locked stage (it returns False when nothing changed), then bump
    the version, audit (unless ``change`` does) and signal the screens. Raises NotAllowed,
    Conflict ``round_closed`` and ``stale_version``."""
    permissions.require(permissions.can_manage_event, actor, round_.event)
    if round_.status not in tuple(statuses):
        raise round_closed()
    stage = _locked_stage(round_)
    if version is not None and version != stage.version:
        raise Conflict(_l("Someone else changed the stage a moment ago. The current state is "
                          "shown."), code="stale_version")
    before = _snapshot(stage)
    if change(stage) is False:
        return stage
    stage.version += 1
    stage.updated_at = utcnow()
    db.session.flush()
    if audited:
        audit.record(f"stage.{verb}", round_, actor=actor, event_id=round_.event_id,
                     before=before, after=_snapshot(stage))
    stage_version.bump_after_commit(round_.id)
    return stage


def _stop(stage: Stage, now: datetime) -> None:
    stage.elapsed_ms = elapsed_ms(stage, now)
    stage.running = False
    stage.phase_started_at = None


def _enter(stage: Stage, phase: StagePhase, now: datetime | None) -> None:
    """Enter ``phase`` with its clock at zero, running from ``now`` (None: stopped)."""
    stage.phase = phase
    stage.elapsed_ms = 0
    stage.running = now is not None
    stage.phase_started_at = now


def _require(stage: Stage, *phases: StagePhase, running: bool | None = None) -> None:
    if stage.phase not in phases or (running is not None and stage.running != running):
        raise stage_state()


@transactional
def show_entry(
    actor: Any, round_: Round, entry_id: Any, version: int | None = None,
) -> Stage:
    """Put an entry taking part in the round on stage (ready, its clock at zero). The entry on
    stage already stays as it is. Raises NotAllowed, Conflict ``round_closed``,
    ``stale_version``, ValidationFailed."""

    def change(stage: Stage) -> bool:
        if isinstance(entry_id, bool) or entry_id not in round_entry_ids(round_):
            raise ValidationFailed(
                fields={"entry_id": _l("Choose an entry taking part in this round.")}
            )
        if stage.entry_id == entry_id and stage.phase != StagePhase.idle:
            return False
        stage.entry_id = entry_id
        _enter(stage, StagePhase.ready, None)
        return True

    return _change(actor, round_, "show", change, version)


@transactional
def next_entry(actor: Any, round_: Round, version: int | None = None) -> Stage:
    """Put the entry after the one on stage (the first on an empty stage) on stage. Raises
    NotAllowed, Conflict ``round_closed``, ``stale_version``, ``no_next_entry``."""

    def change(stage: Stage) -> None:
        ids = [e.id for e in stage_order(round_)]
        index = ids.index(stage.entry_id) + 1 if stage.entry_id in ids else 0
        if index >= len(ids):
            raise Conflict(_l("There is no next entry: the last one has been on stage."),
                           code="no_next_entry")
        stage.entry_id = ids[index]
        _enter(stage, StagePhase.ready, None)

    return _change(actor, round_, "next", change, version)


def _clock_action(verb: str, change: Callable[[Stage, datetime], None], doc: str) -> Callable:
    @transactional
    def action(actor: Any, round_: Round, version: int | None = None,
               now: datetime | None = None) -> Stage:
        moment = now or utcnow()
        return _change(actor, round_, verb, lambda stage: change(stage, moment), version)

    action.__name__ = action.__qualname__ = f"{verb}_stage"
    action.__doc__ = doc + " Raises NotAllowed, Conflict ``round_closed``, ``stale_version``, " \
        "``stage_state``."
    return action


def _start(stage: Stage, now: datetime) -> None:
    _require(stage, StagePhase.ready)
    _enter(stage, StagePhase.pitch, now)


def _pause(stage: Stage, now: datetime) -> None:
    _require(stage, *CLOCK_PHASES, running=True)
    _stop(stage, now)


def _resume(stage: Stage, now: datetime) -> None:
    _require(stage, *CLOCK_PHASES, running=False)
    stage.running, stage.phase_started_at = True, now


def _qa(stage: Stage, now: datetime) -> None:
    _require(stage, StagePhase.ready, StagePhase.pitch)
    _enter(stage, StagePhase.qa, now)


def _finish(stage: Stage, now: datetime) -> None:
    _require(stage, StagePhase.ready, *CLOCK_PHASES)
    _enter(stage, StagePhase.scoring, None)


def _reset(stage: Stage, now: datetime) -> None:
    _require(stage, *CLOCK_PHASES)
    stage.elapsed_ms = 0
    stage.phase_started_at = now if stage.running else None


start_pitch = _clock_action("start", _start, "Start the pitch clock of the entry on stage.")
pause_clock = _clock_action("pause", _pause, "Pause the running pitch or Q&A clock.")
resume_clock = _clock_action("resume", _resume, "Let the paused pitch or Q&A clock run on.")
start_qa = _clock_action("qa", _qa, "End the pitch and start the Q&A clock.")
finish_entry = _clock_action("finish", _finish, "End the pitch or Q&A: judges finish scoring.")
reset_clock = _clock_action("reset", _reset, "Set the pitch or Q&A clock back to zero.")


@transactional
def clear_stage(actor: Any, round_: Round, version: int | None = None) -> Stage:
    """Leave the stage empty (also once the round is closed). Raises NotAllowed, Conflict
    ``round_closed`` (a draft round), ``stale_version``."""

    def change(stage: Stage) -> bool:
        if stage.phase == StagePhase.idle and stage.entry_id is None:
            return False
        stage.entry_id = None
        _enter(stage, StagePhase.idle, None)
        return True

    return _change(actor, round_, "clear", change, version,
                   statuses=(RoundStatus.open, RoundStatus.closed, RoundStatus.published))


def _check_seconds(value: Any) -> Any:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) \
            or not MIN_SECONDS <= value <= MAX_SECONDS:
        return _l("Enter a number of seconds from %(min)d to %(max)d.",
                  min=MIN_SECONDS, max=MAX_SECONDS)
    return None


@transactional
def set_durations(
    actor: Any, round_: Round, pitch_seconds: Any = None, qa_seconds: Any = None,
    version: int | None = None,
) -> Stage:
    """Set the pitch and Q&A times (None: unchanged), e.g. 8 + 5 or "8+7" minutes; a running
    clock keeps what it has run. Raises NotAllowed, Conflict ``round_closed``,
    ``stale_version``, ValidationFailed."""
    errors = {"pitch_seconds": _check_seconds(pitch_seconds),
              "qa_seconds": _check_seconds(qa_seconds)}
    raise_field_errors(errors)

    def change(stage: Stage) -> bool:
        new = (pitch_seconds or stage.pitch_seconds, qa_seconds or stage.qa_seconds)
        if new == (stage.pitch_seconds, stage.qa_seconds):
            return False
        stage.pitch_seconds, stage.qa_seconds = new
        return True

    return _change(actor, round_, "durations", change, version,
                   statuses=(RoundStatus.draft, RoundStatus.open))


@transactional
def act(
    actor: Any, round_: Round, action: str, entry_id: Any = None, pitch_seconds: Any = None,
    qa_seconds: Any = None, version: int | None = None, now: datetime | None = None,
) -> Stage:
    """One organizer action of ``ACTIONS`` (``show`` needs ``entry_id``), with new durations
    first when given, in one unit of work. Raises as the action does."""
    if action not in ACTIONS:
        raise ValidationFailed(fields={"action": _l("Not a stage action.")})
    if version is not None:
        _change(actor, round_, "check", lambda stage: False, version,
                statuses=tuple(RoundStatus))
    if pitch_seconds is not None or qa_seconds is not None:
        set_durations(actor, round_, pitch_seconds, qa_seconds)
    if action == "show":
        return show_entry(actor, round_, entry_id)
    if action == "next":
        return next_entry(actor, round_)
    if action == "clear":
        return clear_stage(actor, round_)
    clocked = {"start": start_pitch, "pause": pause_clock, "resume": resume_clock,
               "qa": start_qa, "finish": finish_entry, "reset": reset_clock}
    return clocked[action](actor, round_, now=now)


# The order of appearance --------------------------------------------------------------------


def _save_order(actor: Any, round_: Round, ids: list[int], verb: str) -> list[Entry]:
    """Write ``ids`` (every entry taking part, once) as the order of appearance. A round that
    took every entry of the contest (no explicit choice) now has these entries chosen: an
    entry added to the contest later does not join a round whose order is set."""

    def change(stage: Stage) -> None:
        before = [e.id for e in stage_order(round_)]
        db.session.execute(sa.delete(RoundEntry).where(RoundEntry.round_id == round_.id))
        db.session.execute(
            sa.insert(RoundEntry),
            [{"round_id": round_.id, "entry_id": entry_id, "position": place}
             for place, entry_id in enumerate(ids, start=1)],
        )
        audit.record(f"stage.order_{verb}", round_, actor=actor, event_id=round_.event_id,
                     before=before, after=ids)

    _change(actor, round_, f"order_{verb}", change,
            statuses=(RoundStatus.draft, RoundStatus.open), audited=False)
    return stage_order(round_)


@transactional
def set_order(actor: Any, round_: Round, entry_ids: Any) -> list[Entry]:
    """Set the order of appearance: every entry taking part, each once. Raises NotAllowed,
    Conflict ``round_closed``, ValidationFailed."""
    permissions.require(permissions.can_manage_event, actor, round_.event)
    taking_part = round_entry_ids(round_)
    if (
        not isinstance(entry_ids, list)
        or not all(isinstance(i, int) and not isinstance(i, bool) for i in entry_ids)
        or len(set(entry_ids)) != len(entry_ids)
        or set(entry_ids) != taking_part
    ):
        raise ValidationFailed(
            fields={"entry_ids": _l("List every entry taking part in this round once.")}
        )
    return _save_order(actor, round_, list(entry_ids), "set")


@transactional
def draw_order(actor: Any, round_: Round, rng: Any = None) -> list[Entry]:
    """Draw the order of appearance by lot (``secrets``, unless a test passes ``rng``).
    Raises NotAllowed, Conflict ``round_closed``, ``no_entries``."""
    permissions.require(permissions.can_manage_event, actor, round_.event)
    ids = sorted(round_entry_ids(round_))
    if not ids:
        raise Conflict(_l("No entries take part in this round yet."), code="no_entries")
    (rng or secrets.SystemRandom()).shuffle(ids)
    return _save_order(actor, round_, ids, "drawn")


@transactional
def move_in_order(actor: Any, round_: Round, entry_id: int, offset: int) -> list[Entry]:
    """Move an entry ``offset`` places later (negative: earlier) in the order of appearance.
    Raises NotAllowed, Conflict ``round_closed``, ValidationFailed."""
    ids = [e.id for e in stage_order(round_)]
    if entry_id not in ids:
        raise ValidationFailed(
            fields={"entry_id": _l("Choose an entry taking part in this round.")}
        )
    index = ids.index(entry_id)
    target = min(max(index + offset, 0), len(ids) - 1)
    ids.insert(target, ids.pop(index))
    return set_order(actor, round_, ids)


# The big screen's signed link ---------------------------------------------------------------


def make_screen_key(round_: Round) -> str:
    """A read-only key to the round's big screen (for a projector without an account)."""
    return make_screen_key_of("roadshow", round_.id)


def screen_key_valid(key: str | None, round_: Round) -> bool:
    """Tell whether ``key`` opens this round's big screen (signed for it, not expired)."""
    return screen_key_valid_of(key, "roadshow", round_.id, max_age=SCREEN_LINK_MAX_AGE)


# What the screens show ----------------------------------------------------------------------


def _struck(totals: list[tuple[int, Fraction]], method: Aggregation) -> dict[int, str]:
    """Which judge's total is struck out as the highest and which as the lowest: only for the
    trimmed mean with 5 or more totals (docs/JUDGING.md §3), exactly one copy each; among equal
    totals the judge with the lowest number."""
    if method != Aggregation.trimmed_mean or len(totals) < 5:
        return {}
    lowest = min(totals, key=lambda t: (t[1], t[0]))[0]
    highest = min((t for t in totals if t[0] != lowest), key=lambda t: (-t[1], t[0]))[0]
    return {lowest: "lowest", highest: "highest"}


def _entry_dict(entry: Entry, round_: Round, organizer: bool, place: int | None) -> dict[str, Any]:
    """The entry as the screens show it: its team hidden as the round hides it
    (`rounds.entry_as_seen`)."""
    seen = entry_as_seen(entry, round_, organizer)
    return {**{key: seen[key] for key in ("id", "title", "track_id", "track", "team_name",
                                          "institution")}, "position": place}


def board(
    round_: Round, now: datetime | None = None, organizer: bool = False, brief: bool = False,
) -> dict[str, Any]:
    """Everything the big screen, the control panel and the judges' tablets show.

    The entry on stage (its team hidden in an anonymous round unless for ``organizer``), the
    clock, the judges assigned to it without a conflict with submitted yes/no (numbered 1..N
    in the round by their judge id, so a judge keeps the number all day; names only for
    organizers); once **all** of them have submitted: each judge's total, the highest and
    the lowest struck out (trimmed mean, n >= 5) and the entry's score by the round's method
    as `round_results` gives it. Then the running leaderboard per track: the
    entries every judge has scored, by those scores, ranked among them as results are
    (`scoring.competition_ranks`).
    ``brief``: only the stage (what a judge's tablet follows), no judges, scores or
    leaderboard (cheap to compute).
    """
    now = now or utcnow()
    stage = stage_of(round_)
    order = stage_order(round_)
    places = {e.id: place for place, e in enumerate(order, start=1)}
    entry = stage.entry if stage is not None else None
    scores = {"judges": [], "complete": False, "totals": None, "score": None,
              "leaderboard": []}
    if not brief:
        scores = _scores(round_, entry, organizer)
    return {
        "round_id": round_.id,
        "round_name": round_.name,
        "event_title": round_.event.title,
        "method": round_.aggregation.value,
        "round_status": round_.status.value,
        "version": stage.version if stage else 0,
        "phase": (stage.phase if stage else StagePhase.idle).value,
        "pitch_seconds": stage.pitch_seconds if stage else 480,
        "qa_seconds": stage.qa_seconds if stage else 300,
        "now": now,
        "clock": clock(stage, now),
        "entry": _entry_dict(entry, round_, organizer, places.get(entry.id)) if entry else None,
        "count": len(order),
        "order": [_entry_dict(e, round_, organizer, places[e.id])
                  for e in order] if organizer else None,
        **scores,
    }


def _scores(round_: Round, entry: Entry | None, organizer: bool) -> dict[str, Any]:
    """The judges of the entry on stage, their totals and score once complete, and the
    running leaderboard (see `board`)."""
    rows = assignment_rows(round_)
    numbers = {judge_id: n for n, judge_id in
               enumerate(sorted({r["judge_id"] for r in rows}), start=1)}
    panel: dict[int, list[dict[str, Any]]] = {}
    for r in rows:
        if not r["conflicted"]:
            panel.setdefault(r["entry_id"], []).append(r)
    complete = {entry_id for entry_id, judges in panel.items()
                if all(j["status"] == ScorecardStatus.submitted.value for j in judges)}
    results = round_results(round_, round_.aggregation.value)
    scores = {line["entry_id"]: line["score"] for track in results["tracks"]
              for line in track["entries"]}
    on_stage = {"judges": [], "complete": False, "totals": None, "score": None}
    if entry is not None:
        on_stage = _on_stage(round_, entry, panel.get(entry.id, []), numbers, organizer,
                             entry.id in complete, scores.get(entry.id))
    leaderboard = []
    for track in results["tracks"]:
        lines = {line["entry_id"]: line for line in track["entries"]
                 if line["entry_id"] in complete and line["score"] is not None}
        ranked = scoring.competition_ranks({i: line["score"] for i, line in lines.items()})
        leaderboard.append({"track_id": track["track_id"], "name": track["name"], "entries": [
            {"entry_id": i, "title": lines[i]["title"], "score": lines[i]["score"],
             "on_stage": entry is not None and i == entry.id, "rank": rank}
            for i, rank in ranked
        ]})
    return {**on_stage, "leaderboard": leaderboard}


def _on_stage(
    round_: Round, entry: Entry, panel: list[dict[str, Any]], numbers: dict[int, int],
    organizer: bool, complete: bool, score: float | None,
) -> dict[str, Any]:
    """The judges of the entry on stage and, once all have submitted, their totals."""
    judges = sorted(
        ({"number": numbers[r["judge_id"]], "judge_id": r["judge_id"] if organizer else None,
          "name": r["judge_name"] if organizer else None,
          "submitted": r["status"] == ScorecardStatus.submitted.value} for r in panel),
        key=lambda j: j["number"],
    )
    complete = complete and bool(judges)
    if not complete:
        return {"judges": judges, "complete": False, "totals": None, "score": None}
    criteria = [scoring.Criterion(id=str(c.id), max_points=c.max_points, weight=c.weight)
                for c in round_.criteria]
    keys = {c.id for c in criteria}
    totals = [
        (numbers[row.judge_id], scoring.total(scoring.Card(row.judge_id, row.entry_id, row.scores),
                                              criteria))
        for row in valid_scorecard_rows(round_)
        if row.entry_id == entry.id and keys <= set(row.scores)
    ]
    struck = _struck(totals, round_.aggregation)
    return {
        "judges": judges,
        "complete": True,
        "totals": [{"number": number, "total": float(scoring.round_score(total)),
                    "struck": struck.get(number)} for number, total in sorted(totals)],
        "score": score,
    }


def score_display(value: float | Decimal | None) -> str:
    """A score as the big screen shows it: 2 decimals (the exact 4 are in the results)."""
    return "" if value is None else format_fixed(value, 2)
