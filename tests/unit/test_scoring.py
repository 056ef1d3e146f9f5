"""Contest scoring (docs/JUDGING.md sections 2-5): examples worked out by hand, rounding boundaries,
ties, advancement rules, statistics, and an independent reference compared on random rounds."""

import math
import random
import statistics as st
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

import pytest

from eventhub.judging import scoring
from eventhub.judging.scoring import (
    METHODS,
    Advancement,
    Card,
    Criterion,
    EntryRef,
    results,
    round_score,
    statistics,
    total,
)

#: The rubric of docs/JUDGING.md's example: total = 4a + 1.75b + 5c.
RUBRIC = [Criterion("a", 10, 40), Criterion("b", 20, 35), Criterion("c", 5, 25)]
#: One criterion worth 100 points: a card's total is its score.
PLAIN = [Criterion("p", 100, 100)]


def plain_cards(marks):
    """Cards on the one-criterion rubric from {(judge, entry): total}."""
    return [Card(j, e, {"p": v}) for (j, e), v in marks.items()]


def scores_of(track):
    return {r.entry_id: r.score for r in track}


def ranks_of(track):
    return {r.entry_id: r.rank for r in track}


def advancing(track):
    return {r.entry_id for r in track if r.advances}


# --- docs/JUDGING.md's own examples -------------------------------------------------------------


def test_total_of_the_specification_example_is_78_25():
    card = Card(1, 1, {"a": 8, "b": 15, "c": 4})
    # 40*8/10 + 35*15/20 + 25*4/5 = 32 + 26.25 + 20
    assert total(card, RUBRIC) == Fraction("78.25")
    assert round_score(total(card, RUBRIC)) == Decimal("78.2500")
    assert str(round_score(total(card, RUBRIC))) == "78.2500"


def test_total_over_some_criteria_is_a_drafts_running_total_and_a_missing_score_is_refused():
    card = Card(1, 1, {"a": 8})
    assert total(card, RUBRIC[:1]) == 32
    with pytest.raises(ValueError, match="no score for criterion 'b'"):
        total(card, RUBRIC)


def test_trimmed_mean_of_the_specification_example_is_73():
    marks = {(j, 1): v for j, v in enumerate([70, 72, 72, 75, 90])}
    track = results("trimmed_mean", PLAIN, [EntryRef(1, "t")], plain_cards(marks))["t"]
    # drop one 70 and the 90: (72 + 72 + 75) / 3 = 73
    assert track[0].score == Decimal("73.0000") == 73.0


# --- A small round worked out by hand --------------------------------------------------------

HAND_ENTRIES = [EntryRef(1, "x"), EntryRef(2, "x"), EntryRef(3, "x"), EntryRef(4, "y")]
HAND_CARDS = [
    # Entry 1, five judges (total = 4a + 1.75b + 5c):
    Card("J1", 1, {"a": 8, "b": 15, "c": 4}),  # 32 + 26.25 + 20 = 78.25
    Card("J2", 1, {"a": 7, "b": 16, "c": 3}),  # 28 + 28 + 15 = 71
    Card("J3", 1, {"a": 9, "b": 18, "c": Decimal("4.5")}),  # 36 + 31.5 + 22.5 = 90
    Card("J4", 1, {"a": 6.5, "b": 14, "c": 3.5}),  # 26 + 24.5 + 17.5 = 68
    Card("J5", 1, {"a": 7.5, "b": 12, "c": 4}),  # 30 + 21 + 20 = 71
    # Entry 2, four judges:
    Card("J1", 2, {"a": 10, "b": 20, "c": 5}),  # 40 + 35 + 25 = 100
    Card("J2", 2, {"a": 5, "b": 10, "c": 2.5}),  # 20 + 17.5 + 12.5 = 50
    Card("J3", 2, {"a": 8, "b": 14, "c": 3}),  # 32 + 24.5 + 15 = 71.5
    Card("J4", 2, {"a": 6, "b": 8, "c": 2}),  # 24 + 14 + 10 = 48
    # Entry 3: no valid card. Entry 4 (track y): one card of J1, all zeros = 0.
    Card("J1", 4, {"a": 0, "b": 0, "c": 0}),
]


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        # entry 1: (78.25 + 71 + 90 + 68 + 71) / 5 = 378.25 / 5 = 75.65
        # entry 2: (100 + 50 + 71.5 + 48) / 4 = 269.5 / 4 = 67.375
        ("mean", {1: "75.6500", 2: "67.3750"}),
        # entry 1: sorted 68, 71, 71, 78.25, 90 -> (71 + 71 + 78.25) / 3 = 220.25 / 3 = 73.41666..
        # entry 2: n = 4, no trimming: the mean 67.375
        ("trimmed_mean", {1: "73.4167", 2: "67.3750"}),
        # entry 1: the middle of 68, 71, 71, 78.25, 90 is 71
        # entry 2: sorted 48, 50, 71.5, 100 -> (50 + 71.5) / 2 = 60.75
        ("median", {1: "71.0000", 2: "60.7500"}),
    ],
)
def test_each_method_on_a_round_worked_out_by_hand(method, expected):
    tracks = results(method, RUBRIC, HAND_ENTRIES, HAND_CARDS, Advancement(top_n=1))
    assert list(tracks) == ["x", "y"]
    x, y = tracks["x"], tracks["y"]
    assert [r.entry_id for r in x] == [1, 2, 3]
    assert scores_of(x) == {1: Decimal(expected[1]), 2: Decimal(expected[2]), 3: None}
    assert ranks_of(x) == {1: 1, 2: 2, 3: None}
    assert [r.n_scores for r in x] == [5, 4, 0]
    assert advancing(x) == {1}
    assert scores_of(y) == {4: Decimal("0.0000")}
    assert ranks_of(y) == {4: 1} and advancing(y) == {4}


def test_criterion_averages_are_the_mean_raw_scores_of_the_valid_cards():
    x = results("mean", RUBRIC, HAND_ENTRIES, HAND_CARDS)["x"]
    by_entry = {r.entry_id: r.criterion_averages for r in x}
    # entry 1: a (8 + 7 + 9 + 6.5 + 7.5) / 5 = 7.6; b (15 + 16 + 18 + 14 + 12) / 5 = 15;
    #          c (4 + 3 + 4.5 + 3.5 + 4) / 5 = 3.8
    assert by_entry[1] == {"a": Decimal("7.6"), "b": Decimal("15"), "c": Decimal("3.8")}
    # entry 2: a 29 / 4 = 7.25; b 52 / 4 = 13; c 12.5 / 4 = 3.125
    assert by_entry[2] == {"a": Decimal("7.25"), "b": Decimal("13"), "c": Decimal("3.125")}
    assert by_entry[3] == {}


def test_zscore_worked_out_by_hand():
    # Judge A: 60 on entry 1, 80 on entry 2 -> mu_A = 70, sigma_A = 10, z = -1, +1.
    # Judge B: 70 on entry 1, 90 on entry 2 -> mu_B = 80, sigma_B = 10, z = -1, +1.
    # All totals 60, 80, 70, 90: mu = 75, sigma^2 = (225 + 25 + 25 + 225) / 4 = 125,
    # sigma = 11.180339887...
    # entry 1: (75 - sigma + 75 - sigma) / 2 = 63.819660113 -> 63.8197
    # entry 2: 75 + sigma = 86.180339887 -> 86.1803
    marks = {("A", 1): 60, ("A", 2): 80, ("B", 1): 70, ("B", 2): 90}
    entries = [EntryRef(1, "x"), EntryRef(2, "x")]
    x = results("zscore", PLAIN, entries, plain_cards(marks))["x"]
    assert scores_of(x) == {2: Decimal("86.1803"), 1: Decimal("63.8197")}
    assert ranks_of(x) == {2: 1, 1: 2}


def test_zscore_gives_a_judge_with_one_score_z_0():
    # Judge A: 60 and 80 (z = -1, +1); judge C: a single 50, sigma_C = 0 -> z = 0.
    # All totals 60, 80, 50: mu = 190/3 = 63.3333..; deviations -10/3, 50/3, -40/3;
    # squares 100/9 + 2500/9 + 1600/9 = 4200/9; / 3 = 1400/9; sigma = sqrt(1400)/3 = 12.472191289..
    # entry 1: (mu - sigma + mu) / 2 = 63.333333333 - 6.236095645 = 57.097237689 -> 57.0972
    # entry 2: mu + sigma = 75.805524623 -> 75.8055
    marks = {("A", 1): 60, ("A", 2): 80, ("C", 1): 50}
    entries = [EntryRef(1, "x"), EntryRef(2, "x")]
    x = results("zscore", PLAIN, entries, plain_cards(marks))["x"]
    assert scores_of(x) == {1: Decimal("57.0972"), 2: Decimal("75.8055")}


def test_zscore_of_a_judge_uses_the_judges_scores_in_every_track():
    # Same numbers as the hand-worked z-score round, but entry 2 is in track y.
    marks = {("A", 1): 60, ("A", 2): 80, ("B", 1): 70, ("B", 2): 90}
    entries = [EntryRef(1, "x"), EntryRef(2, "y")]
    tracks = results("zscore", PLAIN, entries, plain_cards(marks))
    assert scores_of(tracks["x"]) == {1: Decimal("63.8197")}
    assert scores_of(tracks["y"]) == {2: Decimal("86.1803")}
    # Track x alone would give each judge a single score (z = 0): its mean, 65.
    only_x = {k: v for k, v in marks.items() if k[1] == 1}
    alone = results("zscore", PLAIN, entries[:1], plain_cards(only_x))
    assert scores_of(alone["x"]) == {1: Decimal("65.0000")}


def test_zscore_when_every_total_is_the_same_is_that_total():
    marks = {("A", 1): 70, ("B", 1): 70, ("A", 2): 70}
    x = results("zscore", PLAIN, [EntryRef(1, "x"), EntryRef(2, "x")], plain_cards(marks))["x"]
    assert scores_of(x) == {1: Decimal(70), 2: Decimal(70)}
    assert ranks_of(x) == {1: 1, 2: 1}


# --- Rounding: half away from zero, never fooled by binary floats ----------------------------


def test_round_score_rounds_half_away_from_zero():
    assert round_score(Fraction(1, 20000)) == Decimal("0.0001")  # 0.00005
    assert round_score(Fraction(-1, 20000)) == Decimal("-0.0001")
    assert round_score(Fraction(49999, 10**9)) == Decimal("0.0000")  # 0.000049999
    assert round_score(Decimal("-2.71828")) == Decimal("-2.7183")
    assert round_score(Decimal("2.00004999")) == Decimal("2.0000")
    assert round_score(0.1) == Decimal("0.1000")


def test_a_total_on_a_rounding_boundary_rounds_up():
    # 100 * 1.00005 / 100 = 1.00005 exactly -> 1.0001
    for score in (1.00005, Decimal("1.00005"), Fraction(100005, 100000)):
        card = Card("A", 1, {"p": score})
        x = results("mean", PLAIN, [EntryRef(1, "x")], [card])["x"]
        assert x[0].score == Decimal("1.0001")
    # weight 35, max 20: 35 * 2.00003 / 20 = 3.5000525 -> 3.5001
    card = Card("A", 1, {"b": 2.00003})
    assert round_score(total(card, [Criterion("b", 20, 35)])) == Decimal("3.5001")


@pytest.mark.parametrize(
    ("method", "totals", "expected"),
    [
        # (10.0001 + 10) / 2 = 10.00005 -> 10.0001; binary floats give 10.000049999.. -> 10.0
        ("mean", ["10.0001", "10"], "10.0001"),
        # drop 0 and 100: (10 + 10 + 10.00015) / 3 = 10.00005 -> 10.0001
        ("trimmed_mean", ["0", "10", "10", "10.00015", "100"], "10.0001"),
        # (10 + 10.0001) / 2 = 10.00005 -> 10.0001
        ("median", ["10", "10.0001", "3", "50"], "10.0001"),
        # (1 + 2 + 2.00015) / 3 = 1.66671666.. -> 1.6667 (just below the next boundary)
        ("mean", ["1", "2", "2.00015"], "1.6667"),
    ],
)
def test_aggregates_on_a_rounding_boundary(method, totals, expected):
    marks = {(j, 1): Decimal(v) for j, v in enumerate(totals)}
    x = results(method, PLAIN, [EntryRef(1, "x")], plain_cards(marks))["x"]
    assert x[0].score == Decimal(expected)


def test_floats_would_get_the_mean_boundary_wrong():
    # Why the module does not add floats: the same mean in binary floating point.
    assert round((10.0001 + 10) / 2, 4) == 10.0


def test_zscore_exactly_on_rounding_boundaries_including_negative_ones():
    # s = 6.17275. Judge A: 0 on entry 1, s on entry 2 -> mu_A = s/2, sigma_A = s/2, z = -1, +1.
    # Judge B: 0 on entries 3, 4, 5 -> sigma_B = 0, z = 0.
    # All five totals 0, s, 0, 0, 0: mu = s/5 = 1.23455,
    # sigma^2 = (4 (s/5)^2 + (4s/5)^2) / 5 = (4 + 16) s^2 / 125 = 4 s^2 / 25,
    # sigma = 2s/5 = 2.4691.
    # entry 1: mu - sigma = -s/5 = -1.23455 -> -1.2346 (away from zero)
    # entry 2: mu + sigma = 3s/5 = 3.70365 -> 3.7037
    # entries 3-5: mu = 1.23455 -> 1.2346
    s = Decimal("6.17275")
    marks = {("A", 1): 0, ("A", 2): s, ("B", 3): 0, ("B", 4): 0, ("B", 5): 0}
    entries = [EntryRef(e, "x") for e in range(1, 6)]
    x = results("zscore", PLAIN, entries, plain_cards(marks))["x"]
    assert scores_of(x) == {
        1: Decimal("-1.2346"),
        2: Decimal("3.7037"),
        3: Decimal("1.2346"),
        4: Decimal("1.2346"),
        5: Decimal("1.2346"),
    }
    assert ranks_of(x) == {2: 1, 3: 2, 4: 2, 5: 2, 1: 5}
    assert [r.entry_id for r in x] == [2, 3, 4, 5, 1]


def test_zscore_with_square_roots_that_cancel_on_a_boundary():
    # Totals 60.00005, 80.00005 (judge A) and 70.00005, 90.00005 (judge B): as in the hand-worked
    # round, sigma_A = sigma_B = 10 and sigma = sqrt(125). Entry 1 gets A's z = -1 and B's z = +1,
    # entry 2 A's +1 and B's -1: the square roots cancel and both scores are mu = 75.00005
    # exactly -> 75.0001.
    marks = {("A", 1): 60, ("A", 2): 80, ("B", 1): 90, ("B", 2): 70}
    marks = {k: v + Decimal("0.00005") for k, v in marks.items()}
    entries = [EntryRef(1, "x"), EntryRef(2, "x")]
    x = results("zscore", PLAIN, entries, plain_cards(marks))["x"]
    assert scores_of(x) == {1: Decimal("75.0001"), 2: Decimal("75.0001")}
    assert ranks_of(x) == {1: 1, 2: 1}


def test_zscore_with_a_coarse_first_bracket_refines_to_the_same_answers(monkeypatch):
    # With a 1-bit first bracket nearly every entry takes the exact path: rational values are
    # decided exactly, irrational ones by narrower brackets; the answers must not change.
    entries, cards = random_round(random.Random(7), n_entries=40)
    expected = results("zscore", RANDOM_RUBRIC, entries, cards)
    monkeypatch.setattr(scoring, "ZSCORE_BITS", 1)
    assert results("zscore", RANDOM_RUBRIC, entries, cards) == expected
    s = Decimal("6.17275")
    marks = {("A", 1): 0, ("A", 2): s, ("B", 3): 0, ("B", 4): 0}
    x = results("zscore", PLAIN, [EntryRef(e, "x") for e in range(1, 5)], plain_cards(marks))
    assert scores_of(x["x"])[1] < 0  # a negative exact value decided with a coarse bracket
    assert x == results(
        "zscore", PLAIN, [EntryRef(e, "x") for e in range(1, 5)], plain_cards(marks)
    )


# --- Ranking and advancement -------------------------------------------------------------------


def tied_round():
    # Totals (mean of one card each): 90, 80, 80, 70, 60; entry 6 has no card.
    marks = {("A", 1): 90, ("A", 2): 80, ("A", 3): 80, ("A", 4): 70, ("A", 5): 60}
    entries = [EntryRef(e, "x") for e in (5, 4, 3, 2, 1, 6)]
    return entries, plain_cards(marks)


def test_ties_share_the_best_rank_and_the_next_rank_skips():
    entries, cards = tied_round()
    x = results("mean", PLAIN, entries, cards)["x"]
    assert [(r.entry_id, r.rank) for r in x] == [(1, 1), (2, 2), (3, 2), (4, 4), (5, 5), (6, None)]
    assert not advancing(x)


def test_ranking_uses_the_rounded_score():
    # 80.00001 and 80.00004 both round to 80.0000: tied.
    marks = {("A", 1): Decimal("80.00001"), ("A", 2): Decimal("80.00004"), ("A", 3): 70}
    x = results("mean", PLAIN, [EntryRef(e, "x") for e in (1, 2, 3)], plain_cards(marks))["x"]
    assert [(r.entry_id, r.rank) for r in x] == [(1, 1), (2, 1), (3, 3)]


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (Advancement(top_n=1), {1}),
        (Advancement(top_n=2), {1, 2, 3}),  # 2 and 3 tied at the cut: both advance
        (Advancement(top_n=3), {1, 2, 3}),
        (Advancement(top_n=0), set()),
        (Advancement(top_n=10), {1, 2, 3, 4, 5}),  # never the entry without a score
        # 5 entries with a score: ceil(20% * 5) = 1; ceil(21% * 5) = ceil(1.05) = 2 -> ties: 3
        (Advancement(top_percent=20), {1}),
        (Advancement(top_percent=21), {1, 2, 3}),
        (Advancement(top_percent=Decimal("60")), {1, 2, 3}),  # ceil(3) = 3
        (Advancement(top_percent=60.5), {1, 2, 3, 4}),  # ceil(3.025) = 4
        (Advancement(top_percent=0), set()),
        (Advancement(top_percent=100), {1, 2, 3, 4, 5}),
        (Advancement(threshold=80), {1, 2, 3}),  # score >= threshold
        (Advancement(threshold=80.00001), {1}),
        (Advancement(threshold=0), {1, 2, 3, 4, 5}),
        (None, set()),
    ],
)
def test_advancement_rules(rule, expected):
    entries, cards = tied_round()
    assert advancing(results("median", PLAIN, entries, cards, rule)["x"]) == expected


def test_top_percent_counts_the_entries_with_a_score_in_each_track():
    # Track x: 4 entries with a score, 1 without; track y: 2 with a score.
    # 50%: x -> ceil(2) = 2 advance; y -> ceil(1) = 1 advances.
    marks = {("A", 1): 90, ("A", 2): 80, ("A", 3): 70, ("A", 4): 60, ("A", 6): 50, ("A", 7): 40}
    entries = [EntryRef(e, "x") for e in (1, 2, 3, 4, 5)] + [EntryRef(6, "y"), EntryRef(7, "y")]
    tracks = results("mean", PLAIN, entries, plain_cards(marks), Advancement(top_percent=50))
    assert advancing(tracks["x"]) == {1, 2}
    assert advancing(tracks["y"]) == {6}


def test_an_advancement_rule_has_exactly_one_valid_criterion():
    for bad in (
        {},
        {"top_n": 3, "threshold": 70},
        {"top_n": -1},
        {"top_percent": 101},
        {"top_percent": -1},
    ):
        with pytest.raises(ValueError):
            Advancement(**bad)


# --- n_e between 0 and 4 for the trimmed mean --------------------------------------------------


@pytest.mark.parametrize(
    ("marks", "expected"),
    [
        ([], None),
        ([70], "70.0000"),
        ([70, 90], "80.0000"),
        ([70, 90, 95], "85.0000"),  # 255 / 3
        ([70, 90, 95, 100], "88.7500"),  # 355 / 4, no trimming below 5 cards
        ([70, 90, 95, 100, 100], "95.0000"),  # drop 70 and one 100: 285 / 3
        ([70, 70, 90, 100, 100, 100], "90.0000"),  # drop one 70 and one 100: 360 / 4
    ],
)
def test_trimmed_mean_trims_only_from_five_cards(marks, expected):
    cards = plain_cards({(j, 1): v for j, v in enumerate(marks)})
    x = results("trimmed_mean", PLAIN, [EntryRef(1, "x")], cards)["x"]
    assert x[0].score == (None if expected is None else Decimal(expected))
    assert x[0].n_scores == len(marks)
    assert x[0].rank == (None if expected is None else 1)


def test_invalid_input_is_refused():
    entries = [EntryRef(1, "x")]
    with pytest.raises(ValueError, match="unknown method"):
        results("best_of", PLAIN, entries, [])
    with pytest.raises(ValueError, match="not in the round"):
        results("mean", PLAIN, entries, [Card("A", 2, {"p": 1})])
    with pytest.raises(ValueError, match="two cards"):
        results("mean", PLAIN, entries, [Card("A", 1, {"p": 1}), Card("A", 1, {"p": 2})])
    with pytest.raises(ValueError, match="no score for"):
        results("mean", PLAIN, entries, [Card("A", 1, {"q": 1})])
    with pytest.raises(ValueError, match="listed twice"):
        results("mean", PLAIN, entries * 2, [])
    with pytest.raises(TypeError):
        results("mean", PLAIN, entries, [Card("A", 1, {"p": "7"})])


# --- Statistics ---------------------------------------------------------------------------------


def test_judge_statistics_worked_out_by_hand():
    stats = statistics(RUBRIC, HAND_ENTRIES, HAND_CARDS, max_spread=40)
    j1 = stats.judges["J1"]
    # J1's totals: 78.25, 100, 0 -> mean 178.25 / 3 = 59.41666.. -> 59.4167
    # deviations from the mean: 18.8333.., 40.5833.., -59.4166..; squares sum to
    # 354.6944 + 1647.0069 + 3530.3403 = 5532.0417 (exactly 66384.5 / 12); / 3 = 1844.0139,
    # sigma = 42.94198...
    assert (j1.n, j1.mean, j1.sd) == (3, Decimal("59.4167"), Decimal("42.9420"))
    # Panel deviation: entry 1: 78.25 - (71 + 90 + 68 + 71) / 4 = 78.25 - 75 = 3.25;
    # entry 2: 100 - (50 + 71.5 + 48) / 3 = 100 - 56.5 = 43.5; entry 4 has no other card.
    # mean (3.25 + 43.5) / 2 = 23.375
    assert j1.deviation == Decimal("23.3750")
    j5 = stats.judges["J5"]
    # J5: only 71 on entry 1: sd 0; 71 - (78.25 + 71 + 90 + 68) / 4 = 71 - 76.8125 = -5.8125
    assert (j5.n, j5.mean, j5.sd, j5.deviation) == (1, Decimal(71), Decimal(0), Decimal("-5.8125"))
    # Spread: entry 1: 90 - 68 = 22; entry 2: 100 - 48 = 52 > 40 -> review; entry 4: 0.
    assert {e: (s.n, s.spread, s.review) for e, s in stats.entries.items()} == {
        1: (5, Decimal(22), False),
        2: (4, Decimal(52), True),
        3: (0, None, False),
        4: (1, Decimal(0), False),
    }


def test_outliers_are_far_from_the_other_judges_totals():
    # Entry 1: 70, 72, 72, 75, 90. For the 90: others 70, 72, 72, 75 have mean 72.25 and
    # pvariance (5.0625 + 0.0625 + 0.0625 + 7.5625) / 4 = 3.1875, pstdev 1.785357..;
    # z = 17.75 / 1.785357 = 9.94198.. -> flagged. For the 70: others 72, 72, 75, 90, mean 77.25,
    # pvariance (27.5625 * 2 + 5.0625 + 162.5625) / 4 = 55.6875, pstdev 7.4624,
    # z = -7.25 / 7.4624 = -0.97 -> not flagged.
    # Entry 2: 50, 50, 60: the 60 against 50, 50 has pstdev 0 -> no z, no flag.
    # Entry 3: 10, 90: one other card -> no flag.
    marks = {(j, 1): v for j, v in zip("ABCDE", [70, 72, 72, 75, 90], strict=True)}
    marks |= {("A", 2): 50, ("B", 2): 50, ("C", 2): 60, ("A", 3): 10, ("B", 3): 90}
    entries = [EntryRef(e, "x") for e in (1, 2, 3)]
    stats = statistics(PLAIN, entries, plain_cards(marks))
    assert [(o.judge_id, o.entry_id, o.total, o.z) for o in stats.outliers] == [
        ("E", 1, Decimal(90), Decimal("9.9420"))
    ]


def test_an_outlier_below_the_panel_has_a_negative_z():
    # Others 80, 82, 84: mean 82, pvariance 8/3, pstdev 1.632993; z = (70 - 82) / 1.632993
    # = -7.348469 -> flagged. Right at |z| = 2 is not flagged: 82 - 2 * 1.632993 is irrational,
    # so use others 80, 84 (pstdev 2): a 78 has z = -2 exactly -> no flag; a 77.9 has -2.05.
    marks = {("A", 1): 70, ("B", 1): 80, ("C", 1): 82, ("D", 1): 84}
    marks |= {("A", 2): 78, ("B", 2): 80, ("C", 2): 84}
    marks |= {("A", 3): Decimal("77.9"), ("B", 3): 80, ("C", 3): 84}
    stats = statistics(PLAIN, [EntryRef(e, "x") for e in (1, 2, 3)], plain_cards(marks))
    assert [(o.entry_id, o.z) for o in stats.outliers if o.judge_id == "A"] == [
        (1, Decimal("-7.3485")),
        (3, Decimal("-2.0500")),
    ]
    # The others are judged the same way: C's 84 on entry 2 against 78, 80 (mean 79, pstdev 1)
    # has z = 5; B's 80 against 78, 84 (mean 81, pstdev 3) has z = -1/3.
    assert ("C", 2, Decimal(5)) in [(o.judge_id, o.entry_id, o.z) for o in stats.outliers]
    assert ("B", 2) not in [(o.judge_id, o.entry_id) for o in stats.outliers]


def kendall_round(judges_totals):
    """A one-track round from {judge: [total of entry 1, entry 2, ...]}."""
    marks = {
        (j, e): v for j, totals in judges_totals.items() for e, v in enumerate(totals, start=1)
    }
    n = max(len(t) for t in judges_totals.values())
    return [EntryRef(e, "x") for e in range(1, n + 1)], plain_cards(marks)


def test_kendalls_w_without_ties():
    # Ranks (best = 1) of entries 1-4:  J1: 1 2 3 4   J2: 1 3 2 4   J3: 2 1 3 4
    # Rank sums R = 4, 6, 8, 12; mean m(n+1)/2 = 3 * 5 / 2 = 7.5;
    # S = 3.5^2 + 1.5^2 + 0.5^2 + 4.5^2 = 12.25 + 2.25 + 0.25 + 20.25 = 35
    # W = 12 S / (m^2 (n^3 - n)) = 420 / (9 * 60) = 7/9 = 0.77777.. -> 0.7778
    entries, cards = kendall_round(
        {"J1": [90, 80, 70, 60], "J2": [90, 70, 80, 60], "J3": [80, 90, 70, 60]}
    )
    assert statistics(PLAIN, entries, cards).kendall_w == {"x": Decimal("0.7778")}


def test_kendalls_w_with_ties():
    # J1: 90 80 80 60 -> ranks 1 2.5 2.5 4, ties t = 2: 2^3 - 2 = 6
    # J2: 90 70 80 60 -> ranks 1 3 2 4
    # J3: 80 80 80 60 -> ranks 2 2 2 4, ties t = 3: 3^3 - 3 = 24
    # R = 4, 7.5, 6.5, 12 (sum 30 = m n (n+1) / 2); mean 7.5;
    # S = 3.5^2 + 0 + 1^2 + 4.5^2 = 12.25 + 1 + 20.25 = 33.5
    # W = 12 S / (m^2 (n^3 - n) - m sum T) = 402 / (540 - 3 * 30) = 402 / 450 = 0.89333.. -> 0.8933
    entries, cards = kendall_round(
        {"J1": [90, 80, 80, 60], "J2": [90, 70, 80, 60], "J3": [80, 80, 80, 60]}
    )
    assert statistics(PLAIN, entries, cards).kendall_w == {"x": Decimal("0.8933")}


def test_kendalls_w_of_perfect_agreement_is_1_and_is_undefined_when_not_everyone_scored_all():
    entries, cards = kendall_round({"J1": [90, 80, 70], "J2": [60, 50, 40]})
    assert statistics(PLAIN, entries, cards).kendall_w == {"x": Decimal(1)}
    # J2 did not score entry 3.
    assert statistics(PLAIN, entries, cards[:-1]).kendall_w == {"x": None}
    # An entry of the track without any card.
    assert statistics(PLAIN, [*entries, EntryRef(4, "x")], cards).kendall_w == {"x": None}
    # A single judge; every judge tying every entry (0 / 0).
    one, one_cards = kendall_round({"J1": [90, 80, 70]})
    assert statistics(PLAIN, one, one_cards).kendall_w == {"x": None}
    flat, flat_cards = kendall_round({"J1": [70, 70, 70], "J2": [50, 50, 50]})
    assert statistics(PLAIN, flat, flat_cards).kendall_w == {"x": None}


def test_an_undefined_kendalls_w_says_why():
    def agreement(entries, cards):
        [a] = statistics(PLAIN, entries, cards).agreement.values()
        return a.w is not None, a.undefined_because, (a.entries, a.judges, a.complete)

    entries, cards = kendall_round({"J1": [90, 80, 70], "J2": [60, 50, 40], "J3": [1, 2, 3]})
    assert agreement(entries, cards) == (True, None, (3, 3, 3))
    # J3 did not score entry 3: two of the three judges scored all three entries.
    assert agreement(entries, cards[:-1]) == (False, "incomplete", (3, 3, 2))
    # An entry without any card: nobody scored all four.
    assert agreement([*entries, EntryRef(4, "x")], cards) == (False, "incomplete", (4, 3, 0))
    one, one_cards = kendall_round({"J1": [90, 80, 70]})
    assert agreement(one, one_cards) == (False, "judges", (3, 1, 1))
    alone, alone_cards = kendall_round({"J1": [90], "J2": [80]})
    assert agreement(alone, alone_cards) == (False, "entries", (1, 2, 2))
    flat, flat_cards = kendall_round({"J1": [70, 70, 70], "J2": [50, 50, 50]})
    assert agreement(flat, flat_cards) == (False, "ties", (3, 2, 2))


def test_kendalls_w_is_per_track():
    # Track x: J1 and J2 agree (W = 1); track y: J1 and J3 reverse each other (W = 0):
    # R = 3, 3, 3 -> S = 0.
    marks = {("J1", 1): 90, ("J1", 2): 80, ("J2", 1): 70, ("J2", 2): 60}
    marks |= {("J1", 3): 1, ("J1", 4): 2, ("J1", 5): 3, ("J3", 3): 3, ("J3", 4): 2, ("J3", 5): 1}
    entries = [EntryRef(1, "x"), EntryRef(2, "x")] + [EntryRef(e, "y") for e in (3, 4, 5)]
    w = statistics(PLAIN, entries, plain_cards(marks)).kendall_w
    assert w == {"x": Decimal(1), "y": Decimal(0)}


# --- An independent reference on random rounds -------------------------------------------------

RANDOM_RUBRIC = [
    Criterion(1, 10, 20),
    Criterion(2, 20, 15),
    Criterion(3, 5, 10),
    Criterion(4, 15, 25),
    Criterion(5, Decimal("7.5"), 15),
    Criterion(6, 30, 15),
]


def random_round(rnd, n_entries=60, n_judges=12):
    """Entries in 3 tracks with 0 to 8 cards each from one pool of judges (so judges span
    tracks); scores in steps of 0.5, sometimes any 2- or 3-decimal value, as floats or Decimals."""
    entries = [EntryRef(e, rnd.choice("xyz")) for e in range(n_entries)]
    cards = []
    for entry in entries:
        for judge in rnd.sample(range(n_judges), rnd.choice([0, 1, 2, 3, 4, 5, 5, 6, 7, 8])):
            scores = {}
            for c in RANDOM_RUBRIC:
                top = Decimal(c.max_points)
                if rnd.random() < 0.2:
                    value = Decimal(rnd.randrange(0, int(top * 1000) + 1)) / 1000
                else:
                    value = Decimal(rnd.randrange(0, int(top * 2) + 1)) / 2
                scores[c.id] = float(value) if rnd.random() < 0.5 else value
            cards.append(Card(judge, entry.entry_id, scores))
    return entries, cards


def reference_round(value):
    """Round a Fraction or Decimal half away from zero to 4 decimals, through Decimal."""
    with localcontext() as ctx:
        ctx.prec = 60
        if isinstance(value, Fraction):
            value = Decimal(value.numerator) / Decimal(value.denominator)
        return value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def reference_results(method, criteria, entries, cards, rule):
    """docs/JUDGING.md written straightforwardly: Fractions, the statistics module, 60-digit
    Decimals for the square roots."""

    def exact(x):
        return Fraction(str(x))  # the decimal a float prints as

    totals = {
        (c.judge_id, c.entry_id): sum(
            exact(k.weight) * exact(c.scores[k.id]) / exact(k.max_points) for k in criteria
        )
        for c in cards
    }
    everyone = list(totals.values())
    with localcontext() as ctx:
        ctx.prec = 60
        mu = Decimal(st.mean(everyone).numerator) / st.mean(everyone).denominator
        sigma = st.pstdev([Decimal(t.numerator) / t.denominator for t in everyone])
        per_judge = {}
        for judge in {j for j, _ in totals}:
            mine = [
                Decimal(t.numerator) / t.denominator for (j, _), t in totals.items() if j == judge
            ]
            per_judge[judge] = (st.mean(mine), st.pstdev(mine))
        scores = {}
        for entry in entries:
            mine = [(j, t) for (j, e), t in totals.items() if e == entry.entry_id]
            ts = sorted(t for _, t in mine)
            if not ts:
                continue
            if method == "mean":
                value = st.mean(ts)
            elif method == "trimmed_mean":
                value = st.mean(ts[1:-1] if len(ts) >= 5 else ts)
            elif method == "median":
                value = st.median(ts)
            else:
                ns = []
                for j, t in mine:
                    mu_j, sigma_j = per_judge[j]
                    t = Decimal(t.numerator) / t.denominator
                    z = 0 if sigma_j == 0 else (t - mu_j) / sigma_j
                    ns.append(mu + sigma * z)
                value = sum(ns) / len(ns)
            scores[entry.entry_id] = reference_round(value)
    expected = {}
    for track in dict.fromkeys(e.track_id for e in entries):
        ids = [e.entry_id for e in entries if e.track_id == track]
        scored = [e for e in ids if e in scores]
        rank = {e: 1 + sum(scores[o] > scores[e] for o in scored) for e in scored}
        if rule is None:
            advances = set()
        elif rule.threshold is not None:
            advances = {e for e in scored if scores[e] >= exact(rule.threshold)}
        else:
            cut = rule.top_n
            if cut is None:
                cut = math.ceil(exact(rule.top_percent) / 100 * len(scored))
            advances = {e for e in scored if rank[e] <= cut}
        expected[track] = {
            e: (scores.get(e), rank.get(e), sum(1 for (_, o) in totals if o == e), e in advances)
            for e in ids
        }
    return expected


@pytest.mark.parametrize("seed", range(12))
def test_results_match_an_independent_reference_on_random_rounds(seed):
    rnd = random.Random(seed)
    entries, cards = random_round(rnd)
    rule = rnd.choice(
        [
            None,
            Advancement(top_n=rnd.randrange(1, 6)),
            Advancement(top_percent=rnd.choice([10, 25, 33.3, 50])),
            Advancement(threshold=rnd.choice([40, 50, Decimal("55.5")])),
        ]
    )
    for method in METHODS:
        got = results(method, RANDOM_RUBRIC, entries, cards, rule)
        expected = reference_results(method, RANDOM_RUBRIC, entries, cards, rule)
        assert {
            track: {r.entry_id: (r.score, r.rank, r.n_scores, r.advances) for r in rows}
            for track, rows in got.items()
        } == expected, method
        for rows in got.values():
            scored = [r for r in rows if r.score is not None]
            assert [r.rank for r in scored] == sorted(r.rank for r in scored)
            assert all(r.score is None for r in rows[len(scored) :])


@pytest.mark.parametrize("seed", range(6))
def test_statistics_match_an_independent_reference_on_random_rounds(seed):
    rnd = random.Random(100 + seed)
    entries, cards = random_round(rnd, n_entries=30, n_judges=8)
    # Give track "w" a complete panel so Kendall's W is defined there.
    for e in range(1000, 1006):
        entries.append(EntryRef(e, "w"))
        for judge in range(4):
            score = Decimal(rnd.choice(["0", "2.5", "5", "7.5", "10"]))
            cards.append(
                Card(judge, e, {c.id: score * Decimal(c.max_points) / 10 for c in RANDOM_RUBRIC})
            )
    stats = statistics(RANDOM_RUBRIC, entries, cards, max_spread=30)

    totals = {(c.judge_id, c.entry_id): total(c, RANDOM_RUBRIC) for c in cards}
    by_entry = {}
    for (j, e), t in totals.items():
        by_entry.setdefault(e, {})[j] = t
    with localcontext() as ctx:
        ctx.prec = 60

        def dec(f):
            return Decimal(f.numerator) / f.denominator

        for judge in {j for j, _ in totals}:
            mine = {e: t for (j, e), t in totals.items() if j == judge}
            devs = [
                t - st.mean([o for k, o in by_entry[e].items() if k != judge])
                for e, t in mine.items()
                if len(by_entry[e]) > 1
            ]
            assert stats.judges[judge].n == len(mine)
            assert stats.judges[judge].mean == reference_round(st.mean(mine.values()))
            assert stats.judges[judge].sd == reference_round(st.pstdev(map(dec, mine.values())))
            assert stats.judges[judge].deviation == (
                reference_round(st.mean(devs)) if devs else None
            )
        flagged = []
        for e, marks in by_entry.items():
            spread = reference_round(max(marks.values()) - min(marks.values()))
            assert stats.entries[e].spread == spread
            assert stats.entries[e].review == (spread > 30)
            for j, t in marks.items():
                others = [dec(o) for k, o in marks.items() if k != j]
                if len(others) >= 2 and st.pstdev(others) > 0:
                    z = (dec(t) - st.mean(others)) / st.pstdev(others)
                    if abs(z) > 2:
                        flagged.append((j, e, reference_round(z)))
    assert [(o.judge_id, o.entry_id, o.z) for o in stats.outliers] == sorted(flagged)
    assert stats.kendall_w["w"] == reference_kendall_w(
        [[by_entry[e][j] for e in range(1000, 1006)] for j in range(4)]
    )


def reference_kendall_w(table):
    """Kendall's W from a judges x entries table of totals, textbook style: average ranks for
    ties, W = 12 S / (m^2 (n^3 - n) - m sum(t^3 - t))."""
    m, n = len(table), len(table[0])
    rank_sums = [Fraction(0)] * n
    correction = 0
    for row in table:
        for i, value in enumerate(row):
            below = sum(1 for v in row if v < value)
            equal = sum(1 for v in row if v == value)
            rank_sums[i] += below + Fraction(equal + 1, 2)
        for value in set(row):
            t = row.count(value)
            correction += t**3 - t
    mean = Fraction(m * (n + 1), 2)
    s = sum((r - mean) ** 2 for r in rank_sums)
    denominator = m * m * (n**3 - n) - m * correction
    return None if denominator == 0 else reference_round(12 * s / denominator)


def test_competition_ranks_share_a_rank_and_skip_the_places_shared():
    ranked = scoring.competition_ranks({"c": Decimal("70"), "a": Decimal("90"),
                                        "d": Decimal("80"), "b": Decimal("80"), "e": 60.0})
    assert ranked == [("a", 1), ("b", 2), ("d", 2), ("c", 4), ("e", 5)]
    assert scoring.competition_ranks({}) == []
