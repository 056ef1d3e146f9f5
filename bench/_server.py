"""Shared by the benchmarks: a fresh PostgreSQL database, gunicorn around the app, a load
generator with latency percentiles, and a table printer."""

from __future__ import annotations

import http.client
import json
import os
import runpy
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/eventhub_bench"


def fresh_database(url: str) -> None:
    """Drop and create the benchmark database, then migrate it."""
    parsed = sa.engine.make_url(url)
    admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )


def bench_app(url: str, **overrides: Any):
    """The app on the benchmark database, to prepare a benchmark's data straight in it."""
    os.environ["DATABASE_URL"] = url
    from eventhub import create_app

    return create_app("production", SQLALCHEMY_DATABASE_URI=url, SECRET_KEY="bench",
                      **overrides)


def counting_app(url: str):
    """The app in-process, set as gunicorn serves it in the benchmarks (no rate limits, mail
    left in the outbox, no access log), to count a request's statements."""
    return bench_app(url, RATELIMIT_ENABLED=False, MAIL_SEND_IN_BACKGROUND=False,
                     ACCESS_LOG=False)


def statements_of(engine: sa.Engine, send: Any) -> tuple[list[str], Any]:
    """The SQL statements ``send()`` sends through ``engine``, and its answer."""
    statements: list[str] = []

    def note(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        answer = send()
    finally:
        sa.event.remove(engine, "before_cursor_execute", note)
    return statements, answer


def api_token(name: str, **owner: Any) -> tuple[Any, str]:
    """A new API token of its owner (``user=`` or ``user_id=``) and its secret, eh_bench_<name>_…"""
    from eventhub.accounts.services import token_digest
    from eventhub.models import ApiToken

    secret = f"eh_bench_{name}_{os.urandom(16).hex()}"
    return ApiToken(**owner, digest=token_digest(secret), prefix=secret[:10]), secret


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


#: gunicorn's output (the app's JSON access log), kept out of the benchmark's table.
SERVER_LOG = Path(
    os.environ.get("BENCH_SERVER_LOG")
    or Path(tempfile.gettempdir()) / "eventhub_bench_server.log"
)


#: gthread threads a worker in the production image's gunicorn settings (their default).
PRODUCTION_THREADS = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))["threads"]


@contextmanager
def gunicorn(url: str, workers: int = 2, app: str = "wsgi:app", env: dict | None = None):
    """Run ``app`` (eventhub by default) under gunicorn on a free port; yield the port."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "RATELIMIT_ENABLED": "false",
        "MAIL_SEND_IN_BACKGROUND": "false",
        "EVENTHUB_CONFIG": "production",
        "SESSION_COOKIE_SECURE": "false",
        "SECRET_KEY": "bench-secret",
        **(env or {}),
    }
    global _server_pid
    log = SERVER_LOG.open("a")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--worker-class",
            "gthread",
            # Threads a worker as in production (deploy/gunicorn.conf.py): while one waits on
            # PostgreSQL (an event's lock, a commit) the others compute.
            "--threads",
            os.environ.get("BENCH_THREADS") or str(PRODUCTION_THREADS),
            "--backlog",
            "2048",
            "--log-level",
            "warning",
            app,
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("gunicorn did not start")
        _server_pid = _server_pids[port] = process.pid
        yield port
    finally:
        _server_pids.pop(port, None)
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        log.close()


#: The master of the gunicorn started last, and of each running one by its port.
_server_pid: int | None = None
_server_pids: dict[int, int] = {}
_TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()  # fields from the state on


def _cpu(pids: list[int]) -> float:
    """User + system CPU seconds the processes have used."""
    total = 0
    for pid in pids:
        fields = _stat(pid)
        if fields is not None:
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / _TICKS


def _pids() -> list[int]:
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def server_cpu(port: int | None = None) -> float:
    """CPU seconds used so far by the gunicorn on ``port`` (its master and workers; by
    default the one started last)."""
    master = _server_pid if port is None else _server_pids.get(port)
    if master is None:
        return 0.0
    workers = [pid for pid in _pids() if (_stat(pid) or ["", ""])[1] == str(master)]
    return _cpu([master, *workers])


def database_cpu(url: str) -> float:
    """CPU seconds used so far by the PostgreSQL backends serving ``url``'s database."""
    name = sa.engine.make_url(url).database
    pids = []
    for pid in _pids():
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if command.startswith(b"postgres: ") and f" {name} ".encode() in command:
            pids.append(pid)
    return _cpu(pids)


_local = threading.local()


def _connection(port: int, fresh: bool) -> http.client.HTTPConnection:
    """This thread's keep-alive connection to the server (as a browser or app keeps one)."""
    conn = getattr(_local, "conn", None)
    if fresh or conn is None or conn.port != port:
        if conn is not None:
            conn.close()
        conn = _local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    return conn


def request(
    port: int, method: str, path: str, body: Any = None, token: str | None = None
) -> tuple[int, Any, float]:
    """One HTTP request on a kept-alive connection; return (status, JSON body, seconds)."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    payload = json.dumps(body) if body is not None else None
    started = time.perf_counter()
    for attempt in range(2):
        conn = _connection(port, fresh=attempt > 0)
        try:
            conn.request(method, path, body=payload, headers=headers)
            response = conn.getresponse()
            data = response.read()
            break
        except (http.client.HTTPException, ConnectionError):
            # The server closed an idle connection: open a new one, once.
            if attempt:
                raise
    if response.will_close:
        conn.close()
        _local.conn = None
    elapsed = time.perf_counter() - started
    try:
        parsed = json.loads(data) if data else None
    except ValueError:
        parsed = None
    return response.status, parsed, elapsed


def run_load(calls: list[Any], work, concurrency: int) -> tuple[list[Any], float]:
    """Run ``work(call)`` for every call with ``concurrency`` threads; return (results, s)."""
    # Hand the GIL over quickly, so an answer that arrived is timed when it arrived rather
    # than when another client thread let go (the default interval is 5 ms).
    sys.setswitchinterval(0.0005)
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        results = list(pool.map(work, calls))
    return results, time.perf_counter() - started


def measured(
    url: str, calls: list[Any], work, concurrency: int, port: int | None = None
) -> tuple[list[Any], float, dict]:
    """`run_load`, plus the CPU milliseconds per call the server (the processes of the
    gunicorn on ``port``, by default the one started last) and the database (the backends of
    ``url``'s database) used meanwhile, and the load average."""
    server, database = server_cpu(port), database_cpu(url)
    results, seconds = run_load(calls, work, concurrency)
    n = max(len(calls), 1)
    cost = {
        "server_ms": (server_cpu(port) - server) * 1000 / n,
        "db_ms": (database_cpu(url) - database) * 1000 / n,
        "load": os.getloadavg()[0],
    }
    return results, seconds, cost


def machine_speed() -> str:
    """How fast this machine runs Python now: CPU milliseconds of a fixed loop (best of 3).
    A shared virtual machine's speed drifts (by half within a minute, by 2x between days):
    printed with every table, so tables of different runs can be compared."""
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        sum(i * i for i in range(2_000_000))
        best = min(best, time.process_time() - started)
    return f"machine speed: {best * 1000:.0f} ms for the reference loop (lower is faster)"


def met(ok: bool) -> str:
    return "yes" if ok else "NO"


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]


def latency_cells(ms: list[float], digits: int) -> list[str]:
    """The 50th, 95th and 99th percentiles of latencies in milliseconds, as table cells."""
    return [f"{percentile(ms, p):.{digits}f}" for p in (50, 95, 99)]


def print_table(header: list[str], rows: list[list[Any]]) -> None:
    cells = [header] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    line = "+".join("-" * (w + 2) for w in widths)
    print(line)
    for index, row in enumerate(cells):
        print("|".join(f" {c:>{w}} " for c, w in zip(row, widths, strict=True)))
        if index == 0:
            print(line)
    print(line)
