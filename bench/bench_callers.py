"""A caller's cases at scale: how long an agent waits for a caller's earlier cases.

On the generated demo county, F exports (five unless told) of N rows each are imported
(``bulk.run``), each row with a callback number drawn from 14,000 callers written as the old
platform wrote them (about a third with a +86 or with spaces). Then 300 callers' histories are
read as the preview and the case page read them (``callers.history``: the count, the open
count and the newest five, over every case). Baseline, same run and database: the same reads
with the caller index dropped (what the lookup would cost without it).

Run: .venv/bin/python bench/bench_callers.py [--rows N] [--files F] [--database-url URL]
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_intake import NOW, dispose, messages, platform_for

from gridgov.auth.actor import SYSTEM
from gridgov.cases import callers
from gridgov.intake import bulk, pii
from gridgov.sim.seed import seed_demo

MAPPING = {
    "channel": "web",
    "center": "320724",
    "region_code": "320724",
    "columns": {
        "external_id": "编号",
        "received_at": "时间",
        "text": "内容",
        "reporter_phone": "电话",
    },
}


def written(number: str, rng: random.Random) -> str:
    """A mobile number as an old platform's export may have it."""
    return rng.choice((number, number, number, f"+86 {number}", f"{number[:3]} {number[3:]}"))


def run(p: Any, rows: int, files: int) -> None:
    rng = random.Random(11)
    with p.db.write() as s:
        seed_demo(s, now=NOW, cases=0)
    texts = messages(rows, rng)
    numbers = [f"13{rng.randint(100000000, 999999999)}" for _ in range(14_000)]
    plan = bulk.Mapping.parse(MAPPING)
    tmp = Path(p.settings.data_dir)
    rates = []
    for f in range(files):
        path = tmp / f"callers-{f}.csv"
        with path.open("w", encoding="utf-8", newline="") as out:
            w = csv.writer(out)
            w.writerow(["编号", "时间", "内容", "电话"])
            for i, body in enumerate(texts):
                at = NOW - timedelta(minutes=i + rows * f)
                phone = written(numbers[rng.randrange(len(numbers))], rng)
                w.writerow([f"K{f}-{i}", f"{at:%Y/%m/%d %H:%M:%S}", body, phone])
        t0 = time.perf_counter()
        with p.db.write() as s:
            report = bulk.run(
                s,
                mapping=plan,
                path=path,
                suggester=p.triage.suggester,
                locate=p.triage.locator,
                dry_run=False,
                now=NOW,
                actor="import",
            )
        rates.append(report.imported / (time.perf_counter() - t0))
    if p.db.engine.dialect.name == "postgresql":
        with p.db.engine.begin() as c:
            c.execute(text('ANALYZE "case"'))
    asked = [pii.caller_key(n) for n in rng.sample(numbers, 300)]

    def reads() -> tuple[float, float]:
        took, found = [], 0
        with p.db.read() as s:
            for key in asked:
                t0 = time.perf_counter()
                got = callers.history(s, key=key, actor=SYSTEM)
                assert got is not None  # the platform may look callers up
                found += got.total
                took.append(time.perf_counter() - t0)
        return statistics.median(took) * 1000, found / len(asked)

    indexed, per_caller = reads()
    with p.db.engine.begin() as c:
        c.execute(text("DROP INDEX ix_case_caller_key_created"))
    scanned, _ = reads()
    cases = rows * files
    print(
        f"{p.db.engine.dialect.name}: {cases} imported cases, {per_caller:.1f} a caller;"
        f" import {statistics.median(rates):.0f} rows/s (median of {files} files)"
    )
    print(
        f"a caller's history: {indexed:.2f} ms median with the index; without it"
        f" {scanned:.2f} ms (the index {scanned / indexed:.0f}x faster)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--files", type=int, default=5)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    p = platform_for(args.database_url)
    try:
        run(p, args.rows, args.files)
    finally:
        dispose(p, args.database_url)


if __name__ == "__main__":
    main()
