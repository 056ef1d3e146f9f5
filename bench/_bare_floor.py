"""The floor a door scan is measured against: a bare Flask + psycopg app on the same stack
(gunicorn with the same workers and threads, the same PostgreSQL and driver) doing only what a
scan cannot do without: one indexed UPDATE of the ticket and one INSERT of the scan, in one
transaction, answered as JSON. No auth, no validation, no ORM.

bench/checkin.py creates its two tables (`setup`), loads the tickets and runs it under
gunicorn as ``bench._bare_floor:app`` with BARE_FLOOR_DSN set; its scans/s is the floor that
eventhub's scans/s is a fraction of.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable

import psycopg
from flask import Flask, jsonify, request

_SCHEMA = """
DROP TABLE IF EXISTS bare_scans;
DROP TABLE IF EXISTS bare_tickets;
CREATE TABLE bare_tickets (
    id serial PRIMARY KEY,
    code varchar(64) NOT NULL UNIQUE,
    checked_in_at timestamptz
);
CREATE TABLE bare_scans (
    id serial PRIMARY KEY,
    ticket_id integer REFERENCES bare_tickets (id),
    nonce varchar(64) NOT NULL UNIQUE,
    status varchar(32) NOT NULL,
    at timestamptz NOT NULL DEFAULT now()
);
"""


def dsn(url: str) -> str:
    """A libpq DSN of a SQLAlchemy URL (postgresql+psycopg://…)."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def setup(url: str, codes: Iterable[str]) -> None:
    """(Re)create the floor's tables in ``url``'s database and load the tickets."""
    with psycopg.connect(dsn(url)) as conn:
        conn.execute(_SCHEMA)
        with conn.cursor().copy("COPY bare_tickets (code) FROM STDIN") as copy:
            for code in codes:
                copy.write_row((code,))
        conn.execute("ANALYZE bare_tickets")


app = Flask(__name__)
_local = threading.local()

# The first scan of a ticket sets its time; a later one finds it set (already checked in).
_UPDATE = (
    "UPDATE bare_tickets SET checked_in_at = coalesce(checked_in_at, now()) "
    "WHERE code = %s RETURNING id, checked_in_at = now()"
)
_INSERT = "INSERT INTO bare_scans (ticket_id, nonce, status) VALUES (%s, %s, %s) RETURNING id"


def _connection() -> psycopg.Connection:
    """This thread's connection (as SQLAlchemy's pool keeps one per thread in use)."""
    conn = getattr(_local, "conn", None)
    if conn is None or conn.closed:
        conn = _local.conn = psycopg.connect(os.environ["BARE_FLOOR_DSN"])
    return conn


@app.post("/scan")
def scan():
    body = request.get_json()
    conn = _connection()
    with conn.transaction():
        row = conn.execute(_UPDATE, (body["code"],), prepare=True).fetchone()
        status = "invalid" if row is None else ("ok" if row[1] else "already_checked_in")
        scan_id = conn.execute(
            _INSERT, (row and row[0], body["nonce"], status), prepare=True
        ).fetchone()[0]
    return jsonify(status=status, checkin_id=scan_id)
