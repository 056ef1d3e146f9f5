"""Page formatting: time zones named as people name them, scores rounded as people round,
lists joined as the reader's language joins them."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from eventhub.formatting import format_fixed, format_zone, list_separator


@pytest.fixture
def in_locale(app):
    """``with in_locale("en"):`` a request of a reader of that language (in an app context of
    its own: Flask-Babel keeps the locale it found in the app context)."""

    @contextmanager
    def _in(language: str):
        with app.app_context(), app.test_request_context(headers={"Accept-Language": language}):
            yield

    return _in


@pytest.mark.parametrize(
    ("value", "digits", "expected"),
    [
        (87.125, 2, "87.13"),  # '%.2f' gives 87.12 (a binary half, rounded to even)
        (66.4375, 2, "66.44"),
        (66.4375, 4, "66.4375"),
        (Decimal("59.995"), 2, "60.00"),
        (-0.125, 2, "-0.13"),
        (80, 2, "80.00"),
    ],
)
def test_fixed_rounds_halves_up(value, digits, expected):
    assert format_fixed(value, digits) == expected


def test_zones_are_named_with_their_offset_on_the_day(in_locale):
    summer, winter = datetime(2031, 7, 1, tzinfo=UTC), datetime(2031, 1, 15, tzinfo=UTC)
    with in_locale("zh-CN"):
        assert format_zone("Asia/Shanghai", summer) == "北京时间（UTC+8）"
        assert format_zone(None, winter) == "北京时间（UTC+8）"
        assert format_zone("Asia/Kolkata", summer).endswith("（UTC+5:30）")
    with in_locale("en"):
        assert format_zone("Asia/Shanghai", summer) == "Beijing time (UTC+8)"
        assert format_zone("Europe/London", summer) == "British Summer Time (UTC+1)"
        assert format_zone("Europe/London", winter) == "Greenwich Mean Time (UTC)"
        assert format_zone("America/New_York", winter) == "Eastern Standard Time (UTC-5)"
        assert format_zone("UTC", summer) == "UTC"


def test_lists_are_joined_as_the_language_joins_them(in_locale):
    with in_locale("zh-CN"):
        assert list_separator() == "、"
    with in_locale("en"):
        assert list_separator() == ", "
