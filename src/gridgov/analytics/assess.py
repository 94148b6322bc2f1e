"""Assessment scores (pure): a scheme's weights over the KPIs, its bonus and penalty points,
and the red and black lists.

A rate where higher is better scores ``rate × 100``; one where lower is better scores
``(1 − rate) × 100``. The base score is the weighted mean of the rates that have a value (a
unit with no deadline in the month is not scored on its on-time rate: the other weights count
for more). Adjustments add ``points × count`` (e.g. −0.5 for each case overdue at the month's
end). A group with no rate at all has no score and is not ranked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

HIGHER_IS_BETTER = frozenset(
    {"acceptance_rate", "closure_rate", "on_time_rate", "sign_on_time_rate", "satisfaction_rate"}
)
LOWER_IS_BETTER = frozenset({"return_rate", "extension_rate", "rework_rate", "reopen_rate"})
RATES = HIGHER_IS_BETTER | LOWER_IS_BETTER
COUNTS = frozenset(
    {
        "received",
        "accepted",
        "closed",
        "closures",
        "dispatched",
        "returned",
        "extended",
        "reworked",
        "reopened",
        "visited",
        "satisfied",
        "overdue_open",
    }
)
TARGETS = ("unit", "town", "worker")


@dataclass(frozen=True)
class Adjustment:
    name: str
    kpi: str  # a count
    points: float  # per count: positive a bonus, negative a penalty


@dataclass(frozen=True)
class Scheme:
    weights: Mapping[str, float]
    adjustments: Sequence[Adjustment] = ()
    red_at: float | None = None  # a score at or above: the red list (红榜)
    black_below: float | None = None  # below: the black list (黑榜)

    def problems(self) -> list[str]:
        """What makes the scheme unusable (empty: fine)."""
        out = [f"weights: {k!r} is not a rate" for k in self.weights if k not in RATES]
        out += [f"weights: {k} must be positive" for k, w in self.weights.items() if w <= 0]
        if not self.weights:
            out.append("weights: name at least one rate")
        out += [
            f"adjustments: {a.kpi!r} is not a count"
            for a in self.adjustments
            if a.kpi not in COUNTS
        ]
        if (
            self.red_at is not None
            and self.black_below is not None
            and self.black_below > self.red_at
        ):
            out.append("black_below must not be above red_at")
        return out


@dataclass(frozen=True)
class Scored:
    key: str
    name: str
    score: float | None
    parts: dict[str, float] = field(default_factory=dict)  # each rate's and item's points
    rank: int | None = None
    list: str = ""  # red / black / ""


def score(figures: Mapping[str, Any], scheme: Scheme) -> tuple[float | None, dict[str, float]]:
    """The score of one group's KPI figures, and what each rate and adjustment gave."""
    parts: dict[str, float] = {}
    weighted = total = 0.0
    for kpi, weight in scheme.weights.items():
        value = figures.get(kpi)
        if value is None:
            continue
        points = (value if kpi in HIGHER_IS_BETTER else 1.0 - value) * 100.0
        parts[kpi] = round(points, 2)
        weighted += weight * points
        total += weight
    if total == 0:
        return None, parts
    result = weighted / total
    for item in scheme.adjustments:
        extra = item.points * float(figures.get(item.kpi) or 0)
        if extra:
            parts[item.name] = round(extra, 2)
        result += extra
    return round(result, 2), parts


def rank(groups: Sequence[tuple[str, str, Mapping[str, Any]]], scheme: Scheme) -> list[Scored]:
    """Scores, best first (ties share a rank and are listed by key); the unscored last."""
    scored = []
    for key, name, figures in groups:
        value, parts = score(figures, scheme)
        scored.append(Scored(key, name, value, parts))
    scored.sort(key=lambda s: (s.score is None, -(s.score or 0.0), s.key))
    out: list[Scored] = []
    previous: float | None = None
    place = 0
    for position, s in enumerate(scored, start=1):
        if s.score is None:
            out.append(s)
            continue
        if s.score != previous:
            place, previous = position, s.score
        listed = ""
        if scheme.red_at is not None and s.score >= scheme.red_at:
            listed = "red"
        elif scheme.black_below is not None and s.score < scheme.black_below:
            listed = "black"
        out.append(Scored(s.key, s.name, s.score, s.parts, place, listed))
    return out
