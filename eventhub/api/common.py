"""What every API module shares: error and pagination schemas, auth and CSRF, paging."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import marshmallow as ma
import sqlalchemy as sa
from flask import g, request
from flask_login import current_user
from flask_smorest import Blueprint

from eventhub.database import db
from eventhub.errors import NotAuthenticated, NotFound

NAME_MAX = 200
TEXT_MAX = 10_000


class StrictSchema(ma.Schema):
    """Request bodies: unknown fields are refused, so a typo never passes silently."""

    class Meta:
        unknown = ma.RAISE


class ErrorBodySchema(ma.Schema):
    code = ma.fields.String(required=True, metadata={"example": "capacity_full"})
    message = ma.fields.String(required=True)
    fields = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String())


class ErrorSchema(ma.Schema):
    error = ma.fields.Nested(ErrorBodySchema, required=True)


class PageArgsSchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=100_000))
    per_page = ma.fields.Integer(load_default=50, validate=ma.validate.Range(min=1, max=200))


class PageSchema(ma.Schema):
    page = ma.fields.Integer(required=True)
    per_page = ma.fields.Integer(required=True)
    total = ma.fields.Integer(required=True)


def page_of(item_schema: type[ma.Schema], name: str) -> type[ma.Schema]:
    """A paginated list schema: ``{items: [...], page, per_page, total}``."""
    return type(name, (PageSchema,), {"items": ma.fields.List(ma.fields.Nested(item_schema))})


def paginate(query: sa.Select, page: int, per_page: int) -> dict[str, Any]:
    result = db.paginate(query, page=page, per_page=per_page, max_per_page=200, error_out=False)
    return {"items": list(result.items), "page": page, "per_page": per_page, "total": result.total}


def protect_api() -> None:
    """Writes from a browser session need the X-CSRFToken header; Bearer calls do not."""
    from eventhub.extensions import csrf

    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if current_user.is_authenticated and not g.get("auth_via_token"):
        csrf.protect()


def require_user() -> Any:
    """Return the signed-in user. Raises NotAuthenticated."""
    if not current_user.is_authenticated:
        raise NotAuthenticated()
    return current_user._get_current_object()


def authenticated(fn: Callable) -> Callable:
    """Endpoint needs a user (Bearer token or session)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        require_user()
        return fn(*args, **kwargs)

    wrapper._apidoc = getattr(fn, "_apidoc", {})  # type: ignore[attr-defined]
    return wrapper


def get_or_404(model: type, object_id: int) -> Any:
    obj = db.session.get(model, object_id)
    if obj is None:
        raise NotFound()
    return obj


def make_blueprint(name: str, description: str) -> Blueprint:
    return Blueprint(name, __name__, description=description)


def doc_errors(blp: Blueprint, *statuses: int) -> Callable:
    """Document API.md's error body for each status on an endpoint."""

    def decorator(fn: Callable) -> Callable:
        for status in statuses:
            fn = blp.alt_response(status, schema=ErrorSchema, description=ERROR_TEXT[status])(fn)
        return fn

    return decorator


ERROR_TEXT = {
    400: "Malformed JSON or a value of the wrong type.",
    401: "Not authenticated (`not_authenticated`, `invalid_credentials`).",
    403: "Not allowed for this user.",
    404: "Unknown, or not visible to you.",
    409: "Conflicts with the current state.",
    422: "Field validation failed; `fields` says which.",
    429: "Rate limited.",
}
