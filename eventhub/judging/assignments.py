"""Who scores what in a round: assigning a judge to an entry by hand, taking them off, the
automatic assignment (never a conflicted pair, loads balanced, expertise preferred), and the
organizers' overview of the assignments.

Every public function that changes something takes the acting user first, checks what they
may do and audits the change.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from eventhub import audit, permissions
from eventhub.accounts.models import User
from eventhub.database import db, transactional, unique_or
from eventhub.errors import ValidationFailed, raise_field_errors
from eventhub.judging import rounds
from eventhub.judging.entries import tracks_of
from eventhub.judging.judges import (
    conflict_of_interest,
    conflicted_pairs,
    institution_key,
    is_conflicted,
    judges_of,
)
from eventhub.judging.models import (
    Assignment,
    Entry,
    Judge,
    Round,
    RoundStatus,
    Scorecard,
)
from eventhub.judging.signals import announce_rounds

# Assigning --------------------------------------------------------------------------------


def _judge_in(event_id: int, judge_id: Any) -> Judge | None:
    judge = db.session.get(Judge, judge_id) if isinstance(judge_id, int) else None
    return judge if judge is not None and judge.event_id == event_id else None


@transactional
def assign(actor: User, round_: Round, judge_id: int, entry_id: int) -> tuple[Assignment, bool]:
    """Assign a judge to an entry of the round; return it and whether it is new. Raises
    NotAllowed, Conflict ``round_closed`` and ``conflict_of_interest``, ValidationFailed."""
    permissions.require(permissions.can_manage_event, actor, round_.event)
    if round_.status not in (RoundStatus.draft, RoundStatus.open):
        raise rounds.round_closed()
    judge = _judge_in(round_.event_id, judge_id)
    entry = db.session.get(Entry, entry_id) if isinstance(entry_id, int) else None
    raise_field_errors(
        {
            "judge_id": None if judge else _l("Choose a judge of this contest."),
            "entry_id": None if entry is not None and entry.id in rounds.round_entry_ids(round_)
            else _l("Choose an entry taking part in this round."),
        }
    )
    if is_conflicted(judge, entry):
        raise conflict_of_interest()
    existing = db.session.scalar(
        sa.select(Assignment).where(
            Assignment.round_id == round_.id,
            Assignment.judge_id == judge.id,
            Assignment.entry_id == entry.id,
        )
    )
    if existing is not None:
        return existing, False
    assignment = Assignment(round_id=round_.id, judge_id=judge.id, entry_id=entry.id)
    with unique_or("entry_id", _l("This judge is assigned to this entry already."),
                   "already_assigned"):
        db.session.add(assignment)
    audit.record("assignment.created", assignment, actor=actor, event_id=round_.event_id,
                 after={"round_id": round_.id, "judge_id": judge.id, "entry_id": entry.id})
    announce_rounds(round_.event_id, [round_.id])
    return assignment, True


@transactional
def unassign(actor: User, assignment: Assignment) -> None:
    """Take a judge off an entry (their scorecard, if any, stops counting). Raises NotAllowed,
    Conflict ``round_closed``."""
    round_ = db.session.get(Round, assignment.round_id)
    permissions.require(permissions.can_manage_event, actor, round_.event)
    if round_.status not in (RoundStatus.draft, RoundStatus.open):
        raise rounds.round_closed()
    before = {"round_id": round_.id, "judge_id": assignment.judge_id,
              "entry_id": assignment.entry_id}
    audit.record("assignment.removed", assignment, actor=actor, event_id=round_.event_id,
                 before=before)
    db.session.delete(assignment)
    db.session.flush()
    announce_rounds(round_.event_id, [round_.id])


# Automatic assignment ---------------------------------------------------------------------


def _matches(judge: Judge, track_name: str) -> bool:
    key = institution_key(track_name)
    return bool(key) and any(
        (tag_key := institution_key(tag)) and (tag_key in key or key in tag_key)
        for tag in judge.expertise or []
    )


@dataclass
class AutoAssignResult:
    created: list[Assignment]
    #: Entries that could not get ``k`` judges without a conflict: entry id -> how many lack.
    short: dict[int, int]


@transactional
def auto_assign(actor: User, round_: Round, judges_per_entry: int) -> AutoAssignResult:
    """Give every entry of the round ``judges_per_entry`` judges (counting those it has
    without a conflict, so running it after a judge recused finds a replacement):
    never a conflicted pair, load balanced (the least-loaded eligible judge first, so max −
    min ≤ 1 wherever conflicts allow), and among equally loaded judges those whose expertise
    names the entry's track. Raises NotAllowed, Conflict ``round_closed``, ValidationFailed."""
    permissions.require(permissions.can_manage_event, actor, round_.event)
    if round_.status not in (RoundStatus.draft, RoundStatus.open):
        raise rounds.round_closed()
    judges = judges_of(round_.event)
    if not (isinstance(judges_per_entry, int) and 1 <= judges_per_entry <= max(len(judges), 1)):
        raise ValidationFailed(fields={"auto.judges_per_entry": _l(
            "Enter a number from 1 to the number of judges (%(n)d).", n=len(judges))})
    entries = rounds.round_entries(round_)
    tracks = {t.id: t.name for t in tracks_of(round_.event)}
    conflicts = conflicted_pairs(round_.event_id, judges, entries)
    existing = db.session.execute(
        sa.select(Assignment.judge_id, Assignment.entry_id).where(Assignment.round_id == round_.id)
    ).all()
    load = {j.id: 0 for j in judges}
    assigned: dict[int, set[int]] = defaultdict(set)
    for judge_id, entry_id in existing:
        # A judge who recused (a conflict declared after assignment) no longer counts: the
        # entry gets another judge in their place.
        if (judge_id, entry_id) in conflicts:
            continue
        load[judge_id] = load.get(judge_id, 0) + 1
        assigned[entry_id].add(judge_id)
    eligible = {
        e.id: [j for j in judges if (j.id, e.id) not in conflicts and j.id not in assigned[e.id]]
        for e in entries
    }
    # The most constrained entries choose first, so they still find judges.
    order = sorted(entries, key=lambda e: (len(eligible[e.id]), e.track_id, e.id))
    picked: dict[int, set[int]] = defaultdict(set)
    short: dict[int, int] = {}
    for entry in order:
        need = judges_per_entry - len(assigned[entry.id])
        track_name = tracks.get(entry.track_id, "")
        candidates = sorted(
            eligible[entry.id],
            key=lambda j: (load[j.id], not _matches(j, track_name), j.id),
        )
        for judge in candidates[: max(need, 0)]:
            load[judge.id] += 1
            assigned[entry.id].add(judge.id)
            picked[judge.id].add(entry.id)
        if need > len(candidates):
            short[entry.id] = need - len(candidates)
    allowed = {e.id: {j.id for j in eligible[e.id]} for e in entries}
    _balance(load, picked, assigned, allowed)
    created = [
        Assignment(round_id=round_.id, judge_id=judge_id, entry_id=entry_id)
        for judge_id in sorted(picked)
        for entry_id in sorted(picked[judge_id])
    ]
    db.session.add_all(created)
    db.session.flush()
    for assignment in created:
        audit.record("assignment.created", assignment, actor=actor, event_id=round_.event_id,
                     after={"round_id": round_.id, "judge_id": assignment.judge_id,
                            "entry_id": assignment.entry_id, "auto": True})
    if created:
        announce_rounds(round_.event_id, [round_.id])
    return AutoAssignResult(created, short)


def _balance(
    load: dict[int, int],
    picked: dict[int, set[int]],
    assigned: dict[int, set[int]],
    allowed: dict[int, set[int]],
) -> None:
    """Even out the judges' loads until max − min ≤ 1 or no move can help: move a new
    assignment from the busiest judge along a chain of judges (each hands one entry on to a
    judge allowed to score it) to one with at least 2 fewer."""
    for _ in range(sum(len(v) for v in picked.values()) + 1):
        busiest = max(load, key=lambda j: (load[j], -j), default=None)
        if busiest is None:
            return
        targets = {j for j in load if load[j] <= load[busiest] - 2}
        if not targets:
            return
        # Breadth-first over judges: came_from[b] = (a, entry) moves entry from a to b.
        came_from: dict[int, tuple[int, int]] = {}
        queue = [busiest]
        found = None
        while queue and found is None:
            giver = queue.pop(0)
            for entry_id in sorted(picked[giver]):
                for taker in sorted(allowed[entry_id] - assigned[entry_id]):
                    if taker in came_from or taker == busiest:
                        continue
                    came_from[taker] = (giver, entry_id)
                    if taker in targets:
                        found = taker
                        break
                    queue.append(taker)
                if found is not None:
                    break
        if found is None:
            return
        taker = found
        while taker != busiest:
            giver, entry_id = came_from[taker]
            picked[giver].discard(entry_id)
            picked[taker].add(entry_id)
            assigned[entry_id].discard(giver)
            assigned[entry_id].add(taker)
            taker = giver
        load[busiest] -= 1
        load[found] += 1


# Reading ----------------------------------------------------------------------------------


def assignments_of(round_: Round) -> list[Assignment]:
    """The round's assignments by entry, then judge."""
    return list(
        db.session.scalars(
            sa.select(Assignment)
            .where(Assignment.round_id == round_.id)
            .order_by(Assignment.entry_id, Assignment.judge_id)
        )
    )


def assignment_rows(round_: Round) -> list[dict[str, Any]]:
    """The round's assignments with the judge's name, the entry's title, the scorecard's
    status and whether a conflict keeps it from counting (organizers' overview)."""
    rows = db.session.execute(
        sa.select(Assignment, Scorecard.status)
        .outerjoin(
            Scorecard,
            sa.and_(
                Scorecard.round_id == Assignment.round_id,
                Scorecard.judge_id == Assignment.judge_id,
                Scorecard.entry_id == Assignment.entry_id,
            ),
        )
        .where(Assignment.round_id == round_.id)
        .options(sa.orm.joinedload(Assignment.judge), sa.orm.joinedload(Assignment.entry))
        .order_by(Assignment.entry_id, Assignment.judge_id)
    ).all()
    judges = {a.judge_id: a.judge for a, _ in rows}
    entries = {a.entry_id: a.entry for a, _ in rows}
    conflicts = conflicted_pairs(round_.event_id, judges.values(), entries.values())
    return [
        {
            "id": a.id,
            "round_id": a.round_id,
            "judge_id": a.judge_id,
            "entry_id": a.entry_id,
            "judge_name": a.judge.display_name,
            "entry_title": a.entry.title,
            "status": status.value if status else "todo",
            "conflicted": (a.judge_id, a.entry_id) in conflicts,
        }
        for a, status in rows
    ]


@dataclass
class AssignmentOverview:
    #: The round's assignment rows (`assignment_rows`) by entry id.
    by_entry: dict[int, list[dict[str, Any]]]
    #: Assignments per judge id (every judge of the contest, 0 included).
    load: dict[int, int]

    @property
    def load_range(self) -> tuple[int, int]:
        values = list(self.load.values()) or [0]
        return min(values), max(values)


def assignment_overview(round_: Round) -> AssignmentOverview:
    """Who scores what in the round, by entry, and each judge's load."""
    by_entry: dict[int, list[dict[str, Any]]] = defaultdict(list)
    load: Counter[int] = Counter({j.id: 0 for j in judges_of(round_.event)})
    for row in assignment_rows(round_):
        by_entry[row["entry_id"]].append(row)
        load[row["judge_id"]] += 1
    return AssignmentOverview(dict(by_entry), dict(load))
