"""Every generated grid set tiles its county: no overlaps, no gaps, codes in reading order."""

from __future__ import annotations

import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from gridgov.grids.codes import Kind, code_problem
from gridgov.grids.validate import Feature, area_m2, validate
from gridgov.sim.county import CountySpec, area_km2_of, generate, synthetic_county


@settings(max_examples=12, deadline=None)
@given(
    towns=st.integers(1, 5),
    villages=st.integers(1, 6),
    grids=st.integers(1, 5),
    micro=st.sampled_from([0, 3]),
    seed=st.integers(0, 10_000),
    area=st.floats(50, 2000),
)
def test_generated_grids_tile_the_county(
    towns: int, villages: int, grids: int, micro: int, seed: int, area: float
) -> None:
    shape = synthetic_county(area_km2=area, seed=seed % 50)
    spec = CountySpec(
        towns=towns,
        villages_per_town=villages,
        grids_per_village=grids,
        dedicated=5,
        micro_per_grid=micro,
        seed=seed,
    )
    county = generate(shape, spec)
    comp = [g for g in county.grids if g.kind is Kind.comprehensive]
    union = shapely.union_all([g.geometry for g in comp])
    tolerance = 1e-6 * area_m2(county.geometry)
    assert area_m2(shapely.difference(county.geometry, union)) < tolerance  # no gaps
    assert sum(area_m2(g.geometry) for g in comp) - area_m2(union) < tolerance  # no overlaps
    for g in county.grids:
        assert code_problem(g.code, g.kind, parent_code=g.parent_code) is None
    assert len({g.code for g in county.grids}) == len(county.grids)
    villages_by_code = {v.code: v.geometry for v in county.villages}
    report = validate(
        [
            Feature(
                i + 1, g.code, g.kind, g.name, g.region_code, g.geometry, g.subject, g.parent_code
            )
            for i, g in enumerate(county.grids)
        ],
        villages=villages_by_code,
    )
    assert report.lines() == []


def test_codes_follow_reading_order_and_sizes_scale() -> None:
    county = generate(synthetic_county(), CountySpec())
    assert (len(county.towns), len(county.villages)) == (11, 242)
    comp = [g for g in county.grids if g.kind is Kind.comprehensive]
    assert len(comp) == 726
    assert len([g for g in county.grids if g.kind is Kind.dedicated]) == 84
    assert 1000 < area_km2_of(county.geometry) < 1060
    # town 100 lies north of (or level with, and west of) town 101
    a, b = (shapely.centroid(t.geometry) for t in county.towns[:2])
    assert a.y > b.y or a.x < b.x
    assert [t.code for t in county.towns] == [f"320724{100 + i}" for i in range(11)]
