"""Matching a hotline caller's address against a county's standard-address registry.

Run: .venv/bin/python bench/bench_addresses.py [SIZE ...]   (default: 2,000 and 50,000)

A synthetic registry on embedded SQLite: towns × roads × house numbers (some with a
building), as a real county's registry lists them. For each size it times ``addresses.match``
(the door calls it for every report located by its address alone) and, as the baseline in
the same run, what the match did before the registry was kept in memory (read every
address of the county and parse it, then score each near entry), and the registry kept but
scored entry by entry in Python. Medians of 50 queries (10 for the slowest) after one
untimed.
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process
from sqlalchemy import select

from gridgov.addresses import service as addresses
from gridgov.addresses.match import parse, score
from gridgov.bootstrap import bootstrap
from gridgov.config import Settings
from gridgov.kit.clock import utc_now
from gridgov.store.models import StandardAddress

COUNTY = "320724"
TOWNS = ["新安镇", "张店镇", "三口镇", "孟兴庄镇", "汤沟镇", "百禄镇", "北陈集镇", "长茂镇"]
ROADS = [f"{a}{b}" for a in ("人民", "幸福", "长江", "黄河", "淮河", "建设", "和平", "文化")
         for b in ("路", "街", "大道", "巷")]  # fmt: skip


def registry(n: int, rng: random.Random) -> list[str]:
    out = []
    while len(out) < n:
        town, road = rng.choice(TOWNS), rng.choice(ROADS)
        number = rng.randint(1, 400)
        building = f"{rng.randint(1, 30)}栋" if rng.random() < 0.3 else ""
        out.append(f"灌南县{town}{road}{number}号{building}")
    return out


def queries(texts: list[str], rng: random.Random, n: int) -> list[str]:
    """How callers say them: without the county, full-width digits, '门口' after."""
    out = []
    for text in rng.sample(texts, n):
        said = text.removeprefix("灌南县")
        if rng.random() < 0.5:
            said = said.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
        out.append(said + ("门口" if rng.random() < 0.3 else ""))
    return out


def uncached(session, text: str) -> list:
    """The match as it was before 2026-11-24: every address of the county read and parsed at
    every call, then each entry near the query scored one by one."""
    rows = session.scalars(
        select(StandardAddress)
        .where(StandardAddress.county_code == COUNTY)
        .order_by(StandardAddress.id)
    ).all()
    registry = [parse(r.text) for r in rows]
    q = parse(text)
    streets = [p.street for p in registry]
    near = process.extract(q.street, streets, scorer=fuzz.ratio, limit=None, score_cutoff=60)
    scored = sorted(((-score(q, registry[i]), i) for _, _, i in near))
    return scored[:1]


def scored_one_by_one(parsed: list, streets: list[str], text: str) -> list:
    """Only the scoring as it was (each near entry in Python), over a parsed registry."""
    q = parse(text)
    near = process.extract(q.street, streets, scorer=fuzz.ratio, limit=None, score_cutoff=60)
    return sorted(((-score(q, parsed[i]), i) for _, _, i in near))[:1]


def median_ms(fn, items: list[str]) -> float:
    fn(items[0])  # untimed: the first call builds what is kept
    times = []
    for item in items:
        t0 = time.perf_counter()
        fn(item)
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def main(sizes: list[int]) -> None:
    rng = random.Random(7)
    for size in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            p = bootstrap(Settings(data_dir=Path(tmp)), upgrade=True)
            texts = registry(size, rng)
            with p.db.write() as session:
                addresses.add_many(
                    session,
                    texts=texts,
                    lon=np.full(size, 119.3),
                    lat=np.full(size, 34.1),
                    crs="wgs84",
                    county_code=COUNTY,
                    now=utc_now(),
                    grid_codes=[None] * size,
                )
            asked = queries(texts, rng, 50)
            with p.db.read() as session:
                right = sum(
                    addresses.match(session, text=q, county_code=COUNTY, top=1)[0].score == 1.0
                    for q in asked
                )
                t0 = time.perf_counter()
                addresses._REGISTRIES.clear()
                addresses.match(session, text=asked[0], county_code=COUNTY, top=1)
                first = (time.perf_counter() - t0) * 1000
                kept = median_ms(
                    lambda q: addresses.match(session, text=q, county_code=COUNTY, top=1), asked
                )
                before = median_ms(lambda q: uncached(session, q), asked[:10])
            parsed = [parse(t) for t in texts]
            streets = [x.street for x in parsed]
            one_by_one = median_ms(partial(scored_one_by_one, parsed, streets), asked)
            p.db.dispose()
        print(
            f"{size:>7,} addresses: match {kept:7.2f} ms median (first call {first:.0f} ms, "
            f"reads and parses the registry); read-and-parse every call {before:8.1f} ms "
            f"({before / kept:.0f}× slower); the registry kept but scored entry by entry "
            f"{one_by_one:6.2f} ms ({one_by_one / kept:.1f}×); exact matches {right}/50"
        )


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [2_000, 50_000])
