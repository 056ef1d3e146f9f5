"""What the HTML views share: the base of every form (text without control characters),
domain errors shown beside form fields, safe `next` targets, and times typed into
`datetime-local` inputs read in an event's time zone. It knows no domain."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import flash, request, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, Field, PasswordField
from wtforms.validators import ValidationError

from eventhub import text
from eventhub.errors import DomainError, NotAllowed, NotAuthenticated, NotFound


class Form(FlaskForm):
    """The base of every HTML form: each field's text loses the characters no text may hold
    (`eventhub.text`; a person cannot see them, so they are dropped rather than refused).
    Passwords are kept exactly as typed: they are only ever hashed."""

    class Meta(FlaskForm.Meta):
        def bind_field(self, form: Any, unbound_field: Any, options: dict) -> Field:
            field = super().bind_field(form, unbound_field, options)
            if not isinstance(field, PasswordField):
                field.filters = (*field.filters, text.strip_forbidden)
            return field


#: Errors that are not about the input: they become the 401/403/404 pages.
PASSED_THROUGH = (NotAllowed, NotFound, NotAuthenticated)


def populate_errors(
    form: FlaskForm, error: DomainError, field_map: Mapping[str, str] | None = None
) -> None:
    """Put a domain error's field reasons beside the matching form fields.

    Reasons for fields the form does not have, and the error's message when no field
    matched, go to ``form.form_errors`` (shown at the top of the form).
    """
    field_map = field_map or {}
    placed = False
    for name, message in error.fields.items():
        field = getattr(form, field_map.get(name, name), None)
        if field is not None and hasattr(field, "errors") and name != "csrf_token":
            if isinstance(field.errors, tuple):
                field.errors = list(field.errors)
            field.errors.append(message)
            placed = True
        else:
            form.form_errors.append(message)
    if not placed and error.message not in form.form_errors:
        form.form_errors.append(error.message)


@contextmanager
def domain_errors(form: FlaskForm, field_map: Mapping[str, str] | None = None) -> Iterator[None]:
    """Run a service call; when a rule refuses the change, show why on the form.

    ``with domain_errors(form): service(...); return redirect(...)`` — after a refusal the
    view carries on and renders the form again with the reasons beside the fields.
    Not-found and not-allowed errors pass through to their error pages.
    """
    try:
        yield
    except DomainError as error:
        if isinstance(error, PASSED_THROUGH):
            raise
        populate_errors(form, error, field_map)


def flash_domain_error(error: DomainError) -> None:
    """Tell about a refused button action (publish, remove member) in a flash message."""
    flash(error.message, "error")


def form_status(form: FlaskForm) -> int:
    """422 when a submitted form is shown again with errors, else 200."""
    return 422 if request.method == "POST" and (form.errors or form.form_errors) else 200


# Redirect targets -------------------------------------------------------------------------


def is_safe_next(target: str | None) -> bool:
    """Accept only a path on this site (``/events/3?x=1``); refuse anything that leaves it."""
    if not target or not isinstance(target, str) or len(target) > 2000:
        return False
    if any(ord(c) < 32 or c == "\\" for c in target):
        return False
    if not target.startswith("/") or target.startswith("//"):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def safe_next(target: str | None, default_endpoint: str = "events.home") -> str:
    """The ``next`` target when it is safe, else the default page."""
    return target if is_safe_next(target) else url_for(default_endpoint)


def back_target(default_endpoint: str = "events.home") -> str:
    """Where to go back to: the form's or query's ``next`` when safe, else the default."""
    return safe_next(request.form.get("next") or request.args.get("next"), default_endpoint)


# Local times ------------------------------------------------------------------------------

#: Years a typed date may have; outside them a time cannot be converted safely (and is a typo).
YEAR_MIN, YEAR_MAX = 2000, 2100


class LocalDateTimeField(DateTimeLocalField):
    """A ``datetime-local`` input (``2026-05-18T09:30``); the form makes it aware in a zone."""

    def __init__(self, label: object = None, validators: object = None, **kwargs: object) -> None:
        super().__init__(label, validators, format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
                         **kwargs)

    def pre_validate(self, form: object) -> None:
        if self.data is not None and not YEAR_MIN <= self.data.year <= YEAR_MAX:
            self.data = None
            raise ValidationError(
                _l("Enter a date between %(a)d and %(b)d.", a=YEAR_MIN, b=YEAR_MAX)
            )

    def set_local(self, value: datetime | None, tz: str) -> None:
        """Show an aware datetime as wall-clock time in ``tz``."""
        self.data = value.astimezone(ZoneInfo(tz)).replace(tzinfo=None) if value else None

    def aware(self, tz: str) -> datetime | None:
        """The typed wall-clock time as an aware datetime in ``tz``."""
        if self.data is None:
            return None
        if self.data.tzinfo is not None:  # not typed: the object's own (aware) value
            return self.data
        return self.data.replace(tzinfo=ZoneInfo(tz))


@contextmanager
def refusal_flashed() -> Iterator[None]:
    """Around a button's service call (delete, open, show on stage): a refusal (a conflict,
    a bad value) is told in a flash message; not being allowed or found passes through to its
    error page. A success message goes last inside the block, so it shows only on success."""
    try:
        yield
    except DomainError as error:
        if isinstance(error, PASSED_THROUGH):
            raise
        flash_domain_error(error)
