"""Does keeping the KPI rollups slow intake? The batch door with and without the keeper.

The demo county; hotline records through the batch door (500 a transaction), measured twice
in the same run, the same records into two fresh, identical databases: alone, and with the
rollup keeper running beside it in another thread as the server runs it (a round every
``--every`` seconds, paced to ``--share`` of the time as the server paces it). Reports the
throughput of each run (cases per second over all its batches), their ratio, and how long
the keeper then needs to catch up.

Run: .venv/bin/python bench/bench_rollup_keeper.py [--batches 8] [--every 3] [--database-url URL]
"""

from __future__ import annotations

import argparse
import random
import sys
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_intake import NOW, batch_door, platform_for, records

from gridgov.analytics import rollups
from gridgov.auth.actor import load_actor
from gridgov.sim.seed import seed_demo
from gridgov.store.models import Grid


def keep_elsewhere(
    url: str, data_dir: str, every: float, share: float | None, stopping: object
) -> None:
    from gridgov.bootstrap import bootstrap
    from gridgov.config import Settings

    other = bootstrap(Settings(data_dir=Path(data_dir), database_url=url))
    options = {"timezone": other.settings.timezone, "office_hours": other.settings.office_hours}
    pause = every
    while not stopping.wait(pause):  # type: ignore[attr-defined]
        began = time.perf_counter()
        budget = rollups.ROUND_SECONDS if share is not None else None
        rollups.catch_up(other.db, rounds=1, budget=budget, **options)
        if share is not None:
            pause = rollups.pause_after(time.perf_counter() - began, every, share)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--batches", type=int, default=8)
    ap.add_argument("--every", type=float, default=3.0)
    ap.add_argument(
        "--share",
        type=float,
        default=None,
        help="pace the keeper as the server does (GRIDGOV_ROLLUP_SHARE, e.g. 0.15); "
        "default: a round every --every seconds, however long it takes",
    )
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--model", default="var/models/classifier.npz")
    ap.add_argument(
        "--process",
        action="store_true",
        help="run the keeper in its own process (as `gridgov analytics keep` does), not a thread",
    )
    args = ap.parse_args()

    def fresh() -> tuple[Any, list[tuple[float, float]], Any]:
        p = platform_for(args.database_url, args.model)
        with p.db.write() as s:
            seed_demo(s, now=NOW, cases=0)
            grids = [(g.centroid_lon, g.centroid_lat) for g in s.scalars(select(Grid))]
            agent = load_actor(s, username="agent")
        rollups.catch_up(p.db, **options_of(p))
        return p, grids, agent

    def run(p: Any, agent: Any, recs: list[dict[str, Any]]) -> float:
        """Cases per second over the whole run after a warm-up batch: throughput, which
        is what a keeper running now and then takes from (a median of batch rates would
        count a batch that met the keeper as much as one that did not)."""
        spent = 0.0
        for n, i in enumerate(range(0, len(recs), 500)):
            began = time.perf_counter()
            batch_door(p, agent, recs[i : i + 500], seconds=n)
            if i:  # the first batch warms the caches
                spent += time.perf_counter() - began
        return args.batches * 500 / spent

    # the same records into two fresh, identical databases: a database that grows between
    # the two runs would slow the second (more reports nearby to compare with) whatever
    # the keeper does
    p, grids, agent = fresh()
    recs = records((args.batches + 1) * 500, grids, random.Random(11), "run")
    alone = run(p, agent, recs)
    options = options_of(p)
    t = time.perf_counter()
    rollups.catch_up(p.db, rounds=1000, **options)
    settle = time.perf_counter() - t
    p, _, agent = fresh()
    stop = threading.Event()
    rounds = [0]
    log: list[tuple[float, int, float]] = []
    started = time.perf_counter()

    def keep() -> None:
        pause = args.every
        while not stop.wait(pause):
            began = time.perf_counter()
            budget = rollups.ROUND_SECONDS if args.share is not None else None
            done = rollups.catch_up(p.db, rounds=1, budget=budget, **options)
            rounds[0] += 1
            log.append((round(began - started, 1), done, round(time.perf_counter() - began, 2)))
            if args.share is not None:
                pause = rollups.pause_after(time.perf_counter() - began, args.every, args.share)

    if args.process:
        import multiprocessing

        context = multiprocessing.get_context("spawn")
        stopping = context.Event()
        keeper_process = context.Process(
            target=keep_elsewhere,
            args=(p.settings.url, str(p.settings.data_dir), args.every, args.share, stopping),
        )
        keeper_process.start()
        kept = run(p, agent, recs)
        stopping.set()
        keeper_process.join()
    else:
        keeper = threading.Thread(target=keep, daemon=True)
        keeper.start()
        kept = run(p, agent, recs)
        stop.set()
        keeper.join()
    t = time.perf_counter()
    rollups.catch_up(p.db, rounds=1000, **options)
    lag = time.perf_counter() - t
    with p.db.read() as s:
        assert rollups.differences(s, **options) == []
    print(f"backend {p.db.engine.dialect.name}; {args.batches} batches of 500 each way")
    if args.share is not None:
        print(f"keeper paced to {args.share:.0%} of the time")
    print(f"batch door alone: {alone:.0f} cases/s (keeper afterwards: {settle:.1f} s)")
    print(
        f"batch door with the keeper every {args.every:g} s ({rounds[0]} rounds): "
        f"{kept:.0f} cases/s; catching up afterwards took {lag:.1f} s"
    )
    print(f"ratio with / alone: {kept / alone:.2f}")
    if log:
        print("keeper rounds (start s, cases, seconds):", log)


def options_of(p: Any) -> dict[str, str]:
    return {"timezone": p.settings.timezone, "office_hours": p.settings.office_hours}


if __name__ == "__main__":
    main()
