"""Domain errors and the error handlers that turn them (and HTTP errors) into pages or JSON."""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from flask import Flask, Response, current_app, g, jsonify, render_template, request
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

#: Machine-readable codes of plain HTTP errors (API.md's error body).
HTTP_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}

HTTP_MESSAGES = {
    400: _l("The request could not be understood."),
    401: _l("Please sign in first."),
    403: _l("You are not allowed to do this."),
    404: _l("Not found, or not visible to you."),
    405: _l("This method is not allowed here."),
    409: _l("This conflicts with the current state."),
    413: _l("The request is too large."),
    415: _l("Send JSON (Content-Type: application/json)."),
    422: _l("Some fields are not valid."),
    429: _l("Too many attempts. Please wait a moment and try again."),
    500: _l("Something went wrong on our side. Please try again."),
    503: _l("The service is briefly unavailable. Please try again in a few seconds."),
}

#: Seconds a client is asked to wait (Retry-After) while the database cannot be reached.
RETRY_AFTER_SECONDS = 5


class DomainError(Exception):
    """A rule of the domain refused the change. Carries an HTTP status, a code and field reasons."""

    status = 400
    code = "bad_request"
    default_message: Any = HTTP_MESSAGES[400]

    def __init__(
        self,
        message: Any = None,
        *,
        fields: dict[str, Any] | None = None,
        code: str | None = None,
        **extra: Any,
    ) -> None:
        self.message = str(message if message is not None else self.default_message)
        self.fields = {k: str(v) for k, v in (fields or {}).items()}
        if code:
            self.code = code
        self.extra = extra
        super().__init__(self.message)

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.fields:
            body["fields"] = self.fields
        body.update(self.extra)
        return body


class NotAuthenticated(DomainError):
    status, code, default_message = 401, "not_authenticated", HTTP_MESSAGES[401]


class InvalidCredentials(DomainError):
    status, code = 401, "invalid_credentials"
    default_message = _l("Wrong email or password.")


class NotAllowed(DomainError):
    status, code, default_message = 403, "forbidden", HTTP_MESSAGES[403]


class NotFound(DomainError):
    status, code, default_message = 404, "not_found", HTTP_MESSAGES[404]


class Conflict(DomainError):
    status, code, default_message = 409, "conflict", HTTP_MESSAGES[409]


class ValidationFailed(DomainError):
    status, code, default_message = 422, "validation_failed", HTTP_MESSAGES[422]


def raise_field_errors(errors: dict[str, Any]) -> None:
    """Raise ValidationFailed with the reasons of ``errors`` that are set (a field whose
    reason is None or empty passed); do nothing when none is. The one way services refuse
    several fields at once."""
    fields = {name: reason for name, reason in errors.items() if reason}
    if fields:
        raise ValidationFailed(fields=fields)


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def error_response(status: int, body: dict[str, Any], headers: Any = None) -> Response:
    response = jsonify({"error": body})
    response.status_code = status
    if headers:
        response.headers.extend(headers)
    return response


def render_error_page(status: int, message: str) -> tuple[str, int]:
    return render_template("errors/error.html", status=status, message=message), status


def handle_domain_error(error: DomainError) -> Any:
    if is_api_request():
        return error_response(error.status, error.to_dict())
    return render_error_page(error.status, error.message)


def http_error_body(error: HTTPException) -> dict[str, Any]:
    """API.md's error body for a werkzeug HTTP error, including webargs' validation errors."""
    status = error.code or 500
    body: dict[str, Any] = {
        "code": HTTP_CODES.get(status, "error"),
        "message": str(HTTP_MESSAGES.get(status, error.description or "")),
    }
    messages = (getattr(error, "data", None) or {}).get("messages")
    if messages:
        body.update(_validation_body(messages))
    return body


#: marshmallow's messages that mean "this JSON value has the wrong type" (API.md: 400).
_TYPE_MESSAGES = {
    "Not a valid integer.",
    "Not a valid number.",
    "Not a valid string.",
    "Not a valid boolean.",
    "Not a valid list.",
    "Not a valid mapping type.",
    "Invalid type.",
    "Invalid input type.",
    "Invalid JSON body.",
}


def _flatten(messages: Any, prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            flat.update(_flatten(value, name))
    elif isinstance(messages, list) and messages and all(isinstance(m, str) for m in messages):
        flat[prefix or "_body"] = messages[0]
    elif isinstance(messages, list):
        for index, value in enumerate(messages):
            flat.update(_flatten(value, f"{prefix}.{index}" if prefix else str(index)))
    else:
        flat[prefix or "_body"] = str(messages)
    return flat


def _validation_body(messages: dict[str, Any]) -> dict[str, Any]:
    # webargs keys messages by location ("json", "query"); the field names are what matter.
    fields: dict[str, str] = {}
    for location_messages in messages.values():
        fields.update(_flatten(location_messages))
    wrong_type = any(m in _TYPE_MESSAGES for m in fields.values())
    body: dict[str, Any] = {
        "code": "bad_request" if wrong_type else "validation_failed",
        "message": str(HTTP_MESSAGES[400 if wrong_type else 422]),
        "fields": {name.removeprefix("_schema"): gettext(m) for name, m in fields.items()},
    }
    body["fields"] = {(k or "_body"): v for k, v in body["fields"].items()}
    body["status"] = 400 if wrong_type else 422
    return body


def handle_http_error(error: HTTPException) -> Any:
    if error.response is not None:  # the view chose its own answer (a form saying why)
        return error.response
    if not is_api_request():
        if error.code in (301, 302, 303, 307, 308) or error.code is None:
            return error
        return render_error_page(error.code, str(HTTP_MESSAGES.get(error.code, error.description)))
    body = http_error_body(error)
    status = body.pop("status", error.code or 500)
    headers = getattr(error, "data", {}).get("headers") if hasattr(error, "data") else None
    if error.code == 429 or error.code == 405:
        headers = error.get_headers()
        headers = [(k, v) for k, v in headers if k.lower() != "content-type"]
    return error_response(status, body, headers)


def handle_unexpected_error(error: Exception) -> Any:
    current_app.logger.exception("Unhandled error")
    if is_api_request():
        return error_response(500, {"code": "internal_error", "message": str(HTTP_MESSAGES[500])})
    return render_error_page(500, str(HTTP_MESSAGES[500]))


#: SQLite's answers that mean "busy or not there right now", not "wrong statement".
_SQLITE_UNAVAILABLE = (
    "database is locked",
    "database table is locked",
    "unable to open database file",
    "disk i/o error",
)
#: MySQL/MariaDB error numbers of the same kind: cannot connect, gone away, lost, too many
#: connections, shutting down, lock wait timeout, deadlock, connection killed, idle timeout.
_MYSQL_UNAVAILABLE = {2002, 2003, 2006, 2013, 2055, 1040, 1053, 1205, 1213, 1927, 4031}


def database_unavailable(error: BaseException) -> bool:
    """Tell whether a database error means "try again shortly" (the server is unreachable or
    restarting, the connection was lost, the pool is exhausted, SQLite is busy) rather than a
    fault of the statement (a missing table, a bad value), which stays a 500."""
    if isinstance(error, (sa.exc.DisconnectionError, sa.exc.TimeoutError)):
        return True
    if isinstance(error, sa.exc.DBAPIError):
        if error.connection_invalidated:
            return True
        if not isinstance(error, (sa.exc.OperationalError, sa.exc.InterfaceError)):
            return False
        error = error.orig
    driver = type(error).__module__.partition(".")[0]
    if driver == "sqlite3":
        text = str(error).lower()
        return any(reason in text for reason in _SQLITE_UNAVAILABLE)
    if driver == "pymysql":
        return bool(error.args) and error.args[0] in _MYSQL_UNAVAILABLE
    if driver == "psycopg":
        # psycopg files faults of the statement under ProgrammingError, DataError, ...
        import psycopg

        return isinstance(error, (psycopg.OperationalError, psycopg.InterfaceError))
    return False


def handle_database_error(error: Exception) -> Any:
    """An unreachable database answers 503 with Retry-After and one log line (no traceback:
    an outage of a few seconds must not bury the log); the session is rolled back, so the
    next request starts afresh (the pool's pre-ping replaces dead connections)."""
    if not database_unavailable(error):
        if current_app.testing:
            raise error
        return handle_unexpected_error(error)
    _forget_the_transaction()
    cause = getattr(error, "orig", None) or error
    reason = (str(cause).strip().splitlines() or [""])[0]
    current_app.logger.warning(
        "database unavailable (503): %s %s: %s: %s",
        request.method, request.path, type(cause).__name__, reason[:300],
    )
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    message = str(HTTP_MESSAGES[503])
    if is_api_request():
        return error_response(503, {"code": HTTP_CODES[503], "message": message}, headers)
    page = render_template("errors/503.html", message=message, retry_after=RETRY_AFTER_SECONDS)
    return page, 503, headers


def _forget_the_transaction() -> None:
    from eventhub.database import db

    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection is gone; the pool replaces it
        logging.getLogger(__name__).debug("rollback after a database outage failed")
    # The error page must not reach for the database again: the answer is given as to an
    # anonymous visitor (Flask-Login keeps the request's user in g._login_user). A user loaded
    # before the connection was lost is no exception: the rollback expired its attributes, and
    # reading its language would go to the database again and turn the 503 into a 500.
    g._login_user = current_app.login_manager.anonymous_user()


def _database_errors() -> tuple[type[Exception], ...]:
    errors: tuple[type[Exception], ...] = (
        sa.exc.OperationalError,
        sa.exc.InterfaceError,
        sa.exc.DisconnectionError,
        sa.exc.TimeoutError,
    )
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is a dependency
        return errors
    return (*errors, psycopg.OperationalError, psycopg.InterfaceError)


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(HTTPException, handle_http_error)
    for database_error in _database_errors():
        app.register_error_handler(database_error, handle_database_error)
    if not app.testing:
        app.register_error_handler(Exception, handle_unexpected_error)
