"""Setting a contest up after the first draft: editing a round's settings and rubric, a judge's
institution and expertise, removing a judge, withdrawing a declared conflict, the entries
advanced from an earlier round, and the overviews the organizers' pages show (automatic
conflicts, each round's progress, the judges' load).

Every public function takes the acting user first, checks what they may do and audits the
change with its state before and after.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext

from eventhub import audit
from eventhub.accounts import services as accounts
from eventhub.accounts.models import User
from eventhub.database import db, transactional, unique_or, utcnow
from eventhub.errors import Conflict, ValidationFailed
from eventhub.events.models import Event
from eventhub.judging import services
from eventhub.judging.models import (
    Aggregation,
    Assignment,
    ConflictOfInterest,
    Criterion,
    Entry,
    Judge,
    Round,
    RoundEntry,
    RoundStatus,
    Scorecard,
    ScorecardStatus,
    Track,
)

RULES = ("advance_top_n", "advance_top_percent", "advance_threshold")
#: What may change in a round once it has opened: its name, and while open its window.
DRAFT_ONLY = ("aggregation", *RULES, "anonymous")
WINDOW = ("opens_at", "closes_at")


def _rubric_locked() -> Conflict:
    return Conflict(_l("The rubric cannot change once the round has opened."),
                    code="round_not_draft")


# Rounds -----------------------------------------------------------------------------------


def round_info(round_: Round, **changes: Any) -> services.RoundInfo:
    """The round's settings as a `RoundInfo`, with ``changes`` applied. Naming any of the
    advancement rules replaces the rule as a whole (the others become None)."""
    info = services.RoundInfo(
        name=round_.name,
        aggregation=round_.aggregation.value,
        advance_top_n=round_.advance_top_n,
        advance_top_percent=round_.advance_top_percent,
        advance_threshold=round_.advance_threshold,
        anonymous=round_.anonymous,
        opens_at=round_.opens_at,
        closes_at=round_.closes_at,
    )
    if any(rule in changes for rule in RULES):
        info = replace(info, **dict.fromkeys(RULES))
    if isinstance(changes.get("aggregation"), Aggregation):
        changes["aggregation"] = changes["aggregation"].value
    return replace(info, **changes)


def _settings(round_: Round) -> dict[str, Any]:
    """The round's settings as the audit log keeps them (times as ISO 8601)."""
    return {k: v.isoformat() if isinstance(v, datetime) else v
            for k, v in asdict(round_info(round_)).items()}


@transactional
def update_round(
    actor: User, round_: Round, info: services.RoundInfo, now: datetime | None = None
) -> Round:
    """Change a round's settings. Its name may change at any time; the method, advancement
    rule and anonymity only while it is a draft (Conflict ``round_not_draft``); its scoring
    window while it is a draft or open (Conflict ``round_closed``), and an open round's end
    must lie ahead. Raises NotAllowed, Conflict ``name_taken``, ValidationFailed."""
    services._require_manager(actor, round_.event)
    services._check_round(info)
    before = _settings(round_)
    new = asdict(info) | {"name": info.name.strip(), "anonymous": bool(info.anonymous),
                          "aggregation": Aggregation(info.aggregation).value}
    for key in ("advance_top_percent", "advance_threshold"):
        if new[key] is not None:
            new[key] = round(float(new[key]), 4)  # as the NUMERIC column keeps it
    current = asdict(round_info(round_))
    changed = {k for k, v in new.items() if v != current[k]}
    if round_.status != RoundStatus.draft and changed & set(DRAFT_ONLY):
        message = _l("The method, advancement rule and anonymity cannot change once the "
                     "round has opened.")
        raise Conflict(message, code="round_not_draft",
                       fields=dict.fromkeys(sorted(changed & set(DRAFT_ONLY)), message))
    if changed & set(WINDOW):
        if round_.status not in (RoundStatus.draft, RoundStatus.open):
            raise services.round_closed()
        if (round_.status == RoundStatus.open and "closes_at" in changed
                and info.closes_at is not None and info.closes_at <= (now or utcnow())):
            raise ValidationFailed(fields={"closes_at": _l("Choose an end in the future.")})
    if not changed:
        return round_
    with unique_or("name", _l("A round with this name exists already.")):
        for key in changed:
            setattr(round_, key, Aggregation(new[key]) if key == "aggregation" else new[key])
    after = _settings(round_)
    audit.record("round.updated", round_, actor=actor, event_id=round_.event_id,
                 before={k: before[k] for k in sorted(changed)},
                 after={k: after[k] for k in sorted(changed)})
    return round_


# Rubric -----------------------------------------------------------------------------------


def _criterion_state(criterion: Criterion) -> dict[str, Any]:
    return {"name": criterion.name, "description": criterion.description,
            "max_points": criterion.max_points, "weight": criterion.weight}


@transactional
def update_criterion(
    actor: User,
    criterion: Criterion,
    name: str | None = None,
    max_points: float | None = None,
    weight: float | None = None,
    description: str | None = None,
) -> Criterion:
    """Change a line of a draft round's rubric (what is None stays); the weights may not
    exceed 100 in all. Raises NotAllowed, Conflict ``round_not_draft`` and ``name_taken``,
    ValidationFailed."""
    round_ = criterion.round
    services._require_manager(actor, round_.event)
    if round_.status != RoundStatus.draft:
        raise _rubric_locked()
    before = _criterion_state(criterion)
    given = {"name": name, "max_points": max_points, "weight": weight,
             "description": description}
    clean = services.check_criterion(
        round_, criterion, {k: before[k] if v is None else v for k, v in given.items()}
    )
    if clean == before:
        return criterion
    with unique_or("name", _l("A criterion with this name exists already.")):
        for key, value in clean.items():
            setattr(criterion, key, value)
    audit.record("criterion.updated", criterion, actor=actor, event_id=round_.event_id,
                 before=before, after=clean)
    return criterion


@transactional
def delete_criterion(actor: User, criterion: Criterion) -> None:
    """Take a line out of a draft round's rubric. Raises NotAllowed, Conflict
    ``round_not_draft``."""
    round_ = criterion.round
    services._require_manager(actor, round_.event)
    if round_.status != RoundStatus.draft:
        raise _rubric_locked()
    audit.record("criterion.deleted", criterion, actor=actor, event_id=round_.event_id,
                 before=_criterion_state(criterion))
    round_.criteria.remove(criterion)
    db.session.flush()


# Judges -----------------------------------------------------------------------------------


@transactional
def update_judge(
    actor: User, judge: Judge, institution: str | None = None,
    expertise: list[str] | None = None,
) -> Judge:
    """Change a judge's institution and expertise tags (what is None stays). A new
    institution may make (or end) automatic conflicts. Raises NotAllowed, ValidationFailed."""
    event = db.session.get(Event, judge.event_id)
    services._require_manager(actor, event)
    tags, tags_error = services._check_expertise(expertise)
    accounts.raise_field_errors(
        {"institution": services._text(institution), "expertise": tags_error}
    )
    before = {"institution": judge.institution, "expertise": list(judge.expertise or [])}
    if institution is not None:
        judge.institution = institution.strip()
    if expertise is not None:
        judge.expertise = tags
    after = {"institution": judge.institution, "expertise": list(judge.expertise or [])}
    if after != before:
        db.session.flush()
        audit.record("judge.updated", judge, actor=actor, event_id=event.id, before=before,
                     after=after)
    return judge


def _rounds_of_judge(judge_id: int) -> set[int]:
    return set(db.session.scalars(
        sa.select(Assignment.round_id).where(Assignment.judge_id == judge_id)
    ))


@transactional
def remove_judge(actor: User, judge: Judge) -> None:
    """Take a judge off the contest with their assignments, draft scorecards and declared
    conflicts (their account stays). Refused with Conflict ``judge_has_scores`` once they
    have submitted a scorecard: those must stay on record. Raises NotAllowed."""
    event = db.session.get(Event, judge.event_id)
    services._require_manager(actor, event)
    submitted = db.session.scalar(
        sa.select(sa.func.count()).select_from(Scorecard).where(
            Scorecard.judge_id == judge.id, Scorecard.status == ScorecardStatus.submitted
        )
    )
    if submitted:
        raise Conflict(
            lazy_ngettext("This judge has submitted a scorecard and cannot be removed.",
                          "This judge has submitted %(num)d scorecards and cannot be removed.",
                          submitted),
            code="judge_has_scores",
        )
    rounds = _rounds_of_judge(judge.id)
    assignments = db.session.execute(
        sa.delete(Assignment).where(Assignment.judge_id == judge.id)
    ).rowcount
    drafts = db.session.execute(
        sa.delete(Scorecard).where(Scorecard.judge_id == judge.id)
    ).rowcount
    db.session.execute(
        sa.delete(ConflictOfInterest).where(ConflictOfInterest.judge_id == judge.id)
    )
    audit.record("judge.removed", judge, actor=actor, event_id=event.id,
                 before={"user_id": judge.user_id, "email": judge.user.email,
                         "institution": judge.institution, "assignments": assignments,
                         "drafts": drafts})
    db.session.delete(judge)
    db.session.flush()
    services.announce_rounds(event.id, rounds)


# Conflicts --------------------------------------------------------------------------------


@transactional
def withdraw_conflict(actor: User, conflict: ConflictOfInterest) -> None:
    """Withdraw a declared conflict of interest (organizers): the judge's scorecard of the
    entry counts again if they are assigned. Same-institution conflicts cannot be withdrawn
    (they are not stored). Raises NotAllowed."""
    judge = db.session.get(Judge, conflict.judge_id)
    event = db.session.get(Event, judge.event_id)
    services._require_manager(actor, event)
    audit.record("conflict.withdrawn", conflict, actor=actor, event_id=event.id,
                 before={"judge_id": conflict.judge_id, "entry_id": conflict.entry_id,
                         "reason": conflict.reason, "source": conflict.source.value})
    rounds = services.pair_rounds(conflict.judge_id, conflict.entry_id)
    db.session.delete(conflict)
    db.session.flush()
    services.announce_rounds(event.id, rounds)


@dataclass
class AutomaticConflict:
    judge: Judge
    entry: Entry


def automatic_conflicts(event: Event) -> list[AutomaticConflict]:
    """The judge and entry pairs of the same institution (conflicts nobody has to declare)."""
    entries = services.entries_of(event)
    return [
        AutomaticConflict(judge, entry)
        for judge in services.judges_of(event)
        for entry in entries
        if services.same_institution(judge, entry)
    ]


# Entries taking part ----------------------------------------------------------------------


def advanced_entry_ids(round_: Round) -> list[int]:
    """The entries that advance from ``round_`` by its own method and rule (ties at the cut
    included, as `round_results` says)."""
    results = services.round_results(round_, round_.aggregation.value)
    return [e["entry_id"] for t in results["tracks"] for e in t["entries"] if e["advances"]]


@transactional
def take_advanced_entries(actor: User, round_: Round, from_round_id: Any) -> list[Entry]:
    """Let the entries advanced from an earlier round of the contest take part in
    ``round_``. The earlier round must be closed or published; ValidationFailed
    ``from_round_id`` when it is not, is another contest's or ``round_`` itself, or nobody
    advances from it. Raises NotAllowed, Conflict ``round_closed``."""
    services._require_manager(actor, round_.event)
    source = db.session.get(Round, from_round_id) if isinstance(from_round_id, int) else None
    if source is None or source.event_id != round_.event_id or source.id == round_.id:
        raise ValidationFailed(fields={"from_round_id": _l("Choose another round of this "
                                                           "contest.")})
    if source.status not in (RoundStatus.closed, RoundStatus.published):
        raise ValidationFailed(fields={"from_round_id": _l(
            "Close that round first: who advances is known only then.")})
    ids = advanced_entry_ids(source)
    if not ids:
        raise ValidationFailed(fields={"from_round_id": _l(
            "Nobody advances from that round (does it have an advancement rule?).")})
    entries = services.set_round_entries(actor, round_, ids)
    audit.record("round.entries_advanced", round_, actor=actor, event_id=round_.event_id,
                 after={"from_round_id": source.id, "entry_ids": sorted(ids)})
    return entries


# Overviews for the organizers' pages ------------------------------------------------------


def track_entry_counts(event: Event) -> dict[int, int]:
    """How many entries each track of the contest has."""
    return dict(db.session.execute(
        sa.select(Track.id, sa.func.count(Entry.id))
        .outerjoin(Entry, Entry.track_id == Track.id)
        .where(Track.event_id == event.id)
        .group_by(Track.id)
    ).all())


@dataclass
class Progress:
    assigned: int = 0
    submitted: int = 0


def rounds_progress(event: Event) -> dict[int, Progress]:
    """Per round of the contest: assignments, and submitted scorecards among them."""
    progress: dict[int, Progress] = defaultdict(Progress)
    for round_id, n in db.session.execute(
        sa.select(Assignment.round_id, sa.func.count())
        .join(Round, Round.id == Assignment.round_id)
        .where(Round.event_id == event.id)
        .group_by(Assignment.round_id)
    ):
        progress[round_id].assigned = n
    for round_id, n in db.session.execute(
        sa.select(Scorecard.round_id, sa.func.count())
        .join(Round, Round.id == Scorecard.round_id)
        .join(Assignment, sa.and_(Assignment.round_id == Scorecard.round_id,
                                  Assignment.judge_id == Scorecard.judge_id,
                                  Assignment.entry_id == Scorecard.entry_id))
        .where(Round.event_id == event.id, Scorecard.status == ScorecardStatus.submitted)
        .group_by(Scorecard.round_id)
    ):
        progress[round_id].submitted = n
    return progress


@dataclass
class AssignmentOverview:
    #: The round's assignment rows (`services.assignment_rows`) by entry id.
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
    load: Counter[int] = Counter({j.id: 0 for j in services.judges_of(round_.event)})
    for row in services.assignment_rows(round_):
        by_entry[row["entry_id"]].append(row)
        load[row["judge_id"]] += 1
    return AssignmentOverview(dict(by_entry), dict(load))


def has_chosen_entries(round_: Round) -> bool:
    """Whether the round has its own list of entries (else every entry of the contest)."""
    return db.session.scalar(
        sa.select(sa.literal(True)).where(RoundEntry.round_id == round_.id).limit(1)
    ) is not None
