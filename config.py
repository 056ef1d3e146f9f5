"""Settings classes. Every value can be overridden by an environment variable (a `.env` file
in the project folder is read too, when present)."""

import os

from dotenv import load_dotenv

load_dotenv()


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def normalize_database_url(url: str | None) -> str | None:
    """Point bare PostgreSQL/MySQL URLs at the drivers we ship (psycopg 3, PyMySQL)."""
    if not url:
        return url
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    for prefix in ("mysql://", "mariadb://"):
        if url.startswith(prefix):
            url = "mysql+pymysql://" + url[len(prefix) :]
    if url.startswith("mysql+pymysql://") and "charset=" not in url:
        url += ("&" if "?" in url else "?") + "charset=utf8mb4"
    return url


class Config:
    #: None means: generated once into instance/secret_key by create_app().
    SECRET_KEY = os.environ.get("SECRET_KEY") or None
    #: None means: the SQLite file instance/eventhub.sqlite3.
    SQLALCHEMY_DATABASE_URI = normalize_database_url(os.environ.get("DATABASE_URL"))
    #: Extra engine options; connections are checked by default (create_app).
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    REDIS_URL = os.environ.get("REDIS_URL") or None
    #: Seconds after which a live page's version (its ETag) changes even if nothing signalled
    #: a change: a missed signal (Redis down a moment) shows within this long.
    LIVE_REFRESH_SECONDS = int(os.environ.get("LIVE_REFRESH_SECONDS") or 60)

    MAIL_SERVER = os.environ.get("MAIL_SERVER") or None
    MAIL_PORT = int(os.environ.get("MAIL_PORT") or 587)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_USE_TLS = env_bool("MAIL_USE_TLS", True)
    MAIL_USE_SSL = env_bool("MAIL_USE_SSL", False)
    MAIL_DEFAULT_SENDER = (
        os.environ.get("MAIL_DEFAULT_SENDER") or "eventhub <noreply@eventhub.local>"
    )
    #: Without SMTP, mail is written as .eml files here (relative to the instance folder).
    MAIL_FILE_DIR = os.environ.get("MAIL_FILE_DIR") or "mail"
    #: A request never sends mail: after the commit that queued it, an RQ job is enqueued
    #: (REDIS_URL; `flask eventhub mail worker` runs it); without Redis, one background thread
    #: per web process delivers when this is on (development), else `flask eventhub mail send
    #: --loop` (or cron) does (production).
    MAIL_SEND_IN_BACKGROUND = env_bool("MAIL_SEND_IN_BACKGROUND", True)
    MAIL_QUEUE = os.environ.get("MAIL_QUEUE") or "mail"
    #: Seconds to wait for the SMTP server (to connect, and for each of its answers).
    MAIL_TIMEOUT = float(os.environ.get("MAIL_TIMEOUT") or 10)
    #: Attempts at one message (2, 4, 8, ... minutes apart) before it is marked failed.
    MAIL_MAX_ATTEMPTS = int(os.environ.get("MAIL_MAX_ATTEMPTS") or 8)

    RATELIMIT_ENABLED = env_bool("RATELIMIT_ENABLED", True)
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or REDIS_URL or "memory://"
    #: Off: Flask-Limiter would overwrite every answer's Retry-After with its own, rounded
    #: down (0 for a 1 s wait); every 429 says Retry-After itself (accounts/throttle.py).
    RATELIMIT_HEADERS_ENABLED = False
    #: Redis down: count in memory meanwhile (one warning in the log) instead of refusing
    #: every sign-in; a hung Redis costs a request at most a second.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    RATELIMIT_STORAGE_OPTIONS = (
        {"socket_connect_timeout": 1, "socket_timeout": 1}
        if RATELIMIT_STORAGE_URI.startswith("redis") else {}
    )
    #: Sign-in throttling (eventhub/accounts/throttle.py): failed sign-ins per address across
    #: accounts; per account, a delay doubling from 1 s after LOGIN_BACKOFF_AFTER failures up
    #: to LOGIN_BACKOFF_MAX seconds.
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT") or "10 per minute;50 per hour"
    LOGIN_BACKOFF_AFTER = int(os.environ.get("LOGIN_BACKOFF_AFTER") or 5)
    LOGIN_BACKOFF_MAX = int(os.environ.get("LOGIN_BACKOFF_MAX") or 15 * 60)
    SIGNUP_RATE_LIMIT = os.environ.get("SIGNUP_RATE_LIMIT") or "5 per minute;30 per hour"
    PASSWORD_RESET_RATE_LIMIT = (
        os.environ.get("PASSWORD_RESET_RATE_LIMIT") or "5 per minute;30 per hour"
    )
    PASSWORD_RESET_ACCOUNT_RATE_LIMIT = (
        os.environ.get("PASSWORD_RESET_ACCOUNT_RATE_LIMIT") or "5 per hour"
    )
    #: Reverse proxies in front of the app (nginx: 1) whose X-Forwarded-For / -Proto are
    #: believed (werkzeug's ProxyFix). 0 ignores them, so clients cannot choose their address.
    PROXY_FIX_X_FOR = int(os.environ.get("PROXY_FIX_X_FOR") or 0)
    PROXY_FIX_X_PROTO = int(os.environ.get("PROXY_FIX_X_PROTO") or 0)
    #: The Strict-Transport-Security header of every answer; empty sends none (HTTP-only
    #: development). Production sends it unless set to empty.
    STRICT_TRANSPORT_SECURITY = os.environ.get("STRICT_TRANSPORT_SECURITY") or ""

    EVENTHUB_BASE_URL = (os.environ.get("EVENTHUB_BASE_URL") or "http://127.0.0.1:5000").rstrip("/")
    BABEL_DEFAULT_LOCALE = os.environ.get("EVENTHUB_DEFAULT_LOCALE") or "zh_Hans"
    BABEL_DEFAULT_TIMEZONE = os.environ.get("EVENTHUB_TIMEZONE") or "Asia/Shanghai"
    LANGUAGES = ("zh_Hans", "en")

    PASSWORD_RESET_MAX_AGE = int(os.environ.get("PASSWORD_RESET_MAX_AGE") or 2 * 3600)
    REMEMBER_COOKIE_DURATION = 30 * 24 * 3600
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024
    WTF_CSRF_TIME_LIMIT = None

    #: Contest entries: attachments (business plan PDFs) are kept in UPLOAD_FOLDER (default:
    #: instance/uploads); one may be at most ENTRY_ATTACHMENT_MAX_BYTES, below
    #: MAX_CONTENT_LENGTH so the form around it fits in one request.
    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER") or None
    ENTRY_ATTACHMENT_MAX_BYTES = int(
        os.environ.get("ENTRY_ATTACHMENT_MAX_BYTES") or 15 * 1024 * 1024
    )
    #: A judge's sign-in link (judge-scoped, single-use): how long it opens a device after
    #: it was sent, and how long the device it opened stays signed in (seconds).
    JUDGE_LINK_MAX_AGE = int(os.environ.get("JUDGE_LINK_MAX_AGE") or 14 * 24 * 3600)
    JUDGE_DEVICE_MAX_AGE = int(os.environ.get("JUDGE_DEVICE_MAX_AGE") or 14 * 24 * 3600)
    #: Bulk import of entries (CSV or XLSX): the largest file and the most rows at a time.
    ENTRY_IMPORT_MAX_BYTES = int(os.environ.get("ENTRY_IMPORT_MAX_BYTES") or 5 * 1024 * 1024)
    ENTRY_IMPORT_MAX_ROWS = int(os.environ.get("ENTRY_IMPORT_MAX_ROWS") or 5000)

    #: Logs (eventhub/observability.py): ``json`` writes one JSON object per line (production
    #: default), ``plain`` leaves Flask's format. ACCESS_LOG: one line per request (default: on
    #: with JSON logs). METRICS_TOKEN: ``Authorization: Bearer <token>`` opens /metrics to a
    #: scraper outside the private networks (which may always scrape).
    LOG_FORMAT = os.environ.get("LOG_FORMAT") or "plain"
    LOG_LEVEL = os.environ.get("LOG_LEVEL") or "INFO"
    ACCESS_LOG = env_bool("ACCESS_LOG", LOG_FORMAT == "json")
    METRICS_TOKEN = os.environ.get("METRICS_TOKEN") or None

    #: flask-smorest: the OpenAPI document lives at /api/v1/openapi.json.
    API_TITLE = "eventhub"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"

    #: Cheaper hashing is for tests only.
    PASSWORD_HASH_METHOD = "scrypt"  # noqa: S105 - a hash method name, not a password


class ProductionConfig(Config):
    STRICT_TRANSPORT_SECURITY = os.environ.get(
        "STRICT_TRANSPORT_SECURITY", "max-age=31536000; includeSubDomains"
    )
    MAIL_SEND_IN_BACKGROUND = env_bool("MAIL_SEND_IN_BACKGROUND", False)
    LOG_FORMAT = os.environ.get("LOG_FORMAT") or "json"
    ACCESS_LOG = env_bool("ACCESS_LOG", LOG_FORMAT == "json")
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105
    SQLALCHEMY_DATABASE_URI = normalize_database_url(
        os.environ.get("TEST_DATABASE_URL") or "sqlite://"
    )
    RATELIMIT_ENABLED = False
    LOG_FORMAT = "plain"
    ACCESS_LOG = False
    METRICS_TOKEN = None
    RATELIMIT_STORAGE_URI = "memory://"
    REDIS_URL = None
    #: A live page's ETag changes only with what it shows: a test's two requests never fall
    #: on either side of a minute (tests of the roll-over set it themselves).
    LIVE_REFRESH_SECONDS = 10**9
    MAIL_SERVER = None
    #: Tests deliver the outbox by calling `mail.services.deliver_pending` themselves.
    MAIL_SEND_IN_BACKGROUND = False
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # noqa: S105
    EVENTHUB_BASE_URL = "http://localhost"
    SERVER_NAME = None


configs = {
    "development": Config,
    "production": ProductionConfig,
    "testing": TestConfig,
}


def config_for(name: str | None = None) -> type[Config]:
    return configs[name or os.environ.get("EVENTHUB_CONFIG") or "development"]


