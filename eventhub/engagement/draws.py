"""Lucky draws (抽奖) that anyone can verify (commit–reveal).

The life of a draw: ``draft`` → ``committed`` → ``drawn``.

1. `create_draw`: the organizer names the prizes (``[{name, count}]``, in the order they take
   winners) and who is eligible: the people *checked in* at a check-in list of the event (the
   main list unless ``list_id`` names another: a session's list), or everyone *confirmed* on
   it (for a session's list: those who booked the session); ``exclude_winners_of`` leaves out
   the winners of earlier draws of the same event (their winners at the commit).
2. `commit_draw` freezes the pool (the eligible registration ids) and a fresh secret seed, and
   publishes only the pool's digest and the seed's commitment. From then on the public record
   (`public_record`) and the rules are visible to everyone who can see the event.
3. `run_draw` reveals the seed and picks the winners. Nothing is chosen at the run that was not
   fixed at the commit: the result follows from the seed and the pool alone.
4. `redraw`: a winner who is absent loses the prize to the next person in the draw order who
   has not won yet; the reason is kept on the record (and published with it).

Definitions (API.md, exactly):

- ``seed`` = 64 lowercase hex characters (32 random bytes, `secrets.token_hex(32)`);
- ``commitment`` = sha256 of the seed's ASCII text, hex (`commitment_of`);
- ``pool_digest`` = sha256 of the pool's ids in ascending order joined by ``,``, hex
  (`pool_digest_of`);
- the draw order sorts the pool by sha256(``"{seed}:{registration_id}"``) hex ascending
  (`draw_order`), and the prizes take winners from it in the order they were given.

So the winners of every prize, redraws included, are always a prefix of the draw order: anyone
with the public JSON can recompute them (docs/verify_draw.py).

Concurrency: the run is a conditional UPDATE (``committed`` → ``drawn``), so of two runs at once
one draws and the other answers 409 ``already_drawn``; the commit likewise (``draft`` →
``committed``); redraws lock the draw's row, and the unique (draw, registration) constraint of
the winners is the last guard.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from eventhub import audit, permissions
from eventhub.accounts.models import User
from eventhub.checkin.models import CheckinList, Scan
from eventhub.checkin.services import expected_query, scan_checks_in
from eventhub.database import db, lock_for_write, transactional, utcnow
from eventhub.engagement.models import Draw, DrawEligibility, DrawStatus, DrawWinner
from eventhub.errors import Conflict, raise_field_errors
from eventhub.events.models import Event
from eventhub.live import LiveVersion
from eventhub.registrations.models import Registration
from eventhub.text import check_text

NAME_MAX = 200
REASON_MAX = 1000
#: At most this many prizes per draw, each for at most `COUNT_MAX` winners.
PRIZES_MAX = 20
COUNT_MAX = 1000
#: At most this many earlier draws whose winners are left out.
EXCLUDE_MAX = 50


# The definitions (pure) ------------------------------------------------------------------------


def new_seed() -> str:
    """A fresh secret seed: 64 lowercase hex characters (32 random bytes)."""
    return secrets.token_hex(32)


def commitment_of(seed: str) -> str:
    """sha256 of the seed's ASCII text, hex: published at the commit, before the seed."""
    return hashlib.sha256(seed.encode("ascii")).hexdigest()


def pool_digest_of(pool: Iterable[int]) -> str:
    """sha256 of the pool's ids in ascending order joined by ``,``, hex."""
    return hashlib.sha256(",".join(str(i) for i in sorted(pool)).encode("ascii")).hexdigest()


def order_key(seed: str, registration_id: int) -> str:
    """sha256 of ``"{seed}:{registration_id}"``, hex: a person's key in the draw order."""
    return hashlib.sha256(f"{seed}:{registration_id}".encode("ascii")).hexdigest()


def draw_order(seed: str, pool: Iterable[int]) -> list[int]:
    """The pool sorted by `order_key` ascending: who wins first."""
    return sorted(pool, key=lambda registration_id: order_key(seed, registration_id))


def display_name(name: str | None) -> str:
    """张三 → 张**: what screens and public pages show of a winner (the surname only)."""
    name = (name or "").strip()
    return f"{name[0]}**" if name else "**"


# Errors ----------------------------------------------------------------------------------------


def already_drawn() -> Conflict:
    return Conflict(_l("This draw has already been drawn."), code="already_drawn")


def _not_draft() -> Conflict:
    return Conflict(_l("This draw is already committed: its pool and seed are frozen."),
                    code="already_committed")


def _not_committed() -> Conflict:
    return Conflict(_l("Commit the draw first: that freezes its pool and publishes the "
                       "commitment."), code="not_committed")


# Who may -----------------------------------------------------------------------------------------


def can_manage_draw(user: Any, draw: Draw) -> bool:
    """Create, commit, run and redraw: the event's organizers."""
    return permissions.can_manage_event(user, draw.event)


def can_see_draw(user: Any, draw: Draw) -> bool:
    """The public record and page: everyone who can see the event, once committed (a draft
    only for the event's organizers)."""
    if can_manage_draw(user, draw):
        return True
    return draw.status != DrawStatus.draft and permissions.can_view_event(user, draw.event)


#: The live state of a draw (its screen asks for news with it).
live = LiveVersion("draw", lambda draw_id: db.session.execute(
    sa.select(Draw.status, sa.func.count(DrawWinner.id), sa.func.count(DrawWinner.redrawn_at))
    .outerjoin(DrawWinner, DrawWinner.draw_id == Draw.id)
    .where(Draw.id == draw_id).group_by(Draw.id)
).one_or_none())


# Setting up ------------------------------------------------------------------------------------


def draws_of(event: Event) -> list[Draw]:
    """The event's draws, oldest first."""
    return list(db.session.scalars(
        sa.select(Draw).where(Draw.event_id == event.id).order_by(Draw.id)))


def _check_prizes(prizes: Any) -> tuple[list[dict[str, Any]], Any]:
    """The prizes cleaned (``[{name, count}]``) and the reason they are refused, or None."""
    if not isinstance(prizes, list) or not prizes:
        return [], _l("Name at least one prize.")
    if len(prizes) > PRIZES_MAX:
        return [], _l("At most %(n)d prizes.", n=PRIZES_MAX)
    cleaned = []
    for prize in prizes:
        if not isinstance(prize, dict):
            return [], _l("Each prize needs a name and a count.")
        name, reason = check_text(prize.get("name"), limit=NAME_MAX, required=True)
        if reason:
            return [], reason
        count = prize.get("count")
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= COUNT_MAX:
            return [], _l("Each prize is for 1 to %(n)d winners.", n=COUNT_MAX)
        cleaned.append({"name": name, "count": count})
    return cleaned, None


def _check_list(event: Event, list_id: Any) -> tuple[int | None, Any]:
    if list_id is None:
        return None, None
    checkin_list = (db.session.get(CheckinList, list_id)
                    if isinstance(list_id, int) and not isinstance(list_id, bool) else None)
    if checkin_list is None or checkin_list.event_id != event.id:
        return None, _l("Choose a check-in list of this event.")
    return checkin_list.id, None


def _check_excluded(event: Event, draw_ids: Any) -> tuple[list[int], Any]:
    if draw_ids is None:
        return [], None
    if not isinstance(draw_ids, list) or len(draw_ids) > EXCLUDE_MAX or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in draw_ids):
        return [], _l("Choose earlier draws of this event.")
    ids = sorted(set(draw_ids))
    found = set(db.session.scalars(sa.select(Draw.id).where(
        Draw.id.in_(ids), Draw.event_id == event.id))) if ids else set()
    if found != set(ids):
        return [], _l("Choose earlier draws of this event.")
    return ids, None


@transactional
def create_draw(
    actor: User,
    event: Event,
    name: Any,
    prizes: Any,
    eligible: Any,
    list_id: Any = None,
    exclude_winners_of: Any = None,
) -> Draw:
    """Create a draft draw of the event (see the module's docstring for the fields). Raises
    NotAllowed (not an organizer of the event), ValidationFailed (``name``, ``prizes``,
    ``eligible``, ``list_id``: not a list of the event, ``exclude_winners_of``: not draws of
    the event)."""
    permissions.require(permissions.can_manage_event, actor, event)
    name_, name_error = check_text(name, limit=NAME_MAX, required=True)
    prizes_, prizes_error = _check_prizes(prizes)
    list_id_, list_error = _check_list(event, list_id)
    excluded, excluded_error = _check_excluded(event, exclude_winners_of)
    raise_field_errors({
        "name": name_error,
        "prizes": prizes_error,
        "eligible": None if eligible in tuple(DrawEligibility)
        else _l("Choose checked_in or confirmed."),
        "list_id": list_error,
        "exclude_winners_of": excluded_error,
    })
    draw = Draw(event_id=event.id, event=event, name=name_, prizes=prizes_,
                eligible=DrawEligibility(eligible), list_id=list_id_,
                exclude_winners_of=excluded)
    db.session.add(draw)
    db.session.flush()
    audit.record("draw.created", draw, actor=actor, event_id=event.id,
                 after={"name": name_, "prizes": prizes_, "eligible": str(eligible),
                        "list_id": list_id_, "exclude_winners_of": excluded})
    return draw


# The pool --------------------------------------------------------------------------------------


def checkin_list_of(draw: Draw) -> CheckinList | None:
    """The list whose people are eligible: the draw's, else the event's main list."""
    if draw.list_id is not None:
        return db.session.get(CheckinList, draw.list_id)
    return db.session.scalar(sa.select(CheckinList).where(
        CheckinList.event_id == draw.event_id, CheckinList.is_main.is_(True)))


def eligible_ids(draw: Draw) -> list[int]:
    """The pool the draw would freeze now, ascending: confirmed registrations on its list (with
    ``checked_in``: those who entered it at least once, a reverted scan not counting), minus the
    current winners of the draws it names."""
    checkin_list = checkin_list_of(draw)
    if checkin_list is None:  # every event has a main list; an event made by hand may not
        return []
    query = expected_query(checkin_list)
    if draw.eligible == DrawEligibility.checked_in:
        query = query.where(sa.exists().where(
            Scan.list_id == checkin_list.id,
            Scan.registration_id == Registration.id,
            scan_checks_in(),
        ))
    if draw.exclude_winners_of:
        query = query.where(Registration.id.not_in(
            sa.select(DrawWinner.registration_id).where(
                DrawWinner.draw_id.in_(draw.exclude_winners_of),
                DrawWinner.redrawn_at.is_(None))))
    return sorted(set(db.session.scalars(query)))


def _advance(draw: Draw, from_status: DrawStatus, now: datetime, **values: Any) -> bool:
    """Move the draw on from ``from_status`` in one conditional UPDATE: only one of two
    concurrent requests changes it. Returns whether this one did."""
    result = db.session.execute(
        sa.update(Draw).where(Draw.id == draw.id, Draw.status == from_status)
        .values(**values).execution_options(synchronize_session=False))
    db.session.refresh(draw)
    return result.rowcount == 1


@transactional
def commit_draw(actor: User, draw: Draw, now: datetime | None = None) -> Draw:
    """Freeze the draw's pool and a fresh secret seed; publish the pool's digest and the
    seed's commitment (the seed stays secret until `run_draw`). Raises NotAllowed, Conflict
    ``already_committed`` (committed or drawn already), ``empty_pool`` (nobody eligible)."""
    permissions.require(can_manage_draw, actor, draw)
    now = now or utcnow()
    lock_for_write()
    db.session.refresh(draw)
    if draw.status != DrawStatus.draft:
        raise _not_draft()
    pool = eligible_ids(draw)
    if not pool:
        raise Conflict(_l("Nobody is eligible for this draw yet."), code="empty_pool")
    seed = new_seed()
    if not _advance(draw, DrawStatus.draft, now, status=DrawStatus.committed, pool=pool,
                    pool_digest=pool_digest_of(pool), seed=seed,
                    commitment=commitment_of(seed), committed_at=now):
        raise _not_draft()
    audit.record("draw.committed", draw, actor=actor, event_id=draw.event_id,
                 after={"pool_size": len(pool), "pool_digest": draw.pool_digest,
                        "commitment": draw.commitment})
    live.bump_after_commit(draw.id)
    return draw


@transactional
def run_draw(actor: User, draw: Draw, now: datetime | None = None) -> Draw:
    """Draw the winners: reveal the seed; the prizes, in their order, take winners from the
    draw order (`draw_order` of the frozen pool); a pool smaller than the prizes leaves the last
    ones short. Raises NotAllowed, Conflict ``not_committed``, ``already_drawn`` (also for the
    second of two runs at once)."""
    permissions.require(can_manage_draw, actor, draw)
    now = now or utcnow()
    lock_for_write()
    if not _advance(draw, DrawStatus.committed, now, status=DrawStatus.drawn, drawn_at=now):
        raise already_drawn() if draw.status == DrawStatus.drawn else _not_committed()
    order = draw_order(draw.seed, draw.pool)
    position = 0
    for index, prize in enumerate(draw.prizes):
        for _ in range(prize["count"]):
            if position >= len(order):
                break
            db.session.add(DrawWinner(draw_id=draw.id, prize_index=index,
                                      registration_id=order[position], position=position,
                                      created_at=now))
            position += 1
    db.session.flush()
    audit.record("draw.drawn", draw, actor=actor, event_id=draw.event_id,
                 after={"seed": draw.seed, "winners": order[:position]})
    live.bump_after_commit(draw.id)
    return draw


@transactional
def redraw(
    actor: User, draw: Draw, registration_id: Any, reason: Any, now: datetime | None = None
) -> DrawWinner:
    """Give the prize of an absent winner to the next person in the draw order who has not won
    yet; the absent winner's row keeps the reason. Returns the new winner. Raises NotAllowed,
    ValidationFailed (``reason`` missing or too long, ``registration_id`` not an id), Conflict
    ``not_drawn``, ``not_a_winner`` (not a current winner of this draw), ``pool_exhausted``
    (nobody left to draw)."""
    permissions.require(can_manage_draw, actor, draw)
    reason_, reason_error = check_text(reason, limit=REASON_MAX, required=True)
    raise_field_errors({
        "registration_id": None if isinstance(registration_id, int)
        and not isinstance(registration_id, bool) else _l("Choose a winner."),
        "reason": reason_error,
    })
    now = now or utcnow()
    lock_for_write()
    db.session.execute(sa.select(Draw.id).where(Draw.id == draw.id).with_for_update())
    db.session.refresh(draw)
    if draw.status != DrawStatus.drawn:
        raise Conflict(_l("Run the draw first."), code="not_drawn")
    rows = list(db.session.scalars(sa.select(DrawWinner).where(DrawWinner.draw_id == draw.id)))
    absent = next((w for w in rows if w.registration_id == registration_id
                   and w.redrawn_at is None), None)
    if absent is None:
        raise Conflict(_l("This person is not a winner of this draw."), code="not_a_winner",
                       fields={"registration_id": _l("Not a winner of this draw.")})
    drawn = {w.registration_id for w in rows}
    order = draw_order(draw.seed, draw.pool)
    position = next((i for i, r in enumerate(order) if r not in drawn), None)
    if position is None:
        raise Conflict(_l("Everybody in the pool has been drawn already."),
                       code="pool_exhausted")
    absent.redrawn_at, absent.redraw_reason = now, reason_
    absent.replaced_by = order[position]
    winner = DrawWinner(draw_id=draw.id, prize_index=absent.prize_index,
                        registration_id=order[position], position=position, created_at=now)
    db.session.add(winner)
    db.session.flush()
    audit.record("draw.redrawn", draw, actor=actor, event_id=draw.event_id,
                 before={"registration_id": absent.registration_id},
                 after={"registration_id": winner.registration_id, "reason": reason_,
                        "prize": draw.prizes[absent.prize_index]["name"]})
    live.bump_after_commit(draw.id)
    return winner


# Reading ---------------------------------------------------------------------------------------


def _winner_rows(draw: Draw) -> list[sa.Row]:
    return db.session.execute(
        sa.select(DrawWinner, Registration.name)
        .join(Registration, Registration.id == DrawWinner.registration_id)
        .where(DrawWinner.draw_id == draw.id)
        .order_by(DrawWinner.prize_index, DrawWinner.position)
    ).all()


def winners_of(draw: Draw, names: bool = False) -> tuple[list[dict], list[dict]]:
    """The draw's current winners (prize by prize, each in draw order) and its redraws (in
    the order they happened): ``({prize, prize_index, registration_id, display_name,
    position}, {prize, registration_id, reason, at, replaced_by})``. ``names``: add each
    winner's full ``name`` (the organizers' pages)."""
    winners, redraws = [], []
    for winner, name in _winner_rows(draw):
        item = {"prize": draw.prizes[winner.prize_index]["name"],
                "prize_index": winner.prize_index, "registration_id": winner.registration_id,
                "display_name": display_name(name), "position": winner.position}
        if names:
            item["name"] = name
        if winner.redrawn_at is None:
            winners.append(item)
        else:
            redraws.append({**item, "reason": winner.redraw_reason, "at": winner.redrawn_at,
                            "replaced_by": winner.replaced_by})
    redraws.sort(key=lambda item: (item["at"], item["position"]))
    return winners, redraws


def public_record(draw: Draw) -> dict[str, Any]:
    """What everyone sees of a committed draw (API.md's ``GET /draws/{id}``): the rules, the
    pool's size and digest and the commitment; once drawn, the pool's ids, the seed, the
    winners and the redraws. Never the seed before the run."""
    record: dict[str, Any] = {
        "id": draw.id, "event_id": draw.event_id, "name": draw.name,
        "status": draw.status.value, "prizes": draw.prizes, "eligible": draw.eligible.value,
        "list_id": draw.list_id, "exclude_winners_of": draw.exclude_winners_of,
        "pool_size": len(draw.pool) if draw.pool is not None else None,
        "pool_digest": draw.pool_digest, "commitment": draw.commitment,
        "committed_at": draw.committed_at, "drawn_at": draw.drawn_at,
        "winners": [], "redraws": [],
    }
    if draw.status == DrawStatus.drawn:
        winners, redraws = winners_of(draw)
        record.update(pool=list(draw.pool), seed=draw.seed, winners=winners, redraws=redraws)
    return record


def verification_steps(draw: Draw, limit: int = 5) -> list[dict[str, Any]]:
    """The first ``limit`` places of the draw order with their keys, for the public page's
    worked example (drawn draws only)."""
    if draw.status != DrawStatus.drawn:
        return []
    order = draw_order(draw.seed, draw.pool)[:limit]
    return [{"registration_id": r, "key": order_key(draw.seed, r)} for r in order]
