"""Workflow throughput on the embedded SQLite database.

Baseline, in the same run and database: a bare write transaction that bumps a case's version
(the floor cost of any committed change). Measured: a full workflow action (load, permission,
transition, clocks, hash-chained event) per transaction; the SLA sweep; the audit verification.
Run: make bench  (or .venv/bin/python bench/bench_workflow.py [CASES])
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from gridgov.audit.service import verify_all
from gridgov.bootstrap import bootstrap
from gridgov.cases import service
from gridgov.cases.tasks import sweep
from gridgov.config import Settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.factories import case_data, make_world

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
LOOP = [
    ("accept", "dispatcher", {"catalog_item": "010101"}),
    ("dispatch", "dispatcher", {"lead_unit": "320724-cgj"}),
    ("sign", "handler", {}),
    ("report_result", "handler", {"result": "已处理"}),
    ("start_verify", "dispatcher", {"verifier": "grid_worker"}),
    ("verify_pass", "grid_worker", {}),
    ("return_visit", "agent", {"satisfaction": "satisfied"}),
]


def main(n_cases: int = 300) -> None:
    tmp = Path(tempfile.mkdtemp())
    p = bootstrap(
        Settings(data_dir=tmp, database_url=f"sqlite:///{tmp / 'b.sqlite3'}"), upgrade=True
    )
    with p.db.write() as s:
        world = make_world(s, now=NOW)
        actors = {k: world.actor(s, k) for k in ["agent", "dispatcher", "handler", "grid_worker"]}
    numbers = []
    t0 = time.perf_counter()
    for i in range(n_cases):
        with p.db.write() as s:
            numbers.append(
                service.create_case(
                    s, data=case_data(), actor=actors["agent"], now=NOW + timedelta(seconds=i)
                ).case.number
            )
    create_s = (time.perf_counter() - t0) / n_cases

    # baseline: one bare committed write per step
    base = []
    for number in numbers[: n_cases // 3]:
        t0 = time.perf_counter()
        with p.db.write() as s:
            s.execute(text('UPDATE "case" SET version = version WHERE number = :n'), {"n": number})
        base.append(time.perf_counter() - t0)

    per_action = []
    for i, number in enumerate(numbers):
        at = NOW + timedelta(hours=1, seconds=i)
        for action, who, payload in LOOP:
            at += timedelta(minutes=30)
            t0 = time.perf_counter()
            with p.db.write() as s:
                service.act(
                    s,
                    number=number,
                    action=action,
                    actor=actors[who],
                    payload=payload,
                    now=at,
                    rules=p.rules,
                )
            per_action.append(time.perf_counter() - t0)

    # a second set left open, for the sweep
    open_numbers = []
    for _ in range(n_cases):
        with p.db.write() as s:
            n = service.create_case(s, data=case_data(), actor=actors["agent"], now=NOW).case.number
            for action, who, payload in LOOP[:2]:
                service.act(
                    s,
                    number=n,
                    action=action,
                    actor=actors[who],
                    payload=payload,
                    now=NOW,
                    rules=p.rules,
                )
        open_numbers.append(n)
    t0 = time.perf_counter()
    with p.db.write() as s:
        result = sweep(s, now=NOW + timedelta(days=30), rules=p.rules)
    sweep_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    with p.db.read() as s:
        report = verify_all(s)
    audit_s = time.perf_counter() - t0
    assert report.ok

    b, a = statistics.median(base), statistics.median(per_action)
    print(f"SQLite, {n_cases} cases through the 7-step loop ({len(per_action)} actions)")
    print(f"  bare write transaction (baseline) {b * 1e3:7.2f} ms median")
    print(
        f"  workflow action                   {a * 1e3:7.2f} ms median   ratio {a / b:5.1f}×"
        f"   ({1 / a:,.0f} actions/s on one connection)"
    )
    print(f"  case creation                     {create_s * 1e3:7.2f} ms mean")
    events = result.warnings + result.overdue
    print(
        f"  SLA sweep: {events} events on {n_cases} open cases in {sweep_s:.2f} s "
        f"({events / sweep_s:,.0f} events/s)"
    )
    print(
        f"  audit verify: {report.events} events in {audit_s:.2f} s "
        f"({report.events / audit_s:,.0f} events/s)"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
