"""Judges of a contest: invitations (an account made when the person has none), the
judge-scoped sign-in links and the devices they open, acceptance, editing and removing a judge,
and conflicts of interest: declared (by an organizer, or by the judge) and automatic (the same
institution, `same_institution`; a mentor who coached the entry, `coaching_conflict`), which keep
a judge from scoring an entry (docs/JUDGING.md §1).

Every public function that changes something takes the acting user first, checks what they
may do and audits the change.
"""

from __future__ import annotations

import re
import secrets
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext

from eventhub import audit, permissions
from eventhub.accounts import services as accounts
from eventhub.accounts.models import NAME_MAX, User
from eventhub.accounts.signals import password_changed
from eventhub.database import db, transactional, unique_or, utcnow
from eventhub.errors import Conflict, NotAllowed, ValidationFailed, raise_field_errors
from eventhub.events.models import Event
from eventhub.judging import checks
from eventhub.judging.models import (
    Assignment,
    ConflictOfInterest,
    ConflictSource,
    Entry,
    Judge,
    JudgeLink,
    Scorecard,
    ScorecardStatus,
)
from eventhub.judging.signals import announce_rounds
from eventhub.mentors.models import Mentor, MentorCoaching
from eventhub.text import check_tags, text_error

EXPERTISE_MAX = 20
#: How long a judge's unused sign-in link may open a device, and how long that device stays
#: signed in (seconds; the app's config ``JUDGE_LINK_MAX_AGE``, ``JUDGE_DEVICE_MAX_AGE``).
JUDGE_LINK_MAX_AGE = 14 * 24 * 3600
JUDGE_DEVICE_MAX_AGE = 14 * 24 * 3600


def conflict_of_interest() -> Conflict:
    return Conflict(
        _l("This judge has a conflict of interest with this entry."), code="conflict_of_interest"
    )


# Inviting judges --------------------------------------------------------------------------


def pool_mentor(event: Event, mentor_id: Any) -> Mentor | None:
    """The mentor ``mentor_id`` when they are of the mentor pool of the contest's organization
    (organizers may invite them as judges), else None."""
    if not isinstance(mentor_id, int) or isinstance(mentor_id, bool):
        return None
    mentor = db.session.get(Mentor, mentor_id)
    return mentor if mentor is not None and mentor.org_id == event.org_id else None


@transactional
def invite_judge(
    actor: User,
    event: Event,
    email: str | None,
    name: str | None = None,
    institution: str | None = None,
    expertise: list[str] | None = None,
    *,
    notify: bool = True,
    mentor_id: Any = None,
) -> tuple[Judge, bool]:
    """Make the person of ``email`` a judge of the contest (an account is made when they have
    none) and, with ``notify``, mail them a new sign-in link (`issue_judge_link`: earlier
    links stop working); return the judge and whether they are new. Inviting a judge again
    updates the given fields. Nothing of an existing account (its name, its organization)
    reaches the contest before the judge accepts (`Judge.display_name`, `accept_invitation`).

    ``mentor_id`` instead of ``email`` invites a mentor of the organization's pool
    (`pool_mentor`): their email, and unless given their name, affiliation (as the
    institution) and expertise, which the organizers see in the pool already.
    Raises NotAllowed, Conflict ``not_a_contest``, ValidationFailed."""
    permissions.require(permissions.can_manage_event, actor, event)
    checks.require_contest(event)
    email = accounts.normalize_email(email or "")
    if mentor_id is not None:
        mentor = pool_mentor(event, mentor_id)
        raise_field_errors({
            "mentor_id": None if mentor else _l("Choose a mentor of this organization's pool."),
            "email": None if mentor is None or email in ("", mentor.user.email)
            else _l("Give an email or choose a mentor of the pool, not both."),
        })
        email = mentor.user.email
        name = name or mentor.user.name
        institution = institution or mentor.affiliation or None
        expertise = expertise or list(mentor.expertise or [])[:EXPERTISE_MAX] or None
    tags, tags_error = check_tags(expertise, most=EXPERTISE_MAX)
    raise_field_errors(
        {
            "email": accounts.check_email(email),
            "name": text_error(name, limit=NAME_MAX),
            "institution": text_error(institution, limit=NAME_MAX),
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
                        "expertise": judge.expertise, "mentor_id": mentor_id})
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


@transactional
def update_judge(
    actor: User, judge: Judge, institution: str | None = None,
    expertise: list[str] | None = None,
) -> Judge:
    """Change a judge's institution and expertise tags (what is None stays). A new
    institution may make (or end) automatic conflicts. Raises NotAllowed, ValidationFailed."""
    event = db.session.get(Event, judge.event_id)
    permissions.require(permissions.can_manage_event, actor, event)
    tags, tags_error = check_tags(expertise, most=EXPERTISE_MAX)
    raise_field_errors(
        {"institution": text_error(institution, limit=NAME_MAX), "expertise": tags_error}
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
    permissions.require(permissions.can_manage_event, actor, event)
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
    announce_rounds(event.id, rounds)


# Sign-in links and judge devices ----------------------------------------------------------


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
    revoke_judge_links([judge.id], now)
    token = secrets.token_urlsafe(32)
    db.session.add(JudgeLink(judge_id=judge.id, digest=accounts.token_digest(token),
                             created_at=now, expires_at=now + timedelta(seconds=_link_max_age())))
    db.session.flush()
    return token


def revoke_judge_links(judge_ids: Any, now: datetime | None = None) -> int:
    """Revoke the sign-in links of these judges (ids, or a select of them) that are not revoked
    yet: an unused one no longer opens, and the device a used one opened is signed out
    (`judge_device` refuses a revoked link). Return how many were revoked."""
    return db.session.execute(
        sa.update(JudgeLink)
        .where(JudgeLink.judge_id.in_(judge_ids), JudgeLink.revoked_at.is_(None))
        .values(revoked_at=now or utcnow())
    ).rowcount


@password_changed.connect
def _sign_out_devices_of(user: User, *, now: datetime | None = None, **_: Any) -> None:
    """A new password (changed or reset) signs out the judge devices of the account too, in
    every contest it judges, as it signs out its sessions and API tokens."""
    revoke_judge_links(sa.select(Judge.id).where(Judge.user_id == user.id), now)


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


# Acceptance -------------------------------------------------------------------------------


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
    permissions.require(acts_as, actor, judge)
    _accept(judge, now or utcnow())
    return judge


# Reading judges ---------------------------------------------------------------------------


def judges_of(event: Event) -> list[Judge]:
    """The contest's judges in the order they were invited."""
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


def institution_key(value: str | None) -> str:
    return re.sub(r"\s+", "", value or "").casefold()


def same_institution(judge: Judge, entry: Entry) -> bool:
    """An automatic conflict: the same non-empty institution (case and spaces ignored)."""
    key = institution_key(judge.institution)
    return bool(key) and key == institution_key(entry.institution)


def declared_pairs(event_id: int) -> set[tuple[int, int]]:
    """(judge_id, entry_id) of every declared conflict in the contest."""
    rows = db.session.execute(
        sa.select(ConflictOfInterest.judge_id, ConflictOfInterest.entry_id)
        .join(Judge, Judge.id == ConflictOfInterest.judge_id)
        .where(Judge.event_id == event_id)
    )
    return {(j, e) for j, e in rows}


def _coached(user_id: Any, entry_id: Any) -> tuple[sa.ColumnElement[bool], ...]:
    """The rule of the mentor conflict as SQL conditions on ``Mentor`` and ``MentorCoaching``:
    a mentor of the account ``user_id`` (in any organization's pool) logged a coaching of the
    entry ``entry_id``. Coachings are deleted outright, so every stored one counts."""
    return (
        Mentor.user_id == user_id,
        MentorCoaching.mentor_id == Mentor.id,
        MentorCoaching.entry_id == entry_id,
    )


def coaching_conflict(user_id: Any, entry_id: Any) -> sa.Exists:
    """SQL: the judge of the account ``user_id`` is in conflict with the entry ``entry_id``
    automatically because, as a mentor, they coached it (API.md "Mentors": like a shared
    institution, in every round of the contest). Columns or values; for a query that already
    reads the judge (scorecards), so the check costs no statement of its own."""
    return sa.exists().where(*_coached(user_id, entry_id))


def coached_pairs(judge_ids: Iterable[int]) -> dict[tuple[int, int], datetime]:
    """(judge_id, entry_id) -> when the judge, as a mentor, first coached the entry, for these
    judges and the entries of their own contests (the mentor conflict, `coaching_conflict`).
    One statement."""
    ids = set(judge_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(Judge.id, Entry.id, sa.func.min(MentorCoaching.started_at))
        .where(Judge.id.in_(ids), Entry.event_id == Judge.event_id,
               *_coached(Judge.user_id, Entry.id))
        .group_by(Judge.id, Entry.id)
    )
    return {(judge_id, entry_id): first for judge_id, entry_id, first in rows}


def conflicted_pairs(
    event_id: int, judges: Iterable[Judge], entries: Iterable[Entry]
) -> set[tuple[int, int]]:
    """Every conflicted (judge_id, entry_id) among ``judges`` × ``entries``: declared, the
    same institution, or coached by the judge as a mentor (three statements at most)."""
    judges = list(judges)
    pairs = declared_pairs(event_id)
    pairs.update(coached_pairs(judge.id for judge in judges))
    by_key: dict[str, list[int]] = defaultdict(list)
    for entry in entries:
        key = institution_key(entry.institution)
        if key:
            by_key[key].append(entry.id)
    for judge in judges:
        for entry_id in by_key.get(institution_key(judge.institution), ()):
            pairs.add((judge.id, entry_id))
    return pairs


def is_conflicted(judge: Judge, entry: Entry) -> bool:
    """Tell whether the judge may not score the entry (a declared or an automatic conflict;
    one statement at most)."""
    if same_institution(judge, entry):
        return True
    declared = sa.exists().where(
        ConflictOfInterest.judge_id == judge.id, ConflictOfInterest.entry_id == entry.id
    )
    return bool(db.session.scalar(
        sa.select(sa.or_(declared, coaching_conflict(judge.user_id, entry.id)))
    ))


def pair_rounds(judge_id: int, entry_id: int) -> list[int]:
    """The rounds in which the judge is assigned to the entry."""
    return list(db.session.scalars(
        sa.select(Assignment.round_id).where(Assignment.judge_id == judge_id,
                                             Assignment.entry_id == entry_id)
    ))


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
    raise_field_errors(
        {
            "judge_id": None if judge is not None and judge.event_id == event.id
            else _l("Choose a judge of this contest."),
            "entry_id": None if entry is not None and entry.event_id == event.id
            else _l("Choose an entry of this contest."),
            "reason": text_error(reason, limit=checks.TEXT_MAX),
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


@transactional
def withdraw_conflict(actor: User, conflict: ConflictOfInterest) -> None:
    """Withdraw a declared conflict of interest (organizers): the judge's scorecard of the
    entry counts again if they are assigned. Same-institution conflicts cannot be withdrawn
    (they are not stored). Raises NotAllowed."""
    judge = db.session.get(Judge, conflict.judge_id)
    event = db.session.get(Event, judge.event_id)
    permissions.require(permissions.can_manage_event, actor, event)
    audit.record("conflict.withdrawn", conflict, actor=actor, event_id=event.id,
                 before={"judge_id": conflict.judge_id, "entry_id": conflict.entry_id,
                         "reason": conflict.reason, "source": conflict.source.value})
    rounds = pair_rounds(conflict.judge_id, conflict.entry_id)
    db.session.delete(conflict)
    db.session.flush()
    announce_rounds(event.id, rounds)


def conflicts_of(event: Event) -> list[ConflictOfInterest]:
    """The conflicts declared in the contest, in the order they were declared."""
    return list(
        db.session.scalars(
            sa.select(ConflictOfInterest)
            .join(Judge, Judge.id == ConflictOfInterest.judge_id)
            .where(Judge.event_id == event.id)
            .order_by(ConflictOfInterest.id)
        )
    )


@dataclass
class AutomaticConflict:
    """A conflict nobody has to declare, with its reasons (one or both)."""

    judge: Judge
    entry: Entry
    #: The judge and the entry are of the same institution.
    shared_institution: bool = False
    #: When the judge, as a mentor, first coached the entry (None: they did not).
    coached_at: datetime | None = None


def automatic_conflicts(
    judges: Iterable[Judge], entries: Iterable[Entry]
) -> list[AutomaticConflict]:
    """The automatic conflicts among ``judges`` × ``entries`` (the same institution, or
    coached by the judge as a mentor), judge by judge, for organizers to see why."""
    judges, entries = list(judges), list(entries)
    coached = coached_pairs(judge.id for judge in judges)
    found = []
    for judge in judges:
        for entry in entries:
            shared = same_institution(judge, entry)
            coached_at = coached.get((judge.id, entry.id))
            if shared or coached_at is not None:
                found.append(AutomaticConflict(judge, entry, shared, coached_at))
    return found
