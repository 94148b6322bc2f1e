"""Withdrawing an import: N imported cases taken back out, against importing them.

On the generated demo county, F exports (three unless told) of N rows each are imported
(``bulk.run``) and the KPI rollups brought up to date, so the database holds F × N imported
cases with their events, centre rows and rollup states. The second import is then withdrawn:
a check first (``dry_run``), then the withdrawal itself (cases, events, centre rows and
rollup states deleted, the facts subtracted, in one transaction). Baseline, same run and
database: the second import's own rate. Last, the rollups are compared with a full
recomputation. The median import rate over the files and the last file's against the
first's are printed too (what the import costs as the table grows).

Run: .venv/bin/python bench/bench_withdraw.py [--rows N] [--files F] [--database-url URL]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_intake import EXPORT_MAPPING, NOW, dispose, export_csv, messages, platform_for

from gridgov.analytics import rollups
from gridgov.intake import bulk, withdraw
from gridgov.sim.seed import seed_demo


def run(p: Any, rows: int, files: int = 3) -> None:
    rng = random.Random(7)
    with p.db.write() as s:
        seed_demo(s, now=NOW, cases=0)
    texts, tmp = messages(rows, rng), Path(tempfile.mkdtemp())
    plan = bulk.Mapping.parse(EXPORT_MAPPING)
    batches, rates = [], []
    for n in range(files):
        prefix = f"F{n}-"
        path = export_csv(tmp / f"{prefix}.csv", prefix, texts, rng)
        t0 = time.perf_counter()
        with p.db.write() as s:
            report = bulk.run(
                s,
                mapping=plan,
                path=path,
                suggester=p.triage.suggester,
                dry_run=False,
                now=NOW,
                actor="bench",
            )
        rates.append(report.imported / (time.perf_counter() - t0))
        batches.append(report.batch)
    options = {"timezone": p.settings.timezone, "office_hours": p.settings.office_hours}
    rollups.catch_up(p.db, rounds=10_000, **options)
    took = {}
    for dry in (True, False):
        t0 = time.perf_counter()
        with p.db.write() as s:
            out = withdraw.withdraw(
                s,
                batches[1],
                reason="bench",
                now=NOW,
                actor=None,
                username="bench",
                dry_run=dry,
                **options,
            )
        took[dry] = time.perf_counter() - t0
        assert out.withdrawn == rows, out
    with p.db.read() as s:
        wrong = rollups.differences(s, **options)
    base = rates[1]
    print(f"backend {p.db.engine.dialect.name}; {files * rows} imported cases, batch of {rows}")
    print(f"import of the batch (baseline)   : {base:8.0f} cases/s")
    print(f"imports, median of {files:<3}          : {statistics.median(rates):8.0f} cases/s")
    last = f"the last import (file {files})"
    print(f"{last:33}: {rates[-1]:8.0f} cases/s ({rates[-1] / rates[0]:.2f}× the first)")
    for dry, label in ((True, "withdrawal checked (dry run)"), (False, "withdrawal")):
        rate = rows / took[dry]
        print(f"{label:33}: {rate:8.0f} cases/s ({took[dry]:.2f} s; {rate / base:.2f}× the import)")
    print(f"rollups against a full recomputation: {len(wrong)} differences")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=20_000)
    ap.add_argument("--files", type=int, default=3, help="files imported (at least 2)")
    ap.add_argument("--database-url", default=None)
    args = ap.parse_args()
    if args.files < 2:
        ap.error("--files: at least 2 (the second is withdrawn)")
    p = platform_for(args.database_url)
    try:
        run(p, args.rows, args.files)
    finally:  # drop the database this run made
        dispose(p, args.database_url)


if __name__ == "__main__":
    main()
