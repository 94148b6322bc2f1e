"""Probable duplicates: similar text, close in place, close in time (pure).

Text similarity works on character bigrams (no segmentation): the overlap coefficient — the
share of the shorter report's bigrams found in the longer one — so a one-line hotline summary
still matches the long web message about the same thing. Bigrams can be weighted by inverse
document frequency (from the classifier's corpus), so that "小区" and "反映" count for less
than "井盖" and "油烟". Place and time *gate* the pair (beyond the radius or the window it is
a new case: the same complaint about another street, or a month later) and, within the gate,
lower the score by up to 30 % each as they grow.

Measured on pairs generated from real messages (bench/bench_duplicates.py, docs/PERFORMANCE.md)
the default threshold 0.3 gives precision ≈ 0.89 and recall ≈ 0.85 with weights.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import numpy.typing as npt

from gridgov.nlp.features import BASE, FloatArray, HashIndex, code_points, normalise

EARTH_RADIUS_M = 6_371_008.8
_PUNCT = "，。！？、；：,.!?;:（）()【】[]“”\"'《》<> \t\n"
_CLAUSES = re.compile(f"[{re.escape(_PUNCT)}]+")


def bigrams(*texts: str) -> frozenset[str]:
    """Character bigrams of the texts; none spans punctuation (a clause boundary)."""
    grams: set[str] = set()
    for text in texts:
        for run in _CLAUSES.split(normalise(text)):
            if len(run) == 1:
                grams.add(run)
            else:
                grams.update(map(str.__add__, run, run[1:]))  # pairs of neighbours, in C
    return frozenset(grams)


Grams = npt.NDArray[np.int64]  # a report's bigrams as sorted, distinct codes


_PUNCT_CODES = np.array(sorted({ord(c) for c in _PUNCT} | {ord(normalise(c) or c) for c in _PUNCT}))


def grams_many(reports: Sequence[Sequence[str]]) -> list[Grams]:
    """:func:`bigrams` of many reports (each a few texts) at once, as codes: a bigram is
    ``first * BASE + second`` (code points after :func:`normalise`), a lone character between
    punctuation its own code point. Decoded, the codes are exactly :func:`bigrams`'s strings;
    as arrays they take a twelfth of the memory and compare many at once (:func:`overlaps`)."""
    # the texts of all reports, each followed by a clause break
    texts = [piece for report in reports for text in report for piece in (text, "。")]
    owners = np.repeat(np.arange(len(reports), dtype=np.int64), [2 * len(r) for r in reports])
    codes, doc = code_points(texts, owners)
    if not len(codes):
        return [np.zeros(0, np.int64) for _ in reports]
    brk = np.isin(codes, _PUNCT_CODES)
    # the text ends with a break, so a character's right neighbour is always in its report
    pair = ~brk[:-1] & ~brk[1:]
    before = np.concatenate(([True], brk[:-1]))
    after = np.concatenate((brk[1:], [True]))
    lone = ~brk & before & after
    found = np.concatenate((codes[:-1][pair] * BASE + codes[1:][pair], codes[lone]))
    of = np.concatenate((doc[:-1][pair], doc[lone]))
    # distinct (report, code) keys, sorted by report and then code: one sort for the batch
    # (np.unique hashes first and then sorts, twice the time); a key fits in an int64 for up
    # to 7 million reports a call
    keys = np.sort(of * (BASE * BASE) + found)
    keys = keys[np.concatenate(([True], keys[1:] != keys[:-1]))] if len(keys) else keys
    which, gram = np.divmod(keys, BASE * BASE)
    bounds = np.searchsorted(which, np.arange(len(reports) + 1))
    return [gram[bounds[i] : bounds[i + 1]] for i in range(len(reports))]


def grams(*texts: str) -> Grams:
    """:func:`grams_many` of one report."""
    return grams_many([texts])[0]


def decode(codes: Grams) -> frozenset[str]:
    """The bigram strings of codes (for reading and tests)."""
    first, second = np.divmod(codes, BASE)
    return frozenset(
        (chr(a) if a else "") + chr(b) for a, b in zip(first.tolist(), second.tolist(), strict=True)
    )


@dataclass(frozen=True, eq=False)
class Weights:
    """Bigram weights (inverse document frequency) by code; ``rare`` for a bigram not in the
    table."""

    codes: Grams
    values: npt.NDArray[np.float64]
    rare: float
    _index: HashIndex | None = field(default=None, repr=False)

    def of(self, grams: Grams) -> npt.NDArray[np.float64]:
        if not len(self.codes):
            return np.full(len(grams), self.rare)
        if self._index is None:  # one probe a code (a binary search took 18 cache misses)
            object.__setattr__(self, "_index", HashIndex.build(self.codes))
        assert self._index is not None
        at = self._index.find(grams)
        return np.where(at >= 0, self.values[at], self.rare)


@dataclass(frozen=True, eq=False)
class Text:
    """A report's bigrams as they are compared: the codes, each one's weight, their sum."""

    codes: Grams
    weights: FloatArray
    mass: float


def weigh(many: Sequence[Grams], weights: Weights | None = None) -> list[Text]:
    """The bigram codes of many reports with their weights (all ones without a table), looked
    up in one pass: a stored case meets many reports, and is weighed once for all of them."""
    if not many:
        return []
    every = np.concatenate(many)
    w = np.ones(len(every)) if weights is None else weights.of(every)
    bounds = np.cumsum([0, *map(len, many)]).tolist()
    out = []
    for codes, lo, hi in zip(many, bounds, bounds[1:], strict=False):
        part = w[lo:hi]
        out.append(Text(codes, part, float(part.sum())))  # the same sum whatever the batch
    return out


def text(*texts: str, weights: Weights | None = None) -> Text:
    """One report's :class:`Text`."""
    return weigh([grams(*texts)], weights)[0]


def overlaps(mine: Text, theirs: Sequence[Text]) -> FloatArray:
    """The weighted overlap coefficient (0–1) of ``mine`` with each of ``theirs``: the weight
    of the shared bigrams over the weight of the smaller set. All of them in a few array
    operations, so a report meets its dozen neighbours at once; each result is what the pair
    alone gives."""
    return overlaps_many([(mine, theirs)])[0]


_BITS = 12  # of a code, for the first look in overlaps_many
_LOW = (1 << _BITS) - 1


def overlaps_many(pairs: Sequence[tuple[Text, Sequence[Text]]]) -> list[FloatArray]:
    """:func:`overlaps` of many reports with their own neighbours, in one set of array
    operations for all the pairs (a batch's reports meet a dozen neighbours each, and the
    fixed cost of an array operation outweighed the work). Each result is exactly what the
    report alone gives: a pair's shared weights are summed in the same order."""
    counts = [len(theirs) for _, theirs in pairs]
    total = sum(counts)
    if not total:
        return [np.zeros(0) for _ in pairs]
    theirs_all = [t for _, theirs in pairs for t in theirs]
    lengths = np.fromiter((len(t.codes) for t in theirs_all), dtype=np.int64, count=total)
    every = np.concatenate([t.codes for t in theirs_all])
    w = np.concatenate([t.weights for t in theirs_all])
    owner = np.repeat(np.arange(total), lengths)  # the pair each code belongs to
    report = np.repeat(np.arange(len(pairs), dtype=np.int64), counts)  # each pair's report
    # each report's codes keyed by its place in the batch: sorted, as the codes are sorted
    mine = np.concatenate([m.codes for m, _ in pairs])
    whose = np.repeat(np.arange(len(pairs), dtype=np.int64), [len(m.codes) for m, _ in pairs])
    keys = whose * (BASE * BASE) + mine
    shared = np.zeros(len(every), dtype=bool)
    if len(keys):
        # a first look in a bitmap of each report's codes by their low bits (4,096 a report,
        # a few per cent of them set) leaves only the codes that may be shared to search for
        seen = np.zeros(len(pairs) << _BITS, dtype=bool)
        seen[(whose << _BITS) | (mine & _LOW)] = True
        theirs_report = report[owner]
        maybe = np.flatnonzero(seen[(theirs_report << _BITS) | (every & _LOW)])
        wanted = theirs_report[maybe] * (BASE * BASE) + every[maybe]
        at = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
        shared[maybe[keys[at] == wanted]] = True
    common = np.bincount(owner[shared], weights=w[shared], minlength=total)
    masses = np.fromiter((m.mass for m, _ in pairs), np.float64, count=len(pairs))
    theirs_mass = np.fromiter((t.mass for t in theirs_all), np.float64, count=total)
    smaller = np.minimum(masses[report], theirs_mass)
    out = np.zeros(total)
    ok = (smaller > 0) & (lengths > 0)
    out[ok] = np.minimum(1.0, common[ok] / smaller[ok])
    return np.split(out, np.cumsum(counts)[:-1])


def text_similarity(a: Text, b: Text) -> float:
    """Weighted overlap coefficient of two reports' bigrams (0–1)."""
    return float(overlaps(a, [b])[0])


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance (haversine) in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


@dataclass(frozen=True)
class Report:
    text: Text
    at: datetime
    lon: float | None = None
    lat: float | None = None
    grid_code: str | None = None


@dataclass(frozen=True)
class Score:
    score: float
    text: float
    distance_m: float | None
    hours: float

    def explain(self) -> str:
        where = f"{self.distance_m:.0f} m" if self.distance_m is not None else "same grid"
        return f"text {self.text:.2f}, {where}, {self.hours:.1f} h apart → {self.score:.2f}"


Gate = tuple[int, float | None, float, float]  # index among the olds, metres, place, hours


def gate(
    new: Report, olds: Sequence[Report], *, radius_m: float, window_hours: float
) -> list[Gate]:
    """The pairs place and time let through, with what they say: the rest are new cases."""
    gated: list[Gate] = []
    for i, old in enumerate(olds):
        hours = abs((new.at - old.at).total_seconds()) / 3600
        if hours > window_hours:
            continue
        if None not in (new.lon, new.lat, old.lon, old.lat):
            d: float | None = distance_m(new.lon, new.lat, old.lon, old.lat)  # type: ignore[arg-type]
            assert d is not None
            if d > radius_m:
                continue
            place = 1.0 - 0.3 * d / radius_m
        elif new.grid_code and new.grid_code == old.grid_code:
            d, place = None, 0.85  # same grid, no coordinates: plausible, not certain
        else:
            continue
        gated.append((i, d, place, hours))
    return gated


def finish(
    count: int, gated: Sequence[Gate], texts: Sequence[float], *, window_hours: float
) -> list[Score | None]:
    """The scores of ``count`` olds: the gated ones' from their text overlaps, None for
    the rest."""
    out: list[Score | None] = [None] * count
    for (i, d, place, hours), text in zip(gated, texts, strict=True):
        time = 1.0 - 0.3 * hours / window_hours
        out[i] = Score(round(text * place * time, 4), round(text, 4), d, round(hours, 2))
    return out


def scores(
    new: Report,
    olds: Sequence[Report],
    *,
    radius_m: float,
    window_hours: float,
) -> list[Score | None]:
    """How likely ``new`` repeats each of ``olds`` (0–1), None where place or time rule it
    out; the texts of those that pass are compared at once."""
    gated = gate(new, olds, radius_m=radius_m, window_hours=window_hours)
    texts = overlaps(new.text, [olds[i].text for i, *_ in gated]).tolist()
    return finish(len(olds), gated, texts, window_hours=window_hours)


def score(
    new: Report,
    old: Report,
    *,
    radius_m: float,
    window_hours: float,
) -> Score | None:
    """How likely ``new`` repeats ``old`` (0–1), or None when place or time rule it out."""
    return scores(new, [old], radius_m=radius_m, window_hours=window_hours)[0]
