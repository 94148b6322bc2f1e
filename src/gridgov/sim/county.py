"""Demo county generator: towns → villages/communities → comprehensive grids (+ micro grids)
that tile a county polygon without gaps or overlaps, plus dedicated grids.

Works from any county polygon (a real boundary from GeoJSON, converted to WGS-84) or from the
built-in synthetic shape, so the project needs no external data. Each level is split by the
Voronoi cells of random seeds inside the parent, clipped to the parent: the cells of one
level share their edges exactly and together cover the parent. Codes follow DESIGN §4 and
are handed out in reading order (north→south, west→east).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from gridgov.grids.codes import Kind, Subject, reading_order

SYLLABLES = "新河张李王陈东西南北前后大小双兴和安丰民永福康宁金鱼林花"
PLACE_SUFFIX = "庄河湖桥沟圩集港园墩"
SUBJECT_NAMES = {
    Subject.school: "学校",
    Subject.hospital: "医院",
    Subject.enterprise: "企业",
    Subject.industrial_park: "工业园区",
    Subject.construction_site: "建设工地",
    Subject.market: "农贸市场",
}


@dataclass(frozen=True)
class CountySpec:
    county_code: str = "320724"
    county_name: str = "灌南县"
    towns: int = 11
    villages_per_town: int = 22
    grids_per_village: int = 3
    dedicated: int = 84
    micro_per_grid: int = 0
    addresses_per_grid: int = 3
    seed: int = 2026
    town_names: dict[str, str] = field(default_factory=dict)  # code → name, optional

    @property
    def comprehensive(self) -> int:
        return self.towns * self.villages_per_town * self.grids_per_village


@dataclass(frozen=True)
class Area:
    code: str
    name: str
    level: str  # town / village
    parent_code: str
    geometry: BaseGeometry


@dataclass(frozen=True)
class GridShape:
    code: str
    kind: Kind
    name: str
    region_code: str
    geometry: BaseGeometry
    subject: Subject | None = None
    parent_code: str | None = None


@dataclass(frozen=True)
class Address:
    text: str
    lon: float
    lat: float
    grid_code: str


@dataclass
class County:
    code: str
    name: str
    geometry: BaseGeometry
    towns: list[Area]
    villages: list[Area]
    grids: list[GridShape]
    addresses: list[Address] = field(default_factory=list)


def synthetic_county(
    lon: float = 119.35, lat: float = 34.09, area_km2: float = 1030.0, seed: int = 7
) -> BaseGeometry:
    """An irregular, county-like polygon of about ``area_km2`` around (lon, lat)."""
    rng = np.random.default_rng(seed)
    angles = np.linspace(0, 2 * np.pi, 181)[:-1]
    wobble = (
        1
        + 0.18 * np.sin(3 * angles + rng.uniform(0, 6))
        + 0.08 * np.sin(7 * angles + rng.uniform(0, 6))
    )
    radius_km = np.sqrt(area_km2 / np.pi)
    kx = 1 / (111.32 * np.cos(np.radians(lat)))
    ring = np.column_stack(
        [
            lon + radius_km * wobble * np.cos(angles) * kx,
            lat + radius_km * wobble * np.sin(angles) / 110.57,
        ]
    )
    shape = shapely.Polygon(ring)
    # scale to the requested area (the wobble changes it a little)
    factor = np.sqrt(area_km2 / area_km2_of(shape))
    return shapely.affinity.scale(shape, factor, factor, origin=(lon, lat))


def area_km2_of(geometry: BaseGeometry) -> float:
    """Area in km² (local equirectangular scale at the centroid; fine at county size)."""
    if geometry.is_empty:
        return 0.0
    lat = geometry.centroid.y
    return float(geometry.area * 111.32 * 110.57 * np.cos(np.radians(lat)))


def _polygonal(geometry: BaseGeometry) -> BaseGeometry:
    parts = [p for p in shapely.get_parts(geometry) if isinstance(p, shapely.Polygon)]
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)


def _points_inside(parent: BaseGeometry, n: int, rng: np.random.Generator) -> np.ndarray:
    x0, y0, x1, y1 = parent.bounds
    found: list[np.ndarray] = []
    total = 0
    shapely.prepare(parent)
    while total < n:
        x, y = rng.uniform(x0, x1, n * 3), rng.uniform(y0, y1, n * 3)
        keep = shapely.contains_xy(parent, x, y)
        found.append(np.column_stack([x[keep], y[keep]]))
        total += int(keep.sum())
    return np.concatenate(found)[:n]


def split(parent: BaseGeometry, n: int, rng: np.random.Generator) -> list[BaseGeometry]:
    """Cut ``parent`` into ``n`` pieces that tile it (Voronoi cells of seeds inside it)."""
    if n == 1:
        return [parent]
    seeds = _points_inside(parent, n, rng)
    cells = shapely.get_parts(
        shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=parent)
    )
    pieces = [_polygonal(g) for g in shapely.intersection(cells, parent)]
    return [p for p in pieces if not p.is_empty]


def _ordered(pieces: list[BaseGeometry], band: float) -> list[BaseGeometry]:
    c = shapely.centroid(np.asarray(pieces, dtype=object))
    order = reading_order(shapely.get_x(c), shapely.get_y(c), band=band)
    return [pieces[i] for i in order]


def _band(parent: BaseGeometry, n: int) -> float:
    return float(np.sqrt(parent.area / max(n, 1)))


def _village_name(rng: np.random.Generator, taken: set[str], community: bool) -> str:
    while True:
        name = "".join(rng.choice(list(SYLLABLES), 2)) + rng.choice(list(PLACE_SUFFIX))
        name += "社区" if community else "村"
        if name not in taken:
            taken.add(name)
            return name


def generate(county: BaseGeometry, spec: CountySpec) -> County:
    """Regions and grids for one county, deterministic for a given spec."""
    rng = np.random.default_rng(spec.seed)
    county = _polygonal(shapely.make_valid(county))
    towns, villages, grids = [], [], []
    for t, town_geom in enumerate(
        _ordered(split(county, spec.towns, rng), _band(county, spec.towns))
    ):
        town_code = f"{spec.county_code}{100 + t:03d}"
        town_name = spec.town_names.get(town_code, f"第{t + 1}镇")
        towns.append(Area(town_code, town_name, "town", spec.county_code, town_geom))
        names: set[str] = set()
        pieces = split(town_geom, spec.villages_per_town, rng)
        for v, village_geom in enumerate(_ordered(pieces, _band(town_geom, len(pieces)))):
            village_code = f"{town_code}{v + 1:03d}"
            village_name = _village_name(rng, names, community=v < 2)
            villages.append(Area(village_code, village_name, "village", town_code, village_geom))
            cells = split(village_geom, spec.grids_per_village, rng)
            for g, grid_geom in enumerate(_ordered(cells, _band(village_geom, len(cells)))):
                code = f"{village_code}{g + 1:03d}"
                grids.append(
                    GridShape(
                        code,
                        Kind.comprehensive,
                        f"{village_name}第{g + 1}网格",
                        village_code,
                        grid_geom,
                    )
                )
                for m, micro in enumerate(
                    split(grid_geom, spec.micro_per_grid, rng) if spec.micro_per_grid > 1 else []
                ):
                    grids.append(
                        GridShape(
                            f"{code}{m + 1:02d}",
                            Kind.micro,
                            f"{village_name}第{g + 1}网格{m + 1}号微网格",
                            village_code,
                            micro,
                            parent_code=code,
                        )
                    )
    grids += _dedicated(villages, spec, rng)
    addresses = _addresses(spec, towns, grids, rng)
    return County(spec.county_code, spec.county_name, county, towns, villages, grids, addresses)


STREETS = (
    "人民路",
    "长江路",
    "淮河路",
    "新港大道",
    "幸福路",
    "兴南路",
    "振兴路",
    "文化路",
    "建设路",
    "和平路",
)


def _addresses(
    spec: CountySpec, towns: list[Area], grids: list[GridShape], rng: np.random.Generator
) -> list[Address]:
    """A few standard addresses in every comprehensive grid: a stretch of one street, its
    door numbers one after another on one side (as a block of a real street is numbered), the
    street's numbering carried on from grid to grid within the town."""
    town_names = {t.code: t.name for t in towns}
    out: list[Address] = []
    numbers: dict[tuple[str, str], int] = {}
    for g in grids:
        if g.kind is not Kind.comprehensive or spec.addresses_per_grid <= 0:
            continue
        street = None
        for x, y in _points_inside(g.geometry, spec.addresses_per_grid, rng).tolist():
            town = g.region_code[:9]
            drawn = STREETS[int(rng.integers(len(STREETS)))]  # one a point, as always drawn
            street = street or drawn
            step = int(rng.integers(1, 5))
            last = numbers.get((town, street))
            n = step if last is None else last + 2 * step  # the street's first sets its side
            numbers[(town, street)] = n
            text = f"{spec.county_name}{town_names.get(town, '')}{street}{n}号"
            out.append(Address(text, round(x, 7), round(y, 7), g.code))
    return out


def _dedicated(villages: list[Area], spec: CountySpec, rng: np.random.Generator) -> list[GridShape]:
    """Small grids around schools, hospitals, enterprises … clipped to their village."""
    out: list[GridShape] = []
    used: dict[str, int] = {}
    subjects = list(SUBJECT_NAMES)
    for i in range(spec.dedicated):
        village = villages[int(rng.integers(len(villages)))]
        seq = used.get(village.code, 800)
        if seq > 999:
            continue
        centre = _points_inside(village.geometry, 1, rng)[0]
        half = rng.uniform(0.0008, 0.002)  # roughly 150–400 m across
        square = shapely.box(centre[0] - half, centre[1] - half, centre[0] + half, centre[1] + half)
        shape = _polygonal(shapely.intersection(square, village.geometry))
        subject = subjects[i % len(subjects)]
        used[village.code] = seq + 1
        out.append(
            GridShape(
                f"{village.code}{seq:03d}",
                Kind.dedicated,
                f"{village.name}{SUBJECT_NAMES[subject]}专属网格",
                village.code,
                shape,
                subject=subject,
            )
        )
    return out
