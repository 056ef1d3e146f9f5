"""Helpers of the fault tests: what a test needs is there or the test fails in CI (a skip
only on a newcomer's machine), a TCP proxy that can cut a service off, gunicorn around the
app, and a tiny SMTP sink."""

from __future__ import annotations

import os
import signal
import socket
import socketserver
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")


class CuttableProxy:
    """A TCP proxy on a free local port to ``target`` (host, port). ``cut()`` closes every
    connection through it and refuses new ones (the service is gone); ``restore()`` lets
    them through again."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._server: socket.socket | None = None
        self.restore()

    def restore(self) -> None:
        server = socket.create_server(("127.0.0.1", self.port), reuse_port=False)
        self._server = server
        threading.Thread(target=self._accept, args=(server,), daemon=True).start()

    def _accept(self, server: socket.socket) -> None:
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=2)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._sockets.update((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for sock in (source, sink):
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def cut(self) -> None:
        if self._server is not None:
            with suppress(OSError):
                self._server.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread
            self._server.close()
            self._server = None
        with self._lock:
            for sock in self._sockets:
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self._sockets.clear()


@contextmanager
def gunicorn(url: str, workers: int = 2, **env: str) -> Iterator[tuple[int, subprocess.Popen]]:
    """The app under gunicorn (sync workers, as bench/_server.py but one request per worker at a
    time) on a free port, with its database at ``url``; yields (port, master process)."""
    port = free_port()
    environment = {
        **os.environ,
        "DATABASE_URL": url,
        "EVENTHUB_CONFIG": "production",
        "SECRET_KEY": "faults-secret",
        "SESSION_COOKIE_SECURE": "false",
        "RATELIMIT_ENABLED": "false",
        "MAIL_SEND_IN_BACKGROUND": "false",
        "REDIS_URL": "",
        **env,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}",
         "--worker-class", "gthread", "--threads", "4", "--graceful-timeout", "5", "--preload",
         "--log-level", "warning", "wsgi:app"],
        cwd=ROOT, env=environment,
    )
    try:
        wait_for_port(port)
        yield port, process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def worker_pids(master: int) -> list[int]:
    """The pids of gunicorn's workers (the master's children)."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{name}/stat").read_text()
        except OSError:
            continue
        if stat[stat.rindex(")") + 2:].split()[1] == str(master):
            found.append(int(name))
    return found


class SmtpSink:
    """A minimal SMTP server on a free port that keeps every message it is given
    (``messages``: raw bytes each). Enough of RFC 5321 for smtplib: EHLO/HELO, MAIL, RCPT,
    DATA, RSET, NOOP, QUIT."""

    def __init__(self, port: int | None = None) -> None:
        self.messages: list[bytes] = []
        self.port = port or free_port()
        sink = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                self.wfile.write(b"220 sink ESMTP\r\n")
                while line := self.rfile.readline():
                    verb = line[:4].upper()
                    if verb == b"EHLO":
                        self.wfile.write(b"250-sink\r\n250 8BITMIME\r\n")
                    elif verb == b"DATA":
                        self.wfile.write(b"354 go ahead\r\n")
                        lines = []
                        while (data := self.rfile.readline()) not in (b".\r\n", b""):
                            lines.append(data[1:] if data.startswith(b"..") else data)
                        sink.messages.append(b"".join(lines))
                        self.wfile.write(b"250 queued\r\n")
                    elif verb == b"QUIT":
                        self.wfile.write(b"221 bye\r\n")
                        return
                    else:  # HELO, MAIL, RCPT, RSET, NOOP
                        self.wfile.write(b"250 ok\r\n")

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def make_app():
    """``make_app(url, **config)``: a testing app on the database at ``url``; its pooled
    connections are closed after the test (none is left for the garbage collector)."""
    from eventhub import create_app
    from eventhub.database import db

    made = []

    def make(url: str, **config):
        app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, **config)
        made.append(app)
        return app

    yield make
    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
