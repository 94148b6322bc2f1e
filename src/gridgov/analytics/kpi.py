"""The KPIs of DESIGN §8 (pure): count a period's facts, then divide.

:class:`Counts` is additive (two groups' counts add up to their union's), which is what lets
rollups store it per day and sum it over any period and any grouping. :func:`figures` turns it
into the published figures; every rate is a fraction 0–1, or ``None`` when its denominator is 0.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any

from gridgov.analytics.facts import SPANS, Fact, Kind


@dataclass
class Counts:
    received: int = 0
    accepted: int = 0
    rejected: int = 0
    cohort_closed: int = 0  # of the cases accepted in the period, closed at its end
    due_on_time: int = 0
    due_late: int = 0
    due_suspended: int = 0
    due_pending: int = 0
    dispatched: int = 0
    signed_on_time: int = 0
    returned: int = 0
    extended: int = 0
    verified: int = 0
    verify_failed: int = 0
    closures: int = 0
    reopened: int = 0
    visited: int = 0
    satisfied: int = 0
    overdue_open: int = 0  # cases with an overdue open step at the end of the period
    handled_minutes: int = 0  # the handling times' sum, exact
    handled_buckets: Counter[int] = field(default_factory=Counter)  # by :func:`bucket`

    def __iadd__(self, other: Counts) -> Counts:
        for f in fields(self):
            if f.name == "handled_buckets":
                self.handled_buckets.update(other.handled_buckets)
            else:
                setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))
        return self

    def add(self, fact: Fact, first: date, last: date, n: int = 1) -> None:
        """Count ``fact`` (``n`` times) if it falls in the period ``first``–``last`` (local
        days, inclusive)."""
        if counts_in(fact.kind, fact.day, fact.since, fact.until, first, last):
            self.bump(fact.kind, fact.outcome, fact.minutes, n)

    def bump(self, kind: Kind, outcome: str, minutes: int, n: int) -> None:
        """Count ``n`` facts of ``kind`` already known to fall in the period (handled:
        ``minutes`` each)."""
        if kind is Kind.due:
            name = f"due_{outcome}"
            setattr(self, name, getattr(self, name) + n)
        elif kind is Kind.dispatched:
            self.dispatched += n
            self.signed_on_time += n if outcome == "on_time" else 0
        elif kind is Kind.verified:
            self.verified += n
            self.verify_failed += n if outcome == "fail" else 0
        elif kind is Kind.visited:
            self.visited += n
            self.satisfied += n if outcome == "satisfied" else 0
        elif kind is Kind.handled:
            self.handled_buckets[bucket(minutes)] += n
            self.handled_minutes += minutes * n
        else:
            attribute = _ATTRIBUTE.get(kind, kind.value)
            setattr(self, attribute, getattr(self, attribute) + n)


_ATTRIBUTE = {Kind.closed: "closures", Kind.overdue: "overdue_open"}


def counts_in(
    kind: Kind, day: date, since: date | None, until: date | None, first: date, last: date
) -> bool:
    """Whether a fact counts in the period ``first``–``last``: a moment on one of its days; a
    span (DESIGN: closed cohort, open overdue) when it stands at the period's end."""
    if kind in SPANS:
        assert since is not None
        at_end = since <= last and (until is None or until > last)
        return at_end and (kind is Kind.overdue or first <= day <= last)
    return first <= day <= last


def bucket(minutes: int) -> int:
    """The bucket a handling time falls in, as its upper bound in minutes: half hours up to
    8 hours, hours up to 40, four hours beyond. P90 is reported to that resolution, which
    keeps the cockpit's histogram to a few dozen rows a day (the mean stays exact)."""
    for limit, step in ((480, 30), (2400, 60)):
        if minutes <= limit:
            return -(-minutes // step) * step
    return -(-minutes // 240) * 240


def count(facts: Iterable[Fact], first: date, last: date) -> Counts:
    counts = Counts()
    for fact in facts:
        counts.add(fact, first, last)
    return counts


def rate(numerator: int, denominator: int) -> float | None:
    return None if denominator == 0 else round(numerator / denominator, 6)


def percentile_minutes(histogram: Counter[int], q: float) -> int | None:
    """Nearest-rank percentile of a histogram of whole numbers (minutes, buckets)."""
    n = sum(histogram.values())
    if n == 0:
        return None
    rank = max(1, math.ceil(q * n))
    seen = 0
    for minutes in sorted(histogram):
        seen += histogram[minutes]
        if seen >= rank:
            return minutes
    raise AssertionError("unreachable: the ranks add up to n")


def figures(c: Counts) -> dict[str, Any]:
    """The published KPIs (names as in the API, the CLI and the big screen)."""
    due = c.due_on_time + c.due_late + c.due_suspended
    handled = sum(c.handled_buckets.values())
    p90 = percentile_minutes(c.handled_buckets, 0.9)
    return {
        "received": c.received,
        "accepted": c.accepted,
        "rejected": c.rejected,
        "acceptance_rate": rate(c.accepted, c.accepted + c.rejected),
        "closed": c.cohort_closed,
        "closure_rate": rate(c.cohort_closed, c.accepted),
        "due": due,
        "due_on_time": c.due_on_time,
        "due_suspended": c.due_suspended,
        "due_pending": c.due_pending,
        "on_time_rate": rate(c.due_on_time, due - c.due_suspended),
        "dispatched": c.dispatched,
        "signed_on_time": c.signed_on_time,
        "sign_on_time_rate": rate(c.signed_on_time, c.dispatched),
        "returned": c.returned,
        "return_rate": rate(c.returned, c.dispatched),
        "extended": c.extended,
        "extension_rate": rate(c.extended, c.dispatched),
        "verified": c.verified,
        "reworked": c.verify_failed,
        "rework_rate": rate(c.verify_failed, c.verified),
        "closures": c.closures,
        "reopened": c.reopened,
        "reopen_rate": rate(c.reopened, c.closures),
        "visited": c.visited,
        "satisfied": c.satisfied,
        "satisfaction_rate": rate(c.satisfied, c.visited),
        "handled": handled,
        "handling_hours_mean": round(c.handled_minutes / handled / 60, 2) if handled else None,
        "handling_hours_p90": round(p90 / 60, 2) if p90 is not None else None,
        "overdue_open": c.overdue_open,
    }
