"""A throwaway PostgreSQL server for the tests, from the pgserver wheel (its bundled binaries).

Started at most once per test session, on first use: by the concurrency tests when
TEST_DATABASE_URL is unset, or for the whole suite with TEST_DATABASE_URL=embedded. Its data
lives in a temporary folder of its own, removed when the server stops (pytest_unconfigure).

PostgreSQL refuses to run as root. pgserver handles that itself: as root it runs initdb and
the server as the system user ``pgserver`` (created with useradd when missing) and opens the
folders on the way to the data and the binaries for that user. So the data folder is made
with ``tempfile.mkdtemp`` (not under pytest's 0700 basetemp, whose mode pytest resets when
another session starts). As a normal user the server simply runs as that user.

pytest-xdist's workers share one server: its folder is named after the run
(PYTEST_XDIST_TESTRUNUID, the same in every worker of a run). pgserver serializes starting it
with a lock file, counts the processes using it, and the last one to stop it stops and
removes it; each worker uses databases of its own there (tests/conftest.py's per_worker).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import sqlalchemy as sa

_server: Any = None
_folder: Path | None = None
#: Seconds the last start took (initdb and the server's start), for the report header.
start_seconds: float | None = None


def server_url() -> sa.URL:
    """The URL (database ``postgres``) of the embedded server, started on first call."""
    global _server, _folder, start_seconds
    if _server is None:
        began = time.monotonic()
        with warnings.catch_warnings():
            # platformdirs warns when XDG_RUNTIME_DIR is unset (as root, in CI) and falls back
            # to a folder under /tmp, which suits pgserver's lock file.
            warnings.simplefilter("ignore")
            import pgserver

        run = os.environ.get("PYTEST_XDIST_TESTRUNUID")
        if run:  # one server for every worker of this run
            _folder = shared_folder(run)
            _folder.mkdir(mode=0o700, exist_ok=True)
            # pgserver makes the data folder outside its lock: two workers would race there.
            (_folder / "data").mkdir(mode=0o700, exist_ok=True)
        else:
            _folder = Path(tempfile.mkdtemp(prefix="eventhub-pg-"))
        try:
            _server = pgserver.get_server(_folder / "data", cleanup_mode="delete")
        except Exception:
            _remove_folder()
            raise
        start_seconds = time.monotonic() - began
    info = _server.get_postmaster_info()
    if info.socket_dir is not None:  # a Unix socket in the data folder, no TCP port
        where: dict[str, Any] = {"query": {"host": str(info.socket_dir)}}
    else:  # Windows: a free port on 127.0.0.1
        where = {"host": info.hostname, "port": info.port}
    return sa.engine.URL.create("postgresql+psycopg", username="postgres", database="postgres",
                                **where)


def shared_folder(run: str) -> Path:
    """The folder of the server that the xdist workers of run ``run`` share."""
    return Path(tempfile.gettempdir()) / f"eventhub-pg-{run}"


def remove_shared(run: str) -> None:
    """After the xdist workers of run ``run`` have ended: stop and remove their server when a
    worker could not (xdist ends a worker that takes over 10 s to shut down; pgserver's list
    of the processes using the server then names workers that are gone)."""
    folder = shared_folder(run)
    if not folder.exists():
        return
    pid_file = folder / "data" / "postmaster.pid"
    with contextlib.suppress(OSError, ValueError, IndexError):
        pid = int(pid_file.read_text().split()[0])
        os.kill(pid, signal.SIGINT)  # PostgreSQL's fast shutdown
        for _ in range(100):
            os.kill(pid, 0)  # OSError once it has exited
            time.sleep(0.1)
    shutil.rmtree(folder, ignore_errors=True)


def started() -> bool:
    return _server is not None


def stop() -> None:
    """Stop the server and remove its folder (a no-op when it never started)."""
    global _server, _folder
    if _server is not None:
        _server.cleanup()  # stops and removes the data folder when no other worker uses it
        _server = None
    _remove_folder()


def _remove_folder() -> None:
    """Remove the server's folder, unless another worker's server still runs from it."""
    global _folder
    if _folder is None:
        return
    if os.environ.get("PYTEST_XDIST_TESTRUNUID"):
        with contextlib.suppress(OSError):  # not empty: another worker's server still runs
            _folder.rmdir()
    else:
        shutil.rmtree(_folder, ignore_errors=True)
    _folder = None
