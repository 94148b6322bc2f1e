"""The cockpit's board rows for hand-built facts, the handling-time buckets, and the keeper's
pacing (pure: no database)."""

from __future__ import annotations

from datetime import date

import pytest

from gridgov.analytics import board, kpi, rollups
from gridgov.analytics.facts import Fact, Kind

SCOPES = ("320724001", "320724", "320700")  # town, county, city
D = date(2026, 3, 17)


def test_a_case_counts_once_in_every_scope_and_grain() -> None:
    facts = [
        Fact(Kind.received, D),
        Fact(Kind.dispatched, D, "320724-cgj", outcome="on_time"),
        Fact(Kind.due, date(2026, 3, 24), "320724-cgj", outcome="pending"),
        Fact(Kind.handled, D, "320724-cgj", minutes=95),
        Fact(Kind.overdue, D, "320724-cgj", since=D, until=None),
    ]
    rows = board.counted(facts, SCOPES, item=42, grid="320724001001G01")
    for scope in SCOPES:
        mine = {k: n for k, n in rows.items() if k[0] == scope}
        # the month's intake by item and by grid, dated the month's first day
        month = date(2026, 3, 1)
        assert mine[(scope, "item", "42", "received", month, None, None, "", 0)] == 1
        assert mine[(scope, "grid", "320724001001G01", "received", month, None, None, "", 0)] == 1
        # a dispatch ranks its unit for the month; a deadline stays on its own day
        unit = "320724-cgj"
        assert mine[(scope, "unit", unit, "dispatched", month, None, None, "on_time", 0)] == 1
        assert mine[(scope, "unit", unit, "due", date(2026, 3, 24), None, None, "pending", 0)]
        # 95 minutes count in the 120-minute bucket, and their exact sum beside it
        assert mine[(scope, "all", "", "handled", D, None, None, "", 120)] == 1
        assert mine[(scope, "all", "", "handled_minutes", D, None, None, "", 0)] == 95
        # an overdue span still open ends at the far-off STILL date: one range to read
        assert mine[(scope, "all", "", "overdue", D, D, board.STILL, "", 0)] == 1
        assert mine[(scope, "unit", unit, "overdue", D, D, board.STILL, "", 0)] == 1
        # and for the unit ranking of "now": deadlines by month, standing spans at all
        due_month = (scope, "unit", unit, "due_month", month, None, None, "pending", 0)
        assert mine[due_month] == 1
        assert mine[(scope, "unit", unit, "overdue_now", board.STILL, None, None, "", 0)] == 1
    # intake has no unit: it is not in the unit grain; handled is not ranked by unit
    assert not [k for k in rows if k[1] == "unit" and k[3] in ("received", "handled")]
    # per scope: 6 in "all" (handling twice), 5 by unit, 1 by item, 1 by grid
    assert len(rows) == 3 * 13


def test_no_item_or_grid_means_no_top_list_row() -> None:
    rows = board.counted([Fact(Kind.received, D)], ("320724",), item=0, grid="")
    assert set(rows) == {("320724", "all", "", "received", D, None, None, "", 0)}


@pytest.mark.parametrize(
    ("minutes", "upper"),
    [(0, 0), (1, 30), (30, 30), (31, 60), (480, 480), (481, 540), (2400, 2400), (2401, 2640)],
)
def test_handling_time_buckets_grow_with_the_time(minutes: int, upper: int) -> None:
    assert kpi.bucket(minutes) == upper


def test_p90_is_reported_at_its_buckets_upper_bound_and_the_mean_stays_exact() -> None:
    c = kpi.Counts()
    for minutes in (10, 20, 40, 50, 70, 80, 100, 110, 130, 500):
        c.bump(Kind.handled, "", minutes, 1)
    k = kpi.figures(c)
    # nearest rank 9 of 10 is 130 minutes, in the 150-minute bucket
    assert (k["handled"], k["handling_hours_p90"]) == (10, 2.5)
    assert k["handling_hours_mean"] == round(1110 / 10 / 60, 2)


def test_the_keeper_waits_long_enough_to_keep_to_its_share() -> None:
    # a quick round: the usual interval
    assert rollups.pause_after(0.1, 3.0, 0.15) == 3.0
    # a two-second round at 15 %: 2 s of work, then 11.33 s of rest
    pause = rollups.pause_after(2.0, 3.0, 0.15)
    assert pause == pytest.approx(2.0 * 0.85 / 0.15)
    assert 2.0 / (2.0 + pause) == pytest.approx(0.15)


def test_a_cases_counted_facts_are_kept_and_read_back_whatever_its_unit_code_holds() -> None:
    facts = [
        Fact(Kind.overdue, D, "unit,with;marks", since=D, until=None),
        Fact(Kind.handled, D, None, minutes=95),
        Fact(Kind.cohort_closed, D, since=D, until=date(2026, 3, 20)),
    ]
    assert rollups.facts_of(rollups.fact_text(facts)) == facts
    assert rollups.facts_of(rollups.fact_text([])) == []
