"""`database.DirectStatement`: a statement run on the DBAPI cursor answers as SQLAlchemy's own
execution does (types both ways, events, errors), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from eventhub.checkin.models import Scan, ScanStatus, ScanType
from eventhub.database import DirectStatement, db, is_unique_violation
from tests import factories

scans = Scan.__table__
COLUMNS = ("list_id", "nonce", "code", "type", "status", "at", "device", "response")
INSERT = DirectStatement(scans.insert().returning(scans.c.id), column_keys=COLUMNS)
SELECT = DirectStatement(
    sa.select(*(scans.c[name] for name in ("id", *COLUMNS, "client_at")))
    .where(scans.c.list_id == sa.bindparam("list_id"), scans.c.status == ScanStatus.invalid)
    .order_by(scans.c.id)
)
SHANGHAI = timezone(timedelta(hours=8))


def scan_values(list_id: int, nonce: str) -> dict:
    return {
        "list_id": list_id,
        "nonce": nonce,
        "code": "EH-NOPE",
        "type": ScanType.exit,
        "status": ScanStatus.invalid,
        "at": datetime(2026, 5, 18, 9, 30, tzinfo=SHANGHAI),
        "device": "东门 1",
        "response": {"status": "invalid", "note": "无此票"},
    }


def test_values_and_rows_go_through_their_types_as_sqlalchemy_sends_and_reads_them(event):
    gate = factories.main_list_of(event)
    scan_id = INSERT.scalar(scan_values(gate.id, "n-1"))

    stored = db.session.get(Scan, scan_id)  # the ORM reads what was written directly
    assert stored.type == ScanType.exit and stored.status == ScanStatus.invalid
    assert stored.at == datetime(2026, 5, 18, 1, 30, tzinfo=UTC)
    assert stored.response == {"status": "invalid", "note": "无此票"}
    assert stored.device == "东门 1"

    rows = SELECT.rows({"list_id": gate.id})
    assert rows == [tuple(row) for row in db.session.execute(SELECT.statement,
                                                              {"list_id": gate.id})]
    (row,) = rows
    assert row[0] == scan_id
    assert row[4] is ScanType.exit and row[5] is ScanStatus.invalid
    assert row[6] == datetime(2026, 5, 18, 1, 30, tzinfo=UTC) and row[6].tzinfo is not None
    assert row[8] == {"status": "invalid", "note": "无此票"}
    assert row[9] is None
    assert SELECT.rows({"list_id": gate.id + 1000}) == []
    assert SELECT.scalar({"list_id": gate.id + 1000}) is None


def test_the_engines_cursor_events_see_the_statement(event, count_statements):
    gate = factories.main_list_of(event)
    seen_after = []

    def after(_conn, _cursor, statement, parameters, _context, _many):
        if not statement.startswith(("SAVEPOINT", "RELEASE")):  # the test's own transaction
            seen_after.append((statement, parameters))

    engine = db.engine
    db.session.flush()
    earlier = len(count_statements)
    sa.event.listen(engine, "after_cursor_execute", after)
    try:
        SELECT.rows({"list_id": gate.id})
    finally:
        sa.event.remove(engine, "after_cursor_execute", after)
    (statement,) = count_statements[earlier:]
    assert statement.lstrip().startswith("SELECT scans.id")
    ((after_statement, parameters),) = seen_after
    assert after_statement == statement
    assert gate.id in (parameters.values() if isinstance(parameters, dict) else parameters)


def test_a_unique_violation_is_sqlalchemys_integrity_error_and_writes_nothing(event):
    gate = factories.main_list_of(event)
    INSERT.scalar(scan_values(gate.id, "same"))
    with pytest.raises(sa.exc.IntegrityError) as caught, db.session.begin_nested():
        INSERT.scalar(scan_values(gate.id, "same"))
    assert is_unique_violation(caught.value)
    assert "[parameters:" in str(caught.value)  # as SQLAlchemy shows them
    assert len(SELECT.rows({"list_id": gate.id})) == 1


def test_an_engine_that_hides_parameters_has_them_hidden_here_too(event, monkeypatch):
    gate = factories.main_list_of(event)
    INSERT.scalar(scan_values(gate.id, "secret-nonce"))
    monkeypatch.setattr(db.engine, "hide_parameters", True)
    with pytest.raises(sa.exc.IntegrityError) as caught, db.session.begin_nested():
        INSERT.scalar(scan_values(gate.id, "secret-nonce"))
    shown = str(caught.value)  # (the database's own message may still quote the key)
    assert "[parameters:" not in shown and "hidden due to hide_parameters" in shown


def test_a_missing_value_is_refused_before_anything_is_sent(event, count_statements):
    with pytest.raises(sa.exc.InvalidRequestError, match="list_id"):
        SELECT.rows({})
    assert count_statements == []


def test_an_expanding_parameter_is_refused():
    many = DirectStatement(sa.select(scans.c.id).where(
        scans.c.id.in_(sa.bindparam("ids", expanding=True))))
    with pytest.raises(ValueError, match="plain bind parameters"):
        many.rows({"ids": [1, 2]})


@pytest.mark.concurrent("postgresql")
def test_a_lost_connection_is_invalidated_and_the_next_statement_gets_a_new_one(
    concurrent_app,
):
    one = DirectStatement(sa.select(sa.literal(1)))
    with concurrent_app.app_context():
        pid = db.session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar()
        with db.engine.connect() as other:
            other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        with pytest.raises(sa.exc.OperationalError) as caught:
            one.rows({})
        assert caught.value.connection_invalidated
        db.session.rollback()
        assert one.rows({}) == [(1,)]
        assert db.session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar() != pid
        db.session.remove()
