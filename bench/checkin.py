"""Door scanning: 5,000 confirmed tickets scanned through the API.

Starts the app under gunicorn (2 workers) on a fresh PostgreSQL database with N confirmed
tickets, then scans them at concurrency 1, 10 and 50: first scans (each ticket once, answers
``ok``) and repeat scans (``already_checked_in``), printing scans/s and latency percentiles.

    python bench/checkin.py [--tickets 5000] [--levels 1,10,50]
"""

from __future__ import annotations

import argparse
import os
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._server import (  # noqa: E402
    DEFAULT_URL,
    api_token,
    bench_app,
    fresh_database,
    gunicorn,
    latency_cells,
    print_table,
    request,
    run_load,
)

#: Tickets scanned before measuring, to warm the workers up.
WARMUP = 300


def prepare(url: str, tickets: int) -> tuple[int, list[str], str]:
    """An event with N confirmed registrations, its main list and a door staff token."""
    from eventhub.database import db
    from eventhub.models import (
        CheckinList,
        Event,
        Membership,
        Organization,
        Registration,
        User,
    )
    from eventhub.registrations.tickets import new_code

    app = bench_app(url)
    with app.app_context():
        now = datetime.now(UTC)
        org = Organization(name="签到基准", slug="checkin-bench", kind="maker_space")
        event = Event(
            organization=org,
            title="创业周开幕式",
            kind="week",
            status="published",
            starts_at=now + timedelta(hours=1),
            ends_at=now + timedelta(hours=9),
            published_at=now,
        )
        door = CheckinList(event=event, name="主入口", is_main=True)
        staff = User(email="door@example.com", name="门岗")
        door_token, token = api_token("door", user=staff)
        db.session.add_all(
            [
                event,
                door,
                staff,
                Membership(organization=org, user=staff, role="staff"),
                door_token,
            ]
        )
        db.session.flush()
        codes = []
        users = [
            User(email=f"guest{i}@example.com", name=f"来宾{i}", phone=f"139{i:08d}")
            for i in range(tickets)
        ]
        db.session.add_all(users)
        db.session.flush()
        for user in users:
            code = new_code()
            codes.append(code)
            db.session.add(
                Registration(
                    event_id=event.id,
                    user_id=user.id,
                    status="confirmed",
                    name=user.name,
                    phone=user.phone,
                    email=user.email,
                    ticket_code=code,
                    confirmed_at=now,
                )
            )
        db.session.commit()
        db.session.execute(db.text("ANALYZE"))
        db.session.commit()
        list_id = door.id
        db.engine.dispose()
    return list_id, codes, token


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=5000)
    parser.add_argument("--levels", default="1,10,50")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    args = parser.parse_args()
    levels = [int(n) for n in args.levels.split(",")]

    fresh_database(args.database_url)
    list_id, codes, token = prepare(args.database_url, args.tickets + WARMUP)
    codes, warmup = codes[WARMUP:], codes[:WARMUP]
    path = f"/api/v1/checkin-lists/{list_id}/scans"
    rows = []
    with gunicorn(args.database_url, args.workers) as port:
        # Warm both workers (imports, connection pools, prepared statements) on tickets of
        # their own, not measured.
        run_load(warmup, lambda code: request(
            port, "POST", path, {"code": code, "nonce": uuid.uuid4().hex}, token), 10)
        chunk = len(codes) // len(levels)
        for phase, expected in (("first", "ok"), ("repeat", "already_checked_in")):
            for index, level in enumerate(levels):
                batch = codes[index * chunk : (index + 1) * chunk]

                def one(code: str) -> tuple[int, object, float]:
                    body = {"code": code, "nonce": uuid.uuid4().hex, "device": "bench"}
                    return request(port, "POST", path, body, token)

                results, seconds = run_load(batch, one, level)
                ms = [r[2] * 1000 for r in results]
                wrong = sum(1 for r in results if r[0] != 200 or r[1]["status"] != expected)
                rows.append(
                    [
                        phase,
                        level,
                        len(batch),
                        f"{len(batch) / seconds:.0f}",
                        *latency_cells(ms, 1),
                        wrong,
                    ]
                )
    print(f"check-in scans: {args.tickets} tickets, gunicorn workers={args.workers}, PostgreSQL")
    print_table(
        ["scans", "concurrency", "n", "scans/s", "p50 ms", "p95 ms", "p99 ms", "unexpected"], rows
    )
    sys.exit(0 if all(row[-1] == 0 for row in rows) else 1)


if __name__ == "__main__":
    main()
