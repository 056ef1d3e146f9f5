"""SQLite, the embedded default, under concurrent writers: a transaction that has read and
then writes waits for the other writer (the busy timeout) instead of failing at once with
"database is locked"."""

from __future__ import annotations

import sqlite3
import threading

import pytest
import sqlalchemy as sa

from eventhub.database import configure_engine, db, lock_for_write
from eventhub.mail.models import OutboxMessage


def test_a_write_after_a_read_waits_for_another_writer_instead_of_failing(tmp_path):
    path = tmp_path / "busy.sqlite3"
    engine = sa.create_engine(f"sqlite:///{path}")
    configure_engine(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE counter (n INTEGER NOT NULL)")
        conn.exec_driver_sql("INSERT INTO counter VALUES (0)")
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        with engine.begin() as conn:
            assert conn.scalar(sa.text("SELECT n FROM counter")) == 0  # holds a read snapshot
            other.execute("BEGIN IMMEDIATE")  # another process starts writing meanwhile
            other.execute("UPDATE counter SET n = n + 1")
            done = threading.Timer(0.3, other.execute, ["COMMIT"])
            done.start()
            conn.execute(sa.text("UPDATE counter SET n = n + 10"))  # waits, then writes
            done.join()
        with engine.connect() as conn:
            assert conn.scalar(sa.text("SELECT n FROM counter")) == 11  # no update lost
    finally:
        other.close()
        engine.dispose()


@pytest.mark.concurrent("sqlite")
def test_taking_the_write_lock_keeps_a_core_write_of_the_unit_of_work(fresh_db):
    """`lock_for_write` ends a transaction that only read; one that wrote with a Core
    statement (no ORM flush) holds the lock already and is not committed half-way."""
    with fresh_db.app_context():
        outbox = OutboxMessage.__table__
        db.session.connection().execute(outbox.insert().values(
            to_addr="a@example.com", subject="", text_body="", html_body="", template="t"))
        lock_for_write()
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(outbox)) == 0
