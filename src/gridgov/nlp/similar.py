"""Probable duplicates: similar text, close in place, close in time (pure).

Text similarity works on character bigrams (no segmentation), as the mean of the Jaccard index
and the overlap coefficient, so a one-line hotline summary still matches the long web message
about the same thing. Place and time only *gate* the text: the same complaint about a
different street, or about the same street a month later, is a new case.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from gridgov.nlp.features import normalise

EARTH_RADIUS_M = 6_371_008.8
_PUNCT = set("，。！？、；：,.!?;:（）()【】[]“”\"'《》<> \t\n")


def bigrams(*texts: str) -> frozenset[str]:
    """Character bigrams of the texts; none spans punctuation (a clause boundary)."""
    grams: set[str] = set()
    for text in texts:
        clause: list[str] = []
        for ch in normalise(text) + "。":
            if ch in _PUNCT:
                run = "".join(clause)
                grams.update(run[i : i + 2] for i in range(len(run) - 1))
                if len(run) == 1:
                    grams.add(run)
                clause = []
            else:
                clause.append(ch)
    return frozenset(grams)


def text_similarity(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    common = len(a & b)
    jaccard = common / len(a | b)
    overlap = common / min(len(a), len(b))
    return (jaccard + overlap) / 2


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance (haversine) in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


@dataclass(frozen=True)
class Report:
    text: frozenset[str]  # bigrams
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


def score(new: Report, old: Report, *, radius_m: float, window_hours: float) -> Score | None:
    """How likely ``new`` repeats ``old`` (0–1), or None when place or time rule it out."""
    hours = abs((new.at - old.at).total_seconds()) / 3600
    if hours > window_hours:
        return None
    if None not in (new.lon, new.lat, old.lon, old.lat):
        d: float | None = distance_m(new.lon, new.lat, old.lon, old.lat)  # type: ignore[arg-type]
        assert d is not None
        if d > radius_m:
            return None
        place = 1.0 - 0.5 * d / radius_m
    elif new.grid_code and new.grid_code == old.grid_code:
        d, place = None, 0.75  # same grid, no coordinates: plausible, not certain
    else:
        return None
    time = 1.0 - 0.5 * hours / window_hours
    text = text_similarity(new.text, old.text)
    return Score(round(text * place * time, 4), round(text, 4), d, round(hours, 2))
