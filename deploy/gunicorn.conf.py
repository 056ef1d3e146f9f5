"""gunicorn settings of the image (``gunicorn --config deploy/gunicorn.conf.py wsgi:app``);
every value can be set from the environment."""

import json
import os
import shutil

# Where and how much ------------------------------------------------------------------------
bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
#: One worker per core is the start (the database does much of the work); threads keep door
#: scanners' and dashboards' kept-alive connections without holding a worker.
workers = int(os.environ.get("WEB_CONCURRENCY") or os.environ.get("GUNICORN_WORKERS") or 2)
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
#: Requests a worker answers before it is replaced (with jitter: not all at once), so a slow
#: leak never grows for long.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "500"))

# Timeouts --------------------------------------------------------------------------------
#: A worker silent this long is killed and replaced (a hung request); exports and PDFs of
#: large events take seconds, never a minute.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
#: On SIGTERM (a deploy, `docker compose stop`), requests in flight get this long to finish;
#: compose's stop_grace_period is longer.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "25"))
#: Longer than nginx's keepalive to the upstream, so gunicorn never closes a connection
#: nginx is about to reuse.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "75"))

#: Not preloaded: each worker builds its own app after the fork, so database pools, Redis
#: clients and the mail courier are never shared across processes, and a worker killed in the
#: middle of a request comes back clean. The price is a little memory and a slower start.
preload_app = False
#: Scratch files of the worker heartbeat in memory, not on the container's overlay disk.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "*")

# Logs: JSON lines on stderr ----------------------------------------------------------------
#: The app writes one JSON line per request itself (eventhub.access, with the request id and
#: the user); gunicorn's own access log is off unless GUNICORN_ACCESS_LOG=1, then also JSON.
access_to_log = os.environ.get("GUNICORN_ACCESS_LOG") == "1"
accesslog = "-" if access_to_log else None
#: Already a JSON line: written as it is (the "raw" formatter below).
access_log_format = json.dumps(
    {
        "time": "%(t)s",
        "level": "INFO",
        "logger": "gunicorn.access",
        "request_id": "%({x-request-id}o)s",
        "method": "%(m)s",
        "path": "%(U)s",
        "status": "%(s)s",
        "duration_ms": "%(M)s",
        "remote": "%(h)s",
    }
)
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
#: With a logging config gunicorn writes access lines whatever ``accesslog`` says: the access
#: logger gets a handler only when they are wanted.
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "eventhub.observability.JsonFormatter"},
        "raw": {"format": "%(message)s"},
    },
    "filters": {"request_id": {"()": "eventhub.observability.RequestIdFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "filters": ["request_id"],
            "stream": "ext://sys.stderr",
        },
        "access": {
            "class": "logging.StreamHandler",
            "formatter": "raw",
            "stream": "ext://sys.stdout",
        },
    },
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["console"], "propagate": False},
        "gunicorn.access": {
            "level": "INFO" if access_to_log else "WARNING",
            "handlers": ["access"] if access_to_log else [],
            "propagate": False,
        },
    },
    "root": {"level": "INFO", "handlers": ["console"]},
}


# Prometheus in multiprocess mode -----------------------------------------------------------
def on_starting(server):  # noqa: ANN001, ANN201
    """Start from an empty metrics folder: numbers of a previous run's workers are gone."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder, exist_ok=True)


def child_exit(server, worker):  # noqa: ANN001, ANN201
    """A worker that ended stops counting in the live gauges (counters keep its numbers)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
