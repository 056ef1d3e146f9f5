"""Contest judging: results of a large round, and scorecard saves at concurrency.

Starts the app under gunicorn (2 workers) on a fresh PostgreSQL database with a contest of
1,000 entries in two tracks, 7 judges on each entry and a 6-criterion rubric (42,000 scores,
all submitted), then

- asks for the round's results through the API with each aggregation method, several times,
  and prints the time each answer took;
- has 10 judges save scorecards of a second, open round at once (a draft, then the same card
  again with its version, as a tablet's autosave does), printing saves/s and latency
  percentiles, and the CPU time a save took in the server and in PostgreSQL (steadier
  than the latencies on a busy machine).

    python bench/judging.py [--entries 1000] [--judges-per-entry 7] [--repeat 5] [--quick]

``--quick``: 200 entries and 2 repeats for the results (the saves are as many as always).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._server import (  # noqa: E402
    DEFAULT_URL,
    api_token,
    bench_app,
    database_cpu,
    fresh_database,
    gunicorn,
    latency_cells,
    machine_speed,
    print_table,
    request,
    run_load,
    server_cpu,
)

METHODS = ("mean", "trimmed_mean", "median", "zscore")
#: (name, max points, weight): weights sum to 100.
RUBRIC = [("创新性", 20, 25), ("商业模式", 20, 20), ("市场前景", 10, 15),
          ("团队", 10, 15), ("技术可行性", 10, 15), ("社会效益", 5, 10)]
SAVERS = 10
CARDS_PER_SAVER = 100


def prepare(url: str, entries: int, per_entry: int) -> dict:
    """The contest, its scored round and an open round for the save test; tokens."""
    from eventhub.database import db
    from eventhub.judging.models import (
        Assignment,
        Criterion,
        Entry,
        Judge,
        Round,
        RoundEntry,
        Scorecard,
        Track,
    )
    from eventhub.models import Event, Membership, Organization, User

    rng = random.Random(2026)
    app = bench_app(url)
    with app.app_context():
        now = datetime.now(UTC)
        org = Organization(name="辽宁省创新创业联盟", slug="judging-bench", kind="alliance")
        event = Event(organization=org, title="辽宁创新创业大赛", kind="contest",
                      status="published", starts_at=now + timedelta(days=30),
                      ends_at=now + timedelta(days=31), published_at=now)
        organizer = User(email="organizer@example.com", name="组织者")
        organizer_token, secret = api_token("org", user=organizer)
        tokens = {"organizer": secret}
        db.session.add_all([event, organizer,
                            Membership(organization=org, user=organizer, role="owner"),
                            organizer_token])
        tracks = [Track(event=event, name=name, position=i)
                  for i, name in enumerate(("科技创新组", "乡村振兴组"))]
        db.session.add_all(tracks)
        db.session.flush()
        panel = per_entry * 5  # enough judges that each scores a fifth of the entries
        judges = []
        for i in range(panel):
            user = User(email=f"judge{i}@example.com", name=f"评委{i}")
            judges.append(Judge(event_id=event.id, user=user, institution=f"评审机构{i}"))
        db.session.add_all(judges)
        rows = [Entry(event_id=event.id, track=tracks[i % 2], title=f"参赛项目 {i}",
                      team_name=f"团队 {i}", institution=f"高校 {i % 50}") for i in range(entries)]
        db.session.add_all(rows)
        scored = Round(event=event, name="网评", position=0, aggregation="trimmed_mean",
                       advance_top_n=30, status="closed")
        live = Round(event=event, name="复赛", position=1, aggregation="mean", status="open")
        db.session.add_all([scored, live])
        db.session.flush()
        for round_ in (scored, live):
            db.session.add_all(Criterion(round_id=round_.id, name=name, max_points=points,
                                         weight=weight, position=i)
                               for i, (name, points, weight) in enumerate(RUBRIC))
        db.session.flush()
        criteria = [(str(c.id), c.max_points) for c in scored.criteria]
        db.session.add_all(RoundEntry(round_id=scored.id, entry_id=e.id) for e in rows)
        for index, entry in enumerate(rows):
            for k in range(per_entry):
                judge = judges[(index * per_entry + k) % panel]
                db.session.add(Assignment(round_id=scored.id, judge_id=judge.id,
                                          entry_id=entry.id))
                scores = {cid: rng.randint(0, int(points) * 2) / 2 for cid, points in criteria}
                db.session.add(Scorecard(round_id=scored.id, judge_id=judge.id,
                                         entry_id=entry.id, scores=scores, status="submitted",
                                         version=2, submitted_at=now))
        # The open round: each of 10 judges has 100 entries of their own to save (fewer
        # entries than that: judges share entries, never cards).
        db.session.add_all(RoundEntry(round_id=live.id, entry_id=e.id) for e in rows)
        savers = []
        for s in range(SAVERS):
            judge = judges[s]
            row, token = api_token("judge", user_id=judge.user_id)
            db.session.add(row)
            mine = [rows[(s * CARDS_PER_SAVER + i) % len(rows)]
                    for i in range(min(CARDS_PER_SAVER, len(rows)))]
            db.session.add_all(Assignment(round_id=live.id, judge_id=judge.id, entry_id=e.id)
                               for e in mine)
            savers.append((token, [e.id for e in mine]))
        db.session.commit()
        db.session.execute(db.text("ANALYZE"))
        db.session.commit()
        result = {"scored": scored.id, "live": live.id, "tokens": tokens, "savers": savers,
                  "criteria": [(str(c.id), c.max_points) for c in live.criteria]}
        db.engine.dispose()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1000)
    parser.add_argument("--judges-per-entry", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--quick", action="store_true",
                        help="200 entries, 2 repeats of the results (the saves as always)")
    args = parser.parse_args()
    if args.quick:
        args.entries, args.repeat = 200, 2

    fresh_database(args.database_url)
    data = prepare(args.database_url, args.entries, args.judges_per_entry)
    organizer = data["tokens"]["organizer"]
    results_rows, save_rows, failures = [], [], 0
    with gunicorn(args.database_url) as port:
        path = f"/api/v1/rounds/{data['scored']}/results"
        for method in METHODS:
            request(port, "GET", f"{path}?method={method}", token=organizer)  # warm up
            times = []
            for _ in range(args.repeat):
                status, body, seconds = request(port, "GET", f"{path}?method={method}",
                                                token=organizer)
                failures += status != 200 or sum(len(t["entries"]) for t in body["tracks"]) \
                    != args.entries
                times.append(seconds * 1000)
            results_rows.append([method, args.entries, args.entries * args.judges_per_entry,
                                 f"{statistics.median(times):.0f}", f"{max(times):.0f}"])

        rng = random.Random(7)
        live = f"/api/v1/rounds/{data['live']}/scorecards"

        def scores() -> dict:
            return {cid: rng.randint(0, int(points) * 2) / 2 for cid, points in data["criteria"]}

        def judge_saves(saver: tuple[str, list[int]]) -> list[tuple[int, float]]:
            """A tablet's autosave: a draft, then the same card again with its version."""
            token, entry_ids = saver
            out = []
            for entry_id in entry_ids:
                status, body, seconds = request(port, "PUT", f"{live}/{entry_id}",
                                                {"scores": scores()}, token)
                out.append((status, seconds))
                version = body.get("version") if isinstance(body, dict) else None
                status, _, seconds = request(port, "PUT", f"{live}/{entry_id}",
                                             {"scores": scores(), "version": version}, token)
                out.append((status, seconds))
            return out

        cpu = server_cpu(), database_cpu(args.database_url)
        per_judge, seconds = run_load(data["savers"], judge_saves, SAVERS)
        cpu = server_cpu() - cpu[0], database_cpu(args.database_url) - cpu[1]
        saves = [s for judge in per_judge for s in judge]
        failures += sum(1 for status, _ in saves if status != 200)
        ms = [s * 1000 for _, s in saves]
        save_rows.append([SAVERS, len(saves), f"{len(saves) / seconds:.0f}",
                          *latency_cells(ms, 1), f"{cpu[0] * 1000 / len(saves):.1f}",
                          f"{cpu[1] * 1000 / len(saves):.1f}"])

    print(machine_speed())
    print(f"judging: {args.entries} entries x {args.judges_per_entry} judges x {len(RUBRIC)} "
          "criteria, gunicorn workers=2, PostgreSQL")
    print_table(["method", "entries", "scorecards", "median ms", "max ms"], results_rows)
    print_table(["concurrency", "saves", "saves/s", "p50 ms", "p95 ms", "p99 ms",
                 "server CPU ms/save", "PostgreSQL CPU ms/save"], save_rows)
    if failures:
        print(f"{failures} unexpected answers")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
