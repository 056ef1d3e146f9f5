"""The one rule for text that people send: which characters no text field may hold.

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
