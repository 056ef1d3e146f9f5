"""The one check of a text field (eventhub.text.check_text) and the one way services raise
their reasons per field (eventhub.errors.raise_field_errors)."""

from __future__ import annotations

import pytest

from eventhub.errors import ValidationFailed, raise_field_errors
from eventhub.text import (
    FORBIDDEN_MESSAGE,
    NOT_TEXT_MESSAGE,
    REQUIRED_MESSAGE,
    check_text,
    text_error,
    too_long_message,
)


@pytest.mark.parametrize(("value", "required", "expected"), [
    ("  名称 ", False, ("名称", None)),
    ("  名称 ", True, ("名称", None)),
    ("line one\nline two\t", False, ("line one\nline two", None)),
    (None, False, (None, None)),
    ("", False, ("", None)),
    ("   ", False, ("", None)),
])
def test_acceptable_text_is_returned_cleaned(value, required, expected):
    assert check_text(value, limit=20, required=required) == expected


@pytest.mark.parametrize(("value", "required", "reason"), [
    (None, True, REQUIRED_MESSAGE),
    ("", True, REQUIRED_MESSAGE),
    (" \t\n", True, REQUIRED_MESSAGE),
    (42, False, NOT_TEXT_MESSAGE),
    (["a"], True, NOT_TEXT_MESSAGE),
    ("a\x00b", False, FORBIDDEN_MESSAGE),
    ("a\x08b", True, FORBIDDEN_MESSAGE),
])
def test_refused_text_gives_its_reason(app, value, required, reason):
    cleaned, problem = check_text(value, limit=10, required=required)
    assert cleaned is None
    assert str(problem) == str(reason)
    assert str(text_error(value, limit=10, required=required)) == str(reason)


def test_the_limit_counts_characters_and_is_named_in_the_reason(app):
    assert check_text("字" * 10, limit=10) == ("字" * 10, None)
    cleaned, problem = check_text("字" * 11, limit=10)
    assert cleaned is None
    assert str(problem) == str(too_long_message(10))
    assert "10" in str(problem)


def test_raise_field_errors_raises_the_reasons_that_are_set():
    raise_field_errors({"name": None, "title": ""})  # nothing set: nothing raised
    with pytest.raises(ValidationFailed) as caught:
        raise_field_errors({"name": "too long", "title": None, "kind": "unknown"})
    assert caught.value.fields == {"name": "too long", "kind": "unknown"}
    assert caught.value.code == "validation_failed"
