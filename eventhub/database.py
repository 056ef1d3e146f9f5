"""The declarative base, the `db` object, portable column types and the unit-of-work decorator."""

from __future__ import annotations

import functools
import json
import re
import select
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, ParamSpec, TypeVar

import orjson
import sqlalchemy as sa
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


#: Objects stay usable after a commit (serializing a response needs no reload); code that
#: decides under a lock reloads what it reads (``populate_existing``, ``refresh``).
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(sa.TypeDecorator):
    """Store aware datetimes as naive UTC; hand them back aware (UTC) on every database."""

    impl = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("UTCDateTime needs an aware datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


#: A run of this many digits may be an integer beyond 64 bits, which orjson reads as a float.
_LONG_NUMBER_TEXT = re.compile(r"\d{19}")
_LONG_NUMBER_BYTES = re.compile(rb"\d{19}")


def json_loads(document: str | bytes | bytearray) -> Any:
    """A JSON column's value, read as ``json.loads`` reads it, by orjson where that is the same.

    orjson reads several times faster (a round's results read 42,000 scorecards' scores).
    Where it would read differently, ``json.loads`` reads the document: an integer beyond 64
    bits (orjson makes it a float) and NaN or Infinity (orjson refuses them)."""
    long_number = _LONG_NUMBER_TEXT if isinstance(document, str) else _LONG_NUMBER_BYTES
    if long_number.search(document):
        return json.loads(document)
    try:
        return orjson.loads(document)
    except orjson.JSONDecodeError:
        return json.loads(document)


#: Seconds a SQLite connection waits for another one's write lock before giving up with
#: "database is locked" (answered 503 with Retry-After): sqlite3's ``timeout``, unless
#: SQLALCHEMY_ENGINE_OPTIONS' connect_args name one.
SQLITE_BUSY_TIMEOUT = 15.0

#: Statements that write (or open a savepoint to write in, or change the schema): the first
#: one of a transaction takes SQLite's write lock (a migration stays one transaction).
_SQLITE_WRITE = re.compile(
    r"\s*(INSERT|UPDATE|DELETE|REPLACE|SAVEPOINT|CREATE|DROP|ALTER)\b", re.IGNORECASE
)


#: A pooled PostgreSQL connection idle longer than this (seconds) is pinged before it is used.
PING_AFTER_IDLE = 1.0


def checks_connections_itself(url: str | sa.URL) -> bool:
    """Whether `configure_engine` checks the pool's connections on this database, so the
    engine needs no ``pool_pre_ping`` (a round trip before every request's first statement)."""
    return sa.engine.make_url(url).get_backend_name() == "postgresql"


def check_connections_on_checkout(engine: sa.Engine) -> None:
    """Hand out only live connections, without a round trip for each request.

    A connection the server ended (a restart, a failover, ``pg_terminate_backend``) has its
    socket readable at once: the server's goodbye, or the end of the stream; an idle, live
    one has nothing to read. So the socket is polled (no round trip), and the connection is
    pinged (``SELECT 1``) only when something is there to read or it was idle longer than
    `PING_AFTER_IDLE` (a connection dropped silently on the way, without a goodbye). A failed
    ping discards the pool's connections (as ``pool_pre_ping`` does) and the pool connects
    again, so the request still works."""
    dialect = engine.dialect

    @sa.event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            record.info["checked_in_at"] = time.monotonic()

    @sa.event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        checked_in_at = record.info.get("checked_in_at")
        if checked_in_at is None:  # fresh from connect()
            return
        if time.monotonic() - checked_in_at <= PING_AFTER_IDLE and not _readable(
            dbapi_connection
        ):
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, dbapi_connection, None):
                raise sa.exc.InvalidatePoolError(str(error)) from error
            raise


def _readable(dbapi_connection: Any) -> bool:
    """Whether the connection's socket has something to read (or is closed), not waiting."""
    if getattr(dbapi_connection, "closed", False):
        return True
    poller = select.poll()
    poller.register(dbapi_connection.fileno(), select.POLLIN)
    return bool(poller.poll(0))


def configure_engine(engine: sa.Engine) -> None:
    """Check PostgreSQL's pooled connections cheaply (`check_connections_on_checkout`).
    Turn on SQLite's foreign keys, WAL and a busy timeout, and let SQLAlchemy emit BEGIN
    itself.

    pysqlite's own transaction handling defers BEGIN and breaks savepoints; SQLAlchemy's docs
    give this fix. A unit of work may ask for ``BEGIN IMMEDIATE`` (see `lock_for_write`), which
    takes SQLite's write lock up front, so capacity decisions are serialized.

    A transaction that has read and then writes would have SQLite upgrade its read lock,
    and that fails at once with "database is locked" when another connection writes: SQLite
    calls no busy handler then, as waiting could deadlock. So the first write of a transaction
    that holds no write lock yet ends its reads and starts ``BEGIN IMMEDIATE``, which waits
    for the lock (the busy timeout). Later statements see what others committed meanwhile, as
    each statement does on PostgreSQL (READ COMMITTED); decisions that must not see that take
    the lock before they read (`lock_for_write`).
    """
    if checks_connections_itself(engine.url):
        check_connections_on_checkout(engine)
    if engine.dialect.name != "sqlite":
        return
    in_memory = engine.url.database in (None, "", ":memory:")

    @sa.event.listens_for(engine, "do_connect")
    def _on_do_connect(_dialect: Any, _record: Any, _args: Any, kwargs: dict) -> None:
        kwargs.setdefault("timeout", SQLITE_BUSY_TIMEOUT)

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        immediate = bool(connection.get_execution_options().get("sqlite_immediate"))
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
        connection.info["sqlite_deferred"] = not immediate and not in_memory

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _before_write(
        connection: sa.Connection, cursor: Any, statement: str, *_args: Any
    ) -> None:
        if not _SQLITE_WRITE.match(statement):
            return
        connection.info["sqlite_wrote"] = True  # ORM or Core: the write lock is held now
        if connection.info.get("sqlite_deferred"):
            connection.info["sqlite_deferred"] = False
            cursor.execute("COMMIT")  # only reads so far: nothing is lost by ending them
            cursor.execute("BEGIN IMMEDIATE")

    @sa.event.listens_for(engine, "commit")
    @sa.event.listens_for(engine, "rollback")
    def _on_end(connection: sa.Connection) -> None:
        connection.info.pop("sqlite_deferred", None)
        connection.info.pop("sqlite_wrote", None)


P = ParamSpec("P")
R = TypeVar("R")


def transactional(fn: Callable[P, R]) -> Callable[P, R]:
    """Make a service function one unit of work.

    Commits when it returns and rolls back when it raises; when called inside another unit
    of work it simply joins it. Callbacks registered with `after_commit` run once the
    outermost unit has committed (mail delivery, live-update notifications).
    """

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        info = db.session.info
        depth = info.get("unit_depth", 0)
        info["unit_depth"] = depth + 1
        try:
            result = fn(*args, **kwargs)
            if depth == 0:
                db.session.commit()
        except BaseException:
            if depth == 0:
                db.session.rollback()
                info.pop("after_commit", None)
            raise
        finally:
            info["unit_depth"] = depth
        if depth == 0:
            run_after_commit()
        return result

    return wrapper


def after_commit(callback: Callable[[], Any]) -> None:
    """Run ``callback`` after the current unit of work commits (at once outside of one)."""
    if db.session.info.get("unit_depth", 0) == 0:
        callback()
        return
    callbacks = db.session.info.setdefault("after_commit", [])
    if callback not in callbacks:
        callbacks.append(callback)


def run_after_commit() -> None:
    for callback in db.session.info.pop("after_commit", []):
        callback()


def lock_for_write() -> None:
    """Hold SQLite's write lock for the rest of the transaction (a no-op elsewhere).

    SQLite has no row locks: ``BEGIN IMMEDIATE`` serializes writers instead. It must start the
    transaction, so a read-only transaction the request already opened (loading the user, the
    event) is ended first. A transaction that has written holds the lock already. PostgreSQL
    and MariaDB use ``SELECT ... FOR UPDATE`` on the rows that decide (`capacity.lock_event`).
    """
    session = db.session()
    if session.get_bind().dialect.name != "sqlite":
        return
    if session.new or session.dirty or session.deleted:
        session.flush()
    if session.info.get("sqlite_write_lock") or session.info.get("wrote"):
        return
    if session.in_transaction():
        if session.connection().info.get("sqlite_wrote"):  # a Core statement wrote
            return
        session.commit()  # only reads so far: nothing is lost by ending them
    session.connection(execution_options={"sqlite_immediate": True})
    session.info["sqlite_write_lock"] = True


@sa.event.listens_for(sa.orm.Session, "after_flush")
def _note_write(session: sa.orm.Session, _context: Any) -> None:
    session.info["wrote"] = True


@sa.event.listens_for(sa.orm.Session, "after_transaction_end")
def _forget_locks(session: sa.orm.Session, transaction: sa.orm.SessionTransaction) -> None:
    # Only the end of the outermost transaction releases the lock: a savepoint rolled back
    # (one refused item of a batch) leaves the transaction, its writes and its lock in place.
    if transaction.parent is None:
        session.info.pop("wrote", None)
        session.info.pop("sqlite_write_lock", None)


@contextmanager
def unique_or(field: str, message: Any, code: str = "name_taken") -> Iterator[None]:
    """Make the changes of the ``with`` body in a savepoint; when a unique constraint refuses
    them, raise Conflict ``code`` with ``message`` on ``field`` (the transaction stays usable).

    Change the objects inside the body: ``begin_nested()`` flushes pending changes first, so a
    change made before it would fail outside the savepoint.
    """
    from eventhub.errors import Conflict

    try:
        with db.session.begin_nested():
            yield
            db.session.flush()
    except sa.exc.IntegrityError as exc:
        if is_unique_violation(exc):
            raise Conflict(message, code=code, fields={field: message}) from None
        raise


def is_unique_violation(exc: sa.exc.IntegrityError) -> bool:
    """Tell a unique-constraint violation from other integrity errors, on every database."""
    text = str(exc.orig).lower()
    return any(s in text for s in ("unique", "duplicate entry", "duplicate key"))


def insert_unless_taken(row: Any) -> bool:
    """Add and flush ``row`` in a savepoint and say whether it went in: False when a unique
    constraint refuses it because another request made the same row first (the database, not
    an earlier query, decides between two requests at once; the savepoint's rollback leaves
    the transaction usable). Other integrity errors are raised."""
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except sa.exc.IntegrityError as exc:
        if not is_unique_violation(exc):
            raise
        return False
    return True


class DirectStatement:
    """A Core statement that returns rows, compiled once per database and run on the DBAPI
    cursor of the session's connection: for the few statements of the hottest requests (a
    door scan), where SQLAlchemy's work around each execution (its execution context, a
    result object, the driver's description of every column) costs more CPU than the
    statement itself (measured on a door's: 296 µs against 127 µs).

    What SQLAlchemy does that matters is kept: values are completed (`construct_params`) and
    go through their types' bind processors (enums, UTC datetimes, JSON); rows come back as
    tuples through their columns' result processors; the engine's ``before_cursor_execute``
    and ``after_cursor_execute`` listeners are called as for any statement (statement counts,
    SQLite's write lock; their return values are not used); a driver error is raised as
    SQLAlchemy's (`sa.exc.IntegrityError`...), and a connection it finds lost is invalidated,
    so the pool replaces it. Plain bind parameters only (no expanding ``IN`` lists); an
    ``INSERT`` or ``UPDATE`` without values of its own names its parameters in
    ``column_keys``, as the keys of every execution's values."""

    def __init__(
        self,
        statement: sa.Select | sa.Insert | sa.Update | sa.Delete,
        column_keys: Sequence[str] | None = None,
    ) -> None:
        self.statement = statement
        self.column_keys = column_keys
        if isinstance(statement, sa.Select):
            self._types = [column.type for column in statement.selected_columns]
        else:
            self._types = [d["type"] for d in statement.returning_column_descriptions]
        self._compiled: dict[str, _Compiled] = {}

    def _for(self, dialect: sa.Dialect) -> _Compiled:
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            compiled = self._compiled[dialect.name] = _Compiled(self, dialect)
        return compiled

    def rows(self, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        """The statement's rows with ``params``, in the session's transaction."""
        connection = db.session.connection()
        return self._for(connection.dialect).run(connection, params)

    def scalar(self, params: dict[str, Any]) -> Any:
        """The first column of the first row (None without a row)."""
        rows = self.rows(params)
        return rows[0][0] if rows else None


class _Compiled:
    """A `DirectStatement` for one dialect: its SQL, the processors of its values and of its
    columns."""

    def __init__(self, direct: DirectStatement, dialect: sa.Dialect) -> None:
        compiled = direct.statement.compile(dialect=dialect, column_keys=direct.column_keys)
        if compiled.literal_execute_params or compiled.post_compile_params:
            raise ValueError("a direct statement takes plain bind parameters only")
        self.compiled = compiled
        self.sql = compiled.string
        self.positions = compiled.positiontup if dialect.positional else None
        escaped = compiled.escaped_bind_names
        self.binds = [
            (escaped.get(name, name), processor)
            for bind, name in compiled.bind_names.items()
            if (processor := bind.type.dialect_impl(dialect).bind_processor(dialect))
        ]
        self.columns = [
            (index, processor)
            for index, type_ in enumerate(direct._types)
            if (processor := type_.dialect_impl(dialect).result_processor(dialect, None))
        ]
        self.dialect = dialect

    def run(self, connection: sa.Connection, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        values = self.compiled.construct_params(params)
        for name, processor in self.binds:
            values[name] = processor(values[name])
        parameters: Any = values if self.positions is None else [
            values[name] for name in self.positions
        ]
        cursor = connection.connection.cursor()
        dispatch = connection.dispatch
        try:
            dispatch.before_cursor_execute(connection, cursor, self.sql, parameters, None, False)
            try:
                cursor.execute(self.sql, parameters)
                rows = cursor.fetchall()
            except self.dialect.loaded_dbapi.Error as error:
                lost = self.dialect.is_disconnect(error, connection.connection, cursor)
                if lost:
                    connection.invalidate(error)
                raise sa.exc.DBAPIError.instance(
                    self.sql, parameters, error, self.dialect.loaded_dbapi.Error,
                    hide_parameters=connection.engine.hide_parameters,
                    connection_invalidated=lost, dialect=self.dialect,
                ) from error
            dispatch.after_cursor_execute(connection, cursor, self.sql, parameters, None, False)
        finally:
            cursor.close()
        if not self.columns:
            return rows
        processed = []
        for row in rows:
            row = list(row)
            for index, processor in self.columns:
                row[index] = processor(row[index])
            processed.append(tuple(row))
        return processed
