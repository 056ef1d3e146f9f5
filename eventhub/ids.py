"""Database ids as they come in from URLs and posts: within the range of an ``integer``
column, or naming no row."""

from __future__ import annotations

from typing import Any

from werkzeug.routing import IntegerConverter

#: Ids are PostgreSQL ``integer`` columns; anything beyond can name no row.
ID_MAX = 2**31 - 1


def parse_id(value: Any) -> int | None:
    """An id typed or posted as text (``request.form.get("entry_id", type=parse_id)``): None
    when it is no whole number or out of the ids' range (SQLite and PostgreSQL refuse such
    numbers in a query, which must not become a server error)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 1 <= number <= ID_MAX else None


def page_number(value: Any) -> int:
    """A page number from a query string (``request.args.get("page", 1, type=page_number)``):
    the number, or 1 when it is no whole number or out of the ids' range."""
    return parse_id(value) or 1


class IdConverter(IntegerConverter):
    """``<id:name>`` (and ``<int:name>``: the factory makes it the same) in a URL: a database
    id. Digits beyond the id range (or 0) become 0, an id no row has, so the endpoint answers
    404 (a failed converter match would answer 405 whenever another method exists on the
    path, and the number itself would fail in the query)."""

    def to_python(self, value: str) -> int:
        number = int(value)
        return number if 1 <= number <= ID_MAX else 0


def coerce_id(value: Any) -> int:
    """A form field's ``coerce`` for an id (``SelectField(coerce=coerce_id)``): the id, or
    ValueError, which the field reports as its error."""
    number = parse_id(value)
    if number is None:
        raise ValueError(f"not an id: {value!r}")
    return number
