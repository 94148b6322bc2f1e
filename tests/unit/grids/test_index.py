"""The raster grid index answers exactly like a brute-force point-in-polygon check."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from gridgov.grids.index import OUTSIDE, GridIndex, haversine_m


def voronoi_tiling(n: int, seed: int, box: shapely.Geometry) -> list[shapely.Geometry]:
    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = box.bounds
    seeds = shapely.multipoints(np.c_[rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)])
    cells = shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=box))
    return list(shapely.intersection(cells, box))


def brute_force(geoms: list[shapely.Geometry], x: np.ndarray, y: np.ndarray) -> np.ndarray:
    tree = shapely.STRtree(geoms)
    p, g = tree.query(shapely.points(x, y), predicate="within")
    out = np.full(len(x), OUTSIDE)
    out[p] = g
    return out


@settings(max_examples=15, deadline=None)
@given(n=st.integers(2, 400), seed=st.integers(0, 10_000), cells=st.sampled_from([16, 64, 512]))
def test_locate_agrees_with_brute_force_off_the_edges(n: int, seed: int, cells: int) -> None:
    box = shapely.box(119.2, 33.9, 119.6, 34.3)
    geoms = voronoi_tiling(n, seed, box)
    index = GridIndex(geoms, cells=cells)
    rng = np.random.default_rng(seed + 1)
    x, y = rng.uniform(119.15, 119.65, 20_000), rng.uniform(33.85, 34.35, 20_000)
    got = index.locate(x, y)
    expected = brute_force(geoms, x, y)
    assert np.array_equal(got.index[~got.on_edge], expected[~got.on_edge])
    # one point at a time gives the same answers
    for i in range(0, 20_000, 997):
        assert index.locate_one(float(x[i]), float(y[i])) == got.index[i]


def test_points_on_a_shared_edge_go_to_the_smallest_index() -> None:
    left, right = shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)
    index = GridIndex([left, right], cells=8)
    got = index.locate(np.array([1.0, 1.0, 0.5]), np.array([0.5, 0.125, 0.5]))
    assert got.index.tolist() == [0, 0, 0]
    assert got.on_edge.tolist() == [True, True, False]
    index_swapped = GridIndex([right, left], cells=8)
    assert index_swapped.locate_one(1.0, 0.5) == 0  # still the first grid passed in


def test_a_grid_inside_another_grids_hole() -> None:
    ring = shapely.box(0, 0, 10, 10).difference(shapely.box(3, 3, 7, 7))
    island, lake = shapely.box(4, 4, 6, 6), None
    index = GridIndex([ring, island], cells=40)
    x = np.array([1.0, 5.0, 3.5, 12.0])
    y = np.array([1.0, 5.0, 3.5, 5.0])
    assert index.locate(x, y).index.tolist() == [0, 1, OUTSIDE, OUTSIDE]  # 3.5 is in the lake
    assert lake is None


def test_outside_points_get_the_nearest_grid_and_its_distance() -> None:
    grid = shapely.box(119.0, 34.0, 119.1, 34.1)
    index = GridIndex([grid])
    assert index.locate_one(119.2, 34.05) == OUTSIDE
    near, metres = index.nearest(np.array([119.2]), np.array([34.05]))
    assert near.tolist() == [0]
    expected = haversine_m(
        np.array([119.1]), np.array([34.05]), np.array([119.2]), np.array([34.05])
    )[0]
    assert metres[0] == pytest.approx(expected)
    assert 9_150 < metres[0] < 9_250  # 0.1° of longitude at 34°N ≈ 9.2 km


def test_multipolygon_grids_and_an_empty_index() -> None:
    two_parts = shapely.MultiPolygon([shapely.box(0, 0, 1, 1), shapely.box(5, 5, 6, 6)])
    index = GridIndex([two_parts, shapely.box(2, 2, 3, 3)], cells=64)
    assert index.locate(
        np.array([0.5, 5.5, 2.5, 4.0]), np.array([0.5, 5.5, 2.5, 4.0])
    ).index.tolist() == [0, 0, 1, OUTSIDE]
    with pytest.raises(ValueError, match="at least one"):
        GridIndex([])


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 1000), cells=st.sampled_from([256, 1024, 2048]))
def test_every_boundary_cell_lists_every_grid_touching_it(seed: int, cells: int) -> None:
    from gridgov.sim.county import CountySpec, generate, synthetic_county

    county = generate(
        synthetic_county(area_km2=400, seed=seed % 20),
        CountySpec(towns=4, villages_per_town=6, grids_per_village=5, dedicated=0, seed=seed),
    )
    geoms = [g.geometry for g in county.grids]
    index = GridIndex(geoms, cells=cells)
    tree = shapely.STRtree(geoms)
    flat = index.raster.reshape(-1)
    boundary = np.flatnonzero(flat <= -2)
    sample = np.random.default_rng(seed).choice(boundary, min(3000, boundary.size), replace=False)
    rows, cols = np.divmod(sample, index.nx)
    boxes = shapely.box(
        index.x0 + cols * index.cell,
        index.y1 - (rows + 1) * index.cell,
        index.x0 + (cols + 1) * index.cell,
        index.y1 - rows * index.cell,
    )
    box_idx, grid_idx = tree.query(boxes, predicate="intersects")
    touching: dict[int, set[int]] = {}
    for b, g in zip(box_idx.tolist(), grid_idx.tolist(), strict=True):
        touching.setdefault(b, set()).add(g)
    for b, cell in enumerate(sample.tolist()):
        slot = -2 - int(flat[cell])
        listed = set(index.cand_grid[index.cand_start[slot] : index.cand_start[slot + 1]].tolist())
        assert touching.get(b, set()) <= listed, (cell, touching.get(b), listed)
    # and cells outside the boundary set lie wholly inside their grid (or outside all)
    plain = np.random.default_rng(seed + 1).choice(np.flatnonzero(flat > -2), 2000)
    rows, cols = np.divmod(plain, index.nx)
    centres_x = index.x0 + (cols + 0.5) * index.cell
    centres_y = index.y1 - (rows + 0.5) * index.cell
    owner = flat[plain]
    for x, y, o in zip(centres_x.tolist(), centres_y.tolist(), owner.tolist(), strict=True):
        if o >= 0:
            assert geoms[o].contains(shapely.Point(x, y))
