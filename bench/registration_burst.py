"""Registration burst: N participants register at once for an event with C places.

Starts the app under gunicorn (2 workers) on a fresh PostgreSQL database, creates the event
and N accounts with API tokens, then fires the N registrations through the API with the
given concurrency and prints throughput, latency percentiles and the outcome.

    python bench/registration_burst.py [--n 1000] [--capacity 300] [--concurrency 50]
"""

from __future__ import annotations

import argparse
import os
import sys
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


def prepare(url: str, n: int, capacity: int) -> tuple[int, list[str]]:
    """Create the organizer, the event and N participants with tokens, straight in the DB."""
    from eventhub.database import db
    from eventhub.models import Event, Organization, User

    app = bench_app(url)
    with app.app_context():
        now = datetime.now(UTC)
        org = Organization(name="基准测试众创空间", slug="bench", kind="maker_space")
        event = Event(
            organization=org,
            title="报名压力测试",
            kind="forum",
            status="published",
            starts_at=now + timedelta(days=7),
            ends_at=now + timedelta(days=7, hours=3),
            capacity=capacity,
            published_at=now,
        )
        db.session.add(event)
        tokens = []
        for i in range(n):
            user = User(
                email=f"bench{i}@example.com",
                name=f"参与者{i}",
                phone=f"139{i:08d}",
                locale="zh_Hans",
            )
            row, token = api_token(str(i), user=user)
            db.session.add(row)
            tokens.append(token)
        db.session.commit()
        event_id = event.id
        db.engine.dispose()
    return event_id, tokens


def count_statements(url: str, event_id: int) -> int:
    """SQL statements for one registration (the same request, counted in-process)."""
    import sqlalchemy as sa

    from eventhub import create_app
    from eventhub.accounts.models import User
    from eventhub.accounts.services import create_token
    from eventhub.database import db

    app = create_app(
        "production",
        SQLALCHEMY_DATABASE_URI=url,
        SECRET_KEY="bench",
        RATELIMIT_ENABLED=False,
        MAIL_SEND_IN_BACKGROUND=False,
    )
    with app.app_context():
        user = User(email="counted@example.com", name="计数", phone="13700000000")
        db.session.add(user)
        db.session.commit()
        _, token = create_token(user, "count")
        db.session.commit()
        db.session.remove()
        statements: list[str] = []
        sa.event.listen(
            db.engine, "before_cursor_execute", lambda *args: statements.append(args[2])
        )
        client = app.test_client()
        response = client.post(
            f"/api/v1/events/{event_id}/registrations",
            json={"consent": True},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 201, response.get_json()
        db.engine.dispose()
    return len(statements)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--capacity", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    args = parser.parse_args()

    fresh_database(args.database_url)
    event_id, tokens = prepare(args.database_url, args.n, args.capacity)
    path = f"/api/v1/events/{event_id}/registrations"
    with gunicorn(args.database_url, args.workers) as port:
        request(port, "GET", "/api/v1/events")  # warm up both workers' imports
        request(port, "GET", "/api/v1/events")
        results, seconds = run_load(
            tokens, lambda t: request(port, "POST", path, {"consent": True}, t), args.concurrency
        )
    latencies = [r[2] * 1000 for r in results]
    bodies = [r[1] for r in results if r[0] == 201]
    errors = sum(1 for r in results if r[0] != 201)
    confirmed = sum(1 for b in bodies if b["status"] == "confirmed")
    positions = sorted(b["waitlist_position"] for b in bodies if b["status"] == "waitlisted")
    gapless = positions == list(range(1, len(positions) + 1))
    statements = count_statements(args.database_url, event_id)
    print(
        f"registration burst: N={args.n} C={args.capacity} concurrency={args.concurrency} "
        f"gunicorn workers={args.workers}, PostgreSQL"
    )
    print_table(
        [
            "regs/s",
            "p50 ms",
            "p95 ms",
            "p99 ms",
            "confirmed",
            "waitlisted",
            "gapless",
            "errors",
            "SQL/registration",
        ],
        [
            [
                f"{len(results) / seconds:.0f}",
                *latency_cells(latencies, 0),
                confirmed,
                len(positions),
                "yes" if gapless else "NO",
                errors,
                statements,
            ]
        ],
    )
    ok = confirmed == args.capacity and len(positions) == args.n - args.capacity and gapless
    sys.exit(0 if ok and not errors else 1)


if __name__ == "__main__":
    main()
