"""What every API module shares: error and pagination schemas, auth and CSRF, paging."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import marshmallow as ma
import sqlalchemy as sa
from flask import Response, abort, g, jsonify, request
from flask_babel import gettext
from flask_login import current_user
from flask_smorest import Blueprint
from webargs import core
from webargs.flaskparser import FlaskParser

from eventhub import text
from eventhub.accounts.models import EMAIL_MAX
from eventhub.database import db
from eventhub.errors import NotAllowed, NotAuthenticated, NotFound
from eventhub.ids import ID_MAX, IdConverter  # noqa: F401 - the API's modules import them here

NAME_MAX = 200
TEXT_MAX = 10_000
#: A phone number as stored (users.phone, registrations.phone).
PHONE_MAX = 32
#: A scanning device's name and the nonce it chooses (checkin scans).
DEVICE_MAX = 64
#: Times outside this window are typing mistakes, and far ones overflow date arithmetic.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


def N_(message: str) -> str:  # noqa: N802 - the marker Babel's extractor knows
    """Mark ``message`` for the catalog; errors.py translates it when it answers."""
    return message


#: marshmallow's own messages, marked so the catalogs carry them (errors.py translates them).
SCHEMA_MESSAGES = (
    N_("Missing data for required field."),
    N_("Unknown field."),
    N_("Field may not be null."),
    N_("Not a valid string."),
    N_("Not a valid integer."),
    N_("Not a valid boolean."),
    N_("Not a valid datetime."),
    N_("Not a valid aware datetime."),
    N_("Invalid input type."),
    N_("Invalid JSON body."),
    N_("Must be one of: {choices}."),
)


class ApiParser(FlaskParser):
    """Read the body as JSON whatever its Content-Type says (a forgotten header is no reason
    to drop it; CSRF is checked separately), refusing NaN/Infinity and absurd nesting."""

    def _raw_load_json(self, req: Any) -> Any:
        data = req.get_data(cache=True)
        if not data.strip():
            return core.missing
        try:
            return json.loads(data.decode("utf-8"), parse_constant=_no_constants)
        except (ValueError, RecursionError):
            abort(400)


def _no_constants(name: str) -> None:
    raise ValueError(name)


class ApiBlueprint(Blueprint):
    ARGUMENTS_PARSER = ApiParser()

    def arguments(self, schema: type[ma.Schema] | ma.Schema, *args: Any, **kwargs: Any):
        """As flask-smorest's, with one schema instance made here for every request: given a
        class, webargs would make one a request, deep-copying each of its fields (a tenth of
        a door scan's time). Loading keeps no state in the instance (marshmallow 4), and
        the OpenAPI document names the same component."""
        if isinstance(schema, type):
            schema = schema()
        return super().arguments(schema, *args, **kwargs)


def _bad_characters(value: Any) -> dict[str, str]:
    """Find the strings holding characters no text may hold (`eventhub.text`: control
    characters, lone surrogates, noncharacters), by field path.

    Walks the JSON with a stack, not recursion: nesting is limited only by the JSON parser.
    """
    found: dict[str, str] = {}
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str):
            if text.has_forbidden(item):
                found[path or "_body"] = str(text.FORBIDDEN_MESSAGE)
        elif isinstance(item, dict):
            stack.extend((f"{path}.{key}" if path else str(key), v) for key, v in item.items())
        elif isinstance(item, list):
            stack.extend((f"{path}.{i}" if path else str(i), v) for i, v in enumerate(item))
    return found


class StrictSchema(ma.Schema):
    """Request bodies: unknown fields are refused, so a typo never passes silently, and
    strings holding characters no text may hold (control characters such as NUL, lone
    surrogates: `eventhub.text`) are refused as 422, in any field, nested ones too."""

    class Meta:
        unknown = ma.RAISE

    @ma.pre_load
    def _refuse_bad_characters(self, data: Any, **kwargs: Any) -> Any:
        bad = _bad_characters(data)
        if bad:
            raise ma.ValidationError(bad)
        return data


class NoBodySchema(StrictSchema):
    """For actions without parameters: any field sent is refused rather than ignored."""


class MaxLength(ma.validate.Validator):
    """At most ``n`` characters (the message is translated for the request's locale)."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __call__(self, value: str) -> str:
        if len(value) > self.n:
            raise ma.ValidationError(str(text.too_long_message(self.n)))
        return value


class Str(ma.fields.String):
    """A string of at most ``max_length`` characters (``NAME_MAX`` by default)."""

    def __init__(self, *args: Any, max_length: int = NAME_MAX, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", {})
        kwargs["metadata"] = {"maxLength": max_length, **kwargs["metadata"]}
        super().__init__(*args, validate=MaxLength(max_length), **kwargs)


class Email(Str):
    """An email address as typed: at most ``EMAIL_MAX`` characters (services check its form)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, max_length=EMAIL_MAX, **kwargs)


class Phone(Str):
    """A phone number as typed: at most ``PHONE_MAX`` characters."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, max_length=PHONE_MAX, **kwargs)


class Int(ma.fields.Integer):
    """A JSON integer: ``true``, ``"5"`` and ``5.5`` are the wrong type (400)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, strict=True, **kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class Bool(ma.fields.Boolean):
    """A JSON boolean: ``1`` and ``"yes"`` are the wrong type (400)."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


def event_tz(obj: Any) -> str:
    """``Time(tz_of=event_tz)``: the time zone of an event, of the event ``obj`` belongs to (a
    session, a track, an entry, a round...), or a dumped dict's own ``"timezone"``."""
    if isinstance(obj, dict):
        return obj["timezone"]
    return getattr(obj, "event", obj).timezone


class Time(ma.fields.AwareDateTime):
    """An ISO 8601 time with its offset. Out: in the time zone ``tz_of(obj)`` names."""

    def __init__(self, *args: Any, tz_of: Callable[[Any], str] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.tz_of = tz_of

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> Any:
        if value is not None and self.tz_of is not None:
            value = value.astimezone(ZoneInfo(self.tz_of(obj)))
        return super()._serialize(value, attr, obj, **kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        if not isinstance(value, str):
            raise self.make_error("invalid", input=value, obj_type=self.OBJ_TYPE)
        result = super()._deserialize(value, attr, data, **kwargs)
        if not EARLIEST <= result <= LATEST:
            raise ma.ValidationError(gettext("Enter a time between 1970 and 2200."))
        return result


class IdArg(ma.fields.Integer):
    """An id in a query string: a positive integer that fits a database id."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, validate=ma.validate.Range(min=1, max=ID_MAX), **kwargs)


class IdField(Int):
    """An id in a JSON body: a JSON integer that fits a database id."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, validate=ma.validate.Range(min=1, max=ID_MAX), **kwargs)


class ErrorBodySchema(ma.Schema):
    """API.md's error body; a few conflicts also name what they conflict with."""

    code = ma.fields.String(required=True, metadata={"example": "capacity_full"})
    message = ma.fields.String(required=True)
    fields = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String())
    registration_id = ma.fields.Integer(
        metadata={"description": "`already_registered`: the registration there is already."}
    )
    entry_id = ma.fields.Integer(
        metadata={"description": "`entry_exists`: the entry this person leads already."}
    )
    scorecard = ma.fields.Dict(
        metadata={"description": "`stale_version`: the current scorecard (`id`, `entry_id`, "
                                 "`status`, `version`, `total`, `complete`, `scores`, "
                                 "`comment`, `saved_at`)."}
    )


class ErrorSchema(ma.Schema):
    error = ma.fields.Nested(ErrorBodySchema, required=True)


class PageArgsSchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=100_000))
    per_page = ma.fields.Integer(load_default=50, validate=ma.validate.Range(min=1, max=200))

    @ma.pre_load
    def _refuse_bad_characters(self, data: Any, **kwargs: Any) -> Any:
        bad = _bad_characters(dict(data))
        if bad:
            raise ma.ValidationError(bad)
        return data


class PageSchema(ma.Schema):
    page = ma.fields.Integer(required=True)
    per_page = ma.fields.Integer(required=True)
    total = ma.fields.Integer(required=True)


def list_of(item_schema: type[ma.Schema], name: str) -> type[ma.Schema]:
    """An unpaginated list schema: ``{items: [...]}`` (short lists: an event's form)."""
    return type(
        name, (ma.Schema,), {"items": ma.fields.List(ma.fields.Nested(item_schema), required=True)}
    )


def page_of(item_schema: type[ma.Schema], name: str) -> type[ma.Schema]:
    """A paginated list schema: ``{items: [...], page, per_page, total}``."""
    return type(name, (PageSchema,), {"items": ma.fields.List(ma.fields.Nested(item_schema))})


def paginate(query: sa.Select, page: int, per_page: int) -> dict[str, Any]:
    result = db.paginate(query, page=page, per_page=per_page, max_per_page=200, error_out=False)
    return {"items": list(result.items), "page": page, "per_page": per_page, "total": result.total}


def protect_api() -> None:
    """Writes from a browser session (a login, or a judge device's session) need the
    X-CSRFToken header; Bearer calls do not."""
    from eventhub.accounts.auth import sole_bearer_token
    from eventhub.extensions import csrf
    from eventhub.judging import judge_session

    if request.method in ("GET", "HEAD", "OPTIONS") or sole_bearer_token() is not None:
        return  # without cookies nobody is signed in but the token's user, if anyone
    if (current_user.is_authenticated or judge_session.device() is not None) and not g.get(
        "auth_via_token"
    ):
        csrf.protect()


def require_user() -> Any:
    """Return the signed-in user. Raises NotAuthenticated."""
    if not current_user.is_authenticated:
        raise NotAuthenticated()
    return current_user._get_current_object()


def guarded(
    blp: Blueprint, check: Callable[[], object], sole_bearer: bool = False
) -> Callable:
    """Decorate an endpoint that needs a caller: document the ``bearerAuth`` security
    requirement in the OpenAPI document and run ``check()`` (which raises, e.g.
    NotAuthenticated for 401 ``not_authenticated``) before the endpoint.

    Put it above ``blp.arguments`` so the caller is checked before the arguments are read
    (an anonymous call with a bad body answers 401, not 422). The 401 answer itself is
    documented by ``doc_errors(blp, 401, ...)``.

    ``sole_bearer``: the endpoint reads the user of a request's sole Bearer token itself,
    with what it answers, in a statement of its own (`accounts.auth.sole_bearer_token`: a
    door's scan, a tablet's scorecard); such a request passes unchecked, and the endpoint
    answers 401 itself when the token does not authenticate (after its arguments are read)."""
    from eventhub.accounts.auth import sole_bearer_token

    def decorator(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not (sole_bearer and sole_bearer_token() is not None):
                check()
            return fn(*args, **kwargs)

        wrapper._apidoc = getattr(fn, "_apidoc", {})  # type: ignore[attr-defined]
        return secured(blp)(wrapper)

    return decorator


def signed_in(blp: Blueprint) -> Callable:
    """Endpoint needs a user (a Bearer token, or the browser session): 401
    ``not_authenticated`` otherwise, and the ``bearerAuth`` security requirement in the
    OpenAPI document. ``@signed_in(blp)`` goes where ``blp.doc``-style decorators go, above
    ``blp.arguments``; see guarded()."""
    return guarded(blp, require_user)


def signed_in_or_sole_bearer(blp: Blueprint) -> Callable:
    """As `signed_in`, for an endpoint that reads the user of a request's sole Bearer token
    itself (the door scan; see guarded())."""
    return guarded(blp, require_user, sole_bearer=True)


def get_or_404(model: type, object_id: int) -> Any:
    obj = db.session.get(model, object_id)
    if obj is None:
        raise NotFound()
    return obj


def get_in_or_404(model: type, object_id: int, **owner: int) -> Any:
    """Load a child object by id, 404 unless it belongs to the given parent (``org_id=3``)."""
    obj = get_or_404(model, object_id)
    if any(getattr(obj, name) != value for name, value in owner.items()):
        raise NotFound()
    return obj


def make_blueprint(name: str, description: str) -> Blueprint:
    return ApiBlueprint(name, __name__, description=description)


def as_built(body: dict[str, Any]) -> Response:
    """``body`` answered as JSON as it is, not dumped through the endpoint's response schema.

    For an answer a service already builds in the documented shape, on a path where the dump
    costs: a door scan (a twentieth of its work), a round's results (a thousand entries with
    their criteria). The schema stays the endpoint's document; its dump would only copy the
    body. Each such endpoint has a test that the schema's dump leaves its body unchanged,
    and the schemathesis run checks it against the document."""
    return jsonify(body)


def secured(blp: Blueprint) -> Callable:
    """Document that an endpoint needs a user (a Bearer token, or the browser session)."""
    return blp.doc(security=[{"bearerAuth": []}])


def optional_auth(blp: Blueprint) -> Callable:
    """Document that an endpoint answers everyone, and signed-in users may see more."""
    return blp.doc(security=[{}, {"bearerAuth": []}])


def doc_errors(blp: Blueprint, *statuses: int) -> Callable:
    """Document API.md's error body for each status on an endpoint (429 with its Retry-After
    header), and 503 ``unavailable`` with its Retry-After header (any endpoint answers it
    while the database is unreachable)."""

    def decorator(fn: Callable) -> Callable:
        for status in statuses:
            headers = RETRY_AFTER_HEADER if status == 429 else None
            fn = blp.alt_response(status, schema=ErrorSchema, description=ERROR_TEXT[status],
                                  headers=headers)(fn)
        return blp.alt_response(503, schema=ErrorSchema, description=ERROR_TEXT[503],
                                headers=RETRY_AFTER_HEADER)(fn)

    return decorator


RETRY_AFTER_HEADER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "integer", "minimum": 1},
    }
}


ERROR_TEXT = {
    400: "Malformed JSON or a value of the wrong type.",
    401: "Not authenticated (`not_authenticated`, `invalid_credentials`).",
    403: "Not allowed for this user.",
    404: "Unknown, or not visible to you.",
    409: "Conflicts with the current state.",
    422: "Field validation failed; `fields` says which.",
    429: "Rate limited.",
    503: "The database cannot be reached for a moment (`unavailable`): try again after "
         "`Retry-After` seconds.",
}


def paginate_list(items: list[Any], page: int, per_page: int) -> dict[str, Any]:
    """Page through a short list already in memory (an event's sessions, an org's members)."""
    start = (page - 1) * per_page
    return {
        "items": items[start : start + per_page],
        "page": page,
        "per_page": per_page,
        "total": len(items),
    }


def load_or_404(
    model: type,
    object_id: int,
    visible: Callable[[Any], object] | None = None,
    allowed: Callable[[Any], object] | None = None,
) -> Any:
    """Load ``model`` by id for the caller: 404 when it does not exist or ``visible(obj)`` is
    false, 403 when ``allowed(obj)`` is false. Raises NotFound, NotAllowed.

    API.md's 404 is "unknown, or not visible to you": a caller who may not even see the
    object gets exactly the answer of an id that does not exist, so refusals never tell a
    stranger which ids exist; 403 is only for a caller who sees it but may not do this.
    ``visible`` may itself raise NotFound (a parent loaded the same way)."""
    obj = get_or_404(model, object_id)
    if visible is not None and not visible(obj):
        raise NotFound()
    if allowed is not None and not allowed(obj):
        raise NotAllowed()
    return obj
