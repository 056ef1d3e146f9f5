"""The numbers of contest judging, exactly as docs/JUDGING.md §2-5 define them, on plain data.

No database and no Flask here: the caller loads a round's criteria, entries and **valid**
scorecards (docs/JUDGING.md section 1: submitted, assigned, entry in the round, no conflict of
interest; deciding that is the caller's job) and every card passed in counts.

Exactness. Scores, weights and maxima are decimals; each is read as an exact rational (a float as
the decimal it prints as: ``0.1`` is 1/10, not 0.1000000000000000055...). A round's totals are then
integers over one common denominator ``q`` (lcm of the ``w_c / max_c`` denominators times lcm of the
scores' denominators), so sums, means, trimmed means and medians are integer arithmetic, exact,
rounded once at the end: half away from zero to 4 decimals, returned as ``Decimal`` (``78.2500``;
``float()`` of it prints the same 4 decimals). Nothing like 0.12345 becoming 0.12344999...

The z-score method needs square roots. In integers (totals ``T`` in units of ``1/q``)::

    a_je = n_j T_je - S_j        M_j = n_j S2_j - S_j^2       (S, S2: sum of totals, of squares)
    zscore_e = (S n_e + sqrt(M) * sum_j a_je / sqrt(M_j)) / (n q n_e)

which is the definition rewritten (z_je = a_je / sqrt(M_j), sigma = sqrt(M) / (n q)). Each
``sqrt(M / M_j)`` is bracketed between two integers by ``math.isqrt`` at a scale of 2^64; when both
ends of the resulting interval round to the same 4 decimals, that is the answer (rounding is
monotone). Otherwise the value lies within ~1e-17 of a rounding boundary and is decided exactly:
the square roots are grouped by square class, and as square roots of distinct square-free
integers are linearly independent over the rationals, the value is either rational (then rounded
exactly) or irrational (then never on a boundary: the bracket is narrowed until both ends agree).
"""

import functools
import math
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

METHODS = ("mean", "trimmed_mean", "median", "zscore")

#: Bits of the first bracket around the z-score square roots (see the module docstring).
ZSCORE_BITS = 64

Number = int | float | Decimal | Fraction


@dataclass(frozen=True)
class Criterion:
    """A rubric criterion: scores go from 0 to ``max_points``; weights of a rubric sum to 100."""

    id: Hashable
    max_points: Number
    weight: Number


@dataclass(frozen=True)
class Card:
    """A valid submitted scorecard (the caller passes only valid ones): a score per criterion id."""

    judge_id: Hashable
    entry_id: Hashable
    scores: Mapping[Hashable, Number]


@dataclass(frozen=True)
class EntryRef:
    """An entry taking part in the round, and its track."""

    entry_id: Hashable
    track_id: Hashable


@dataclass(frozen=True)
class Advancement:
    """A round's advancement rule: exactly one of top N per track, top percent per track
    (``top_percent`` is a percentage 0-100, as API.md's ``advance_top_percent``), or a threshold."""

    top_n: int | None = None
    top_percent: Number | None = None
    threshold: Number | None = None

    def __post_init__(self):
        given = [v for v in (self.top_n, self.top_percent, self.threshold) if v is not None]
        if len(given) != 1:
            raise ValueError("an advancement rule has exactly one of top_n, top_percent, threshold")
        if self.top_n is not None and self.top_n < 0:
            raise ValueError("top_n must be 0 or more")
        if self.top_percent is not None and not 0 <= _exact(self.top_percent) <= 100:
            raise ValueError("top_percent is a percentage from 0 to 100")


@dataclass(frozen=True)
class EntryResult:
    """One line of a track's results; ``score`` and ``rank`` are None when ``n_scores`` is 0.
    ``criterion_averages``: mean raw score per criterion id over the valid cards (4 decimals)."""

    entry_id: Hashable
    track_id: Hashable
    score: Decimal | None
    rank: int | None
    n_scores: int
    advances: bool
    criterion_averages: Mapping[Hashable, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class JudgeStats:
    """A judge's valid totals in the round (all tracks): count, mean, population SD, and the mean
    of (own total - mean of the other judges' totals on the entry) over cards that have others
    (None when no card has)."""

    judge_id: Hashable
    n: int
    mean: Decimal
    sd: Decimal
    deviation: Decimal | None


@dataclass(frozen=True)
class Outlier:
    """A scorecard far from the panel: z = (T - mean(others)) / pstdev(others), |z| > 2."""

    judge_id: Hashable
    entry_id: Hashable
    total: Decimal
    z: Decimal


@dataclass(frozen=True)
class EntryStats:
    """An entry's spread (max - min of its totals; None without cards) and whether it exceeds
    the organizer's limit (the rounded spread is compared, so the flag agrees with the figure)."""

    entry_id: Hashable
    n: int
    spread: Decimal | None
    review: bool


@dataclass(frozen=True)
class Agreement:
    """Kendall's W of a track (None when undefined, see ``_kendall_w``) and who ranked it: the
    track's entries, the judges with a card in the track and how many of them scored every
    entry of it."""

    w: Decimal | None
    entries: int
    judges: int
    complete: int

    @property
    def undefined_because(self) -> str | None:
        """Why W is undefined: ``entries`` (fewer than 2 in the track), ``judges`` (fewer than 2
        with a card in it), ``incomplete`` (a judge of the track did not score every entry),
        ``ties`` (every judge gave every entry the same total); None when W is defined."""
        if self.w is not None:
            return None
        if self.entries < 2:
            return "entries"
        if self.judges < 2:
            return "judges"
        if self.complete < self.judges:
            return "incomplete"
        return "ties"


@dataclass(frozen=True)
class Statistics:
    """docs/JUDGING.md section 5 for one round; ``agreement`` (Kendall's W) per track id."""

    judges: dict[Hashable, JudgeStats]
    entries: dict[Hashable, EntryStats]
    outliers: list[Outlier]
    agreement: dict[Hashable, Agreement]

    @property
    def kendall_w(self) -> dict[Hashable, Decimal | None]:
        """Kendall's W per track id (None when undefined)."""
        return {track: a.w for track, a in self.agreement.items()}


def total(card: Card, criteria: Iterable[Criterion]) -> Fraction:
    """Return the exact total ``sum w_c * s_c / max_c`` of a card over the given criteria.

    For a draft's running total pass only the criteria scored so far. Raises ValueError when the
    card has no score for one of the criteria.
    """
    result = Fraction(0)
    for c in criteria:
        if c.id not in card.scores:
            raise ValueError(f"no score for criterion {c.id!r}")
        result += _exact(c.weight) * _exact(card.scores[c.id]) / _exact(c.max_points)
    return result


def round_score(value: Number) -> Decimal:
    """Round a number half away from zero to 4 decimals (``Decimal('78.2500')``)."""
    exact = _exact(value)
    return _round(exact.numerator, exact.denominator)


def results(
    method: str,
    criteria: Sequence[Criterion],
    entries: Iterable[EntryRef],
    cards: Iterable[Card],
    rule: Advancement | None = None,
) -> dict[Hashable, list[EntryResult]]:
    """Aggregate, rank and advance a round's entries per track (docs/JUDGING.md sections 3-4).

    Returns ``{track_id: [EntryResult, ...]}``, tracks in the order they first appear in
    ``entries``. Ranks are competition ranks by the rounded score, descending (1, 2, 2, 4); a
    track's list is ordered by rank, ties by entry id, then the entries without a score by entry
    id. ``rule`` None: nobody advances. Entry ids must be mutually comparable (they sort ties).
    Raises ValueError for an unknown method, a card on an entry not in ``entries``, two cards of
    one judge on one entry, or a card without a score for a criterion.
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; one of {', '.join(METHODS)}")
    data = _Round(criteria, entries, cards)
    if method == "zscore":
        scores = data.zscores()
    else:
        aggregate = {"mean": _mean, "trimmed_mean": _trimmed_mean, "median": _median}[method]
        scores = {
            entry_id: aggregate(totals, data.q)
            for entry_id, totals in data.totals.items()
            if totals
        }
    return {
        track_id: _rank_track(data, track_id, entry_ids, scores, rule)
        for track_id, entry_ids in data.tracks.items()
    }


def statistics(
    criteria: Sequence[Criterion],
    entries: Iterable[EntryRef],
    cards: Iterable[Card],
    max_spread: Number | None = None,
) -> Statistics:
    """Compute the organizers' statistics of a round (docs/JUDGING.md section 5).

    Per judge: n, mean, population SD, mean deviation from the panel. Outliers: cards whose z
    against the entry's OTHER totals, z = (T - mean(others)) / pstdev(others), has |z| > 2; with
    fewer than 2 other cards or a zero pstdev there is no z and no flag. Per entry: spread and
    ``review`` when the spread is above ``max_spread``. Kendall's W per track, with who ranked
    the track: see ``_agreement``. Raises ValueError like ``results``.
    """
    data = _Round(criteria, entries, cards)
    limit = None if max_spread is None else _exact(max_spread)
    return Statistics(
        judges=_judge_statistics(data),
        entries={e: _entry_statistics(data, e, limit) for e in data.totals},
        outliers=_outliers(data),
        agreement={track: _agreement(data, ids) for track, ids in data.tracks.items()},
    )


def _judge_statistics(data):
    q = data.q
    totals: dict[Hashable, list[int]] = {}
    deviations: dict[Hashable, list[Fraction]] = {}
    for entry_id, entry_totals in data.totals.items():
        k = len(entry_totals) - 1  # the other judges on this entry
        s = sum(entry_totals)
        for judge_id, t in zip(data.judges[entry_id], entry_totals, strict=True):
            totals.setdefault(judge_id, []).append(t)
            deviations.setdefault(judge_id, [])
            if k:  # t - (s - t) / k
                deviations[judge_id].append(Fraction(k * t - (s - t), k * q))
    stats = {}
    for judge_id in sorted(totals):
        mine, devs = totals[judge_id], deviations[judge_id]
        n, s = len(mine), sum(mine)
        deviation = sum(devs, Fraction(0)) / len(devs) if devs else None
        stats[judge_id] = JudgeStats(
            judge_id=judge_id,
            n=n,
            mean=_round(s, n * q),
            sd=_round_sqrt(n * sum(t * t for t in mine) - s * s, n * n * q * q),
            deviation=None if deviation is None else round_score(deviation),
        )
    return stats


def _entry_statistics(data, entry_id, limit):
    totals = data.totals[entry_id]
    spread = _round(max(totals) - min(totals), data.q) if totals else None
    review = spread is not None and limit is not None and Fraction(spread) > limit
    return EntryStats(entry_id, len(totals), spread, review)


def _outliers(data):
    """Cards with |z| > 2 against the entry's other totals, by judge then entry.

    With k others of sum o and sum of squares o2 (units of 1/q), z = (k t - o) / sqrt(k o2 - o^2),
    so |z| > 2 is (k t - o)^2 > 4 (k o2 - o^2): decided in integers.
    """
    outliers = []
    for entry_id, totals in data.totals.items():
        k = len(totals) - 1
        if k < 2:
            continue
        s, s2 = sum(totals), sum(t * t for t in totals)
        for judge_id, t in zip(data.judges[entry_id], totals, strict=True):
            o, o2 = s - t, s2 - t * t
            a, b = k * t - o, k * o2 - o * o
            if b > 0 and a * a > 4 * b:
                z = _round_sqrt(a * a, b)
                outliers.append(Outlier(judge_id, entry_id, _round(t, data.q), z if a > 0 else -z))
    outliers.sort(key=lambda o: (o.judge_id, o.entry_id))
    return outliers


class _Round:
    """A round's cards as integers: ``totals[e]`` (units of 1/q) with ``judges[e]`` alongside,
    ``raw_sums[e]`` the per-criterion sums of raw scores (units of 1/d)."""

    def __init__(self, criteria, entries, cards):
        self.criterion_ids = [c.id for c in criteria]
        self.tracks: dict[Hashable, list[Hashable]] = {}
        self.totals: dict[Hashable, list[int]] = {}
        self.judges: dict[Hashable, list[Hashable]] = {}
        for entry in entries:
            if entry.entry_id in self.totals:
                raise ValueError(f"entry {entry.entry_id!r} is listed twice")
            self.tracks.setdefault(entry.track_id, []).append(entry.entry_id)
            self.totals[entry.entry_id] = []
            self.judges[entry.entry_id] = []
        factors = [_exact(c.weight) / _exact(c.max_points) for c in criteria]
        cards = list(cards)
        rows = [self._read(card) for card in cards]
        self.d = math.lcm(*{den for row in rows for _, den in row})
        lcm_factors = math.lcm(*(f.denominator for f in factors))
        self.q = lcm_factors * self.d
        coefficients = [f.numerator * (lcm_factors // f.denominator) for f in factors]
        d = self.d
        self.raw_sums = {}
        pairs = set()
        for card, row in zip(cards, rows, strict=True):
            if (card.judge_id, card.entry_id) in pairs:
                raise ValueError(f"two cards of judge {card.judge_id!r} on {card.entry_id!r}")
            pairs.add((card.judge_id, card.entry_id))
            raw = [num * (d // den) for num, den in row]
            self.totals[card.entry_id].append(
                sum(k * s for k, s in zip(coefficients, raw, strict=True))
            )
            self.judges[card.entry_id].append(card.judge_id)
            sums = self.raw_sums.get(card.entry_id)
            self.raw_sums[card.entry_id] = (
                raw if sums is None else [a + b for a, b in zip(sums, raw, strict=True)]
            )

    def _read(self, card):
        if card.entry_id not in self.totals:
            raise ValueError(f"card on entry {card.entry_id!r}, which is not in the round")
        try:
            return [_ratio(card.scores[c]) for c in self.criterion_ids]
        except KeyError as missing:
            raise ValueError(
                f"card of judge {card.judge_id!r} on {card.entry_id!r} has no score for {missing}"
            )

    def criterion_averages(self, entry_id):
        sums = self.raw_sums.get(entry_id)
        if sums is None:
            return {}
        den = len(self.totals[entry_id]) * self.d
        return {c: _round(s, den) for c, s in zip(self.criterion_ids, sums, strict=True)}

    def zscores(self):
        """Return {entry_id: rounded zscore} (see the module docstring for the method)."""
        q = self.q
        judge_sums: dict[Hashable, list[int]] = {}  # judge -> [n_j, S_j, S2_j]
        for entry_id, totals in self.totals.items():
            for judge_id, t in zip(self.judges[entry_id], totals, strict=True):
                sums = judge_sums.setdefault(judge_id, [0, 0, 0])
                sums[0] += 1
                sums[1] += t
                sums[2] += t * t
        n = sum(s[0] for s in judge_sums.values())
        s_all = sum(s[1] for s in judge_sums.values())
        m_all = n * sum(s[2] for s in judge_sums.values()) - s_all * s_all
        m_judge = {j: nj * s2 - sj * sj for j, (nj, sj, s2) in judge_sums.items()}  # M_j
        zscore = _ZScore(m_all, m_judge)
        result = {}
        for entry_id, totals in self.totals.items():
            ne = len(totals)
            if not ne:
                continue
            terms = []  # (judge, a_je) with a_je != 0
            for judge_id, t in zip(self.judges[entry_id], totals, strict=True):
                nj, sj, _ = judge_sums[judge_id]
                a = nj * t - sj
                if a and m_all:
                    terms.append((judge_id, a))
            result[entry_id] = zscore.rounded(s_all * ne, terms, n * q * ne)
        return result


class _ZScore:
    """Rounds ``(base + sqrt(M) * sum a_j / sqrt(M_j)) / den`` to 4 decimals, exactly."""

    def __init__(self, m_all, m_judge):
        self.m_all = m_all
        self.m_judge = m_judge
        self.brackets = {}  # bits -> {judge: floor(2^bits * sqrt(M / M_j))}
        self.classes = None

    def roots(self, bits):
        if bits not in self.brackets:
            self.brackets[bits] = {
                j: math.isqrt((self.m_all << (2 * bits)) // m_j)
                for j, m_j in self.m_judge.items()
                if m_j
            }
        return self.brackets[bits]

    def rounded(self, base, terms, den):
        if not terms:
            return _round(base, den)
        bits = ZSCORE_BITS
        exact = None
        while True:
            roots = self.roots(bits)
            # 2^bits * sqrt(M / M_j) lies in [r_j, r_j + 1), so a_j times it in the bracket below.
            middle = sum(a * roots[j] for j, a in terms)
            low = middle + sum(a for _, a in terms if a < 0)
            high = middle + sum(a for _, a in terms if a > 0)
            low_rounded = _round((base << bits) + low, den << bits)
            if low_rounded == _round((base << bits) + high, den << bits):
                return low_rounded
            if exact is None:
                exact = self.exact(base, terms, den)
                if exact is not False:
                    return _round(exact.numerator, exact.denominator)
            bits *= 2  # irrational, hence off the boundary: a finer bracket decides

    def exact(self, base, terms, den):
        """Return the exact value as a Fraction when it is rational, else False."""
        if self.classes is None:
            self.classes = {}  # judge -> (representative M_r, sqrt(M_j / M_r) as a Fraction)
            representatives = []
            for j, m_j in self.m_judge.items():
                if not m_j:
                    continue
                for m_r in representatives:
                    root = math.isqrt(m_j * m_r)
                    if root * root == m_j * m_r:
                        self.classes[j] = (m_r, Fraction(root, m_r))
                        break
                else:
                    representatives.append(m_j)
                    self.classes[j] = (m_j, Fraction(1))
        # sum_j a_j / sqrt(M_j) = sum over classes r of C_r / sqrt(M_r)
        coefficients: dict[int, Fraction] = {}
        for j, a in terms:
            m_r, ratio = self.classes[j]
            coefficients[m_r] = coefficients.get(m_r, Fraction(0)) + a / ratio
        value = Fraction(base)
        for m_r, c in coefficients.items():
            if not c:
                continue
            product = self.m_all * m_r  # sqrt(M / M_r) = sqrt(M * M_r) / M_r
            root = math.isqrt(product)
            if root * root != product:
                return False
            value += c * Fraction(root, m_r)
        return value / den


def _mean(totals, q):
    return _round(sum(totals), len(totals) * q)


def _trimmed_mean(totals, q):
    if len(totals) < 5:
        return _mean(totals, q)
    return _round(sum(totals) - min(totals) - max(totals), (len(totals) - 2) * q)


def _median(totals, q):
    ordered = sorted(totals)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return _round(ordered[middle], q)
    return _round(ordered[middle - 1] + ordered[middle], 2 * q)


def competition_ranks(scores: Mapping[Hashable, Number]) -> list[tuple[Hashable, int]]:
    """Rank ids by score, highest first: ``[(id, rank), ...]`` in rank order.

    Competition ranks (1, 2, 2, 4): equal scores share the rank of the first of them and the
    ranks after them skip the places they share. Equal scores are listed by id (ids must be
    mutually comparable). The one ranking of judging: a round's results and the live
    leaderboard of a roadshow both rank with it.
    """
    ordered = sorted(scores, key=lambda key: (-scores[key], key))
    ranked: list[tuple[Hashable, int]] = []
    for position, key in enumerate(ordered, start=1):
        tied = position > 1 and scores[ordered[position - 2]] == scores[key]
        ranked.append((key, ranked[-1][1] if tied else position))
    return ranked


def _rank_track(data, track_id, entry_ids, scores, rule):
    ranked = competition_ranks({e: scores[e] for e in entry_ids if e in scores})
    scored = [entry_id for entry_id, _ in ranked]
    ranks = dict(ranked)
    cut = None
    if rule is not None and rule.top_n is not None:
        cut = rule.top_n
    elif rule is not None and rule.top_percent is not None:
        cut = math.ceil(_exact(rule.top_percent) * len(scored) / 100)
    threshold = None if rule is None or rule.threshold is None else _exact(rule.threshold)

    def advances(entry_id):
        if cut is not None:
            return ranks[entry_id] <= cut
        return threshold is not None and Fraction(scores[entry_id]) >= threshold

    unscored = sorted(e for e in entry_ids if e not in scores)
    return [
        EntryResult(
            entry_id=e,
            track_id=track_id,
            score=scores[e],
            rank=ranks[e],
            n_scores=len(data.totals[e]),
            advances=advances(e),
            criterion_averages=data.criterion_averages(e),
        )
        for e in scored
    ] + [
        EntryResult(e, track_id, score=None, rank=None, n_scores=0, advances=False)
        for e in unscored
    ]


def _agreement(data, entry_ids):
    """Kendall's W of a track (see ``_kendall_w``) with the track's entries, its judges (those
    with a card in the track) and how many of them scored every entry."""
    judges = {j for e in entry_ids for j in data.judges[e]}
    scored = Counter(j for e in entry_ids for j in data.judges[e])
    complete = sum(1 for j in judges if scored[j] == len(entry_ids))
    defined = len(entry_ids) >= 2 and len(judges) >= 2 and complete == len(judges)
    return Agreement(
        w=_kendall_w(data, entry_ids, judges) if defined else None,
        entries=len(entry_ids), judges=len(judges), complete=complete,
    )


def _kendall_w(data, entry_ids, judges):
    """Kendall's W of a track, with the tie correction, or None.

    Defined when the track has at least 2 entries and at least 2 judges (those with a card in
    the track) and every one of those judges scored every entry of the track (the caller,
    ``_agreement``, checks that). Each judge ranks the entries by total (tied totals share the
    mean of their ranks); with m judges, n entries, R_i the rank sum of entry i and t the sizes
    of each judge's groups of ties:

        W = 12 * sum (R_i - m(n+1)/2)^2 / (m^2 (n^3 - n) - m * sum (t^3 - t))

    None too when the denominator is 0 (every judge tied every entry).
    """
    n = len(entry_ids)
    m = len(judges)
    by_judge: dict[Hashable, list[tuple[int, int]]] = {j: [] for j in judges}
    for index, e in enumerate(entry_ids):
        for j, t in zip(data.judges[e], data.totals[e], strict=True):
            by_judge[j].append((t, index))
    doubled_rank_sums = [0] * n  # 2 R_i, integers even with mean ranks of ties
    ties = 0
    for marks in by_judge.values():
        marks.sort()
        start = 0
        while start < n:
            end = start
            while end < n and marks[end][0] == marks[start][0]:
                end += 1
            size = end - start
            ties += size**3 - size
            for _, index in marks[start:end]:
                doubled_rank_sums[index] += start + 1 + end  # 2 * mean of ranks start+1..end
            start = end
    denominator = m * m * (n**3 - n) - m * ties
    if not denominator:
        return None
    # 12 S with S = sum (2R_i - m(n+1))^2 / 4
    numerator = 3 * sum((r - m * (n + 1)) ** 2 for r in doubled_rank_sums)
    return _round(numerator, denominator)


def _exact(x) -> Fraction:
    num, den = _ratio(x)
    return Fraction(num, den)


def _ratio(x) -> tuple[int, int]:
    """Return a number as an exact (numerator, denominator); a float as the decimal it prints."""
    if type(x) is int:
        return x, 1
    if type(x) is float:
        return _float_ratio(x)
    if isinstance(x, float):
        x = Decimal(repr(x))
    if isinstance(x, bool) or not isinstance(x, int | Decimal | Fraction):
        raise TypeError(f"not a number: {x!r}")
    return x.as_integer_ratio()


@functools.lru_cache(maxsize=4096)
def _float_ratio(x: float) -> tuple[int, int]:
    """A float as the decimal it prints (scores repeat: 7.5 is read once, not 42,000 times)."""
    return Decimal(repr(x)).as_integer_ratio()


def _round(num: int, den: int) -> Decimal:
    """Round num/den (den > 0) half away from zero to 4 decimals."""
    units = (2 * abs(num) * 10_000 + den) // (2 * den)
    return Decimal(-units if num < 0 else units).scaleb(-4)


def _round_sqrt(num: int, den: int) -> Decimal:
    """Round sqrt(num/den) (num >= 0, den > 0) half away from zero to 4 decimals.

    With y = 2 * 10^4 * sqrt(num/den), the rounded figure k satisfies 2k - 1 <= y < 2k + 1,
    so k = (floor(y) + 1) // 2, and floor(y) = isqrt(floor(4 * 10^8 * num / den)).
    """
    return Decimal((math.isqrt(400_000_000 * num // den) + 1) // 2).scaleb(-4)
