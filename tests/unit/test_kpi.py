"""KPIs on a hand-built county: every expected number below is worked out by hand.

Eight cases, times local (Asia/Shanghai), handling time on a natural clock (24 h a day) so the
minutes are easy to check. What each case counts for is written above it.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from gridgov.analytics.facts import Event, Fact, Kind, ordered, replay
from gridgov.analytics.kpi import Counts, count, figures, percentile_minutes

TZ = ZoneInfo("Asia/Shanghai")


def at(day: str, clock: str) -> datetime:
    return datetime.fromisoformat(f"2026-{day}T{clock}").replace(tzinfo=TZ)


def iso(day: str, clock: str) -> str:
    return at(day, clock).isoformat()


def natural(a: datetime, b: datetime) -> float:
    return (b - a).total_seconds()


def ev(day: str, clock: str, action: str, before: str | None, after: str, **payload: object):
    return Event(at(day, clock), action, before, after, payload)


def dispatch(day: str, clock: str, unit: str, sign: tuple[str, str], handle: tuple[str, str]):
    due = {"sign": iso(*sign), "handle": iso(*handle)}
    return ev(day, clock, "dispatch", "accepted", "dispatched", lead_unit=unit, due=due)


CASES: dict[str, tuple[datetime, list[Event]]] = {
    # A: on time everywhere, verified, satisfied. Handled in 24 h (1,440 min).
    "A": (
        at("11-01", "09:00"),
        [
            ev("11-01", "09:10", "accept", "submitted", "accepted"),
            dispatch("11-01", "09:20", "U1", ("11-01", "10:20"), ("11-03", "09:20")),
            ev("11-01", "10:00", "sign", "dispatched", "in_progress"),
            ev("11-02", "09:20", "report_result", "in_progress", "handled"),
            ev("11-02", "10:00", "start_verify", "handled", "verifying"),
            ev("11-02", "12:00", "verify_pass", "verifying", "closed"),
            ev("11-02", "15:00", "return_visit", "closed", "closed", satisfaction="satisfied"),
        ],
    ),
    # B: signed late; suspended before its deadline (Nov 2) and still suspended: 缓办.
    "B": (
        at("11-01", "09:00"),
        [
            ev("11-01", "09:05", "accept", "submitted", "accepted"),
            dispatch("11-01", "09:30", "U2", ("11-01", "10:00"), ("11-02", "18:00")),
            ev("11-01", "11:00", "sign", "dispatched", "in_progress"),
            ev("11-02", "09:00", "request_suspension", "in_progress", "in_progress"),
            ev("11-02", "10:00", "approve_suspension", "in_progress", "in_progress"),
        ],
    ),
    # C: extended to Nov 4, overdue Nov 4, reported Nov 5 (96 h), failed verification
    # (rework, new deadline Nov 6), reported again (23 h), passed Nov 6: on time against the
    # deadline in force. Overdue from Nov 4 until the report on Nov 5.
    "C": (
        at("11-01", "08:00"),
        [
            ev("11-01", "08:10", "accept", "submitted", "accepted"),
            dispatch("11-01", "08:20", "U1", ("11-01", "09:20"), ("11-02", "12:00")),
            ev("11-01", "08:30", "sign", "dispatched", "in_progress"),
            ev(
                "11-02",
                "09:00",
                "approve_extension",
                "in_progress",
                "in_progress",
                due={"handle": iso("11-04", "12:00")},
            ),
            ev("11-04", "12:01", "sla_overdue", "in_progress", "in_progress", step="handle"),
            ev("11-05", "08:20", "report_result", "in_progress", "handled"),
            ev("11-05", "08:40", "start_verify", "handled", "verifying"),
            ev(
                "11-05",
                "09:00",
                "verify_fail",
                "verifying",
                "in_progress",
                due={"handle": iso("11-06", "12:00")},
            ),
            ev("11-06", "08:00", "report_result", "in_progress", "handled"),
            ev("11-06", "09:00", "start_verify", "handled", "verifying"),
            ev("11-06", "10:00", "verify_pass", "verifying", "closed"),
        ],
    ),
    # D: closed Nov 2 without verification, dissatisfied, reopened Nov 3 (new deadline Nov 5,
    # not yet reached: pending). Handled in 6 h (360 min).
    "D": (
        at("11-01", "10:00"),
        [
            ev("11-01", "10:00", "accept", "submitted", "accepted"),
            dispatch("11-01", "10:10", "U2", ("11-01", "11:10"), ("11-02", "10:10")),
            ev("11-01", "10:20", "sign", "dispatched", "in_progress"),
            ev("11-01", "16:10", "report_result", "in_progress", "handled"),
            ev("11-02", "09:00", "close", "handled", "closed"),
            ev("11-02", "10:00", "return_visit", "closed", "closed", satisfaction="dissatisfied"),
            ev(
                "11-03",
                "09:00",
                "reopen",
                "closed",
                "in_progress",
                due={"handle": iso("11-05", "09:00")},
            ),
        ],
    ),
    # E: accepted one second before midnight, escalated one second after it.
    "E": (
        at("11-01", "23:50"),
        [
            ev("11-01", "23:59:59", "accept", "submitted", "accepted"),
            ev("11-02", "00:00:01", "escalate", "accepted", "accepted"),
        ],
    ),
    # F: received a minute before midnight on Oct 31, merged into another case at midnight.
    "F": (
        at("10-31", "23:59"),
        [ev("11-01", "00:00", "merge_into", "submitted", "rejected", into="X")],
    ),
    # G: U2 returns it unsigned (a late dispatch), U1 takes it and signs in time.
    "G": (
        at("11-01", "09:00"),
        [
            ev("11-01", "09:00", "accept", "submitted", "accepted"),
            dispatch("11-01", "09:10", "U2", ("11-01", "10:10"), ("11-03", "09:10")),
            ev("11-01", "09:40", "return", "dispatched", "accepted"),
            dispatch("11-01", "10:00", "U1", ("11-01", "11:00"), ("11-03", "10:00")),
            ev("11-01", "10:30", "sign", "dispatched", "in_progress"),
        ],
    ),
    # H: October's case, overdue on sign (Oct 30) and handling (Oct 31); signed Nov 2 but the
    # handling step stays overdue: open and overdue at the end of every period below.
    "H": (
        at("10-30", "10:00"),
        [
            ev("10-30", "10:00", "accept", "submitted", "accepted"),
            dispatch("10-30", "10:10", "U1", ("10-30", "11:00"), ("10-31", "10:00")),
            ev("10-30", "11:01", "sla_overdue", "dispatched", "dispatched", step="sign"),
            ev("10-31", "10:01", "sla_overdue", "dispatched", "dispatched", step="handle"),
            ev("11-02", "09:00", "sign", "dispatched", "in_progress"),
        ],
    ),
}


@pytest.fixture(scope="module")
def facts() -> dict[str, list[Fact]]:
    return {
        name: replay(created_at=created, events=events, tz=TZ, working_seconds=natural)
        for name, (created, events) in CASES.items()
    }


def kpis(facts: dict[str, list[Fact]], first: str, last: str) -> dict[str, object]:
    all_facts = [f for case in facts.values() for f in case]
    return figures(count(all_facts, date.fromisoformat(first), date.fromisoformat(last)))


def test_a_single_case_counts_for_what_happened_to_it(facts: dict[str, list[Fact]]) -> None:
    d = date.fromisoformat
    assert facts["A"] == ordered(
        [
            Fact(Kind.received, d("2026-11-01")),
            Fact(Kind.accepted, d("2026-11-01")),
            Fact(Kind.dispatched, d("2026-11-01"), "U1", "on_time"),
            Fact(Kind.handled, d("2026-11-02"), "U1", minutes=1440),
            Fact(Kind.verified, d("2026-11-02"), "U1", "pass"),
            Fact(Kind.closed, d("2026-11-02"), "U1"),
            Fact(Kind.visited, d("2026-11-02"), "U1", "satisfied"),
            Fact(Kind.cohort_closed, d("2026-11-01"), since=d("2026-11-02")),
            Fact(Kind.due, d("2026-11-03"), "U1", "on_time"),
        ]
    )


def test_one_day(facts: dict[str, list[Fact]]) -> None:
    k = kpis(facts, "2026-11-01", "2026-11-01")
    # A B C D E G received and accepted; F merged (rejected) at 00:00 on Nov 1
    assert (k["received"], k["accepted"], k["rejected"]) == (6, 6, 1)
    assert k["acceptance_rate"] == round(6 / 7, 6)
    # nothing accepted on Nov 1 was closed by midnight
    assert (k["closed"], k["closure_rate"]) == (0, 0.0)
    assert (k["due"], k["on_time_rate"]) == (0, None)
    # dispatches A C D G→U1 signed in time, B late, G→U2 returned unsigned
    assert (k["dispatched"], k["signed_on_time"]) == (6, 4)
    assert k["sign_on_time_rate"] == round(4 / 6, 6)
    assert (k["returned"], k["return_rate"]) == (1, round(1 / 6, 6))
    assert (k["extension_rate"], k["rework_rate"], k["reopen_rate"]) == (0.0, None, None)
    assert k["satisfaction_rate"] is None
    assert (k["handled"], k["handling_hours_mean"], k["handling_hours_p90"]) == (1, 6.0, 6.0)
    assert k["overdue_open"] == 1  # H


def test_two_days(facts: dict[str, list[Fact]]) -> None:
    k = kpis(facts, "2026-11-01", "2026-11-02")
    # A (closed Nov 2) and D (closed Nov 2, reopened only on Nov 3) were closed at the end
    assert (k["closed"], k["closure_rate"]) == (2, round(2 / 6, 6))
    # B's deadline (Nov 2) came while it was suspended: 应结案 1, 缓办 1 → no denominator
    assert (k["due"], k["due_suspended"], k["on_time_rate"]) == (1, 1, None)
    assert (k["extended"], k["extension_rate"]) == (1, round(1 / 6, 6))
    assert (k["verified"], k["rework_rate"]) == (1, 0.0)
    assert (k["closures"], k["reopen_rate"]) == (2, 0.0)
    assert (k["visited"], k["satisfied"], k["satisfaction_rate"]) == (2, 1, 0.5)
    # 1,440 and 360 minutes: mean 15 h, nearest-rank P90 the larger
    assert (k["handled"], k["handling_hours_mean"], k["handling_hours_p90"]) == (2, 15.0, 24.0)
    assert k["overdue_open"] == 1


def test_the_month(facts: dict[str, list[Fact]]) -> None:
    k = kpis(facts, "2026-11-01", "2026-11-30")
    # D's closure ended with its reopening: A and C are closed at the month's end
    assert (k["closed"], k["closure_rate"]) == (2, round(2 / 6, 6))
    # deadlines: A on time (Nov 3), C on time against its rework deadline (Nov 6),
    # B suspended (Nov 2), D (Nov 5) and G (Nov 3) pending → 2 / (3 − 1)
    assert (k["due"], k["due_on_time"], k["due_suspended"], k["due_pending"]) == (3, 2, 1, 2)
    assert k["on_time_rate"] == 1.0
    assert (k["verified"], k["reworked"], k["rework_rate"]) == (3, 1, round(1 / 3, 6))
    assert (k["closures"], k["reopened"], k["reopen_rate"]) == (3, 1, round(1 / 3, 6))
    # 1,440 + 5,760 + 1,380 + 360 = 8,940 minutes over 4 results
    assert (k["handled"], k["handling_hours_mean"], k["handling_hours_p90"]) == (4, 37.25, 96.0)
    # C was overdue from Nov 4 until its report on Nov 5; only H is overdue at the end
    assert k["overdue_open"] == 1


def test_midnight_belongs_to_the_day_it_starts(facts: dict[str, list[Fact]]) -> None:
    k = kpis(facts, "2026-11-02", "2026-11-02")
    # E was accepted at 23:59:59 on Nov 1, F received at 23:59 on Oct 31
    assert (k["received"], k["accepted"]) == (0, 0)
    october = kpis(facts, "2026-10-31", "2026-10-31")
    assert (october["received"], october["rejected"]) == (1, 0)
    # H's handling deadline (Oct 31) passed and the sweep marked it: 0 of 1 on time
    assert (october["due"], october["on_time_rate"]) == (1, 0.0)
    # C is overdue at the end of Nov 4 and no longer at the end of Nov 5
    assert kpis(facts, "2026-11-04", "2026-11-04")["overdue_open"] == 2
    assert kpis(facts, "2026-11-05", "2026-11-05")["overdue_open"] == 1


def test_per_unit_figures_add_up_to_the_total(facts: dict[str, list[Fact]]) -> None:
    first, last = date(2026, 11, 1), date(2026, 11, 30)
    groups: dict[str | None, Counts] = defaultdict(Counts)
    for case in facts.values():
        for fact in case:
            groups[fact.unit].add(fact, first, last)
    u1, u2 = figures(groups["U1"]), figures(groups["U2"])
    assert (u1["dispatched"], u1["sign_on_time_rate"], u1["extended"]) == (3, 1.0, 1)
    assert (u1["due"], u1["on_time_rate"], u1["closures"]) == (2, 1.0, 2)
    assert (u2["dispatched"], u2["signed_on_time"], u2["returned"]) == (3, 1, 1)
    assert (u2["due_suspended"], u2["on_time_rate"], u2["reopened"]) == (1, None, 1)
    total = Counts()
    for counts in groups.values():
        total += counts
    assert figures(total) == kpis(facts, "2026-11-01", "2026-11-30")


def test_nearest_rank_percentile() -> None:
    from collections import Counter

    assert percentile_minutes(Counter(), 0.9) is None
    assert percentile_minutes(Counter({10: 9, 500: 1}), 0.9) == 10
    assert percentile_minutes(Counter({10: 8, 500: 2}), 0.9) == 500


def test_facts_of_the_same_day_with_and_without_an_end_can_be_ordered() -> None:
    d = date(2026, 11, 1)
    spans = [
        Fact(Kind.overdue, d, since=d, until=None),
        Fact(Kind.overdue, d, since=d, until=date(2026, 11, 2)),
        Fact(Kind.overdue, d, "U1", since=d),
    ]
    assert ordered(spans) == [spans[1], spans[0], spans[2]]
