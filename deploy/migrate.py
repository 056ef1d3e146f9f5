"""Upgrade the database to the newest migration, once, however many containers or machines
start at the same time: on PostgreSQL the upgrade holds an advisory lock, so a second runner
waits and then finds nothing left to do. ``python deploy/migrate.py`` (the image's ``migrate``)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from eventhub import create_app  # noqa: E402
from eventhub.database import db  # noqa: E402

#: Any fixed number: the lock's name among the database's advisory locks.
LOCK_ID = 0x6576656E74687562  # "eventhub"


def main() -> None:
    app = create_app()
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            upgrade()
            return
        with db.engine.connect() as lock:
            lock.execute(sa.text("SELECT pg_advisory_lock(:id)"), {"id": LOCK_ID})
            try:
                upgrade()
            finally:
                lock.execute(sa.text("SELECT pg_advisory_unlock(:id)"), {"id": LOCK_ID})
    print("database is up to date")


if __name__ == "__main__":
    main()
