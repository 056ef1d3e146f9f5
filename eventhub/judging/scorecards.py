"""Scorecards: who may score an entry in a round, reading and saving a judge's scorecard
(drafts autosaved from a tablet, a submission locks it; optimistic versions so two devices
never overwrite each other), a scorecard's total, and a judge's queue of entries to score.

`save_scorecard` is a hot path (every judge's tablet saves every few seconds): its statements
are built once at import and it reads and writes in three statements.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects import postgresql, sqlite

from eventhub import audit
from eventhub.accounts.models import ApiToken, User
from eventhub.accounts.services import TokenCaller, live_token, note_token_use, token_digest
from eventhub.database import db, transactional, utcnow
from eventhub.errors import Conflict, NotAllowed, NotAuthenticated, raise_field_errors
from eventhub.judging import checks, rounds, scoring
from eventhub.judging.judges import JudgeDevice, coaching_conflict, same_institution
from eventhub.judging.models import (
    Assignment,
    ConflictOfInterest,
    Criterion,
    Entry,
    Judge,
    Round,
    RoundStatus,
    Scorecard,
    ScorecardStatus,
)
from eventhub.judging.signals import scorecard_saved
from eventhub.text import text_error

# Who may score ----------------------------------------------------------------------------


def can_score(user: Any, round_: Round, entry: Entry) -> bool:
    """The user is a judge of the contest, assigned to the entry in the round, and has no
    conflict of interest with it."""
    return _scoring(user, round_, entry) is not None


def _may_score(round_id: Any, entry_id: Any) -> tuple[sa.ColumnElement[bool], ...]:
    """A judge (``Judge``) may score the entry in the round: assigned to it, with no declared
    conflict and not its mentor (`coaching_conflict`); same-institution conflicts are checked
    in Python: `same_institution`."""
    return (
        sa.exists().where(
            Assignment.round_id == round_id,
            Assignment.judge_id == Judge.id,
            Assignment.entry_id == entry_id,
        ),
        ~sa.exists().where(
            ConflictOfInterest.judge_id == Judge.id, ConflictOfInterest.entry_id == entry_id
        ),
        ~coaching_conflict(Judge.user_id, entry_id),
    )


_cards = Scorecard.__table__
_JUDGE_AND_CARD = sa.and_(
    _cards.c.judge_id == Judge.id,
    _cards.c.round_id == sa.bindparam("round_id"),
    _cards.c.entry_id == sa.bindparam("entry_id"),
)


def _insert_card_query(dialect: str) -> sa.Insert:
    """A new scorecard, unless one of its (round, judge, entry) exists: then no row comes
    back (no error, so no SAVEPOINT is needed around it)."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert(_cards)
        .on_conflict_do_nothing(index_elements=["round_id", "judge_id", "entry_id"])
        .returning(_cards.c.id)
    )


# Built once: judges' tablets save every few seconds. Cards are read as stored now, not as an
# earlier statement of this session saw them.
#: The judge ``:user_id`` of the contest ``:event_id`` who may score ``:entry_id`` in
#: ``:round_id`` (id and institution), with their card of it (None before the first save).
_SCORING = (
    sa.select(Judge.id.label("judge_id"), Judge.institution, Scorecard)
    .outerjoin(Scorecard, _JUDGE_AND_CARD)
    .where(
        Judge.event_id == sa.bindparam("event_id"),
        Judge.user_id == sa.bindparam("user_id"),
        *_may_score(sa.bindparam("round_id"), sa.bindparam("entry_id")),
    )
    .execution_options(populate_existing=True)
)


def _target_query(token: bool) -> sa.Select:
    """The same from the round ``:round_id`` (with its rubric) and the entry ``:entry_id``
    when it is one of the round's contest: all a save reads, in one statement. With
    ``token``, for the user of the token of ``:digest`` (`accounts.services.live_token`),
    read in the statement with the token's id and last use: no row when the token does not
    authenticate, the round null when there is no such round."""
    user_id = User.id if token else sa.bindparam("user_id")
    columns = [Round, Entry, Judge.id.label("judge_id"), Judge.institution, Scorecard]
    if token:
        query = (
            sa.select(User.id.label("user_id"), User.is_admin, ApiToken.id.label("token_id"),
                      ApiToken.last_used_at, *columns)
            .select_from(ApiToken)
            .join(User, User.id == ApiToken.user_id)
            .outerjoin(Round, Round.id == sa.bindparam("round_id"))
            .where(live_token())
        )
    else:
        query = sa.select(*columns).where(Round.id == sa.bindparam("round_id"))
    return (
        query.outerjoin(
            Entry, sa.and_(Entry.id == sa.bindparam("entry_id"), Entry.event_id == Round.event_id)
        )
        .outerjoin(
            Judge,
            sa.and_(
                Judge.event_id == Round.event_id,
                Judge.user_id == user_id,
                *_may_score(Round.id, Entry.id),
            ),
        )
        .outerjoin(Scorecard, _JUDGE_AND_CARD)
        .options(
            sa.orm.joinedload(Round.criteria),
            sa.orm.load_only(Entry.id, Entry.event_id, Entry.track_id, Entry.institution),
        )
        .execution_options(populate_existing=True)
    )


_TARGET = _target_query(token=False)
_TOKEN_TARGET = _target_query(token=True)
_CARD = (
    sa.select(Scorecard)
    .where(
        Scorecard.round_id == sa.bindparam("round_id"),
        Scorecard.judge_id == sa.bindparam("judge_id"),
        Scorecard.entry_id == sa.bindparam("entry_id"),
    )
    .execution_options(populate_existing=True)
)
_INSERT_CARD = {name: _insert_card_query(name) for name in ("postgresql", "sqlite")}
#: A draft's new values (given as parameters) if its version is still ``:expected_version``.
_UPDATE_CARD = (
    sa.update(_cards)
    .where(
        _cards.c.id == sa.bindparam("card_id"),
        _cards.c.version == sa.bindparam("expected_version"),
        _cards.c.status == ScorecardStatus.draft,
    )
    .values(version=_cards.c.version + 1)
)


def _standing(actor: Any, row: sa.Row | None, entry: Entry | None) -> sa.Row | None:
    """The row, unless the actor may not score: no judge found, a device of another judge
    (the same account judging elsewhere), or an automatic conflict."""
    if row is None or entry is None or row.judge_id is None or same_institution(row, entry):
        return None
    if isinstance(actor, JudgeDevice) and row.judge_id != actor.judge_id:
        return None
    return row


def scoring_target(
    user: Any, round_id: int, entry_id: int
) -> tuple[Round | None, Entry | None, sa.Row | None]:
    """The round with its rubric, the entry when it is one of the round's contest, and the
    user's standing there as `save_scorecard` and `scorecard_of` take it (one statement,
    for the API: the event is not loaded)."""
    row = db.session.execute(
        _TARGET, {"round_id": round_id, "entry_id": entry_id, "user_id": user.id}
    ).unique().first()
    if row is None:
        return None, None, None
    return row.Round, row.Entry, _standing(user, row, row.Entry)


def token_scoring_target(
    token: str, round_id: int, entry_id: int
) -> tuple[TokenCaller, Round | None, Entry | None, sa.Row | None]:
    """The user of ``token`` (a request's sole Bearer token: `accounts.auth.
    sole_bearer_token`) and `scoring_target` for them, in one statement: a judge's tablet
    saves every few seconds. The user comes as a `TokenCaller` with no memberships (a judge
    scores as a judge, never as a member of the organization). Raises NotAuthenticated when
    the token does not authenticate."""
    row = db.session.execute(
        _TOKEN_TARGET,
        {"digest": token_digest(token), "round_id": round_id, "entry_id": entry_id},
    ).unique().first()
    if row is None:
        raise NotAuthenticated()
    caller = TokenCaller(row.user_id, row.is_admin, ())
    if note_token_use(row.token_id, row.last_used_at):
        db.session.commit()  # as `accounts.services.user_for_token` does
    if row.Round is None:
        return caller, None, None, None
    return caller, row.Round, row.Entry, _standing(caller, row, row.Entry)


def _scoring(user: Any, round_: Round, entry: Entry) -> sa.Row | None:
    """The user's standing when they may read and score ``entry`` in ``round_`` (a judge of
    the contest assigned to it, with no declared or automatic conflict): ``(judge_id,
    institution, Scorecard | None)``; else None. One statement."""
    if entry.event_id != round_.event_id or not getattr(user, "is_authenticated", False):
        return None
    row = db.session.execute(
        _SCORING,
        {"event_id": round_.event_id, "user_id": user.id, "round_id": round_.id,
         "entry_id": entry.id},
    ).first()
    return _standing(user, row, entry)


# A scorecard ------------------------------------------------------------------------------


def scorecard_total(criteria: Iterable[Criterion], scores: dict[str, Any]) -> float:
    """Σ weight × score / max_points over the criteria scored so far (docs/JUDGING.md §2), rounded
    half away from zero to 4 decimals, as results are (for showing a scorecard; results are
    aggregated from the exact totals). A draft's total is partial: see `scorecard_complete`."""
    scored = [
        scoring.Criterion(str(c.id), c.max_points, c.weight)
        for c in criteria
        if scores.get(str(c.id)) is not None
    ]
    card = scoring.Card(judge_id=None, entry_id=None, scores={str(k): v for k, v in scores.items()})
    return float(scoring.round_score(scoring.total(card, scored)))


def scorecard_complete(criteria: Iterable[Criterion], scores: dict[str, Any] | None) -> bool:
    """Whether every criterion of the rubric has a score (else the total is partial)."""
    scores = scores or {}
    return all(scores.get(str(c.id)) is not None for c in criteria)


def scorecard_body(card: Scorecard, criteria: Iterable[Criterion]) -> dict[str, Any]:
    """What a judge's device needs to show a scorecard (also in a ``stale_version`` error)."""
    criteria = list(criteria)
    return {
        "id": card.id,
        "entry_id": card.entry_id,
        "status": card.status.value,
        "version": card.version,
        "total": scorecard_total(criteria, card.scores or {}),
        "complete": scorecard_complete(criteria, card.scores),
        "scores": dict(card.scores or {}),
        "comment": card.comment,
        "saved_at": card.saved_at.isoformat() if card.saved_at else None,
    }


def _check_scores(
    criteria: list[Criterion], scores: Any, comment: Any, submit: bool
) -> dict[str, float]:
    errors: dict[str, Any] = {"comment": text_error(comment, limit=checks.TEXT_MAX)}
    by_id = {str(c.id): c for c in criteria}
    clean: dict[str, float] = {}
    if not isinstance(scores, dict):
        errors["scores"] = _l("Give the scores by criterion.")
        scores = {}
    for key, value in scores.items():
        criterion = by_id.get(str(key))
        if criterion is None:
            errors[f"scores.{key}"] = _l("Not a criterion of this round.")
        elif value is None:
            continue
        elif not checks.is_number(value) or not 0 <= value <= criterion.max_points:
            errors[f"scores.{key}"] = _l("Enter a score from 0 to %(max)s.",
                                          max=f"{criterion.max_points:g}")
        else:
            clean[str(criterion.id)] = value
    if submit:
        for key in by_id:
            if key not in clean and f"scores.{key}" not in errors:
                errors[f"scores.{key}"] = _l("Score every criterion before submitting.")
    raise_field_errors(errors)
    return clean


def _scoring_window_open(round_: Round, now: datetime) -> bool:
    if round_.status != RoundStatus.open:
        return False
    if round_.opens_at and now < round_.opens_at:
        return False
    return not (round_.closes_at and now >= round_.closes_at)


def _current_card(round_: Round, judge_id: int, entry: Entry) -> Scorecard | None:
    return db.session.scalars(
        _CARD, {"round_id": round_.id, "judge_id": judge_id, "entry_id": entry.id}
    ).first()


def _stale(card: Scorecard, criteria: list[Criterion]) -> Conflict:
    if card.status == ScorecardStatus.submitted:
        return Conflict(_l("This scorecard is submitted already; it can no longer change."),
                        code="already_submitted")
    return Conflict(
        _l("This scorecard was changed on another device. The newer version is shown."),
        code="stale_version",
        scorecard=scorecard_body(card, criteria),
    )


@transactional
def save_scorecard(
    actor: User,
    round_: Round,
    entry: Entry,
    scores: dict[str, Any],
    comment: str | None = None,
    submit: bool = False,
    version: int | None = None,
    now: datetime | None = None,
    standing: sa.Row | None = None,
) -> Scorecard:
    """Save (and with ``submit``, lock) the actor's scorecard of an entry.

    Checks in API.md's order: NotAllowed (not assigned, or conflicted); Conflict
    ``round_closed``; Conflict ``already_submitted``; Conflict ``stale_version`` (``version``
    is not the stored one; required once the scorecard exists; carries the current
    scorecard); ValidationFailed (a score outside 0..max_points, or a criterion missing on
    submit). The version check and the write are one statement (``UPDATE ... WHERE version
    = :v``; a first save inserts unless another device did first), so two devices saving
    the same version at once get one success and one 409.

    ``standing``: the actor's, as `scoring_target` (or `token_scoring_target`) read it with
    the round and the entry (not given, or None: read here). Three statements, two with it:
    the judge's assignment with the card, its insert or update, the audit entry (a hot path:
    every judge's tablet saves every few seconds).
    """
    scoring_row = standing or _scoring(actor, round_, entry)
    if scoring_row is None:
        raise NotAllowed()
    now = now or utcnow()
    if not _scoring_window_open(round_, now):
        raise rounds.round_closed()
    criteria = list(round_.criteria)
    card = scoring_row.Scorecard
    judge_id = scoring_row.judge_id
    if card is not None and (card.status == ScorecardStatus.submitted or version != card.version):
        raise _stale(card, criteria)
    clean = _check_scores(criteria, scores, comment, submit)
    values = {
        "scores": clean,
        "status": ScorecardStatus.submitted if submit else ScorecardStatus.draft,
        "saved_at": now,
        "submitted_at": now if submit else None,
    }
    if comment is not None:
        values["comment"] = comment
    before = None
    if card is None:
        values = {"round_id": round_.id, "judge_id": judge_id, "entry_id": entry.id,
                  "version": 1, "comment": comment or "", **values}
        card_id = db.session.execute(
            _INSERT_CARD[db.session.get_bind().dialect.name], values
        ).scalar()
        if card_id is None:
            # Another device made it a moment ago: that one is newer than what we saw.
            raise _stale(_current_card(round_, judge_id, entry), criteria)
        # The row just written, as a loaded object (without reading it back). Merged, not
        # added: after a rolled-back save, SQLite may give its id again while the session
        # still holds that card's object.
        card = Scorecard(id=card_id, **values)
        sa.orm.make_transient_to_detached(card)
        card = db.session.merge(card, load=False)
    else:
        before = {"scores": card.scores, "comment": card.comment, "status": card.status.value,
                  "version": card.version}
        updated = db.session.execute(
            _UPDATE_CARD, {"card_id": card.id, "expected_version": version, **values}
        )
        if updated.rowcount != 1:
            raise _stale(_current_card(round_, judge_id, entry), criteria)
        # What the update wrote, without reading the row again.
        for key, value in {**values, "version": version + 1}.items():
            sa.orm.attributes.set_committed_value(card, key, value)
    audit.record(
        "scorecard.submitted" if submit else "scorecard.saved",
        card,
        actor=actor,
        event_id=round_.event_id,
        before=before,
        after={"round_id": round_.id, "entry_id": entry.id, "scores": card.scores,
               "comment": card.comment, "status": card.status.value, "version": card.version},
    )
    scorecard_saved.send(
        event_id=round_.event_id, round_id=round_.id, entry_id=entry.id, submitted=submit
    )
    return card


def scorecard_of(
    actor: User, round_: Round, entry: Entry, standing: sa.Row | None = None
) -> Scorecard | None:
    """The actor's scorecard of an entry (None before the first save); ``standing`` as for
    `save_scorecard`. Raises NotAllowed."""
    scoring_row = standing or _scoring(actor, round_, entry)
    if scoring_row is None:
        raise NotAllowed()
    return scoring_row.Scorecard


# A judge's queue --------------------------------------------------------------------------


@dataclass
class QueueItem:
    round: Round
    judge_id: int
    entry: Entry
    scorecard: Scorecard | None

    @property
    def status(self) -> str:
        return self.scorecard.status.value if self.scorecard else "todo"

    @property
    def complete(self) -> bool:
        """The scorecard scores every criterion (a draft's total is partial until then)."""
        return self.scorecard is not None and scorecard_complete(
            self.round.criteria, self.scorecard.scores
        )


def my_assignments(actor: Any, round_id: int | None = None) -> list[QueueItem]:
    """The actor's entries to score (conflicted ones left out), with their scorecards (a
    judge device's: of its contest only)."""
    query = (
        sa.select(Assignment, Round)
        .join(Judge, Judge.id == Assignment.judge_id)
        .join(Round, Round.id == Assignment.round_id)
        .where(Judge.user_id == actor.id, ~coaching_conflict(Judge.user_id, Assignment.entry_id))
        .order_by(Round.position, Assignment.entry_id)
    )
    if round_id is not None:
        query = query.where(Assignment.round_id == round_id)
    if isinstance(actor, JudgeDevice):
        query = query.where(Judge.id == actor.judge_id)
    rows = db.session.execute(query.options(sa.orm.joinedload(Assignment.entry),
                                            sa.orm.joinedload(Assignment.judge))).all()
    cards = {}
    if rows:
        # Only the cards of the rounds listed (one round's queue does not read the others').
        for card in db.session.scalars(
            sa.select(Scorecard).where(
                Scorecard.judge_id.in_({a.judge_id for a, _ in rows}),
                Scorecard.round_id.in_({r.id for _, r in rows}),
            )
        ):
            cards[(card.round_id, card.judge_id, card.entry_id)] = card
    declared = {
        (j, e)
        for j, e in db.session.execute(
            sa.select(ConflictOfInterest.judge_id, ConflictOfInterest.entry_id).where(
                ConflictOfInterest.judge_id.in_({a.judge_id for a, _ in rows} or {0})
            )
        )
    }
    items = []
    for assignment, round_ in rows:
        if (assignment.judge_id, assignment.entry_id) in declared or same_institution(
            assignment.judge, assignment.entry
        ):
            continue
        card = cards.get((round_.id, assignment.judge_id, assignment.entry_id))
        items.append(QueueItem(round_, assignment.judge_id, assignment.entry, card))
    return items
