"""The big screen's refresh: counted from the KPI rollups, from the events, and a raw scan.

Builds the demo county, lets the simulator run for ``--days`` simulated days (intake through
the door, people acting on cases, the SLA sweep), keeps the rollups, then times a full
cockpit refresh (today, this month, 30 days, trend, rankings, top lists) for the county
centre: from the rollups, from the events (every case that can count replayed), and, as the
baseline of the same run, one raw ``count(*)`` of the month's cases.

Run: .venv/bin/python bench/bench_cockpit.py [--days 6] [--per-hour 60] [--database-url URL]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from gridgov.analytics import cockpit, rollups
from gridgov.bootstrap import bootstrap
from gridgov.cases.tasks import sweep
from gridgov.config import Settings
from gridgov.sim.live import Simulator
from gridgov.sim.seed import seed_demo
from gridgov.store.models import Case, CaseEvent, KpiRollup

START = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)


def timed(fn, runs: int = 7) -> float:
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - began) * 1000)
    return statistics.median(samples)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=float, default=6)
    ap.add_argument("--per-hour", type=float, default=60)
    ap.add_argument("--database-url")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp())
    url = args.database_url or f"sqlite:///{tmp / 'bench.sqlite3'}"
    p = bootstrap(Settings(data_dir=tmp, database_url=url), upgrade=True)
    with p.db.write() as session:
        seed_demo(session, now=START)
    sim = Simulator(p, seed=1, per_hour=args.per_hour, moves_per_tick=40)
    options = {"timezone": p.settings.timezone, "office_hours": p.settings.office_hours}
    now, end, step = START, START + timedelta(days=args.days), timedelta(minutes=20)
    began, kept = time.perf_counter(), 0.0
    while now < end:
        sim.tick(now, step.total_seconds())
        if now.minute == 0:
            with p.db.write() as session:
                sweep(session, now=now, rules=p.rules)
            t = time.perf_counter()
            rollups.catch_up(p.db, **options)
            kept += time.perf_counter() - t
        now += step
    t = time.perf_counter()
    rollups.catch_up(p.db, **options)
    kept += time.perf_counter() - t
    simulated = time.perf_counter() - began
    with p.db.read() as session:
        cases = session.scalar(select(func.count()).select_from(Case))
        events = session.scalar(select(func.count()).select_from(CaseEvent))
        rows = session.scalar(select(func.count()).select_from(KpiRollup))
        wrong = rollups.differences(session, **options)
        assert wrong == [], wrong[:5]

        def refresh(use: bool) -> dict:
            return cockpit.build(
                session,
                center_code="320724",
                now=end,
                office_hours=options["office_hours"],
                rollups=use,
            )

        assert refresh(True)["kpis"] == refresh(False)["kpis"]
        month_start = end.replace(day=1, hour=0, minute=0)
        raw = timed(
            lambda: session.scalar(
                select(func.count()).select_from(Case).where(Case.created_at >= month_start)
            )
        )
        from_rollups = timed(lambda: refresh(True))
        from_events = timed(lambda: refresh(False), runs=3)
    print(
        f"database: {p.db.engine.dialect.name}; {cases} cases, {events} events, {rows} rollup rows"
    )
    print(f"simulated {args.days} days in {simulated:.1f} s, of which keeping rollups {kept:.1f} s")
    print(f"baseline raw count(*) of the month's cases: {raw:.2f} ms")
    print(f"cockpit from rollups: {from_rollups:.1f} ms ({from_rollups / raw:.1f}x the baseline)")
    print(f"cockpit from events:  {from_events:.1f} ms ({from_events / raw:.1f}x the baseline)")
    print(f"rollups / events: {from_rollups / from_events:.3f}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
