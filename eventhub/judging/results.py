"""Results of a round: which scorecards count (docs/JUDGING.md §1), the results by a method with
ranks and who advances (computed by `scoring.results`), the organizers' statistics (§5), and
letting the entries advanced from an earlier round take part in a later one.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from eventhub import audit, permissions
from eventhub.accounts.models import User
from eventhub.database import db, transactional
from eventhub.errors import ValidationFailed
from eventhub.judging import rounds, scoring
from eventhub.judging.assignments import assignment_rows
from eventhub.judging.entries import tracks_of
from eventhub.judging.judges import conflicted_pairs, judge_names
from eventhub.judging.models import (
    Assignment,
    Entry,
    Judge,
    Round,
    RoundStatus,
    Scorecard,
    ScorecardStatus,
    Track,
)

# Which scorecards count -------------------------------------------------------------------


class _Inst:
    """Just what `conflicted_pairs` reads of a judge or an entry."""

    __slots__ = ("id", "institution")

    def __init__(self, id_: int, institution: str) -> None:
        self.id, self.institution = id_, institution


def valid_scorecard_rows(round_: Round) -> list[sa.Row]:
    """``(id, judge_id, entry_id, scores)`` of the round's scorecards that count (docs/JUDGING.md
    §1): submitted, their (judge, entry) pair assigned in the round, the entry taking part,
    and no conflict of interest between them (declared or automatic, whenever it arose).
    Plain rows, not objects: a round may hold tens of thousands."""
    rows = db.session.execute(
        sa.select(Scorecard.id, Scorecard.judge_id, Scorecard.entry_id, Scorecard.scores)
        .join(
            Assignment,
            sa.and_(
                Assignment.round_id == Scorecard.round_id,
                Assignment.judge_id == Scorecard.judge_id,
                Assignment.entry_id == Scorecard.entry_id,
            ),
        )
        .where(Scorecard.round_id == round_.id, Scorecard.status == ScorecardStatus.submitted)
        .order_by(Scorecard.entry_id, Scorecard.judge_id)
    ).all()
    taking_part = rounds.round_entry_ids(round_)
    rows = [r for r in rows if r.entry_id in taking_part]
    if not rows:
        return []
    judges = [
        _Inst(*r)
        for r in db.session.execute(
            sa.select(Judge.id, Judge.institution).where(Judge.event_id == round_.event_id)
        )
    ]
    entries = [
        _Inst(*r)
        for r in db.session.execute(
            sa.select(Entry.id, Entry.institution).where(Entry.event_id == round_.event_id)
        )
    ]
    conflicts = conflicted_pairs(round_.event_id, judges, entries)
    return [r for r in rows if (r.judge_id, r.entry_id) not in conflicts]


def valid_scorecards(round_: Round) -> list[Scorecard]:
    """The round's scorecards that count (see `valid_scorecard_rows`), as objects."""
    ids = [r.id for r in valid_scorecard_rows(round_)]
    if not ids:
        return []
    return list(
        db.session.scalars(
            sa.select(Scorecard)
            .where(Scorecard.id.in_(ids))
            .order_by(Scorecard.entry_id, Scorecard.judge_id)
        )
    )


# Results and statistics -------------------------------------------------------------------


def _scoring_input(round_: Round) -> tuple[list[Any], list[Track], list[sa.Row], list[Any]]:
    """The round's rubric, the contest's tracks, the entries taking part (in track order) and
    the valid scorecards, as `scoring` takes them."""
    criteria = [
        scoring.Criterion(id=str(c.id), max_points=c.max_points, weight=c.weight)
        for c in round_.criteria
    ]
    keys = {c.id for c in criteria}
    tracks = tracks_of(round_.event)
    track_order = {t.id: i for i, t in enumerate(tracks)}
    taking_part = rounds.round_entry_ids(round_)
    entries = sorted(
        (
            e
            for e in db.session.execute(
                sa.select(Entry.id, Entry.track_id, Entry.title).where(
                    Entry.event_id == round_.event_id
                )
            )
            if e.id in taking_part
        ),
        key=lambda e: (track_order.get(e.track_id, 0), e.id),
    )
    cards = [
        scoring.Card(judge_id=c.judge_id, entry_id=c.entry_id,
                     scores={k: v for k, v in c.scores.items() if k in keys})
        for c in valid_scorecard_rows(round_)
        if keys <= set(c.scores)
    ]
    return criteria, tracks, entries, cards


def round_results(round_: Round, method: str) -> dict[str, Any]:
    """API.md's results of a round by ``method``: per track (in the contest's order), each
    entry taking part with its score (4 decimals), competition rank, number of valid
    scorecards and whether it advances (docs/JUDGING.md §3-4; computed by `scoring.results`),
    and per criterion of the rubric the mean raw points over those scorecards."""
    criteria, tracks, entries, cards = _scoring_input(round_)
    rule = None
    if round_.advance_top_n is not None:
        rule = scoring.Advancement(top_n=round_.advance_top_n)
    elif round_.advance_top_percent is not None:
        rule = scoring.Advancement(top_percent=round_.advance_top_percent)
    elif round_.advance_threshold is not None:
        rule = scoring.Advancement(threshold=round_.advance_threshold)
    by_track = scoring.results(
        method,
        criteria,
        [scoring.EntryRef(entry_id=e.id, track_id=e.track_id) for e in entries],
        cards,
        rule,
    )
    titles = {e.id: e.title for e in entries}
    names = {t.id: t.name for t in tracks}
    rubric = [(str(c.id), c.id, c.name) for c in round_.criteria]
    return {
        "method": method,
        "tracks": [
            {
                "track_id": track_id,
                "name": names.get(track_id, ""),
                "entries": [
                    {
                        "entry_id": r.entry_id,
                        "title": titles[r.entry_id],
                        "score": None if r.score is None else float(r.score),
                        "rank": r.rank,
                        "n_scores": r.n_scores,
                        "advances": r.advances,
                        # Mean raw points per criterion over the valid cards (None without).
                        "criteria": [
                            {"criterion_id": cid, "name": name,
                             "average": float(r.criterion_averages[key])
                             if key in r.criterion_averages else None}
                            for key, cid, name in rubric
                        ],
                    }
                    for r in lines
                ],
            }
            for track_id, lines in by_track.items()
        ],
    }


def _agreement_row(track: Track, agreement: scoring.Agreement | None) -> dict[str, Any]:
    """A track's Kendall's W (None when undefined) with why it is undefined and who ranked the
    track (``scoring.Agreement``); a track without entries in the round has none."""
    if agreement is None:
        agreement = scoring.Agreement(w=None, entries=0, judges=0, complete=0)
    return {
        "track_id": track.id, "name": track.name,
        "kendall_w": None if agreement.w is None else float(agreement.w),
        "undefined_because": agreement.undefined_because,
        "entries": agreement.entries, "judges": agreement.judges,
        "complete": agreement.complete,
    }


def round_statistics(round_: Round, max_spread: float | None = None) -> dict[str, Any]:
    """docs/JUDGING.md §5 for organizers: per judge n, mean, SD and mean deviation from the panel;
    scorecards far from the panel (|z| > 2); per entry the spread (``review`` above
    ``max_spread``); Kendall's W per track; and the assigned scorecards not submitted yet."""
    criteria, tracks, entries, cards = _scoring_input(round_)
    stats = scoring.statistics(
        criteria,
        [scoring.EntryRef(entry_id=e.id, track_id=e.track_id) for e in entries],
        cards,
        max_spread,
    )
    names = judge_names(round_.event_id)
    submitted = set(
        db.session.execute(
            sa.select(Scorecard.judge_id, Scorecard.entry_id).where(
                Scorecard.round_id == round_.id, Scorecard.status == ScorecardStatus.submitted
            )
        ).all()
    )
    taking_part = {e.id for e in entries}
    missing = [
        {"judge_id": row["judge_id"], "entry_id": row["entry_id"], "status": row["status"]}
        for row in assignment_rows(round_)
        if not row["conflicted"] and row["entry_id"] in taking_part
        and (row["judge_id"], row["entry_id"]) not in submitted
    ]

    def number(value: Any) -> float | None:
        return None if value is None else float(value)

    return {
        "judges": [
            {"judge_id": j.judge_id, "name": names.get(j.judge_id, ""), "n": j.n,
             "mean": number(j.mean), "sd": number(j.sd), "deviation": number(j.deviation)}
            for j in stats.judges.values()
        ],
        "entries": [
            {"entry_id": e.entry_id, "n": e.n, "spread": number(e.spread), "review": e.review}
            for e in stats.entries.values()
        ],
        "outliers": [
            {"judge_id": o.judge_id, "entry_id": o.entry_id, "total": number(o.total),
             "z": number(o.z)}
            for o in stats.outliers
        ],
        "tracks": [_agreement_row(t, stats.agreement.get(t.id)) for t in tracks],
        "missing": missing,
    }


# Advancing to a later round ---------------------------------------------------------------


def advanced_entry_ids(round_: Round) -> list[int]:
    """The entries that advance from ``round_`` by its own method and rule (ties at the cut
    included, as `round_results` says)."""
    results = round_results(round_, round_.aggregation.value)
    return [e["entry_id"] for t in results["tracks"] for e in t["entries"] if e["advances"]]


@transactional
def take_advanced_entries(actor: User, round_: Round, from_round_id: Any) -> list[Entry]:
    """Let the entries advanced from an earlier round of the contest take part in
    ``round_``. The earlier round must be closed or published; ValidationFailed
    ``from_round_id`` when it is not, is another contest's or ``round_`` itself, or nobody
    advances from it. Raises NotAllowed, Conflict ``round_closed``."""
    permissions.require(permissions.can_manage_event, actor, round_.event)
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
    entries = rounds.set_round_entries(actor, round_, ids)
    audit.record("round.entries_advanced", round_, actor=actor, event_id=round_.event_id,
                 after={"from_round_id": source.id, "entry_ids": sorted(ids)})
    return entries
