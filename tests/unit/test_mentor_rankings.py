"""What the mentor report page makes of the report (issue 13): the leaderboard's order and ties,
the mentors below the rule, the table's order and the periods it offers. Pure functions."""

from __future__ import annotations

from datetime import UTC, date, datetime

from eventhub.mentors.report import (
    PRESETS,
    falling_short,
    league_table,
    period_of,
    sorted_rows,
)


def _row(name, qualifying=0, minutes=0, rating=None, meets=False, **extra):
    return {"mentor_id": hash(name) % 1000, "name": name, "qualifying": qualifying,
            "minutes": minutes, "rating": rating, "meets_rule": meets, **extra}


def _report(*rows, need=3):
    return {"rule": {"min_coachings": need, "min_minutes": 30}, "mentors": list(rows)}


def test_the_leaderboard_ranks_by_qualifying_then_minutes_then_rating():
    report = _report(
        _row("a", 2, 100, 4.5), _row("b", 3, 90), _row("c", 2, 100, 4.8), _row("d", 2, 120),
        _row("e", 2, 100), _row("f", 0, 500, 5.0))
    ranked = [(rank, row["name"]) for rank, row in league_table(report)]
    # b has most qualifying coachings; d the most minutes of the 2s; c's rating beats a's;
    # a rating beats none (e); f has no qualifying coaching and is not ranked at all.
    assert ranked == [(1, "b"), (2, "d"), (3, "c"), (4, "a"), (5, "e")]


def test_mentors_equal_on_all_three_share_a_rank():
    report = _report(_row("a", 2, 60, 4.0), _row("b", 2, 60, 4.0), _row("c", 1, 60),
                     _row("d", 1, 60), _row("e", 1, 30))
    assert [(rank, row["name"]) for rank, row in league_table(report)] == [
        (1, "a"), (1, "b"), (3, "c"), (3, "d"), (5, "e")]
    # The table stops after its size, but never between mentors sharing a rank.
    assert [row["name"] for _rank, row in league_table(report, size=3)] == ["a", "b", "c", "d"]
    assert [row["name"] for _rank, row in league_table(report, size=1)] == ["a", "b"]


def test_the_mentors_below_the_rule_with_what_they_lack():
    report = _report(_row("a", 1), _row("b", 3, meets=True), _row("c", 0), _row("d", 2),
                     need=3)
    assert [(row["name"], missing) for row, missing in falling_short(report)] == [
        ("c", 3), ("a", 2), ("d", 1)]


def test_sorting_keeps_missing_ratings_last_and_ties_by_name():
    rows = [_row("a", 1, rating=None), _row("b", 2, rating=3.0), _row("c", 2, rating=4.0),
            _row("d", 0, rating=None)]
    names = lambda rows: [row["name"] for row in rows]  # noqa: E731
    assert names(sorted_rows(rows, "rating", True)) == ["c", "b", "a", "d"]
    assert names(sorted_rows(rows, "rating", False)) == ["b", "c", "a", "d"]
    assert names(sorted_rows(rows, "qualifying", True)) == ["b", "c", "a", "d"]
    assert names(sorted_rows(rows, "qualifying", False)) == ["d", "a", "b", "c"]
    assert names(sorted_rows(rows, "name", True)) == ["d", "c", "b", "a"]
    assert names(rows) == ["a", "b", "c", "d"]  # the report's own list is left as it was


def test_periods_are_whole_days_in_the_zone():
    assert period_of(date(2026, 1, 1), date(2026, 12, 31), "UTC") == (
        datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
    start, end = period_of(date(2026, 3, 1), date(2026, 3, 1), "Asia/Shanghai")
    assert start.astimezone(UTC) == datetime(2026, 2, 28, 16, tzinfo=UTC)
    assert (end - start).total_seconds() == 24 * 3600


def test_the_quick_choices():
    today = date(2028, 2, 29)
    assert PRESETS["this_year"](today) == (date(2028, 1, 1), date(2028, 12, 31))
    assert PRESETS["last_year"](today) == (date(2027, 1, 1), date(2027, 12, 31))
    assert PRESETS["last_12_months"](today) == (date(2027, 3, 1), date(2028, 2, 29))
    assert PRESETS["last_12_months"](date(2026, 7, 15)) == (date(2025, 7, 16), date(2026, 7, 15))
