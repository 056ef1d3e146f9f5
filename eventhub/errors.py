"""Domain errors and the error handlers that turn them (and HTTP errors) into pages or JSON."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify, render_template, request
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
}


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


class BadRequest(DomainError):
    status, code, default_message = 400, "bad_request", HTTP_MESSAGES[400]


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
    from flask import current_app

    current_app.logger.exception("Unhandled error")
    if is_api_request():
        return error_response(500, {"code": "internal_error", "message": str(HTTP_MESSAGES[500])})
    return render_error_page(500, str(HTTP_MESSAGES[500]))


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(HTTPException, handle_http_error)
    if not app.testing:
        app.register_error_handler(Exception, handle_unexpected_error)
