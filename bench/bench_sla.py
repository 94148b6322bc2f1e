"""Due-time computation: working-time limits vs. plain natural-hour limits (the baseline).

Run: make bench  (or .venv/bin/python bench/bench_sla.py)
Prints the median time per due-time computation for each kind of limit and their ratio.
"""

from __future__ import annotations

import statistics
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from gridgov.cases import sla
from gridgov.cases.sla import Limit, LimitUnit, Step, StepClock
from gridgov.catalog.calendar import WorkingCalendar

SH = ZoneInfo("Asia/Shanghai")
N, ROUNDS = 5000, 7


def clocks(unit: LimitUnit, amount: float) -> list[StepClock]:
    start = datetime(2026, 1, 5, 8, 0, tzinfo=SH)
    return [
        StepClock(
            step=Step.handle,
            started_at=start + timedelta(minutes=97 * i),
            limit=Limit(amount, unit),
        )
        for i in range(N)
    ]


def per_call_us(cal: WorkingCalendar, items: list[StepClock]) -> float:
    times = []
    for _ in range(ROUNDS):
        t0 = time.perf_counter()
        for c in items:
            sla.due_at(c, cal)
        times.append((time.perf_counter() - t0) / len(items) * 1e6)
    return statistics.median(times)


def main() -> None:
    cal = WorkingCalendar.build()
    baseline = per_call_us(cal, clocks(LimitUnit.natural_hours, 24))
    rows = [
        ("natural 24 h (baseline)", baseline),
        ("working 2 h", per_call_us(cal, clocks(LimitUnit.working_hours, 2))),
        ("working 5 days", per_call_us(cal, clocks(LimitUnit.working_days, 5))),
        ("working 15 days", per_call_us(cal, clocks(LimitUnit.working_days, 15))),
    ]
    print(f"due-time computation, median of {ROUNDS} rounds × {N} clocks")
    for name, us in rows:
        print(f"  {name:<26} {us:8.2f} µs/call   ratio {us / baseline:5.1f}×")


if __name__ == "__main__":
    main()
