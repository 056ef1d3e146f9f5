"""The rules for text that people send: which characters no text field may hold, and the one
check of a text field every service uses (`check_text`: given or not, text, its length).

Control characters (C0 but tab, line feed and carriage return; DEL; C1), lone surrogates and
Unicode noncharacters (U+FFFE, U+FFFF, ...) are never text anyone meant to type: they come
from a paste out of a PDF or a word processor, or from a tool probing the API. They break
what reads the data later (openpyxl refuses them in an Excel file, PostgreSQL refuses NUL,
UTF-8 cannot encode a lone surrogate), so they are kept out where text comes in:

- the JSON API **refuses** them: 422 with a reason for each field that holds one
  (``api.common.StrictSchema``), so a program learns about its bug;
- HTML forms and imported spreadsheets **drop** them (``webforms.Form``, the entry import):
  a person cannot see an invisible character, so a message asking to remove it would help
  nobody, and what they typed around it is kept;
- query strings of pages (a search box, a filter) **drop** them too (``Request``, the app's
  request class), so no query argument reaches the database with one; the API's are left for
  its schemas to refuse.

Tab, line feed and carriage return stay: multi-line fields need them, and a browser never
sends a line break from a single-line input. Exports strip the same characters again
(``sheets``), for rows stored before this rule.

Services check each text field with `check_text` (or `text_error`, its reason alone), so a
field is refused for the same reasons in the same words everywhere; they collect the reasons
per field and raise them together (`errors.raise_field_errors`).
"""

from __future__ import annotations

import re
from typing import Any

from flask import Request as FlaskRequest
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.utils import cached_property

_NONCHARACTERS = "\ufdd0-\ufdef" + "".join(
    f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(17)
)

#: The characters no text may hold (see the module's docstring).
FORBIDDEN = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff" + _NONCHARACTERS + "]"
)

#: What a field holding a forbidden character is told.
FORBIDDEN_MESSAGE = _l("Remove the invisible control characters (such as NUL or backspace).")


#: What an empty field that must be filled in is told.
REQUIRED_MESSAGE = _l("Enter a value.")

#: What a field given something other than text (a number, a list) is told.
NOT_TEXT_MESSAGE = _l("Enter text.")


def too_long_message(limit: int) -> Any:
    """What a field longer than ``limit`` characters is told."""
    return _l("Use at most %(n)d characters.", n=limit)


def check_text(value: Any, *, limit: int, required: bool = False) -> tuple[str | None, Any]:
    """Check a text field: ``(cleaned value, None)`` when it is acceptable, else
    ``(None, reason)``.

    None is "not given": refused when ``required``, else ``(None, None)``. A value that is not
    a string is refused (`NOT_TEXT_MESSAGE`), so is one longer than ``limit`` characters
    (`too_long_message`), one holding a character no text may hold (`FORBIDDEN_MESSAGE`), and a
    blank one when ``required`` (`REQUIRED_MESSAGE`). The cleaned value is the text without
    surrounding whitespace.
    """
    if value is None:
        return (None, REQUIRED_MESSAGE) if required else (None, None)
    if not isinstance(value, str):
        return None, NOT_TEXT_MESSAGE
    if len(value) > limit:
        return None, too_long_message(limit)
    if has_forbidden(value):
        return None, FORBIDDEN_MESSAGE
    cleaned = value.strip()
    if required and not cleaned:
        return None, REQUIRED_MESSAGE
    return cleaned, None


def text_error(value: Any, *, limit: int, required: bool = False) -> Any:
    """Why `check_text` refuses ``value``, or None: for services that collect reasons."""
    return check_text(value, limit=limit, required=required)[1]


def has_forbidden(value: str) -> bool:
    """Whether ``value`` holds a character no text may hold."""
    return FORBIDDEN.search(value) is not None


def strip_forbidden(value: Any) -> Any:
    """``value`` without the characters no text may hold (other values as they are)."""
    return FORBIDDEN.sub("", value) if isinstance(value, str) else value


#: Where the JSON API lives: its schemas refuse these characters instead (a program learns).
API_PREFIX = "/api/"


class Request(FlaskRequest):
    """Flask's request whose query arguments, on pages, hold none of the characters no text
    may hold (PostgreSQL refuses a NUL in a search, which would answer 500)."""

    @cached_property
    def args(self) -> ImmutableMultiDict[str, str]:  # type: ignore[override]
        raw = super().args
        if self.path.startswith(API_PREFIX):
            return raw
        return ImmutableMultiDict(
            [(key, strip_forbidden(value)) for key, value in raw.items(multi=True)]
        )


#: The longest tag (an expertise of a judge or a mentor).
TAG_MAX = 200


#: What separates tags typed in one field: commas, 、, semicolons (ASCII or full-width), lines.
TAG_SPLIT = re.compile(r"[,，、;；\n]+")


def split_tags(text: str | None) -> list[str]:
    """Tags typed in one field, separated by commas, semicolons or lines."""
    return [t.strip() for t in TAG_SPLIT.split(text or "") if t.strip()]


def check_tags(tags: Any, *, most: int) -> tuple[list[str], Any]:
    """A list of at most ``most`` short tags, stripped, or the reason it is refused (None: no
    tags)."""
    if tags is None:
        return [], None
    if (
        not isinstance(tags, list)
        or len(tags) > most
        or any(text_error(t, limit=TAG_MAX, required=True) for t in tags)
    ):
        return [], _l("List at most %(n)d tags of at most 200 characters.", n=most)
    return [t.strip() for t in tags], None
