"""Check-in: lists, scans (idempotent by nonce at each list, one ``ok`` per person under any
concurrency), reverting a scan, and the numbers a door needs.

A person's state at a list is their latest ``ok`` scan that was not reverted: an entry means
inside, an exit (or nothing) means outside.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from eventhub import audit, permissions
from eventhub.accounts.models import NAME_MAX, ApiToken, User
from eventhub.accounts.services import (
    OrgRole,
    TokenCaller,
    live_token,
    note_token_use,
    token_digest,
)
from eventhub.checkin.models import CheckinList, Scan, ScanStatus, ScanType
from eventhub.checkin.signals import scan_recorded, scan_reverted
from eventhub.database import (
    db,
    is_unique_violation,
    lock_for_write,
    transactional,
    unique_or,
    utcnow,
)
from eventhub.errors import Conflict, NotAuthenticated, NotFound, raise_field_errors
from eventhub.events.models import Event
from eventhub.events.signals import event_created
from eventhub.orgs.models import Membership
from eventhub.registrations import capacity
from eventhub.registrations.models import (
    Category,
    Registration,
    RegistrationStatus,
    registration_sessions,
)
from eventhub.registrations.queries import search_clause
from eventhub.registrations.services import RegistrationInfo, register_walk_in
from eventhub.registrations.tickets import normalize_code
from eventhub.text import text_error, too_long_message

NONCE_MAX = 64
DEVICE_MAX = 64


# Lists ------------------------------------------------------------------------------------


@event_created.connect
def _make_main_list(event: Event) -> None:
    """Every event has a main list from the moment it exists."""
    db.session.add(CheckinList(event_id=event.id, name=str(_l("Main entrance")), is_main=True))


def lists_of(event: Event) -> list[CheckinList]:
    """The event's check-in lists, the main one first."""
    return list(
        db.session.scalars(
            sa.select(CheckinList)
            .where(CheckinList.event_id == event.id)
            .order_by(CheckinList.is_main.desc(), CheckinList.id)
        )
    )


@transactional
def create_list(
    actor: User,
    event: Event,
    name: str,
    session_id: int | None = None,
    allow_reentry: bool = False,
) -> CheckinList:
    """Add a list for a session (or a second door). Raises NotAllowed, ValidationFailed,
    Conflict ``name_taken``."""
    permissions.require(permissions.can_manage_event, actor, event)
    errors: dict[str, Any] = {"name": text_error(name, limit=NAME_MAX, required=True)}
    if session_id is not None and session_id not in {s.id for s in event.sessions}:
        errors["session_id"] = _l("Choose a session of this event.")
    raise_field_errors(errors)
    checkin_list = CheckinList(
        event_id=event.id,
        name=name.strip(),
        session_id=session_id,
        allow_reentry=bool(allow_reentry),
    )
    with unique_or("name", _l("A list with this name exists already.")):
        db.session.add(checkin_list)
    audit.record(
        "checkin_list.created",
        checkin_list,
        actor=actor,
        event_id=event.id,
        after={"name": checkin_list.name, "session_id": session_id},
    )
    return checkin_list


# Scanning ---------------------------------------------------------------------------------


class _Ticket(NamedTuple):
    """What a scan needs of the registration holding the code (read under its row lock)."""

    id: int
    event_id: int
    status: RegistrationStatus
    name: str
    notes: str
    category: str | None
    on_list: bool


def _person(ticket: _Ticket) -> dict[str, Any]:
    return {
        "id": ticket.id,
        "name": ticket.name,
        "category": ticket.category,
        "notes": ticket.notes or None,
    }


def _iso(value: datetime) -> str:
    return value.isoformat()


# The scan's statements are Core statements on the tables (no ORM entity is loaded or
# flushed: the answer needs none), built once: a door scans hundreds of tickets a minute.
_scans = Scan.__table__
_registrations = Registration.__table__
_categories = Category.__table__
_OK = (_scans.c.status == ScanStatus.ok, _scans.c.reverted_at.is_(None))


def _ticket_query(session_list: bool, state: str | None) -> sa.Select:
    """The registration holding ``:code``, with its category and whether it booked the
    list's session ``:session_id``, locked until the end of the transaction. ``state``
    ("lateral" on PostgreSQL, "join" elsewhere): joined with its ok, unreverted scans at the
    list ``:list_id``, oldest first (one row a scan; one row without a scan when there is
    none). PostgreSQL reads them through a lateral subquery, so they are always looked up by
    list and registration: with a plain join, a planner with stale statistics (a new list
    filling up) read all the list's ok scans for each scan (measured: 4.5 ms at 1,200)."""
    r = _registrations.c
    on_list = (
        sa.exists().where(
            registration_sessions.c.registration_id == r.id,
            registration_sessions.c.session_id == sa.bindparam("session_id"),
        )
        if session_list
        else sa.true()
    )
    tables = _registrations.outerjoin(_categories, _categories.c.id == r.category_id)
    columns = [r.id, r.event_id, r.status, r.name, r.notes, _categories.c.name,
               on_list.label("on_list")]
    query = sa.select(*columns)
    if state is not None:
        ok = sa.and_(
            _scans.c.list_id == sa.bindparam("list_id"), _scans.c.registration_id == r.id, *_OK
        )
        scans: Any = _scans
        if state == "lateral":
            # OFFSET 0 keeps the planner from flattening the subquery into a plain join.
            scans = sa.select(_scans.c.id, _scans.c.type, _scans.c.at, _scans.c.device)
            scans = scans.where(ok).offset(0).lateral("state")
            tables = tables.outerjoin(scans, sa.true())
        else:
            tables = tables.outerjoin(_scans, ok)
        query = sa.select(
            *columns, scans.c.id, scans.c.type, scans.c.at, scans.c.device
        ).order_by(scans.c.id)
    query = query.select_from(tables).where(r.ticket_code == sa.bindparam("code"))
    return query.with_for_update(of=_registrations)


_TICKET = {
    (session_list, state): _ticket_query(session_list, state)
    for session_list in (False, True)
    for state in (None, "join", "lateral")
}
_STATE = (
    sa.select(_scans.c.id, _scans.c.type, _scans.c.at, _scans.c.device)
    .where(
        _scans.c.list_id == sa.bindparam("list_id"),
        _scans.c.registration_id == sa.bindparam("registration_id"),
        *_OK,
    )
    .order_by(_scans.c.id)
)
_RECORD = _scans.insert().returning(_scans.c.id)

#: The scan locks' key space among PostgreSQL's advisory locks (their two-number form): the
#: second number is a hash of the ticket code.
SCAN_LOCK_SPACE = 0x5CA7


def _scan_lock(code: sa.ColumnElement[str]) -> sa.ColumnElement[Any]:
    """Take the scan lock of a ticket code until the end of the transaction (PostgreSQL).

    Two scans of one code at the same moment (two gates, one ticket) are decided one after
    the other: the second waits here. A statement that runs after the lock is held sees
    every scan the first one committed, so the ticket and its scans are read in one
    statement (`_ticket_and_state`). Taking it in the statement that loads the door
    (`load_door`) saves one more."""
    return sa.func.pg_advisory_xact_lock(SCAN_LOCK_SPACE, sa.func.hashtext(code))


def _scan_locks() -> set[str]:
    """The codes whose scan lock this transaction holds (forgotten at its end)."""
    return db.session.info.setdefault("scan_locks", set())


@sa.event.listens_for(sa.orm.Session, "after_transaction_end")
def _forget_scan_locks(session: sa.orm.Session, transaction: sa.orm.SessionTransaction) -> None:
    # Advisory transaction locks end with the outermost transaction, not with a savepoint.
    if transaction.parent is None:
        session.info.pop("scan_locks", None)


def _dialect() -> str:
    # The app's engine (the session's bind, asked for by name, costs a lookup through the
    # scoped session for each of a scan's three questions).
    return db.engine.dialect.name


def _serialize_scans_of(code: str) -> bool:
    """Make sure no other scan of ``code`` is being decided until the end of the transaction;
    True when the state read after this is final (PostgreSQL: the code's scan lock, unless
    `load_door` took it already; SQLite: its write lock). Elsewhere False: the ticket's row
    lock serializes the scans, and the state is read after it (`_ticket_and_state`)."""
    lock_for_write()
    dialect = _dialect()
    if dialect == "postgresql" and code not in _scan_locks():
        db.session.execute(sa.select(_scan_lock(sa.literal(code))))
        _scan_locks().add(code)
    return dialect in ("postgresql", "sqlite")


@functools.cache  # built once (every list page loads its list), after all models are known
def _list_query() -> sa.Select:
    return sa.select(CheckinList).where(CheckinList.id == sa.bindparam("id")).options(
        sa.orm.joinedload(CheckinList.event)
    )


def load_list(list_id: int) -> CheckinList | None:
    """The list of ``list_id`` with its event, or None (one statement)."""
    return db.session.scalars(_list_query(), {"id": list_id}).first()


class DoorEvent(NamedTuple):
    """What decides who may scan at an event's doors (`permissions.can_check_in`)."""

    id: int
    org_id: int


class Door(NamedTuple):
    """A list as a scan reads it (`load_door`): the few columns that decide who may scan
    there and what a scan answers, as a plain row (no ORM object: a door scans hundreds of
    tickets a minute). `scan` takes a Door or a `CheckinList`."""

    id: int
    event_id: int
    session_id: int | None
    allow_reentry: bool
    event: DoorEvent


_lists = CheckinList.__table__
_events = Event.__table__
_tokens = ApiToken.__table__
_users = User.__table__
_members = Membership.__table__
_DOOR_COLUMNS = (
    _lists.c.id, _lists.c.event_id, _lists.c.session_id, _lists.c.allow_reentry,
    _events.c.org_id,
)
#: The token's user, their role in the event's organization, and the token's id and last use.
_CALLER_COLUMNS = (
    _users.c.id, _users.c.is_admin, _members.c.role, _tokens.c.id, _tokens.c.last_used_at,
)


def _door_query(scan_lock: bool, token: bool) -> sa.Select:
    """The list ``:id`` with its event's organization, the code ``:code``'s scan lock taken
    (``scan_lock``), and (``token``) the user of the token of ``:digest``
    (`accounts.services.live_token`) with their role in that organization: no row when the
    token does not authenticate, the list's columns null when there is no such list."""
    door = _lists.join(_events, _events.c.id == _lists.c.event_id)
    lock = [_scan_lock(sa.bindparam("code", type_=sa.String))] if scan_lock else []
    if not token:
        return sa.select(*_DOOR_COLUMNS, *lock).select_from(door).where(
            _lists.c.id == sa.bindparam("id")
        )
    tables = (
        _tokens.join(_users, _users.c.id == _tokens.c.user_id)
        .outerjoin(door, _lists.c.id == sa.bindparam("id"))
        .outerjoin(
            _members,
            sa.and_(_members.c.user_id == _users.c.id, _members.c.org_id == _events.c.org_id),
        )
    )
    return sa.select(*_DOOR_COLUMNS, *_CALLER_COLUMNS, *lock).select_from(tables).where(
        live_token()
    )


_DOOR = {
    (scan_lock, token): _door_query(scan_lock, token)
    for scan_lock in (False, True)
    for token in (False, True)
}


def load_door(
    list_id: int, code: str, token: str | None = None
) -> tuple[Door | None, TokenCaller | None]:
    """The list of ``list_id`` as a scan of ``code`` at it reads it (None when there is no
    such list), and the user of ``token`` (a request's sole Bearer token:
    `accounts.auth.sole_bearer_token`), in one statement. Raises NotAuthenticated when the
    token does not authenticate; without one the caller is None (the session's user is
    asked for as ever). On PostgreSQL the same statement takes the code's scan lock
    (`_scan_lock`): the token, the door and the lock cost a scan one statement."""
    code = _normalized(code)
    scan_lock = bool(code) and _dialect() == "postgresql"
    params = {"id": list_id, "code": code}
    if token is not None:
        params["digest"] = token_digest(token)
    row = db.session.connection().execute(_DOOR[scan_lock, token is not None], params).first()
    caller = None
    if token is not None:
        if row is None:
            raise NotAuthenticated()
        user_id, is_admin, role, token_id, last_used_at = row[5:10]
        roles = (OrgRole(row[4], role),) if role is not None else ()
        caller = TokenCaller(user_id, is_admin, roles)
        note_token_use(token_id, last_used_at)
    if row is None or row[0] is None:
        return None, caller
    if scan_lock:
        _scan_locks().add(code)
    list_id, event_id, session_id, allow_reentry, org_id = row[:5]
    return Door(list_id, event_id, session_id, allow_reentry, DoorEvent(event_id, org_id)), caller


def _normalized(code: Any) -> str:
    """The code as stored (`normalize_code`); "" for nothing a ticket could hold."""
    return normalize_code(code)[:64] if isinstance(code, str) and len(code) <= 200 else ""


class _Scanned(NamedTuple):
    """One of the person's ok, unreverted scans at the list."""

    id: int
    type: ScanType
    at: datetime
    device: str


def _ticket_and_state(
    checkin_list: CheckinList | Door, code: str
) -> tuple[_Ticket | None, Callable[[], list[_Scanned]]]:
    """The registration holding ``code`` (locked until the end of the transaction, so two
    gates scanning one ticket at the same moment are decided one after the other) and a
    function giving the person's ok, unreverted scans at the list, oldest first: the last
    one is their state (an entry: inside). The state is read after the lock is held, so it
    sees every earlier scan: in the same statement when the scans of the code are
    serialized before it (`_serialize_scans_of`), else in a statement of its own."""
    final = _serialize_scans_of(code)
    session_list = checkin_list.session_id is not None
    state = ("lateral" if _dialect() == "postgresql" else "join") if final else None
    rows = db.session.connection().execute(
        _TICKET[session_list, state],
        {"code": code, "session_id": checkin_list.session_id, "list_id": checkin_list.id},
    ).all()
    if not rows:
        return None, list
    ticket = _Ticket(*rows[0][:7])
    if final:
        scans = [_Scanned(*row[7:]) for row in rows if row[7] is not None]
        return ticket, lambda: scans
    return ticket, lambda: _state(checkin_list, ticket.id)


def _state(checkin_list: CheckinList | Door, registration_id: int) -> list[_Scanned]:
    """The person's ok, unreverted scans at the list, oldest first."""
    rows = db.session.connection().execute(
        _STATE, {"list_id": checkin_list.id, "registration_id": registration_id}
    )
    return [_Scanned(*row) for row in rows]


def _decide(
    checkin_list: CheckinList | Door,
    ticket: _Ticket | None,
    state: Callable[[], list[_Scanned]],
    scan_type: ScanType,
) -> tuple[ScanStatus, _Scanned | None]:
    """The outcome of a scan and, for a refusal because of an earlier scan, that scan."""
    if ticket is None:
        return ScanStatus.invalid, None
    if ticket.event_id != checkin_list.event_id:
        return ScanStatus.wrong_event, None
    if ticket.status == RegistrationStatus.cancelled:
        return ScanStatus.cancelled, None
    if ticket.status != RegistrationStatus.confirmed:
        return ScanStatus.not_confirmed, None
    if not ticket.on_list:
        return ScanStatus.not_on_list, None
    scans = state()
    current = scans[-1] if scans else None
    inside = current is not None and current.type == ScanType.entry
    if scan_type == ScanType.exit:
        # An exit is ok while the person is inside; otherwise they are out already.
        return (ScanStatus.ok, None) if inside else (ScanStatus.already_checked_in, current)
    if inside or (current is not None and not checkin_list.allow_reentry):
        return ScanStatus.already_checked_in, next(s for s in scans if s.type == ScanType.entry)
    return ScanStatus.ok, None


def replay(checkin_list: CheckinList | Door, nonce: str) -> dict[str, Any] | None:
    """The answer already given to this nonce at this list, if any (a nonce used at another
    list is another scan: its answer is never given here)."""
    row = db.session.execute(
        sa.select(Scan.id, Scan.status, Scan.response).where(
            Scan.list_id == checkin_list.id, Scan.nonce == nonce
        )
    ).first()
    return _answer(row.response, row.id, row.status) if row is not None else None


def _answer(response: dict[str, Any], scan_id: int, status: ScanStatus) -> dict[str, Any]:
    answer = dict(response)
    if status == ScanStatus.ok:
        answer["checkin_id"] = scan_id
    return answer


class DuplicateNonce(Conflict):
    """Another request with the same nonce at the same list committed first (never shown:
    `scan` replays)."""

    code = "duplicate_nonce"


def scan(
    actor: User | TokenCaller,
    checkin_list: CheckinList | Door,
    code: str,
    nonce: str,
    **kwargs: Any,
) -> dict:
    """Record one scan (see `_scan`); a same-nonce retry that raced this one gets its answer."""
    try:
        return _scan(actor, checkin_list, code, nonce, **kwargs)
    except DuplicateNonce:
        stored = replay(checkin_list, nonce)
        if stored is None:  # pragma: no cover - the other scan's row is committed by now
            raise
        return stored


@transactional
def _scan(
    actor: User | TokenCaller,
    checkin_list: CheckinList | Door,
    code: str,
    nonce: str,
    scan_type: ScanType | str = ScanType.entry,
    device: str = "",
    client_at: datetime | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Record one scan and return the answer for the door (API.md's scan body).

    The same ``nonce`` again at this list returns the first answer and records nothing (at
    another list it is a scan of its own). Two scans of one
    ticket at the same moment give one ``ok``: the registration row is locked while deciding.
    Raises NotAllowed (not door staff of the event), ValidationFailed.
    """
    permissions.require(permissions.can_check_in, actor, checkin_list.event)
    raise_field_errors(
        {
            "nonce": None
            if isinstance(nonce, str) and 0 < len(nonce) <= NONCE_MAX
            else _l("Give a nonce of 1 to %(n)d characters.", n=NONCE_MAX),
            "device": None
            if isinstance(device, str) and len(device) <= DEVICE_MAX
            else too_long_message(DEVICE_MAX),
            "code": None if isinstance(code, str) and len(code) <= 200 else _l("Enter a code."),
        }
    )
    scan_type = ScanType(scan_type)
    now = now or utcnow()
    normalized = _normalized(code)
    if normalized:
        ticket, state = _ticket_and_state(checkin_list, normalized)
    else:
        lock_for_write()
        ticket, state = None, list
    status, previous = _decide(checkin_list, ticket, state, scan_type)
    same_event = ticket is not None and ticket.event_id == checkin_list.event_id
    response: dict[str, Any] = {"status": status.value, "at": _iso(now)}
    if same_event and status != ScanStatus.invalid:
        response["registration"] = _person(ticket)
    if previous is not None:
        response["previous"] = {"at": _iso(previous.at), "device": previous.device}
    try:
        # A retried nonce fails here on its unique index, (list, nonce) (no lookup beforehand:
        # retries are rare, scans are not); `scan` then answers with what was recorded the
        # first time at this list.
        scan_id = db.session.connection().execute(
            _RECORD,
            {
                "list_id": checkin_list.id,
                "nonce": nonce,
                "code": normalized,
                "type": scan_type,
                "status": status,
                "registration_id": ticket.id if same_event else None,
                "at": now,
                "client_at": client_at,
                "device": device.strip(),
                "user_id": actor.id,
                "response": response,
            },
        ).scalar_one()
    except sa.exc.IntegrityError as exc:
        if is_unique_violation(exc):
            # A plain message: the session is unusable until the rollback, and a translated
            # message would look up the user's language through it.
            raise DuplicateNonce("duplicate nonce")
        raise
    scan_recorded.send(checkin_list.event_id)
    return _answer(response, scan_id, status)


@transactional
def walk_in(
    actor: User,
    checkin_list: CheckinList,
    info: RegistrationInfo,
    nonce: str,
    email: str = "",
    device: str = "",
) -> tuple[Registration, dict[str, Any]]:
    """Register someone at the door and check them in, in one step (one unit of work: a
    refused check-in leaves no registration behind). On a session's list they are booked
    for that session. The same ``nonce`` again at this list returns the first outcome and
    registers nobody. Raises as `registrations.services.register_walk_in` and `scan`."""
    permissions.require(permissions.can_check_in, actor, checkin_list.event)
    capacity.lock_event(checkin_list.event_id)  # retries of one walk-in queue up here
    stored = replay(checkin_list, nonce) if isinstance(nonce, str) else None
    if stored is not None:
        if "registration" not in stored:
            raise Conflict(_l("This nonce was used for another scan."), code="duplicate_nonce")
        return db.session.get(Registration, stored["registration"]["id"]), stored
    if checkin_list.session_id is not None:
        info = replace(info, session_ids=[checkin_list.session_id])
    registration = register_walk_in(actor, checkin_list.event, info, email)
    answer = _scan(actor, checkin_list, registration.ticket_code, nonce, device=device)
    return registration, answer


@transactional
def revert(actor: User, scan_id: int, now: datetime | None = None) -> Scan:
    """Undo a mistaken check-in (or exit); audited. Raises NotAllowed, Conflict."""
    record = db.session.get(Scan, scan_id)
    if record is None or not permissions.can_check_in(actor, record.checkin_list.event):
        raise NotFound()
    if record.status != ScanStatus.ok:
        raise Conflict(_l("Only a check-in can be undone."), code="invalid_status")
    if record.reverted_at is not None:
        raise Conflict(_l("This check-in was undone already."), code="already_reverted")
    record.reverted_at = now or utcnow()
    record.reverted_by_id = actor.id
    audit.record(
        "checkin.reverted",
        record,
        actor=actor,
        event_id=record.checkin_list.event_id,
        before={"status": "ok", "type": record.type.value},
        after={"reverted": True},
    )
    scan_reverted.send(record.checkin_list.event_id)
    return record


# Numbers ----------------------------------------------------------------------------------


def expected_query(checkin_list: CheckinList) -> sa.Select:
    """Confirmed registrations who belong on the list."""
    query = sa.select(Registration.id).where(
        Registration.event_id == checkin_list.event_id,
        Registration.status == RegistrationStatus.confirmed,
    )
    if checkin_list.session_id is not None:
        query = query.join(
            registration_sessions,
            registration_sessions.c.registration_id == Registration.id,
        ).where(registration_sessions.c.session_id == checkin_list.session_id)
    return query


def is_checked_in() -> sa.ColumnElement[bool]:
    """True for a registration (a row of ``Registration`` in the query) that is confirmed and
    checked in at its event's main list at least once (an ok entry scan, not reverted): THE
    definition of "was there", for one event (`checked_in_query`) or many at once (the
    organizations' and alliances' reports)."""
    scanned = (
        sa.select(Scan.id)
        .join(CheckinList, CheckinList.id == Scan.list_id)
        .where(
            Scan.registration_id == Registration.id,
            CheckinList.event_id == Registration.event_id,
            CheckinList.is_main.is_(True),
            Scan.status == ScanStatus.ok,
            Scan.type == ScanType.entry,
            Scan.reverted_at.is_(None),
        )
    )
    return sa.and_(Registration.status == RegistrationStatus.confirmed, scanned.exists())


def checked_in_query(event: Event) -> sa.Select:
    """The ids of the event's confirmed registrations checked in at its main list at least
    once (`is_checked_in`): who "was there" (the stats' ``checked_in``, certificates of
    attendance)."""
    return sa.select(Registration.id).where(Registration.event_id == event.id, is_checked_in())


def stats(checkin_list: CheckinList) -> dict[str, int]:
    """``expected`` on the list, ``checked_in`` (entered at least once), ``inside`` now."""
    expected = db.session.scalar(
        sa.select(sa.func.count()).select_from(expected_query(checkin_list).subquery())
    )
    ok = sa.and_(
        Scan.list_id == checkin_list.id,
        Scan.status == ScanStatus.ok,
        Scan.reverted_at.is_(None),
    )
    checked_in = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(Scan.registration_id))).where(
            ok, Scan.type == ScanType.entry
        )
    )
    latest = (
        sa.select(Scan.registration_id, sa.func.max(Scan.id).label("last_id"))
        .where(ok)
        .group_by(Scan.registration_id)
        .subquery()
    )
    inside = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(latest)
        .join(Scan, Scan.id == latest.c.last_id)
        .where(Scan.type == ScanType.entry)
    )
    return {"expected": expected or 0, "checked_in": checked_in or 0, "inside": inside or 0}


def search(checkin_list: CheckinList, q: str, limit: int = 20) -> list[Registration]:
    """People of the list's event by name, phone tail, email or ticket code (for a lost
    ticket), by name."""
    return list(
        db.session.scalars(
            sa.select(Registration)
            .where(Registration.event_id == checkin_list.event_id, search_clause(q))
            .options(sa.orm.joinedload(Registration.category))
            .order_by(Registration.name, Registration.id)
            .limit(limit)
        )
    )
