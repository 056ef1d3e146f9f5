"""Audience voting (人气奖) and live polls: an organizer puts a question to an event's
registrants, opens it, closes it; each registration votes once; the big screen shows the bars.

The rules:

- options are free text (2 to `OPTIONS_MAX`, each ≤ 200 characters, no two alike) or the
  entries of one of the event's rounds (then each option stands for an entry); a vote chooses
  1 to ``max_choices`` of them, each once;
- draft → open → closed (`open_poll`, `close_poll`, both audited); votes only while open, so
  a poll once closed never reopens and its results stay what was shown;
- who votes: a registration of the event, confirmed, and checked in when the poll says
  ``checked_in`` (at the main door: `checkin.services.checked_in_query`); a person
  has one registration per event, so "the caller's registration" is that one;
- one vote per registration under any concurrency: the unique (poll, registration) constraint
  decides, never a read before the write (`vote`);
- results (`results`): the event's organizers always, everyone who sees the event once the
  poll is closed; voters see nothing before the close, so early bars sway no one;
- the alarm (`alarm`): votes arriving faster than people could cast them. It does not refuse
  votes (a hall on one Wi-Fi shares one address); it tells organizers where to look:

  * more than `RATE_MAX_VOTES` votes within `RATE_WINDOW_SECONDS` seconds in one poll
    (above 6 a second for 10 seconds: a hall taps in bursts, but a script is steadier and
    faster), and
  * more than `DEVICE_MAX_VOTES` votes from one device (the same IP address and browser:
    `device_key`, a keyed digest; the address itself is never stored).
"""

from __future__ import annotations

import hashlib
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from eventhub import audit, permissions
from eventhub.checkin import services as checkin
from eventhub.database import db, is_unique_violation, lock_for_write, transactional, utcnow
from eventhub.engagement.models import (
    POLL_TEXT_MAX,
    Poll,
    PollChoice,
    PollEligibility,
    PollOption,
    PollStatus,
    PollVote,
)
from eventhub.errors import Conflict, NotAllowed, ValidationFailed, raise_field_errors
from eventhub.events.models import Event
from eventhub.judging.models import Round
from eventhub.judging.rounds import round_entries
from eventhub.live import LiveVersion
from eventhub.registrations.models import Registration, RegistrationStatus
from eventhub.text import text_error

#: Most options a poll may have, and most choices a vote may make.
OPTIONS_MAX = 100
#: The alarm: more than this many votes within the window (seconds) in one poll …
RATE_MAX_VOTES, RATE_WINDOW_SECONDS = 60, 10
#: … or more than this many votes from one device (IP address and browser).
DEVICE_MAX_VOTES = 3

ELIGIBILITIES = tuple(PollEligibility)


def poll_closed(poll: Poll) -> Conflict:
    message = (_l("Voting has not started yet.") if poll.status == PollStatus.draft
               else _l("Voting has closed."))
    return Conflict(message, code="poll_closed")


def not_eligible(poll: Poll) -> Conflict:
    message = (_l("Only people who have checked in at the event may vote.")
               if poll.eligible == PollEligibility.checked_in
               else _l("Only confirmed registrants of the event may vote."))
    return Conflict(message, code="not_eligible")


def already_voted() -> Conflict:
    return Conflict(_l("You have already voted in this poll."), code="already_voted")


# Who ----------------------------------------------------------------------------------------


def can_manage_poll(user: Any, poll: Poll) -> bool:
    """Create, open and close the event's polls and see results at any time: its organizers."""
    return permissions.can_manage_event(user, poll.event)


def can_see_poll(user: Any, poll: Poll) -> bool:
    """See a poll's question and options: its organizers; anyone who sees the event once it
    is no longer a draft."""
    return can_manage_poll(user, poll) or (
        poll.status != PollStatus.draft and permissions.can_view_event(user, poll.event))


def can_see_results(user: Any, poll: Poll) -> bool:
    """See the counts: organizers always, everyone who sees the event once it is closed."""
    return can_manage_poll(user, poll) or (
        poll.status == PollStatus.closed and permissions.can_view_event(user, poll.event))


def registration_of(user: Any, event: Event) -> Registration | None:
    """The user's registration at the event (one per person and event), or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(sa.select(Registration).where(
        Registration.event_id == event.id, Registration.user_id == user.id))


def checked_in(registration: Registration) -> bool:
    """Whether the registration checked in at its event's main door (the check-in rule:
    `checkin.services.checked_in_query`)."""
    return db.session.scalar(sa.select(sa.exists().where(
        Registration.id == registration.id,
        Registration.id.in_(checkin.checked_in_query(registration.event)),
    )))


def is_eligible(registration: Registration | None, poll: Poll) -> bool:
    """Whether the registration may vote in the poll (see the module docstring)."""
    if registration is None or registration.event_id != poll.event_id:
        return False
    if registration.status != RegistrationStatus.confirmed:
        return False
    return poll.eligible != PollEligibility.checked_in or checked_in(registration)


def has_voted(registration: Registration | None, poll: Poll) -> bool:
    """Whether the registration has voted in the poll."""
    if registration is None:
        return False
    return db.session.scalar(sa.select(sa.exists().where(
        PollVote.poll_id == poll.id, PollVote.registration_id == registration.id)))


def device_key(ip: str | None, user_agent: str | None) -> str:
    """The alarm's name for a device: a digest of its IP address and browser, keyed with the
    app's secret (the address cannot be read back from it)."""
    key = current_app.config["SECRET_KEY"].encode()[:64]
    text = f"{ip or ''}|{user_agent or ''}".encode()
    return hashlib.blake2b(text, key=key, digest_size=16).hexdigest()


# Reading ------------------------------------------------------------------------------------


def polls_of(event: Event, drafts: bool = False) -> list[Poll]:
    """The event's polls, newest first; drafts only when asked (organizers)."""
    query = sa.select(Poll).where(Poll.event_id == event.id)
    if not drafts:
        query = query.where(Poll.status != PollStatus.draft)
    return list(db.session.scalars(query.order_by(Poll.created_at.desc(), Poll.id.desc())))


def open_polls(event_id: int) -> list[Poll]:
    """The event's open polls, oldest first (the order they were opened in)."""
    return list(db.session.scalars(sa.select(Poll).where(
        Poll.event_id == event_id, Poll.status == PollStatus.open,
    ).order_by(Poll.opened_at, Poll.id)))


def tally(poll: Poll) -> dict[str, Any]:
    """``{voters, options: [{id, label, votes}]}`` in one aggregate query, options in their
    order. No permission check: callers show it only to whom `can_see_results` allows."""
    voters = (sa.select(sa.func.count()).select_from(PollVote)
              .where(PollVote.poll_id == poll.id).scalar_subquery())
    rows = db.session.execute(
        sa.select(PollOption.id, PollOption.label,
                  sa.func.count(PollChoice.vote_id).label("votes"), voters.label("voters"))
        .outerjoin(PollChoice, PollChoice.option_id == PollOption.id)
        .where(PollOption.poll_id == poll.id)
        .group_by(PollOption.id, PollOption.label, PollOption.position)
        .order_by(PollOption.position, PollOption.id)
    ).all()
    return {"voters": rows[0].voters if rows else 0,
            "options": [{"id": r.id, "label": r.label, "votes": r.votes} for r in rows]}


def results(viewer: Any, poll: Poll) -> dict[str, Any]:
    """The poll's counts (`tally`). Raises NotAllowed (not an organizer and not closed yet:
    results stay hidden from voters until the close)."""
    if not can_see_results(viewer, poll):
        raise NotAllowed(_l("The results are shown once voting has closed."))
    return tally(poll)


@dataclass
class Alarm:
    """Signs of votes cast faster than people could (see the module docstring)."""

    #: Most votes within any `RATE_WINDOW_SECONDS` window, and when that window ended.
    peak: int = 0
    peak_at: datetime | None = None
    #: Votes per device beyond `DEVICE_MAX_VOTES`: [(short device name, votes)], most first.
    devices: list[tuple[str, int]] = field(default_factory=list)
    window: int = RATE_WINDOW_SECONDS
    rate_max: int = RATE_MAX_VOTES
    device_max: int = DEVICE_MAX_VOTES

    @property
    def too_fast(self) -> bool:
        return self.peak > self.rate_max

    @property
    def raised(self) -> bool:
        return self.too_fast or bool(self.devices)


def alarm(poll: Poll) -> Alarm:
    """How fast the poll's votes came and from how many devices (two statements: the vote
    times in order, and the devices over the limit, grouped in the database)."""
    found = Alarm()
    window = timedelta(seconds=RATE_WINDOW_SECONDS)
    recent: deque[datetime] = deque()
    for at in db.session.scalars(sa.select(PollVote.created_at)
                                 .where(PollVote.poll_id == poll.id)
                                 .order_by(PollVote.created_at)):
        recent.append(at)
        while recent[0] <= at - window:
            recent.popleft()
        if len(recent) > found.peak:
            found.peak, found.peak_at = len(recent), at
    votes = sa.func.count(PollVote.id)
    found.devices = [(device[:8], count) for device, count in db.session.execute(
        sa.select(PollVote.device, votes)
        .where(PollVote.poll_id == poll.id, PollVote.device != "")
        .group_by(PollVote.device)
        .having(votes > DEVICE_MAX_VOTES)
        .order_by(votes.desc(), PollVote.device)
    )]
    return found


# The live version ---------------------------------------------------------------------------


def _db_state(poll_id: int) -> tuple[Any, ...]:
    """What changes whenever the poll's status or its votes do (one statement)."""
    of_votes = PollVote.poll_id == poll_id
    parts = [
        sa.select(Poll.status).where(Poll.id == poll_id),
        sa.select(sa.func.count(PollVote.id)).where(of_votes),
        sa.select(sa.func.max(PollVote.id)).where(of_votes),
    ]
    return tuple(db.session.execute(sa.select(*(p.scalar_subquery() for p in parts))).one())


#: A poll's live version: equal strings mean its status and votes are the same.
poll_version = LiveVersion("poll-version", _db_state)


def live_version(poll_id: int) -> str:
    """The poll's live version (the big screen's ETag)."""
    return poll_version.version(poll_id)


# Organizers -----------------------------------------------------------------------------------


def _labels(options: Any) -> tuple[list[str], Any]:
    """The free-text options, stripped, and why they are refused (None: fine)."""
    if not isinstance(options, list | tuple):
        return [], _l("Give the options as a list.")
    labels = []
    for option in options:
        reason = text_error(option, limit=POLL_TEXT_MAX, required=True)
        if reason:
            return [], reason
        labels.append(option.strip())
    if len(labels) < 2:
        return [], _l("Give at least two options.")
    if len(labels) > OPTIONS_MAX:
        return [], _l("Give at most %(n)d options.", n=OPTIONS_MAX)
    if len(set(labels)) != len(labels):
        return [], _l("Each option may appear only once.")
    return labels, None


def _round_options(event: Event, round_id: Any) -> tuple[list[PollOption], Any]:
    """The options of the round's entries, and why they are refused (None: fine)."""
    round_ = db.session.get(Round, round_id) if isinstance(round_id, int) else None
    if round_ is None or round_.event_id != event.id:
        return [], _l("Choose a round of this event.")
    entries = round_entries(round_)
    if len(entries) < 2:
        return [], _l("This round has fewer than two entries to vote for.")
    return [PollOption(label=e.title[:POLL_TEXT_MAX], entry_id=e.id) for e in entries], None


@transactional
def create_poll(
    actor: Any,
    event: Event,
    question: Any,
    eligible: Any,
    options: Any = None,
    round_id: Any = None,
    max_choices: Any = 1,
    now: datetime | None = None,
) -> Poll:
    """Create a draft poll of the event with free-text ``options`` or the entries of the
    event's round ``round_id`` (exactly one of the two). Raises NotAllowed (not an organizer),
    ValidationFailed (question, options, round_id, max_choices, eligible)."""
    permissions.require(permissions.can_manage_event, actor, event)
    errors: dict[str, Any] = {
        "question": text_error(question, limit=POLL_TEXT_MAX, required=True),
        "eligible": None if eligible in ELIGIBILITIES
        else _l("Choose checked_in or confirmed."),
    }
    rows: list[PollOption] = []
    if (options is None) == (round_id is None):
        errors["options"] = _l("Give either the options or a round whose entries are the "
                               "options.")
    elif round_id is not None:
        rows, errors["round_id"] = _round_options(event, round_id)
    else:
        labels, errors["options"] = _labels(options)
        rows = [PollOption(label=label) for label in labels]
    if not isinstance(max_choices, int) or isinstance(max_choices, bool) or max_choices < 1:
        errors["max_choices"] = _l("Choose at least one.")
    elif rows and max_choices > len(rows):
        errors["max_choices"] = _l("A vote cannot choose more options than the poll has.")
    raise_field_errors(errors)
    for position, row in enumerate(rows):
        row.position = position
    poll = Poll(event_id=event.id, event=event, question=question.strip(),
                round_id=round_id, max_choices=max_choices,
                eligible=PollEligibility(eligible), status=PollStatus.draft,
                created_by_id=actor.id, created_at=now or utcnow(), options=rows)
    db.session.add(poll)
    db.session.flush()
    audit.record("poll.created", poll, actor=actor, event_id=event.id,
                 after={"question": poll.question, "options": len(rows)})
    return poll


def _locked(poll: Poll) -> PollStatus:
    """The poll's status, read under a lock on its row (PostgreSQL; SQLite's write lock)."""
    lock_for_write()
    return db.session.scalar(sa.select(Poll.status).where(Poll.id == poll.id)
                             .with_for_update())


@transactional
def open_poll(actor: Any, poll: Poll, now: datetime | None = None) -> Poll:
    """Open a draft poll for votes (audited); opening an open poll changes nothing. Raises
    NotAllowed, Conflict ``poll_closed`` (a closed poll never reopens)."""
    permissions.require(can_manage_poll, actor, poll)
    status = _locked(poll)
    db.session.refresh(poll)
    if status == PollStatus.open:
        return poll
    if status == PollStatus.closed:
        raise poll_closed(poll)
    poll.status, poll.opened_at = PollStatus.open, now or utcnow()
    audit.record("poll.opened", poll, actor=actor, event_id=poll.event_id)
    poll_version.bump_after_commit(poll.id)
    return poll


@transactional
def close_poll(actor: Any, poll: Poll, now: datetime | None = None) -> Poll:
    """Close an open poll (audited): no more votes, and the results become public. Closing a
    closed poll changes nothing. Raises NotAllowed, Conflict ``poll_not_open`` (a draft)."""
    permissions.require(can_manage_poll, actor, poll)
    status = _locked(poll)
    db.session.refresh(poll)
    if status == PollStatus.closed:
        return poll
    if status == PollStatus.draft:
        raise Conflict(_l("Open the poll before closing it."), code="poll_not_open")
    poll.status, poll.closed_at = PollStatus.closed, now or utcnow()
    audit.record("poll.closed", poll, actor=actor, event_id=poll.event_id,
                 after=tally(poll))
    poll_version.bump_after_commit(poll.id)
    return poll


# Voting -------------------------------------------------------------------------------------


def _chosen(poll: Poll, option_ids: Any) -> list[int]:
    """The option ids of a vote, checked against the poll. Raises ValidationFailed."""
    ids = option_ids if isinstance(option_ids, list | tuple) else None
    if not ids or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
        raise ValidationFailed(fields={"option_ids": _l("Choose an option.")})
    if len(set(ids)) != len(ids):
        raise ValidationFailed(fields={"option_ids": _l("Choose each option only once.")})
    if len(ids) > poll.max_choices:
        raise ValidationFailed(fields={"option_ids": _l(
            "Choose at most %(n)d options.", n=poll.max_choices)})
    known = {o.id for o in poll.options}
    if not set(ids) <= known:
        raise ValidationFailed(fields={"option_ids": _l("Choose among this poll’s options.")})
    return list(ids)


@transactional
def vote(
    registration: Registration | None,
    poll: Poll,
    option_ids: Any,
    device: str = "",
    now: datetime | None = None,
) -> PollVote:
    """Cast the registration's vote for ``option_ids``. One vote per registration, under any
    concurrency: the unique (poll, registration) constraint decides. Raises Conflict
    ``poll_closed`` (not open), NotAllowed (no registration at the poll's event), Conflict
    ``not_eligible``, ValidationFailed (too many, repeated or unknown options), Conflict
    ``already_voted``."""
    if registration is None or registration.event_id != poll.event_id:
        raise NotAllowed(_l("Only registrants of the event may vote."))
    if poll.status != PollStatus.open:
        raise poll_closed(poll)
    if not is_eligible(registration, poll):
        raise not_eligible(poll)
    chosen = _chosen(poll, option_ids)
    lock_for_write()  # SQLite: one writer at a time; PostgreSQL: the row lock below
    status = db.session.scalar(sa.select(Poll.status).where(Poll.id == poll.id)
                               .with_for_update(read=True))
    if status != PollStatus.open:  # closed a moment ago
        db.session.refresh(poll)
        raise poll_closed(poll)
    ballot = PollVote(poll_id=poll.id, registration_id=registration.id, device=device[:32],
                      created_at=now or utcnow())
    try:
        with db.session.begin_nested():
            db.session.add(ballot)
            db.session.flush()
            db.session.add_all(PollChoice(vote_id=ballot.id, option_id=i) for i in chosen)
            db.session.flush()
    except sa.exc.IntegrityError as exc:
        if not is_unique_violation(exc):
            raise
        raise already_voted() from None
    poll_version.bump_after_commit(poll.id)
    return ballot


def vote_as(user: Any, poll: Poll, option_ids: Any, device: str = "",
            now: datetime | None = None) -> PollVote:
    """`vote` with the user's registration at the poll's event."""
    return vote(registration_of(user, poll.event), poll, option_ids, device, now)
