"""Contest judging: tracks, entries, judges and their sign-in links, conflicts of interest,
rounds and their rubric, assignments (manual and automatic), scorecards, and which scorecards
count (JUDGING.md §1).

Every public function takes the acting user first and checks what they may do; changes to
assignments, conflicts, round statuses and scorecards are audited.
"""

from __future__ import annotations

import math
import re
import secrets
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects import postgresql, sqlite

from eventhub import audit, permissions
from eventhub.accounts import services as accounts
from eventhub.accounts.models import NAME_MAX, User
from eventhub.database import db, is_unique_violation, transactional, unique_or, utcnow
from eventhub.errors import Conflict, NotAllowed, ValidationFailed
from eventhub.events.models import Event, EventKind
from eventhub.judging import scoring
from eventhub.judging.models import (
    Aggregation,
    Assignment,
    ConflictOfInterest,
    ConflictSource,
    Criterion,
    Entry,
    Judge,
    JudgeLink,
    Round,
    RoundEntry,
    RoundStatus,
    Scorecard,
    ScorecardStatus,
    Track,
)
from eventhub.judging.signals import round_changed, scorecard_saved

TEXT_MAX = 10_000
MEMBERS_MAX = 50
EXPERTISE_MAX = 20
POINTS_MAX = 9999
#: Weights of a rubric must sum to 100 (within this tolerance of the stored 4 decimals).
WEIGHT_EPSILON = 1e-6
#: How long a judge's unused sign-in link may open a device, and how long that device stays
#: signed in (seconds; the app's config ``JUDGE_LINK_MAX_AGE``, ``JUDGE_DEVICE_MAX_AGE``).
JUDGE_LINK_MAX_AGE = 14 * 24 * 3600
JUDGE_DEVICE_MAX_AGE = 14 * 24 * 3600


# Errors ------------------------------------------------------------------------------------


def round_closed() -> Conflict:
    return Conflict(_l("This round is not open for scoring."), code="round_closed")


def conflict_of_interest() -> Conflict:
    return Conflict(
        _l("This judge has a conflict of interest with this entry."), code="conflict_of_interest"
    )


def _require_manager(actor: User, event: Event) -> None:
    if not permissions.can_manage_event(actor, event):
        raise NotAllowed()


def _require_contest(event: Event) -> None:
    if event.kind != EventKind.contest:
        raise Conflict(_l("Judging is only available for contests."), code="not_a_contest")


def _text(value: Any, limit: int = NAME_MAX, required: bool = False) -> Any:
    """Return why a text value is not acceptable, or None."""
    if value is None:
        return _l("Enter a value.") if required else None
    if not isinstance(value, str):
        return _l("Enter text.")
    if required and not value.strip():
        return _l("Enter a value.")
    if len(value) > limit:
        return _l("Use at most %(n)d characters.", n=limit)
    return None


def _number(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
    )


# Tracks -----------------------------------------------------------------------------------


@transactional
def create_track(actor: User, event: Event, name: str) -> Track:
    """Add a track (组别) to a contest. Raises NotAllowed, Conflict ``not_a_contest`` and
    ``name_taken``, ValidationFailed."""
    _require_manager(actor, event)
    _require_contest(event)
    accounts.raise_field_errors({"name": _text(name, required=True)})
    position = db.session.scalar(
        sa.select(sa.func.count()).select_from(Track).where(Track.event_id == event.id)
    )
    track = Track(event_id=event.id, name=name.strip(), position=position or 0)
    with unique_or("name", _l("A track with this name exists already.")):
        db.session.add(track)
    audit.record("track.created", track, actor=actor, event_id=event.id,
                 after={"name": track.name})
    return track


def tracks_of(event: Event) -> list[Track]:
    """The contest's tracks in their order."""
    return list(
        db.session.scalars(
            sa.select(Track).where(Track.event_id == event.id).order_by(Track.position, Track.id)
        )
    )


# Entries ----------------------------------------------------------------------------------


@dataclass
class EntryInfo:
    title: str
    track_id: int
    team_name: str = ""
    institution: str = ""
    summary: str = ""
    members: list[dict[str, Any]] = field(default_factory=list)
    leader_id: int | None = None


def _check_members(members: Any) -> tuple[list[dict[str, str]], Any]:
    if not isinstance(members, list) or len(members) > MEMBERS_MAX:
        return [], _l("List at most %(n)d members.", n=MEMBERS_MAX)
    clean = []
    for member in members:
        if not isinstance(member, dict) or _text(member.get("name"), required=True):
            return [], _l("Give every member a name (at most 200 characters).")
        if _text(member.get("role")) or set(member) - {"name", "role"}:
            return [], _l("A member has a name and a role (at most 200 characters).")
        clean.append({"name": member["name"].strip(), "role": (member.get("role") or "").strip()})
    return clean, None


@transactional
def create_entry(actor: User, event: Event, info: EntryInfo) -> Entry:
    """Enter a project in a contest (organizers). Raises NotAllowed, Conflict
    ``not_a_contest``, ValidationFailed."""
    _require_manager(actor, event)
    _require_contest(event)
    track = db.session.get(Track, info.track_id) if isinstance(info.track_id, int) else None
    members, members_error = _check_members(info.members)
    leader = db.session.get(User, info.leader_id) if info.leader_id is not None else None
    accounts.raise_field_errors(
        {
            "title": _text(info.title, required=True),
            "track_id": None
            if track is not None and track.event_id == event.id
            else _l("Choose a track of this contest."),
            "team_name": _text(info.team_name),
            "institution": _text(info.institution),
            "summary": _text(info.summary, TEXT_MAX),
            "members": members_error,
            "leader_id": None
            if info.leader_id is None or leader is not None
            else _l("No such user."),
        }
    )
    entry = Entry(
        event_id=event.id,
        track_id=track.id,
        title=info.title.strip(),
        team_name=(info.team_name or "").strip(),
        institution=(info.institution or "").strip(),
        summary=info.summary or "",
        members=members,
        leader_id=info.leader_id,
    )
    db.session.add(entry)
    db.session.flush()
    audit.record("entry.created", entry, actor=actor, event_id=event.id,
                 after={"title": entry.title, "track_id": track.id})
    return entry


def entries_of(event: Event, track_id: int | None = None) -> list[Entry]:
    """The contest's entries by track, then in the order they were entered."""
    query = sa.select(Entry).where(Entry.event_id == event.id)
    if track_id is not None:
        query = query.where(Entry.track_id == track_id)
    return list(db.session.scalars(query.order_by(Entry.track_id, Entry.id)))


# Judges -----------------------------------------------------------------------------------


def _check_expertise(tags: Any) -> tuple[list[str], Any]:
    if tags is None:
        return [], None
    if (
        not isinstance(tags, list)
        or len(tags) > EXPERTISE_MAX
        or any(_text(t, required=True) for t in tags)
    ):
        return [], _l("List at most %(n)d tags of at most 200 characters.", n=EXPERTISE_MAX)
    return [t.strip() for t in tags], None


@transactional
def invite_judge(
    actor: User,
    event: Event,
    email: str,
    name: str | None = None,
    institution: str | None = None,
    expertise: list[str] | None = None,
    *,
    notify: bool = True,
) -> tuple[Judge, bool]:
    """Make the person of ``email`` a judge of the contest (an account is made when they have
    none) and, with ``notify``, mail them a new sign-in link (`issue_judge_link`: earlier
    links stop working); return the judge and whether they are new. Inviting a judge again
    updates the given fields. Nothing of an existing account (its name, its organization)
    reaches the contest before the judge accepts (`Judge.display_name`, `accept_invitation`).
    Raises NotAllowed, Conflict ``not_a_contest``, ValidationFailed."""
    _require_manager(actor, event)
    _require_contest(event)
    email = accounts.normalize_email(email or "")
    tags, tags_error = _check_expertise(expertise)
    accounts.raise_field_errors(
        {
            "email": accounts.check_email(email),
            "name": _text(name),
            "institution": _text(institution),
            "expertise": tags_error,
        }
    )
    name = (name or "").strip()
    user = accounts.ensure_user(email, name or email.split("@")[0])
    judge = db.session.scalar(
        sa.select(Judge).where(Judge.event_id == event.id, Judge.user_id == user.id)
    )
    created = judge is None
    before = None if created else {"institution": judge.institution, "expertise": judge.expertise}
    if created:
        judge = Judge(event_id=event.id, user_id=user.id, user=user, invited_name=name,
                      institution=(institution or "").strip(), expertise=tags)
        with unique_or("email", _l("This person is a judge of this contest already.")):
            db.session.add(judge)
    else:
        if name:
            judge.invited_name = name
        if institution is not None:
            judge.institution = institution.strip()
        if expertise is not None:
            judge.expertise = tags
        db.session.flush()
    audit.record("judge.invited", judge, actor=actor, event_id=event.id, before=before,
                 after={"user_id": user.id, "institution": judge.institution,
                        "expertise": judge.expertise})
    if notify:
        _mail_invitation(judge, event, issue_judge_link(judge))
    return judge, created


def _mail_invitation(judge: Judge, event: Event, token: str) -> None:
    from eventhub.links import external_url
    from eventhub.mail.services import queue_mail

    link = external_url("judging.sign_in", token=token)
    days = max(1, _link_max_age() // 86400)
    queue_mail(judge.user.email, "judge_invitation", judge.user.locale,
               user=judge.user, event=event, link=link, days=days)


def _link_max_age() -> int:
    return int(current_app.config.get("JUDGE_LINK_MAX_AGE", JUDGE_LINK_MAX_AGE))


def _device_max_age() -> int:
    return int(current_app.config.get("JUDGE_DEVICE_MAX_AGE", JUDGE_DEVICE_MAX_AGE))


@transactional
def issue_judge_link(judge: Judge, now: datetime | None = None) -> str:
    """Make a new sign-in link for the judge and revoke the earlier ones (a device one of them
    opened is signed out); return its token, for the mail: only its digest is stored. The
    link opens one device, once, within ``JUDGE_LINK_MAX_AGE`` (`open_judge_link`)."""
    now = now or utcnow()
    db.session.execute(
        sa.update(JudgeLink)
        .where(JudgeLink.judge_id == judge.id, JudgeLink.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    token = secrets.token_urlsafe(32)
    db.session.add(JudgeLink(judge_id=judge.id, digest=accounts.token_digest(token),
                             created_at=now, expires_at=now + timedelta(seconds=_link_max_age())))
    db.session.flush()
    return token


def _link_refused(code: str) -> ValidationFailed:
    messages = {
        "link_invalid": _l("This link is not valid."),
        "link_used": _l("This link has been used already: a judge's link opens one device "
                        "only, the first one it was opened on."),
        "link_expired": _l("This link has expired."),
        "link_revoked": _l("This link has been replaced by a newer one."),
    }
    return ValidationFailed(messages[code], code=code)


def check_judge_link(token: Any, now: datetime | None = None) -> JudgeLink:
    """The link of ``token`` while it may still open a device: not used, not revoked, not
    expired, its judge still of the contest with an active account. Raises ValidationFailed
    ``link_invalid``, ``link_used``, ``link_revoked`` or ``link_expired``."""
    if not isinstance(token, str) or not token or len(token) > 200:
        raise _link_refused("link_invalid")
    link = db.session.scalar(
        sa.select(JudgeLink).where(JudgeLink.digest == accounts.token_digest(token))
    )
    if link is None or not link.judge.user.is_active_account:
        raise _link_refused("link_invalid")
    if link.revoked_at is not None:
        raise _link_refused("link_revoked")
    if link.used_at is not None:
        raise _link_refused("link_used")
    if (now or utcnow()) >= link.expires_at:
        raise _link_refused("link_expired")
    return link


@transactional
def open_judge_link(token: Any, now: datetime | None = None) -> JudgeLink:
    """Open a judge's link on a device: the link is used up (opening it again is refused), the
    judge has accepted the invitation, and the link now names the device's judge-scoped
    session (`judge_device`). Of two opens at once one wins, the other is ``link_used``.
    Raises as `check_judge_link`."""
    now = now or utcnow()
    link = check_judge_link(token, now)
    used = db.session.execute(
        sa.update(JudgeLink)
        .where(JudgeLink.id == link.id, JudgeLink.used_at.is_(None),
               JudgeLink.revoked_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if used != 1:
        raise _link_refused("link_used")
    sa.orm.attributes.set_committed_value(link, "used_at", now)
    judge = link.judge
    audit.record("judge.link_opened", judge, actor=judge.user, event_id=judge.event_id,
                 after={"link_id": link.id})
    _accept(judge, now)
    return link


@dataclass(frozen=True)
class JudgeDevice:
    """A device signed in by a judge's link: the judge's pages and judging API of that one
    contest, nothing else of the account; never a login of the account (Flask-Login knows
    nothing of it). Judging's services take it as the actor where they take the judge's
    user: ``id`` is the user's id (the audit log names them), and every rule that finds the
    actor's judge keeps it to ``judge_id`` (`judge_of`, `can_score`, `my_assignments`,
    `acts_as`). Permission predicates find no roles in it: not an admin, no memberships."""

    link_id: int
    judge_id: int
    event_id: int
    #: The judge's user id.
    id: int
    name: str
    is_authenticated: bool = True
    is_active: bool = True
    is_anonymous: bool = False
    is_admin: bool = False
    memberships: tuple[()] = ()


def judge_device(link_id: Any, now: datetime | None = None) -> JudgeDevice | None:
    """The judge-scoped device a link opened, while it may judge: the link used and not
    revoked, opened less than ``JUDGE_DEVICE_MAX_AGE`` ago, its judge still of the contest
    with an active account; else None. One statement."""
    if not isinstance(link_id, int) or isinstance(link_id, bool):
        return None
    link = db.session.scalar(
        sa.select(JudgeLink).where(JudgeLink.id == link_id)
        .options(sa.orm.joinedload(JudgeLink.judge))
    )
    if (
        link is None
        or link.used_at is None
        or link.revoked_at is not None
        or (now or utcnow()) >= link.used_at + timedelta(seconds=_device_max_age())
        or not link.judge.user.is_active_account
    ):
        return None
    judge = link.judge
    return JudgeDevice(link_id=link.id, judge_id=judge.id, event_id=judge.event_id,
                       id=judge.user_id, name=judge.user.name)


def acts_as(actor: Any, judge: Judge) -> bool:
    """Tell whether the actor is this judge: signed in with the judge's account, or a device
    this judge's link opened."""
    if isinstance(actor, JudgeDevice):
        return actor.judge_id == judge.id
    return bool(getattr(actor, "is_authenticated", False)) and actor.id == judge.user_id


def _accept(judge: Judge, now: datetime) -> None:
    if judge.accepted_at is not None:
        return
    judge.accepted_at = now
    before = judge.institution
    if not judge.institution and judge.user.organization:
        # The judge's own institution now makes automatic conflicts (as an organizer's would).
        judge.institution = judge.user.organization.strip()
    db.session.flush()
    audit.record("judge.accepted", judge, actor=judge.user, event_id=judge.event_id,
                 before={"institution": before}, after={"institution": judge.institution})
    if judge.institution != before:
        announce_rounds(judge.event_id, db.session.scalars(
            sa.select(Assignment.round_id).where(Assignment.judge_id == judge.id)
        ))


@transactional
def accept_invitation(actor: Any, judge: Judge, now: datetime | None = None) -> Judge:
    """The judge takes up the invitation (using the judging pages signed in with their
    account; opening their link does it too): organizers see their name from now on, and an
    institution left empty becomes their account's. Nothing happens when accepted already.
    Raises NotAllowed unless the actor is the judge."""
    if not acts_as(actor, judge):
        raise NotAllowed()
    _accept(judge, now or utcnow())
    return judge


def judges_of(event: Event) -> list[Judge]:
    return list(
        db.session.scalars(sa.select(Judge).where(Judge.event_id == event.id).order_by(Judge.id))
    )


def judge_names(event_id: int) -> dict[int, str]:
    """The names organizers see of the contest's judges, by judge id (`Judge.display_name`:
    an account's own name only once the judge accepted)."""
    return {
        judge.id: judge.display_name
        for judge in db.session.scalars(sa.select(Judge).where(Judge.event_id == event_id))
    }


def judge_of(user: Any, event_id: int) -> Judge | None:
    """The user's judge record in the contest (a judge device's own, in its contest only), or
    None."""
    if isinstance(user, JudgeDevice):
        return db.session.get(Judge, user.judge_id) if user.event_id == event_id else None
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(
        sa.select(Judge).where(Judge.event_id == event_id, Judge.user_id == user.id)
    )


# Conflicts of interest --------------------------------------------------------------------


def _institution_key(value: str | None) -> str:
    return re.sub(r"\s+", "", value or "").casefold()


def same_institution(judge: Judge, entry: Entry) -> bool:
    """An automatic conflict: the same non-empty institution (case and spaces ignored)."""
    key = _institution_key(judge.institution)
    return bool(key) and key == _institution_key(entry.institution)


def declared_pairs(event_id: int) -> set[tuple[int, int]]:
    """(judge_id, entry_id) of every declared conflict in the contest."""
    rows = db.session.execute(
        sa.select(ConflictOfInterest.judge_id, ConflictOfInterest.entry_id)
        .join(Judge, Judge.id == ConflictOfInterest.judge_id)
        .where(Judge.event_id == event_id)
    )
    return {(j, e) for j, e in rows}


def conflicted_pairs(
    event_id: int, judges: Iterable[Judge], entries: Iterable[Entry]
) -> set[tuple[int, int]]:
    """Every conflicted (judge_id, entry_id) among ``judges`` × ``entries``: declared, or the
    same institution."""
    pairs = declared_pairs(event_id)
    by_key: dict[str, list[int]] = defaultdict(list)
    for entry in entries:
        key = _institution_key(entry.institution)
        if key:
            by_key[key].append(entry.id)
    for judge in judges:
        for entry_id in by_key.get(_institution_key(judge.institution), ()):
            pairs.add((judge.id, entry_id))
    return pairs


def is_conflicted(judge: Judge, entry: Entry) -> bool:
    """Tell whether the judge may not score the entry (declared or automatic conflict)."""
    if same_institution(judge, entry):
        return True
    return db.session.scalar(
        sa.select(sa.literal(True)).where(
            ConflictOfInterest.judge_id == judge.id, ConflictOfInterest.entry_id == entry.id
        )
    ) is not None


@transactional
def declare_conflict(
    actor: User, event: Event, judge_id: int, entry_id: int, reason: str = ""
) -> tuple[ConflictOfInterest, bool]:
    """Declare that a judge must not score an entry (an organizer, or the judge: "I know this
    team"); return the conflict and whether it is new. Assignments stay, but the scorecard
    stops counting. Raises NotAllowed, ValidationFailed."""
    judge = db.session.get(Judge, judge_id)
    entry = db.session.get(Entry, entry_id)
    manager = permissions.can_manage_event(actor, event)
    if not manager and not (judge is not None and acts_as(actor, judge)
                            and judge.event_id == event.id):
        raise NotAllowed()
    accounts.raise_field_errors(
        {
            "judge_id": None if judge is not None and judge.event_id == event.id
            else _l("Choose a judge of this contest."),
            "entry_id": None if entry is not None and entry.event_id == event.id
            else _l("Choose an entry of this contest."),
            "reason": _text(reason, TEXT_MAX),
        }
    )
    existing = db.session.scalar(
        sa.select(ConflictOfInterest).where(
            ConflictOfInterest.judge_id == judge.id, ConflictOfInterest.entry_id == entry.id
        )
    )
    if existing is not None:
        return existing, False
    conflict = ConflictOfInterest(
        judge_id=judge.id,
        entry_id=entry.id,
        reason=(reason or "").strip(),
        declared_by_id=actor.id,
        source=ConflictSource.organizer if manager else ConflictSource.judge,
    )
    with unique_or("entry_id", _l("This conflict is declared already."), "conflict_declared"):
        db.session.add(conflict)
    audit.record("conflict.declared", conflict, actor=actor, event_id=event.id,
                 after={"judge_id": judge.id, "entry_id": entry.id, "reason": conflict.reason,
                        "source": conflict.source.value})
    announce_rounds(event.id, pair_rounds(judge.id, entry.id))
    return conflict, True


def conflicts_of(event: Event) -> list[ConflictOfInterest]:
    return list(
        db.session.scalars(
            sa.select(ConflictOfInterest)
            .join(Judge, Judge.id == ConflictOfInterest.judge_id)
            .where(Judge.event_id == event.id)
            .order_by(ConflictOfInterest.id)
        )
    )


# Rounds and rubric ------------------------------------------------------------------------


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


def _check_round(info: RoundInfo) -> None:
    rules = [r for r in ("advance_top_n", "advance_top_percent", "advance_threshold")
             if getattr(info, r) is not None]
    errors: dict[str, Any] = {
        "name": _text(info.name, required=True),
        "aggregation": None if info.aggregation in Aggregation.__members__
        else _l("Choose a method from the list."),
    }
    if len(rules) > 1:
        for rule in rules:
            errors[rule] = _l("Choose one advancement rule at most.")
    n, percent, threshold = info.advance_top_n, info.advance_top_percent, info.advance_threshold
    if n is not None and not (isinstance(n, int) and 1 <= n <= 100_000):
        errors["advance_top_n"] = _l("Enter a number from 1.")
    if percent is not None and not (_number(percent) and 0 < percent <= 100):
        errors["advance_top_percent"] = _l("Enter a percentage above 0, at most 100.")
    if threshold is not None and not (_number(threshold) and 0 <= threshold <= 100):
        errors["advance_threshold"] = _l("Enter a score from 0 to 100.")
    if info.opens_at and info.closes_at and info.closes_at <= info.opens_at:
        errors["closes_at"] = _l("The round must close after it opens.")
    accounts.raise_field_errors(errors)


@transactional
def create_round(actor: User, event: Event, info: RoundInfo) -> Round:
    """Add a round after the contest's others. Raises NotAllowed, Conflict ``not_a_contest``
    and ``name_taken``, ValidationFailed."""
    _require_manager(actor, event)
    _require_contest(event)
    _check_round(info)
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
    return list(
        db.session.scalars(
            sa.select(Round).where(Round.event_id == event.id).order_by(Round.position, Round.id)
        )
    )


def weight_total(round_: Round) -> float:
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
    _require_manager(actor, round_.event)
    if round_.status != RoundStatus.draft:
        raise Conflict(_l("The rubric cannot change once the round has opened."),
                       code="round_not_draft")
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
        "name": _text(values["name"], required=True),
        "description": _text(values["description"], TEXT_MAX),
    }
    if not (_number(max_points) and 0 < max_points <= POINTS_MAX):
        problems["max_points"] = _l("Enter points above 0, at most %(n)d.", n=POINTS_MAX)
    if not (_number(weight) and 0 < weight <= 100):
        problems["weight"] = _l("Enter a weight above 0, at most 100.")
    elif others + weight > 100 + WEIGHT_EPSILON:
        problems["weight"] = _l("The weights would exceed 100 (the others make %(total)s).",
                                total=f"{round(others, 4):g}")
    accounts.raise_field_errors(problems)
    return {"name": values["name"].strip(), "description": values["description"] or "",
            "max_points": round(float(max_points), 4), "weight": round(float(weight), 4)}


def round_entry_ids(round_: Round) -> set[int]:
    """The entries taking part: those chosen for the round, else every entry of the contest."""
    chosen = set(
        db.session.scalars(sa.select(RoundEntry.entry_id).where(RoundEntry.round_id == round_.id))
    )
    if chosen:
        return chosen
    return set(db.session.scalars(sa.select(Entry.id).where(Entry.event_id == round_.event_id)))


def round_entries(round_: Round) -> list[Entry]:
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
    _require_manager(actor, round_.event)
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


def announce_rounds(event_id: int, round_ids: Iterable[int]) -> None:
    """Tell listeners (the live roadshow's screens) that these rounds changed: their status,
    entries, assignments or the conflicts of their judges."""
    for round_id in sorted(set(round_ids)):
        round_changed.send(event_id=event_id, round_id=round_id)


def pair_rounds(judge_id: int, entry_id: int) -> list[int]:
    """The rounds in which the judge is assigned to the entry."""
    return list(db.session.scalars(
        sa.select(Assignment.round_id).where(Assignment.judge_id == judge_id,
                                             Assignment.entry_id == entry_id)
    ))


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
    _require_manager(actor, round_.event)
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
        accounts.raise_field_errors({"reason": _text(reason, TEXT_MAX, required=True)})
        if ended:
            round_.closes_at = None
        _set_status(actor, round_, RoundStatus.open, verb="reopened", reason=reason.strip())
    else:
        raise Conflict(_l("Only a draft or closed round can be opened."), code="round_status")
    return round_


@transactional
def close_round(actor: User, round_: Round) -> Round:
    """End scoring. Raises NotAllowed, Conflict ``round_status``."""
    _require_manager(actor, round_.event)
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
    _require_manager(actor, round_.event)
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


# Assignments ------------------------------------------------------------------------------


def _judge_in(event_id: int, judge_id: Any) -> Judge | None:
    judge = db.session.get(Judge, judge_id) if isinstance(judge_id, int) else None
    return judge if judge is not None and judge.event_id == event_id else None


@transactional
def assign(actor: User, round_: Round, judge_id: int, entry_id: int) -> tuple[Assignment, bool]:
    """Assign a judge to an entry of the round; return it and whether it is new. Raises
    NotAllowed, Conflict ``round_closed`` and ``conflict_of_interest``, ValidationFailed."""
    _require_manager(actor, round_.event)
    if round_.status not in (RoundStatus.draft, RoundStatus.open):
        raise round_closed()
    judge = _judge_in(round_.event_id, judge_id)
    entry = db.session.get(Entry, entry_id) if isinstance(entry_id, int) else None
    accounts.raise_field_errors(
        {
            "judge_id": None if judge else _l("Choose a judge of this contest."),
            "entry_id": None if entry is not None and entry.id in round_entry_ids(round_)
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
    _require_manager(actor, round_.event)
    if round_.status not in (RoundStatus.draft, RoundStatus.open):
        raise round_closed()
    before = {"round_id": round_.id, "judge_id": assignment.judge_id,
              "entry_id": assignment.entry_id}
    audit.record("assignment.removed", assignment, actor=actor, event_id=round_.event_id,
                 before=before)
    db.session.delete(assignment)
    db.session.flush()
    announce_rounds(round_.event_id, [round_.id])


def _matches(judge: Judge, track_name: str) -> bool:
    key = _institution_key(track_name)
    return bool(key) and any(
        (tag_key := _institution_key(tag)) and (tag_key in key or key in tag_key)
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
    _require_manager(actor, round_.event)
    if round_.status not in (RoundStatus.draft, RoundStatus.open):
        raise round_closed()
    judges = judges_of(round_.event)
    if not (isinstance(judges_per_entry, int) and 1 <= judges_per_entry <= max(len(judges), 1)):
        raise ValidationFailed(fields={"auto.judges_per_entry": _l(
            "Enter a number from 1 to the number of judges (%(n)d).", n=len(judges))})
    entries = round_entries(round_)
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


def assignments_of(round_: Round) -> list[Assignment]:
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


# Scorecards -------------------------------------------------------------------------------


def can_score(user: Any, round_: Round, entry: Entry) -> bool:
    """The user is a judge of the contest, assigned to the entry in the round, and has no
    conflict of interest with it."""
    return _scoring(user, round_, entry) is not None


def _may_score(round_id: Any, entry_id: Any) -> tuple[sa.ColumnElement[bool], ...]:
    """A judge (``Judge``) may score the entry in the round: assigned to it, with no declared
    conflict (same-institution ones are checked in Python: `same_institution`)."""
    return (
        sa.exists().where(
            Assignment.round_id == round_id,
            Assignment.judge_id == Judge.id,
            Assignment.entry_id == entry_id,
        ),
        ~sa.exists().where(
            ConflictOfInterest.judge_id == Judge.id, ConflictOfInterest.entry_id == entry_id
        ),
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
#: The same from the round ``:round_id`` (with its rubric) and the entry ``:entry_id`` when
#: it is one of the round's contest: all a save reads, in one statement.
_TARGET = (
    sa.select(Round, Entry, Judge.id.label("judge_id"), Judge.institution, Scorecard)
    .outerjoin(
        Entry, sa.and_(Entry.id == sa.bindparam("entry_id"), Entry.event_id == Round.event_id)
    )
    .outerjoin(
        Judge,
        sa.and_(
            Judge.event_id == Round.event_id,
            Judge.user_id == sa.bindparam("user_id"),
            *_may_score(Round.id, Entry.id),
        ),
    )
    .outerjoin(Scorecard, _JUDGE_AND_CARD)
    .where(Round.id == sa.bindparam("round_id"))
    .options(
        sa.orm.joinedload(Round.criteria),
        sa.orm.load_only(Entry.id, Entry.event_id, Entry.track_id, Entry.institution),
    )
    .execution_options(populate_existing=True)
)
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


def _scoring(user: Any, round_: Round, entry: Entry) -> sa.Row | None:
    """The user's standing when they may read and score ``entry`` in ``round_`` (a judge of
    the contest assigned to it, with no declared or same-institution conflict): ``(judge_id,
    institution, Scorecard | None)``; else None. One statement."""
    if entry.event_id != round_.event_id or not getattr(user, "is_authenticated", False):
        return None
    row = db.session.execute(
        _SCORING,
        {"event_id": round_.event_id, "user_id": user.id, "round_id": round_.id,
         "entry_id": entry.id},
    ).first()
    return _standing(user, row, entry)



def scorecard_total(criteria: Iterable[Criterion], scores: dict[str, Any]) -> float:
    """Σ weight × score / max_points over the criteria scored so far (JUDGING.md §2), rounded
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
    errors: dict[str, Any] = {"comment": _text(comment, TEXT_MAX)}
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
        elif not _number(value) or not 0 <= value <= criterion.max_points:
            errors[f"scores.{key}"] = _l("Enter a score from 0 to %(max)s.",
                                          max=f"{criterion.max_points:g}")
        else:
            clean[str(criterion.id)] = value
    if submit:
        for key in by_id:
            if key not in clean and f"scores.{key}" not in errors:
                errors[f"scores.{key}"] = _l("Score every criterion before submitting.")
    accounts.raise_field_errors(errors)
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

    ``standing``: the actor's, as `scoring_target` read it with the round and the entry (not
    given, or None: read here). Three statements, two with it: the judge's assignment with
    the card, its insert or update, the audit entry (a hot path: every judge's tablet saves
    every few seconds).
    """
    scoring_row = standing or _scoring(actor, round_, entry)
    if scoring_row is None:
        raise NotAllowed()
    now = now or utcnow()
    if not _scoring_window_open(round_, now):
        raise round_closed()
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
        .where(Judge.user_id == actor.id)
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


# Which scorecards count -------------------------------------------------------------------


class _Inst:
    """Just what `conflicted_pairs` reads of a judge or an entry."""

    __slots__ = ("id", "institution")

    def __init__(self, id_: int, institution: str) -> None:
        self.id, self.institution = id_, institution


def valid_scorecard_rows(round_: Round) -> list[sa.Row]:
    """``(id, judge_id, entry_id, scores)`` of the round's scorecards that count (JUDGING.md
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
    taking_part = round_entry_ids(round_)
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
    taking_part = round_entry_ids(round_)
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
    scorecards and whether it advances (JUDGING.md; computed by `scoring.results`), and per
    criterion of the rubric the mean raw points over those scorecards."""
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
    """JUDGING.md §5 for organizers: per judge n, mean, SD and mean deviation from the panel;
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
