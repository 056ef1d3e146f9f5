"""The reports' periods (eventhub/periods.py, issue 15 point 1): calendar periods by name, the
months of a period in Asia/Shanghai, the API's ?from=&to= and its errors."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from flask_babel import force_locale

from eventhub import periods
from eventhub.errors import ValidationFailed

TZ = "Asia/Shanghai"
SH = ZoneInfo(TZ)


@pytest.mark.parametrize(("name", "start", "end", "zh", "en"), [
    ("2026-05", datetime(2026, 5, 1, tzinfo=SH), datetime(2026, 6, 1, tzinfo=SH),
     "2026年05月", "2026-05"),
    ("2026-12", datetime(2026, 12, 1, tzinfo=SH), datetime(2027, 1, 1, tzinfo=SH),
     "2026年12月", "2026-12"),
    ("2026-Q2", datetime(2026, 4, 1, tzinfo=SH), datetime(2026, 7, 1, tzinfo=SH),
     "2026年第2季度", "Q2 2026"),
    ("2026-Q4", datetime(2026, 10, 1, tzinfo=SH), datetime(2027, 1, 1, tzinfo=SH),
     "2026年第4季度", "Q4 2026"),
    ("2026", datetime(2026, 1, 1, tzinfo=SH), datetime(2027, 1, 1, tzinfo=SH),
     "2026年", "Year 2026"),
])
def test_named_periods(name, start, end, zh, en):
    assert periods.named_period(name, TZ) == (start, end, zh)
    with force_locale("en"):
        assert periods.named_period(name, TZ)[2] == en
    # Midnight in Shanghai is 16:00 UTC the day before.
    assert periods.named_period(name, TZ)[0].astimezone(UTC).hour == 16


@pytest.mark.parametrize("name", ["2026-13", "2026-00", "2026-Q5", "2026-Q0", "26", "2026-5",
                                  "2026-05-01", "", "1969", "2200", "abcd", None])
def test_unknown_named_periods(name):
    with pytest.raises(ValueError):
        periods.named_period(name, TZ)


def test_the_months_of_a_period_in_shanghai():
    start, end, _ = periods.named_period("2026-Q2", TZ)
    assert [m[0] for m in periods.months(start, end, TZ)] == ["2026-04", "2026-05", "2026-06"]
    # Partial months count; the end is excluded: a period ending at midnight on 1 July has no July.
    assert [m[0] for m in periods.months(
        datetime(2026, 4, 15, tzinfo=SH), datetime(2026, 6, 1, 0, 0, 1, tzinfo=SH), TZ)] == [
        "2026-04", "2026-05", "2026-06"]
    assert [m[0] for m in periods.months(
        datetime(2026, 11, 30, tzinfo=SH), datetime(2027, 2, 1, tzinfo=SH), TZ)] == [
        "2026-11", "2026-12", "2027-01"]
    label, first, nxt = periods.months(start, end, TZ)[0]
    assert (first, nxt) == (datetime(2026, 4, 1, tzinfo=SH), datetime(2026, 5, 1, tzinfo=SH))


def test_parse_period_dates_and_times():
    assert periods.parse_period("2026-04-01", "2026-07-01", TZ) == (
        datetime(2026, 4, 1, tzinfo=SH), datetime(2026, 7, 1, tzinfo=SH))
    start, end = periods.parse_period("2026-03-31T16:00:00Z", "2026-07-01T00:00:00+08:00", TZ)
    assert start == datetime(2026, 4, 1, tzinfo=SH) and end == datetime(2026, 7, 1, tzinfo=SH)
    assert periods.parse_period(" 2026-04-01 ", "2026-04-01T00:00:01+0800", TZ)[1] == datetime(
        2026, 4, 1, 0, 0, 1, tzinfo=SH)


def test_parse_period_defaults_to_this_year():
    on = date(2026, 8, 8)
    assert periods.parse_period(None, None, TZ, on=on) == (
        datetime(2026, 1, 1, tzinfo=SH), datetime(2027, 1, 1, tzinfo=SH))
    assert periods.parse_period("", "2026-03-01", TZ, on=on) == (
        datetime(2026, 1, 1, tzinfo=SH), datetime(2026, 3, 1, tzinfo=SH))
    assert periods.parse_period("2025-06-01", None, TZ, on=on) == (
        datetime(2025, 6, 1, tzinfo=SH), datetime(2027, 1, 1, tzinfo=SH))


@pytest.mark.parametrize(("from_", "to", "fields"), [
    ("2026-07-01", "2026-04-01", {"to"}),
    ("2026-04-01", "2026-04-01", {"to"}),
    ("yesterday", "2026-04-01", {"from"}),
    ("2026-02-30", "tomorrow", {"from", "to"}),
    ("2026-04-01T09:00", "2026-05-01", {"from"}),
    ("2026-04-01", "2201-01-01", {"to"}),
    ("1969-12-31", "2026-01-01", {"from"}),
    ("2000-01-01", "2020-01-02", {"to"}),
    ("2027-01-01", None, {"to"}),
])
def test_bad_periods(from_, to, fields):
    with pytest.raises(ValidationFailed) as raised:
        periods.parse_period(from_, to, TZ, on=date(2026, 8, 8))
    assert set(raised.value.fields) == fields


def test_twenty_years_are_allowed():
    assert periods.parse_period("2000-01-01", "2020-01-01", TZ)[1] == datetime(
        2020, 1, 1, tzinfo=SH)


def test_the_mentor_report_keeps_its_helpers():
    from eventhub.mentors import report

    assert report.PRESETS is periods.PRESETS and report.period_of is periods.period_of
    assert periods.year_ago(date(2028, 2, 29)) == date(2027, 2, 28)
