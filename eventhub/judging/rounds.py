"""Rounds of a contest: their settings (method, advancement rule, anonymity, scoring window)
and which of them a round's status still lets change (`locked_fields`), the rubric (criteria
whose weights sum to 100), the entries taking part, the status changes (open, close, reopen
with a reason, publish) and what an anonymous round hides of an entry (`entry_as_seen`).

Every public function that changes something takes the acting user first, checks what they
may do and audits the change.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from eventhub import audit, permissions
from eventhub.accounts.models import NAME_MAX, User
from eventhub.database import db, is_unique_violation, transactional, unique_or, utcnow
from eventhub.errors import Conflict, ValidationFailed, raise_field_errors
from eventhub.events.models import Event
from eventhub.judging import checks
from eventhub.judging.models import (
    Aggregation,
    Assignment,
    Criterion,
    Entry,
    Round,
    RoundEntry,
    RoundStatus,
    Scorecard,
    ScorecardStatus,
)
from eventhub.judging.signals import announce_rounds
from eventhub.text import text_error

POINTS_MAX = 9999
#: Weights of a rubric must sum to 100 (within this tolerance of the stored 4 decimals).
WEIGHT_EPSILON = 1e-6
RULES = ("advance_top_n", "advance_top_percent", "advance_threshold")
#: What may change in a round once it has opened: its name, and while open its window.
DRAFT_ONLY = ("aggregation", *RULES, "anonymous")
WINDOW = ("opens_at", "closes_at")


def round_closed() -> Conflict:
    """The error of a change the round's status no longer allows (``round_closed``)."""
    return Conflict(_l("This round is not open for scoring."), code="round_closed")


def _rubric_locked() -> Conflict:
    return Conflict(_l("The rubric cannot change once the round has opened."),
                    code="round_not_draft")


# Settings ---------------------------------------------------------------------------------


@dataclass
class RoundInfo:
    name: str
    aggregation: str = Aggregation.mean.value
    advance_top_n: int | None = None
    advance_top_percent: float | None = None
    advance_threshold: float | None = None
    anonymous: bool = False
    opens_at: datetime | None = None
    closes_at: datetime | None = None


def check_round_info(info: RoundInfo) -> None:
    rules = [r for r in ("advance_top_n", "advance_top_percent", "advance_threshold")
             if getattr(info, r) is not None]
    errors: dict[str, Any] = {
        "name": text_error(info.name, limit=NAME_MAX, required=True),
        "aggregation": None if info.aggregation in Aggregation.__members__
        else _l("Choose a method from the list."),
    }
    if len(rules) > 1:
        for rule in rules:
            errors[rule] = _l("Choose one advancement rule at most.")
    n, percent, threshold = info.advance_top_n, info.advance_top_percent, info.advance_threshold
    if n is not None and not (isinstance(n, int) and 1 <= n <= 100_000):
        errors["advance_top_n"] = _l("Enter a number from 1.")
    if percent is not None and not (checks.is_number(percent) and 0 < percent <= 100):
        errors["advance_top_percent"] = _l("Enter a percentage above 0, at most 100.")
    if threshold is not None and not (checks.is_number(threshold) and 0 <= threshold <= 100):
        errors["advance_threshold"] = _l("Enter a score from 0 to 100.")
    if info.opens_at and info.closes_at and info.closes_at <= info.opens_at:
        errors["closes_at"] = _l("The round must close after it opens.")
    raise_field_errors(errors)


@transactional
def create_round(actor: User, event: Event, info: RoundInfo) -> Round:
    """Add a round after the contest's others. Raises NotAllowed, Conflict ``not_a_contest``
    and ``name_taken``, ValidationFailed."""
    permissions.require(permissions.can_manage_event, actor, event)
    checks.require_contest(event)
    check_round_info(info)
    last = db.session.scalar(
        sa.select(sa.func.max(Round.position)).where(Round.event_id == event.id)
    )
    round_ = Round(
        event_id=event.id,
        name=info.name.strip(),
        position=(last or 0) + 1,
        aggregation=Aggregation(info.aggregation),
        advance_top_n=info.advance_top_n,
        advance_top_percent=info.advance_top_percent,
        advance_threshold=info.advance_threshold,
        anonymous=bool(info.anonymous),
        opens_at=info.opens_at,
        closes_at=info.closes_at,
    )
    with unique_or("name", _l("A round with this name exists already.")):
        db.session.add(round_)
    audit.record("round.created", round_, actor=actor, event_id=event.id,
                 after={"name": round_.name, "aggregation": round_.aggregation.value})
    return round_


def rounds_of(event: Event) -> list[Round]:
    """The contest's rounds in their order."""
    return list(
        db.session.scalars(
            sa.select(Round).where(Round.event_id == event.id).order_by(Round.position, Round.id)
        )
    )


def round_info(round_: Round, **changes: Any) -> RoundInfo:
    """The round's settings as a `RoundInfo`, with ``changes`` applied. Naming any of the
    advancement rules replaces the rule as a whole (the others become None)."""
    info = RoundInfo(
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


def locked_fields(round_: Round) -> frozenset[str]:
    """The settings (`RoundInfo` fields) the round's status no longer lets change: none in a
    draft; the method, the advancement rule and anonymity once it has opened; its scoring
    window too once it is closed or published. The name may change at any time."""
    if round_.status == RoundStatus.draft:
        return frozenset()
    if round_.status == RoundStatus.open:
        return frozenset(DRAFT_ONLY)
    return frozenset((*DRAFT_ONLY, *WINDOW))


@transactional
def update_round(
    actor: User, round_: Round, info: RoundInfo, now: datetime | None = None
) -> Round:
    """Change a round's settings. Its name may change at any time; the method, advancement
    rule and anonymity only while it is a draft (Conflict ``round_not_draft``); its scoring
    window while it is a draft or open (Conflict ``round_closed``; see `locked_fields`), and an
    open round's end must lie ahead. Raises NotAllowed, Conflict ``name_taken``,
    ValidationFailed."""
    permissions.require(permissions.can_manage_event, actor, round_.event)
    check_round_info(info)
    before = _settings(round_)
    new = asdict(info) | {"name": info.name.strip(), "anonymous": bool(info.anonymous),
                          "aggregation": Aggregation(info.aggregation).value}
    for key in ("advance_top_percent", "advance_threshold"):
        if new[key] is not None:
            new[key] = round(float(new[key]), 4)  # as the NUMERIC column keeps it
    current = asdict(round_info(round_))
    changed = {k for k, v in new.items() if v != current[k]}
    locked = changed & locked_fields(round_)
    if locked & set(DRAFT_ONLY):
        message = _l("The method, advancement rule and anonymity cannot change once the "
                     "round has opened.")
        raise Conflict(message, code="round_not_draft",
                       fields=dict.fromkeys(sorted(locked & set(DRAFT_ONLY)), message))
    if locked & set(WINDOW):
        raise round_closed()
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


def weight_total(round_: Round) -> float:
    """The sum of the rubric's weights (4 decimals); a round opens only at 100."""
    return round(sum(c.weight for c in round_.criteria), 4)


@transactional
def add_criterion(
    actor: User,
    round_: Round,
    name: str,
    max_points: float,
    weight: float,
    description: str = "",
) -> Criterion:
    """Add a line to a draft round's rubric; weights may not exceed 100 in all. Raises
    NotAllowed, Conflict ``round_not_draft`` and ``name_taken``, ValidationFailed."""
    permissions.require(permissions.can_manage_event, actor, round_.event)
    if round_.status != RoundStatus.draft:
        raise _rubric_locked()
    clean = check_criterion(round_, None, {"name": name, "max_points": max_points,
                                           "weight": weight, "description": description})
    criterion = Criterion(round_id=round_.id, position=len(round_.criteria), **clean)
    try:
        with db.session.begin_nested():
            db.session.add(criterion)
            db.session.flush()
    except sa.exc.IntegrityError as exc:
        if is_unique_violation(exc):
            message = _l("A criterion with this name exists already.")
            raise Conflict(message, code="name_taken", fields={"name": message}) from None
        raise
    db.session.expire(round_, ["criteria"])
    audit.record("criterion.added", criterion, actor=actor, event_id=round_.event_id,
                 after={"name": criterion.name, "max_points": criterion.max_points,
                        "weight": criterion.weight})
    return criterion


def check_criterion(
    round_: Round, criterion: Criterion | None, values: dict[str, Any]
) -> dict[str, Any]:
    """Check a rubric line's values (``name``, ``max_points``, ``weight``, ``description``)
    against the round's other lines (all but ``criterion``): the weights may not exceed 100.
    Return them cleaned; raises ValidationFailed."""
    others = sum(c.weight for c in round_.criteria if criterion is None or c.id != criterion.id)
    max_points, weight = values["max_points"], values["weight"]
    problems: dict[str, Any] = {
        "name": text_error(values["name"], limit=NAME_MAX, required=True),
        "description": text_error(values["description"], limit=checks.TEXT_MAX),
    }
    if not (checks.is_number(max_points) and 0 < max_points <= POINTS_MAX):
        problems["max_points"] = _l("Enter points above 0, at most %(n)d.", n=POINTS_MAX)
    if not (checks.is_number(weight) and 0 < weight <= 100):
        problems["weight"] = _l("Enter a weight above 0, at most 100.")
    elif others + weight > 100 + WEIGHT_EPSILON:
        problems["weight"] = _l("The weights would exceed 100 (the others make %(total)s).",
                                total=f"{round(others, 4):g}")
    raise_field_errors(problems)
    return {"name": values["name"].strip(), "description": values["description"] or "",
            "max_points": round(float(max_points), 4), "weight": round(float(weight), 4)}


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
    permissions.require(permissions.can_manage_event, actor, round_.event)
    if round_.status != RoundStatus.draft:
        raise _rubric_locked()
    before = _criterion_state(criterion)
    given = {"name": name, "max_points": max_points, "weight": weight,
             "description": description}
    clean = check_criterion(
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
    permissions.require(permissions.can_manage_event, actor, round_.event)
    if round_.status != RoundStatus.draft:
        raise _rubric_locked()
    audit.record("criterion.deleted", criterion, actor=actor, event_id=round_.event_id,
                 before=_criterion_state(criterion))
    round_.criteria.remove(criterion)
    db.session.flush()


# Entries taking part ----------------------------------------------------------------------


def round_entry_ids(round_: Round) -> set[int]:
    """The entries taking part: those chosen for the round, else every entry of the contest."""
    chosen = set(
        db.session.scalars(sa.select(RoundEntry.entry_id).where(RoundEntry.round_id == round_.id))
    )
    if chosen:
        return chosen
    return set(db.session.scalars(sa.select(Entry.id).where(Entry.event_id == round_.event_id)))


def round_entries(round_: Round) -> list[Entry]:
    """The entries taking part (`round_entry_ids`) by track, then in the order entered."""
    ids = round_entry_ids(round_)
    if not ids:
        return []
    return list(
        db.session.scalars(
            sa.select(Entry).where(Entry.id.in_(ids)).order_by(Entry.track_id, Entry.id)
        )
    )


@transactional
def set_round_entries(actor: User, round_: Round, entry_ids: list[int] | None) -> list[Entry]:
    """Choose the entries taking part (None: every entry of the contest now). Raises
    NotAllowed, Conflict ``round_closed``, ValidationFailed."""
    permissions.require(permissions.can_manage_event, actor, round_.event)
    if round_.status not in (RoundStatus.draft, RoundStatus.open):
        raise round_closed()
    if entry_ids is None:
        ids = set(db.session.scalars(sa.select(Entry.id).where(Entry.event_id == round_.event_id)))
    else:
        ids = set(entry_ids)
        known = set(
            db.session.scalars(
                sa.select(Entry.id).where(Entry.event_id == round_.event_id, Entry.id.in_(ids))
            )
        ) if ids else set()
        if not ids or known != ids:
            raise ValidationFailed(fields={"entry_ids": _l("Choose entries of this contest.")})
    before = sorted(
        db.session.scalars(sa.select(RoundEntry.entry_id).where(RoundEntry.round_id == round_.id))
    )
    db.session.execute(sa.delete(RoundEntry).where(RoundEntry.round_id == round_.id))
    if ids:
        db.session.execute(
            sa.insert(RoundEntry), [{"round_id": round_.id, "entry_id": i} for i in sorted(ids)]
        )
    audit.record("round.entries_set", round_, actor=actor, event_id=round_.event_id,
                 before=before, after=sorted(ids))
    announce_rounds(round_.event_id, [round_.id])
    return round_entries(round_)


def has_chosen_entries(round_: Round) -> bool:
    """Whether the round has its own list of entries (else every entry of the contest)."""
    return db.session.scalar(
        sa.select(sa.literal(True)).where(RoundEntry.round_id == round_.id).limit(1)
    ) is not None


#: What an anonymous round hides of an entry: who is behind it.
TEAM_FIELDS = ("team_name", "institution", "members", "leader_id")


def hides_team(round_: Round, organizer: bool = False) -> bool:
    """Tell whether readers of the round's entries see them without their team
    (`TEAM_FIELDS`): in an anonymous round everyone but the contest's organizers (judges,
    their tablets, the big screen)."""
    return bool(round_.anonymous) and not organizer


def entry_as_seen(entry: Entry, round_: Round, organizer: bool = False) -> dict[str, Any]:
    """The entry as a reader of the round sees it (API.md's entry): its `TEAM_FIELDS` None
    where the round hides the team (`hides_team`)."""
    hidden = hides_team(round_, organizer)
    return {
        "id": entry.id,
        "event_id": entry.event_id,
        "track_id": entry.track_id,
        "track": entry.track.name,
        "title": entry.title,
        "team_name": None if hidden else entry.team_name,
        "institution": None if hidden else entry.institution,
        "summary": entry.summary,
        "members": None if hidden else entry.members,
        "leader_id": None if hidden else entry.leader_id,
    }


# Status -----------------------------------------------------------------------------------


def _set_status(actor: User, round_: Round, status: RoundStatus, **extra: Any) -> None:
    before = round_.status.value
    round_.status = status
    db.session.flush()
    audit.record(f"round.{extra.pop('verb', status.value)}", round_, actor=actor,
                 event_id=round_.event_id, before={"status": before},
                 after={"status": status.value, **extra})
    announce_rounds(round_.event_id, [round_.id])


@transactional
def open_round(
    actor: User, round_: Round, reason: str | None = None, now: datetime | None = None
) -> Round:
    """Open a draft round for scoring (its weights must sum to 100), or reopen a closed one
    (a reason is required). A draft whose scoring window has ended cannot be opened (nobody
    could score in it); reopening a round whose window has ended drops the end, so it stays
    open until closed by hand. Raises NotAllowed, Conflict ``round_status``,
    ValidationFailed."""
    permissions.require(permissions.can_manage_event, actor, round_.event)
    ended = round_.closes_at is not None and round_.closes_at <= (now or utcnow())
    if round_.status == RoundStatus.draft:
        if ended:
            raise ValidationFailed(
                _l("The scoring window of this round has ended already."),
                code="window_ended",
                fields={"closes_at": _l("Choose an end in the future.")},
            )
        if not round_.criteria or abs(weight_total(round_) - 100) > WEIGHT_EPSILON:
            raise ValidationFailed(
                _l("The weights of the criteria must sum to 100 (now %(total)s).",
                   total=f"{weight_total(round_):g}"),
                code="weights_not_100",
                fields={"criteria": _l("The weights of the criteria must sum to 100.")},
            )
        _set_status(actor, round_, RoundStatus.open)
    elif round_.status == RoundStatus.closed:
        raise_field_errors(
            {"reason": text_error(reason, limit=checks.TEXT_MAX, required=True)})
        if ended:
            round_.closes_at = None
        _set_status(actor, round_, RoundStatus.open, verb="reopened", reason=reason.strip())
    else:
        raise Conflict(_l("Only a draft or closed round can be opened."), code="round_status")
    return round_


@transactional
def close_round(actor: User, round_: Round) -> Round:
    """End scoring. Raises NotAllowed, Conflict ``round_status``."""
    permissions.require(permissions.can_manage_event, actor, round_.event)
    if round_.status != RoundStatus.open:
        raise Conflict(_l("Only an open round can be closed."), code="round_status")
    _set_status(actor, round_, RoundStatus.closed)
    return round_


@transactional
def publish_round(
    actor: User, round_: Round, notice_ends_at: datetime | None = None,
    now: datetime | None = None,
) -> Round:
    """Make a closed round's results public, with the end of the notice period (公示). Raises
    NotAllowed, Conflict ``round_status``, ValidationFailed."""
    permissions.require(permissions.can_manage_event, actor, round_.event)
    if round_.status != RoundStatus.closed:
        raise Conflict(_l("Only a closed round can be published."), code="round_status")
    now = now or utcnow()
    if notice_ends_at is not None and notice_ends_at <= now:
        raise ValidationFailed(fields={"notice_ends_at": _l("Choose a time in the future.")})
    round_.published_at = now
    round_.notice_ends_at = notice_ends_at
    _set_status(actor, round_, RoundStatus.published,
                notice_ends_at=notice_ends_at.isoformat() if notice_ends_at else None)
    return round_


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
