"""GET /rounds/{id}/results for every method against a reference computed here, straight
from docs/JUDGING.md's formulas (plain Python, independent of eventhub.judging.scoring)."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest

from eventhub.api.judging import RoundResultsSchema
from eventhub.judging.assignments import assign
from eventhub.judging.entries import EntryInfo, create_entry, create_track
from eventhub.judging.scorecards import save_scorecard
from tests import factories

CRITERIA = ((10, 40), (20, 35), (5, 25))
#: entry index -> {judge index: (s1, s2, s3)}; entries 0-2 in track 0, entry 3 in track 1.
SCORES = {
    0: {0: (8, 15, 4), 1: (6.5, 12, 3), 2: (9, 18.5, 4.5), 3: (7, 14, 3.5), 4: (5, 10, 2)},
    1: {0: (7, 16, 3), 1: (7.5, 13, 4), 2: (8, 17, 5), 3: (6, 11, 2.5)},
    2: {1: (9.5, 19, 5), 4: (4, 9, 1.5)},
    3: {0: (3, 6, 1), 2: (6, 12, 3), 3: (10, 20, 5)},
}
TRACK_OF = {0: 0, 1: 0, 2: 0, 3: 1}


def _total(scores) -> Fraction:
    return sum(
        (Fraction(w) * Fraction(str(s)) / Fraction(m) for (m, w), s in zip(CRITERIA, scores,
                                                                       strict=True)),
        Fraction(0),
    )


def _totals() -> dict[int, dict[int, Fraction]]:
    return {e: {j: _total(s) for j, s in cards.items()} for e, cards in SCORES.items()}


def _mean(values):
    return sum(values, Fraction(0)) / len(values)


def _reference(method: str) -> dict[int, float]:
    totals = _totals()
    if method == "mean":
        return {e: _mean(list(t.values())) for e, t in totals.items()}
    if method == "trimmed_mean":
        out = {}
        for e, t in totals.items():
            values = sorted(t.values())
            out[e] = _mean(values[1:-1] if len(values) >= 5 else values)
        return out
    if method == "median":
        out = {}
        for e, t in totals.items():
            values = sorted(t.values())
            n = len(values)
            out[e] = values[n // 2] if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2
        return out
    # zscore, in floats: mu/sigma per judge over all their totals, and over the whole round.
    everything = [float(v) for t in totals.values() for v in t.values()]
    mu = sum(everything) / len(everything)
    sigma = math.sqrt(sum((v - mu) ** 2 for v in everything) / len(everything))
    per_judge: dict[int, list[float]] = {}
    for t in totals.values():
        for j, v in t.items():
            per_judge.setdefault(j, []).append(float(v))
    stats = {}
    for j, values in per_judge.items():
        m = sum(values) / len(values)
        stats[j] = (m, math.sqrt(sum((v - m) ** 2 for v in values) / len(values)))
    out = {}
    for e, t in totals.items():
        normalized = []
        for j, v in t.items():
            m, s = stats[j]
            z = 0.0 if s == 0 else (float(v) - m) / s
            normalized.append(mu + sigma * z)
        out[e] = sum(normalized) / len(normalized)
    return out


def _round4(value) -> float:
    exact = Decimal(value.numerator) / Decimal(value.denominator) if isinstance(
        value, Fraction) else Decimal(repr(value))
    return float(exact.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))


def _ranks(scores: dict[int, float]) -> dict[int, int]:
    return {e: 1 + sum(1 for other in scores.values() if other > s) for e, s in scores.items()}


@pytest.fixture
def scored_round(organizer, org):
    contest = factories.contest(org)
    tracks = [create_track(organizer, contest, n) for n in ("医疗健康", "人工智能")]
    entries = [
        create_entry(organizer, contest, EntryInfo(
            title=f"项目{i}", track_id=tracks[TRACK_OF[i]].id))
        for i in range(4)
    ]
    judges = [factories.judge(contest) for _ in range(5)]
    round_ = factories.rubric_round(organizer, contest, criteria=CRITERIA, advance_top_n=2)
    keys = [str(c.id) for c in round_.criteria]
    for e, cards in SCORES.items():
        for j, scores in cards.items():
            assign(organizer, round_, judges[j].id, entries[e].id)
            save_scorecard(judges[j].user, round_, entries[e],
                                   dict(zip(keys, scores, strict=True)), submit=True)
    return round_, entries


def test_the_worked_example_total():
    assert _total((8, 15, 4)) == Fraction("78.25")


@pytest.mark.parametrize("method", ["mean", "trimmed_mean", "median", "zscore"])
def test_results_match_the_reference(api, organizer, scored_round, method):
    round_, entries = scored_round
    body = api(organizer).get(f"/api/v1/rounds/{round_.id}/results?method={method}").get_json()
    assert body["method"] == method
    reference = {e: _round4(v) for e, v in _reference(method).items()}
    got = {line["entry_id"]: line for track in body["tracks"] for line in track["entries"]}
    for index, entry in enumerate(entries):
        line = got[entry.id]
        assert line["score"] == reference[index], (method, index, line, reference[index])
        assert line["n_scores"] == len(SCORES[index])
    track0 = {i: reference[i] for i in (0, 1, 2)}
    ranks = _ranks(track0)
    for i in (0, 1, 2):
        assert got[entries[i].id]["rank"] == ranks[i]
        assert got[entries[i].id]["advances"] == (ranks[i] <= 2)
    assert got[entries[3].id]["rank"] == 1 and got[entries[3].id]["advances"]
    # Lines come in rank order within each track.
    first = body["tracks"][0]["entries"]
    assert [line["rank"] for line in first] == sorted(line["rank"] for line in first)


@pytest.mark.parametrize("method", ["mean", "zscore"])
def test_results_are_answered_in_the_documented_shape(api, organizer, scored_round, method):
    # The body is answered as the service builds it (api.common.as_built): the response
    # schema's dump must leave it unchanged, so no field is missing, extra or of another type.
    round_, _ = scored_round
    body = api(organizer).get(f"/api/v1/rounds/{round_.id}/results?method={method}").get_json()
    assert sum(len(track["entries"]) for track in body["tracks"]) == 4
    assert all(len(line["criteria"]) == 3 for t in body["tracks"] for line in t["entries"])
    assert RoundResultsSchema().dump(body) == body
    assert RoundResultsSchema().validate(body) == {}
