"""Running in production: request ids, one structured log line per request, Prometheus metrics,
and the liveness and readiness probes. A base module: it knows no domain (the figures of scans,
registrations and the outbox are read at scrape time with plain SQL on their tables).

- ``GET /healthz``: liveness. The process answers; nothing else is touched (no database, no
  session, no rate limit).
- ``GET /readyz``: readiness. ``SELECT 1`` on the database and ``PING`` to Redis when
  ``REDIS_URL`` is set; ``503`` with ``{"status": "unavailable", "failed": [...]}`` naming what
  failed, so a load balancer stops sending traffic to this process meanwhile.
- ``GET /metrics``: Prometheus text format. Open to loopback and private addresses (the
  scraper on the internal network; nginx refuses the path to the outside) or, wherever the
  request comes from, to ``Authorization: Bearer <METRICS_TOKEN>`` when that is set. Behind a
  proxy, set ``PROXY_FIX_X_FOR`` so a public client is seen with its own address, not the
  proxy's private one. Under gunicorn, ``PROMETHEUS_MULTIPROC_DIR`` (set before start) makes
  every worker write its numbers there and any worker answers for all of them.

Every request gets an id: the ``X-Request-ID`` it came with (nginx sets one) when it looks like
an id, else a new one; it is echoed in the answer's ``X-Request-ID`` and carried by every log
record written during the request. With ``LOG_FORMAT=json`` (production) each record is one
JSON line, and each request writes one ``eventhub.access`` line: time, level, request_id,
method, path, status, duration_ms, user_id.
"""

from __future__ import annotations

import contextlib
import functools
import hmac
import ipaddress
import json
import logging
import os
import re
import secrets
import sys
import time
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Flask, Response, current_app, g, has_request_context, request
from prometheus_client import CollectorRegistry, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

REQUEST_ID_HEADER = "X-Request-ID"
#: What an incoming request id may look like (else a new one is made): no spaces, no quotes,
#: nothing a log reader or a header could be fooled with.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:@-]{1,128}")
#: Endpoints not timed and, when they succeed, not logged (probes and scrapes every few seconds).
QUIET_ENDPOINTS = frozenset(
    {"observability.healthz", "observability.readyz", "observability.metrics"}
)

access_log = logging.getLogger("eventhub.access")

# Metrics --------------------------------------------------------------------------------------
#: The app's own registry (the default one would also carry the process collectors, which in
#: multiprocess mode describe only the worker that happens to answer).
REGISTRY = CollectorRegistry(auto_describe=True)

REQUEST_LATENCY = Histogram(
    "eventhub_request_duration_seconds",
    "Time from the request's arrival in the app to its answer.",
    ("endpoint", "method", "status"),
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=REGISTRY,
)


@functools.lru_cache(maxsize=4096)
def _latency(endpoint: str, method: str, status: int) -> Any:
    """The latency histogram's child of these labels, looked up once (``labels()`` checks
    and converts its values on every call). Bounded: endpoints x methods x statuses."""
    return REQUEST_LATENCY.labels(endpoint, method, status)


class DatabaseCollector:
    """Figures read from the database when scraped, in one statement of three aggregates, so
    every worker on every machine reports the same truth and requests pay nothing for them:
    scans by result (a counter: scans are kept; a deleted one reads as a reset),
    registrations by their current status and the mail outbox by status (gauges). Tables are
    named in SQL, not imported: this base module knows no domain."""

    QUERY = (
        "SELECT 'outbox', status, count(*) FROM mail_outbox GROUP BY status"
        " UNION ALL SELECT 'scans', status, count(*) FROM scans GROUP BY status"
        " UNION ALL SELECT 'registrations', status, count(*) FROM registrations GROUP BY status"
    )

    def collect(self) -> Any:
        from sqlalchemy import text

        from eventhub.database import db

        try:
            rows = db.session.execute(text(self.QUERY)).all()
        except Exception as error:  # noqa: BLE001 - a scrape never fails on the database
            with contextlib.suppress(Exception):  # the figures are missing either way
                db.session.rollback()
            current_app.logger.warning("metrics: database figures unavailable (%s)",
                                       type(error).__name__)
            return
        families = {
            "outbox": GaugeMetricFamily(
                "eventhub_mail_outbox", "Mail in the outbox, by status.", labels=("status",)
            ),
            "scans": CounterMetricFamily(
                "eventhub_scans", "Check-in scans recorded, by result.", labels=("result",)
            ),
            "registrations": GaugeMetricFamily(
                "eventhub_registrations", "Registrations, by current status.",
                labels=("status",),
            ),
        }
        for kind, status, count in rows:
            families[kind].add_metric([str(getattr(status, "value", status))], count)
        yield from families.values()


class _Delegate:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry

    def collect(self) -> Any:
        return self.registry.collect()


def render_metrics(accept: str | None = None) -> tuple[bytes, str]:
    """The metrics in the format the scraper asks for (``Accept``: OpenMetrics or Prometheus
    text), and its content type."""
    from prometheus_client.exposition import choose_encoder

    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_Delegate(REGISTRY))
    registry.register(DatabaseCollector())
    encoder, content_type = choose_encoder(accept or "")
    return encoder(registry), content_type


# Logging --------------------------------------------------------------------------------------
class RequestIdFilter(logging.Filter):
    """Gives every record the current request's id (``-`` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = (
                g.get("request_id", "-") if has_request_context() else "-"
            )
        return True


_RESERVED = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, request_id, the
    fields passed with ``extra=`` and, for errors, the traceback."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        for key, value in record.__dict__.items():
            if key not in _RESERVED and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(app: Flask) -> None:
    """``LOG_FORMAT=json``: the root logger writes JSON lines to stderr (gunicorn passes them
    on); ``plain`` leaves logging as Flask and the test runner set it up."""
    if app.config.get("LOG_FORMAT") != "json":
        return
    root = logging.getLogger()
    if any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    root.handlers[:] = [handler]
    root.setLevel(app.config.get("LOG_LEVEL") or "INFO")
    # Flask's own handler would write each app.logger record a second time, as plain text.
    from flask.logging import default_handler

    app.logger.removeHandler(default_handler)


# Requests -------------------------------------------------------------------------------------
def _start() -> None:
    g.request_started = time.perf_counter()
    incoming = request.headers.get(REQUEST_ID_HEADER)
    g.request_id = (
        incoming if incoming and _REQUEST_ID.fullmatch(incoming) else secrets.token_hex(16)
    )


def _user_id() -> int | None:
    # Only a user this request already loaded: looking one up for the log would cost a query.
    # An endpoint that read its Bearer token's user itself noted them (`note_token_caller`).
    user = g.get("_login_user") or g.get("token_caller")
    return getattr(user, "id", None) if user is not None else None


def _finish(response: Response) -> Response:
    request_id = g.get("request_id")
    if request_id is None:  # a request a before_request hook ahead of ours already answered
        return response
    response.headers[REQUEST_ID_HEADER] = request_id
    endpoint = request.endpoint
    status = response.status_code
    quiet = endpoint in QUIET_ENDPOINTS
    duration = time.perf_counter() - g.request_started
    if not quiet:
        # Unmatched URLs share one label: the endpoint label never grows with what clients try.
        _latency(endpoint or "none", request.method, status).observe(duration)
    if current_app.config.get("ACCESS_LOG") and not (quiet and status < 400):
        _log_request(request_id, endpoint, status, duration)
    return response


def _log_request(request_id: str, endpoint: str | None, status: int, duration: float) -> None:
    """The request's access line. The record is made directly: ``Logger.info`` would walk the
    stack for the caller's file and line, a third of the line's cost, and say nothing here."""
    if not access_log.isEnabledFor(logging.INFO):
        return
    method, path = request.method, request.path
    record = access_log.makeRecord(
        access_log.name, logging.INFO, "", 0, "%s %s %s", (method, path, status), None,
        extra={
            "request_id": request_id,
            "method": method,
            "path": path,
            "status": status,
            "duration_ms": round(duration * 1000, 2),
            "user_id": _user_id(),
        },
    )
    access_log.handle(record)


# Probes and metrics ---------------------------------------------------------------------------
bp = Blueprint("observability", __name__)


def _json(body: dict[str, Any], status: int = 200) -> Response:
    response = Response(json.dumps(body), status=status, mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/healthz")
def healthz() -> Response:
    """Liveness: the process answers requests."""
    return _json({"status": "ok"})


def check_database() -> str | None:
    from sqlalchemy import text

    from eventhub.database import db

    try:
        db.session.execute(text("SELECT 1"))
    except Exception as error:  # noqa: BLE001 - any failure means not ready
        db.session.rollback()
        return f"{type(error).__name__}"
    return None


def check_redis() -> str | None:
    from eventhub.live import redis_client

    client = redis_client()
    if client is None:
        return None
    try:
        client.ping()
    except Exception as error:  # noqa: BLE001
        return f"{type(error).__name__}"
    return None


@bp.get("/readyz")
def readyz() -> Response:
    """Readiness: the database answers ``SELECT 1`` and Redis (when configured) ``PING``."""
    checks = {"database": check_database()}
    if current_app.config.get("REDIS_URL"):
        checks["redis"] = check_redis()
    failed = [name for name, error in checks.items() if error]
    for name in failed:
        current_app.logger.warning("readiness: %s failed (%s)", name, checks[name])
    body = {
        "status": "unavailable" if failed else "ok",
        "checks": {name: error or "ok" for name, error in checks.items()},
    }
    if failed:
        body["failed"] = failed
    return _json(body, 503 if failed else 200)


def metrics_allowed() -> bool:
    token = current_app.config.get("METRICS_TOKEN")
    if token:
        sent = request.headers.get("Authorization", "")
        if hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
            return True
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    return address.is_loopback or address.is_private


@bp.get("/metrics")
def metrics() -> Response:
    if not metrics_allowed():
        return _json({"code": "forbidden", "message": "metrics are internal"}, 403)
    body, content_type = render_metrics(request.headers.get("Accept"))
    return Response(body, content_type=content_type)


def init_observability(app: Flask) -> None:
    """Wire request ids, logging, metrics and the probes into ``app`` (first among the
    before_request hooks, so every later hook's log lines carry the request id)."""
    from eventhub.extensions import csrf, limiter

    configure_logging(app)
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request(_finish)
    for view in (healthz, readyz, metrics):
        csrf.exempt(view)
        limiter.exempt(view)
    app.register_blueprint(bp)
