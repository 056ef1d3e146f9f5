"""Check-in: lists, scans (idempotent by nonce at each list, one ``ok`` per person under any
concurrency), reverting a scan, and the numbers a door needs.

A person's state at a list is their latest ``ok`` scan that was not reverted: an entry means
inside, an exit (or nothing) means outside.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
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
    DirectStatement,
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
_STATE_COLUMNS = ("id", "type", "at", "device")


def scan_stands() -> sa.ColumnElement[bool]:
    """True for a scan (a row of ``Scan`` in the query) that counts: answered ``ok`` and not
    reverted since. A person's ok scans that stand make their state at a list; THE rule for
    every figure, page and report that counts scans."""
    return sa.and_(_scans.c.status == ScanStatus.ok, _scans.c.reverted_at.is_(None))


def scan_checks_in() -> sa.ColumnElement[bool]:
    """True for a scan that checked its person in: an entry scan that stands (`scan_stands`)."""
    return sa.and_(scan_stands(), _scans.c.type == ScanType.entry)


def _ok_scans(
    list_id: sa.ColumnElement[int], registration_id: sa.ColumnElement[int]
) -> sa.ColumnElement[bool]:
    """The scans that make a person's state at a list: their scans there that stand."""
    return sa.and_(
        _scans.c.list_id == list_id, _scans.c.registration_id == registration_id, scan_stands()
    )


def _ticket_query(session_id: sa.ColumnElement[Any] | None) -> sa.Select:
    """The registration holding ``:code`` (the `_Ticket` columns), with whether it booked
    the session ``session_id`` (None, or a null session: the list is the event's, everyone
    is on it), its row locked until the end of the transaction: two gates scanning one
    ticket at the same moment are decided one after the other."""
    r = _registrations.c
    on_list: sa.ColumnElement[bool] = sa.true()
    if session_id is not None:
        on_list = sa.or_(
            session_id.is_(None),
            sa.exists()
            .where(
                registration_sessions.c.registration_id == r.id,
                registration_sessions.c.session_id == session_id,
            )
            .correlate_except(registration_sessions),
        )
    return (
        sa.select(r.id, r.event_id, r.status, r.name, r.notes,
                  _categories.c.name.label("category"), on_list.label("on_list"))
        .select_from(_registrations.outerjoin(_categories, _categories.c.id == r.category_id))
        .where(r.ticket_code == sa.bindparam("code"))
        .with_for_update(of=_registrations)
    )


def _with_state(
    tables: sa.FromClause, ticket_id: sa.ColumnElement[int], list_id: sa.ColumnElement[int],
    lateral: bool,
) -> tuple[sa.FromClause, sa.FromClause]:
    """``tables`` joined with the person's ok, unreverted scans at the list (one row a scan;
    one row without a scan when there is none), and the scans' side of the join. PostgreSQL
    reads them through a lateral subquery, so they are always looked up by list and
    registration: with a plain join, a planner with stale statistics (a new list filling
    up) read all the list's ok scans for each scan (measured: 4.5 ms at 1,200)."""
    ok = _ok_scans(list_id, ticket_id)
    if not lateral:
        return tables.outerjoin(_scans, ok), _scans
    # OFFSET 0 keeps the planner from flattening the subquery into a plain join.
    columns = [_scans.c[name] for name in _STATE_COLUMNS]
    state = sa.select(*columns).where(ok).offset(0).lateral("state")
    return tables.outerjoin(state, sa.true()), state


def _ticket_and_state_query(session_list: bool, state: str | None) -> sa.Select:
    """`_ticket_query` for the list ``:list_id`` (of the session ``:session_id`` when
    ``session_list``); with its scans there (`_with_state`) unless ``state`` is None."""
    session_id = sa.bindparam("session_id", type_=sa.Integer) if session_list else None
    ticket = _ticket_query(session_id)
    if state is None:
        return ticket
    locked = ticket.subquery("ticket")
    tables, scans = _with_state(locked, locked.c.id, sa.bindparam("list_id"), state == "lateral")
    state_columns = [scans.c[name] for name in _STATE_COLUMNS]
    return sa.select(locked, *state_columns).select_from(tables).order_by(scans.c.id)


_TICKET = {
    (session_list, state): DirectStatement(_ticket_and_state_query(session_list, state))
    for session_list in (False, True)
    for state in (None, "join", "lateral")
}
_STATE = DirectStatement(
    sa.select(*(_scans.c[name] for name in _STATE_COLUMNS))
    .where(_ok_scans(sa.bindparam("list_id"), sa.bindparam("registration_id")))
    .order_by(_scans.c.id)
)
_RECORDED = ("list_id", "nonce", "code", "type", "status", "registration_id", "at",
             "client_at", "device", "user_id", "response")
_RECORD = DirectStatement(_scans.insert().returning(_scans.c.id), column_keys=_RECORDED)
#: `_RECORD` if the person's latest ok, unreverted scan at the list is still ``:latest`` (0:
#: none), else nothing: see `_Read`.
_RECORD_IF_LATEST = DirectStatement(
    _scans.insert()
    .from_select(
        [_scans.c[name] for name in _RECORDED],
        sa.select(
            *(sa.cast(sa.bindparam(name, type_=_scans.c[name].type), _scans.c[name].type)
              for name in _RECORDED)
        ).where(
            sa.func.coalesce(
                sa.select(sa.func.max(_scans.c.id))
                .where(_ok_scans(sa.bindparam("list_id"), sa.bindparam("registration_id")))
                .scalar_subquery(),
                0,
            )
            == sa.bindparam("latest")
        ),
    )
    .returning(_scans.c.id)
)


def _dialect() -> str:
    # The app's engine (the session's bind, asked for by name, costs a lookup through the
    # scoped session for each of a scan's questions).
    return db.engine.dialect.name


@functools.cache  # built once (every list page loads its list), after all models are known
def _list_query() -> sa.Select:
    return sa.select(CheckinList).where(CheckinList.id == sa.bindparam("id")).options(
        sa.orm.joinedload(CheckinList.event)
    )


def load_list(list_id: int) -> CheckinList | None:
    """The list of ``list_id`` with its event, or None (one statement)."""
    return db.session.scalars(_list_query(), {"id": list_id}).first()


class _Scanned(NamedTuple):
    """One of the person's ok, unreverted scans at the list."""

    id: int
    type: ScanType
    at: datetime
    device: str


class _Read(NamedTuple):
    """What a scan of ``code`` decides on: the registration holding it (None: no ticket),
    read under its row lock, and a function giving the person's ok, unreverted scans at the
    list, oldest first (the last one is their state: an entry means inside).

    ``final``: no other scan of the ticket can have been decided since the scans were read
    (SQLite: its write lock; MariaDB: a read of their own after the row lock). On PostgreSQL
    they are read in the statement that takes the row lock, whose snapshot dates from before
    any wait for it: when another gate's scan of the ticket committed meanwhile, the scan's
    insert finds a newer latest scan and records nothing (`_record`), and the scan reads the
    state again, final then (the row lock is held)."""

    code: str
    ticket: _Ticket | None
    scans: Callable[[], list[_Scanned]]
    final: bool


def _read_of(code: str, rows: Sequence[tuple[Any, ...]], at: int, final: bool) -> _Read:
    """The `_Read` in the rows of a ticket's statement (joined with its scans unless there
    is no ticket), its columns from ``at``: the `_Ticket`'s, then the `_Scanned`'s."""
    if not rows or rows[0][at] is None:
        return _Read(code, None, list, True)
    scanned = at + len(_Ticket._fields)
    scans = [_Scanned(*row[scanned:]) for row in rows if row[scanned] is not None]
    return _Read(code, _Ticket(*rows[0][at:scanned]), lambda: scans, final)


class DoorEvent(NamedTuple):
    """What decides who may scan at an event's doors (`permissions.can_check_in`)."""

    id: int
    org_id: int


class Door(NamedTuple):
    """A list as a scan reads it (`load_door`): the few columns that decide who may scan
    there and what a scan answers, as a plain row (no ORM object: a door scans hundreds of
    tickets a minute), and on PostgreSQL the scanned ticket (`read`). `scan` takes a Door or
    a `CheckinList`."""

    id: int
    event_id: int
    session_id: int | None
    allow_reentry: bool
    event: DoorEvent
    read: _Read | None = None


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


def _door_query(read: bool, token: bool) -> sa.Select:
    """The list ``:id`` with its event's organization; (``read``) the ticket of the code
    ``:code`` locked, with the person's scans at the list (`_ticket_query`, `_with_state`:
    PostgreSQL only); and (``token``) the user of the token of ``:digest``
    (`accounts.services.live_token`) with their role in that organization: no row when the
    token does not authenticate, the list's columns null when there is no such list."""
    door = _lists.join(_events, _events.c.id == _lists.c.event_id)
    columns: list[Any] = [*_DOOR_COLUMNS]
    if token:
        tables = (
            _tokens.join(_users, _users.c.id == _tokens.c.user_id)
            .outerjoin(door, _lists.c.id == sa.bindparam("id"))
            .outerjoin(
                _members,
                sa.and_(_members.c.user_id == _users.c.id, _members.c.org_id == _events.c.org_id),
            )
        )
        columns += _CALLER_COLUMNS
        where = live_token()
    else:
        tables, where = door, _lists.c.id == sa.bindparam("id")
    if not read:
        return sa.select(*columns).select_from(tables).where(where)
    ticket = _ticket_query(_lists.c.session_id).lateral("ticket")
    tables = tables.outerjoin(ticket, _lists.c.id.is_not(None))
    tables, scans = _with_state(tables, ticket.c.id, _lists.c.id, lateral=True)
    columns += [*ticket.c, *(scans.c[name] for name in _STATE_COLUMNS)]
    return sa.select(*columns).select_from(tables).where(where).order_by(scans.c.id)


_DOOR = {
    (read, token): DirectStatement(_door_query(read, token))
    for read in (False, True)
    for token in (False, True)
}


def load_door(
    list_id: int, code: str, token: str | None = None
) -> tuple[Door | None, TokenCaller | None]:
    """The list of ``list_id`` as a scan of ``code`` at it reads it (None when there is no
    such list), and the user of ``token`` (a request's sole Bearer token:
    `accounts.auth.sole_bearer_token`), in one statement. Raises NotAuthenticated when the
    token does not authenticate; without one the caller is None (the session's user is
    asked for as ever). On PostgreSQL the same statement reads the ticket under its row lock
    with the person's scans at the list (the Door's `read`): the token, the door and the
    ticket cost a scan one statement, its record one more."""
    code = _normalized(code)
    read = bool(code) and _dialect() == "postgresql"
    params = {"id": list_id, "code": code}
    if token is not None:
        params["digest"] = token_digest(token)
    rows = _DOOR[read, token is not None].rows(params)
    caller = None
    if token is not None:
        if not rows:
            raise NotAuthenticated()
        user_id, is_admin, role, token_id, last_used_at = rows[0][5:10]
        roles = (OrgRole(rows[0][4], role),) if role is not None else ()
        caller = TokenCaller(user_id, is_admin, roles)
        note_token_use(token_id, last_used_at)
    if not rows or rows[0][0] is None:
        return None, caller
    list_id, event_id, session_id, allow_reentry, org_id = rows[0][:5]
    ticket = _read_of(code, rows, 10 if token is not None else 5, final=False) if read else None
    event = DoorEvent(event_id, org_id)
    return Door(list_id, event_id, session_id, allow_reentry, event, ticket), caller


def _normalized(code: Any) -> str:
    """The code as stored (`normalize_code`); "" for nothing a ticket could hold."""
    return normalize_code(code)[:64] if isinstance(code, str) and len(code) <= 200 else ""


def _read(checkin_list: CheckinList | Door, code: str) -> _Read:
    """What a scan of ``code`` at the list decides on: as its door read it, or read now."""
    if isinstance(checkin_list, Door) and checkin_list.read and checkin_list.read.code == code:
        return checkin_list.read
    lock_for_write()  # SQLite: no other scan is decided until this transaction ends
    if not code:
        return _Read(code, None, list, True)
    dialect = _dialect()
    state = {"postgresql": "lateral", "sqlite": "join"}.get(dialect)
    rows = _TICKET[checkin_list.session_id is not None, state].rows(
        {"code": code, "session_id": checkin_list.session_id, "list_id": checkin_list.id}
    )
    if state is not None or not rows:
        return _read_of(code, rows, 0, final=dialect != "postgresql")
    # MariaDB: the scans are read after the row lock is held, by a statement of their own.
    ticket = _Ticket(*rows[0])
    return _Read(code, ticket, functools.partial(_state, checkin_list, ticket.id), True)


def _state(checkin_list: CheckinList | Door, registration_id: int) -> list[_Scanned]:
    """The person's ok, unreverted scans at the list, oldest first."""
    rows = _STATE.rows({"list_id": checkin_list.id, "registration_id": registration_id})
    return [_Scanned(*row) for row in rows]


#: The outcomes that depend on the person's scans at the list.
_BY_STATE = (ScanStatus.ok, ScanStatus.already_checked_in)


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
    another list it is a scan of its own). Two scans of one ticket at the same moment give
    one ``ok``: the registration row is locked while deciding (`_Read`).
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
    values = {
        "list_id": checkin_list.id,
        "nonce": nonce,
        "code": _normalized(code),
        "type": ScanType(scan_type),
        "at": now or utcnow(),
        "client_at": client_at,
        "device": device.strip(),
        "user_id": actor.id,
    }
    read = _read(checkin_list, values["code"])
    while True:
        status, previous = _decide(checkin_list, read.ticket, read.scans, values["type"])
        ticket = read.ticket
        same_event = ticket is not None and ticket.event_id == checkin_list.event_id
        response: dict[str, Any] = {"status": status.value, "at": _iso(values["at"])}
        if same_event and status != ScanStatus.invalid:
            response["registration"] = _person(ticket)
        if previous is not None:
            response["previous"] = {"at": _iso(previous.at), "device": previous.device}
        values.update(status=status, response=response,
                      registration_id=ticket.id if same_event else None)
        latest = None
        if not read.final and status in _BY_STATE:
            scans = read.scans()
            latest = scans[-1].id if scans else 0
        scan_id = _record(values, latest)
        if scan_id is not None:
            break
        # Another gate's scan of the ticket committed while this one waited for its row lock:
        # decide again on the scans as they are now (the row lock is held: final).
        read = read._replace(
            scans=functools.partial(_state, checkin_list, ticket.id), final=True
        )
    scan_recorded.send(checkin_list.event_id)
    return _answer(response, scan_id, status)


def _record(values: dict[str, Any], latest: int | None) -> int | None:
    """Insert the scan of ``values``; with ``latest``, only if the person's latest ok,
    unreverted scan at the list is still that one (0: none). Its id, or None when it is not."""
    statement = _RECORD if latest is None else _RECORD_IF_LATEST
    params = values if latest is None else {**values, "latest": latest}
    try:
        # A retried nonce fails here on its unique index, (list, nonce) (no lookup beforehand:
        # retries are rare, scans are not); `scan` then answers with what was recorded the
        # first time at this list.
        return statement.scalar(params)
    except sa.exc.IntegrityError as exc:
        if is_unique_violation(exc):
            # A plain message: the session is unusable until the rollback, and a translated
            # message would look up the user's language through it.
            raise DuplicateNonce("duplicate nonce")
        raise


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
            scan_checks_in(),
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
    ok = sa.and_(Scan.list_id == checkin_list.id, scan_stands())
    checked_in = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(Scan.registration_id))).where(
            Scan.list_id == checkin_list.id, scan_checks_in()
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
