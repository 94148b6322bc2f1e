"""Locating points among city-scale grids, against shapely's STRtree in the same run.

Run: make bench  (or .venv/bin/python bench/bench_locate.py [POINTS])
City scale: 15,300 comprehensive + dedicated grids generated on an 8,000 km² outline
(60 towns × 25 villages × 10 grids), 1,000,000 uniformly random points over the extent.
Also: building the index, its memory, and importing + validating the 15,000 grids (SQLite).
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import shapely

from gridgov.bootstrap import bootstrap
from gridgov.config import Settings
from gridgov.grids import service
from gridgov.grids.codes import Kind
from gridgov.grids.index import OUTSIDE, GridIndex
from gridgov.kit.clock import utc_now
from gridgov.sim.county import CountySpec, generate, synthetic_county
from gridgov.sim.store import store_county
from gridgov.store.models import Region

ROUNDS = 5


def median_time(fn, rounds: int = ROUNDS) -> float:
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main(n_points: int = 1_000_000) -> None:
    spec = CountySpec(towns=60, villages_per_town=25, grids_per_village=10, dedicated=300)
    t0 = time.perf_counter()
    county = generate(synthetic_county(area_km2=8000), spec)
    generate_s = time.perf_counter() - t0
    comp = [g for g in county.grids if g.kind is Kind.comprehensive]
    geoms = [g.geometry for g in comp]
    print(
        f"{len(comp):,} comprehensive grids (+{len(county.grids) - len(comp)} dedicated), "
        f"generated in {generate_s:.1f} s"
    )

    t0 = time.perf_counter()
    index = GridIndex(geoms)
    build_s = time.perf_counter() - t0
    print(
        f"index build {build_s:.2f} s; raster {index.nx}×{index.ny}, "
        f"{index.nbytes / 2**20:.0f} MiB, boundary cells {index.ambiguous_share:.1%}"
    )

    rng = np.random.default_rng(42)
    x0, y0, x1, y1 = county.geometry.bounds
    x, y = rng.uniform(x0, x1, n_points), rng.uniform(y0, y1, n_points)
    tree = shapely.STRtree(geoms)
    points = shapely.points(x, y)

    def baseline() -> np.ndarray:
        p_idx, g_idx = tree.query(points, predicate="within")
        out = np.full(n_points, OUTSIDE)
        out[p_idx] = g_idx
        return out

    base_s = median_time(baseline)
    ours_s = median_time(lambda: index.locate(x, y))
    ours = index.locate(x, y)
    expected = baseline()
    off_edge = ~ours.on_edge
    differ = int(np.count_nonzero(ours.index[off_edge] != expected[off_edge]))
    print(f"baseline STRtree.query(within): {n_points / base_s / 1e6:.2f} M points/s")
    print(
        f"gridgov index:                  {n_points / ours_s / 1e6:.2f} M points/s   "
        f"ratio {base_s / ours_s:.1f}×   differing answers off edges: {differ}"
    )

    singles = [(float(a), float(b)) for a, b in zip(x[:200_000], y[:200_000], strict=True)]

    def one_at_a_time() -> None:
        for a, b in singles:
            index.locate_one(a, b)

    single_s = median_time(one_at_a_time, rounds=3)
    print(f"single-point lookups:           {len(singles) / single_s / 1e3:.0f} k/s")

    tmp = Path(tempfile.mkdtemp())
    p = bootstrap(Settings(data_dir=tmp), upgrade=True)
    with p.db.write() as session:
        for code, name, level, parent in [
            ("320000", "江苏省", "province", None),
            ("320700", "连云港市", "city", "320000"),
            ("320724", "示例县", "county", "320700"),
        ]:
            session.add(
                Region(
                    code=code,
                    name=name,
                    level=level,
                    parent_code=parent,
                    county_code=code if level == "county" else None,
                )
            )
            session.flush()
        store_county(session, county=county, now=utc_now())
        doc = service.export_geojson(session)
    path = tmp / "grids.geojson"
    path.write_text(json.dumps(doc))
    t0 = time.perf_counter()
    features, problems = service.features_from_geojson(json.loads(path.read_text()), crs="wgs84")
    with p.db.write() as session:
        report = service.import_features(
            session, features=features, problems=problems, source_crs="wgs84", now=utc_now()
        )
    import_s = time.perf_counter() - t0
    assert report.ok
    print(f"import + validate {len(features):,} grids from GeoJSON (SQLite): {import_s:.1f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
