"""Grid steps: read files, validate, import (all or nothing), export, locate."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.grids import repository
from gridgov.grids.codes import Kind, next_codes, reading_order
from gridgov.grids.coords import Crs, to_wgs84
from gridgov.grids.index import OUTSIDE, GridIndex
from gridgov.grids.validate import Defect, Feature, Problem, Report, validate
from gridgov.kit.errors import ValidationFailed
from gridgov.regions import repository as regions
from gridgov.store.models import Center, Grid, Region


class ImportRejected(ValidationFailed):
    """The file has defects; nothing was imported. ``report`` names each one."""

    def __init__(self, report: Report) -> None:
        lines = report.lines()
        super().__init__(f"{len(lines)} problem(s); nothing imported:\n" + "\n".join(lines))
        self.report = report


def reproject(geometry: BaseGeometry, crs: Crs | str) -> BaseGeometry:
    """Geometry given in ``crs`` as WGS-84."""
    if Crs(crs) is Crs.wgs84:
        return geometry
    return shapely.transform(
        geometry, lambda xy: np.column_stack(to_wgs84(xy[:, 0], xy[:, 1], crs))
    )


def features_from_geojson(
    doc: Mapping[str, Any], *, crs: Crs | str
) -> tuple[list[Feature], list[Problem]]:
    """Grid features of a GeoJSON FeatureCollection, converted to WGS-84.

    Properties: ``code`` (required), ``kind`` (default comprehensive), ``name``, ``subject``,
    ``region_code`` (default: the code's village), ``parent_code`` (micro grids).
    """
    if doc.get("type") != "FeatureCollection" or not isinstance(doc.get("features"), list):
        raise ValidationFailed("expected a GeoJSON FeatureCollection")
    features, problems = [], []
    for position, raw in enumerate(doc["features"], start=1):
        props = raw.get("properties") or {}
        code = str(props.get("code") or "").strip()
        try:
            kind = Kind(props.get("kind") or Kind.comprehensive)
        except ValueError:
            problems.append(
                Problem(
                    Defect.malformed_code,
                    position,
                    code,
                    f"kind {props.get('kind')!r} is not one of {', '.join(k.value for k in Kind)}",
                )
            )
            continue
        try:
            shape = shapely.geometry.shape(raw.get("geometry") or {})
        except (ValueError, TypeError, AttributeError, shapely.errors.GEOSException) as exc:
            problems.append(Problem(Defect.invalid_geometry, position, code, f"unreadable: {exc}"))
            continue
        parent = props.get("parent_code") or (code[:15] if kind is Kind.micro else None)
        features.append(
            Feature(
                position=position,
                code=code,
                kind=kind,
                name=str(props.get("name") or code),  # empty for a new grid: named by its code
                region_code=str(props.get("region_code") or code[:12]),
                geometry=reproject(shape, crs),
                subject=props.get("subject"),
                parent_code=parent,
            )
        )
    return features, problems


CSV_COLUMNS = ("code", "kind", "name", "subject", "region_code", "parent_code", "area_m2", "wkt")


def features_from_csv(text: str, *, crs: Crs | str) -> tuple[list[Feature], list[Problem]]:
    """Grid features of a CSV with a ``wkt`` polygon column (same properties as GeoJSON)."""
    reader = csv.DictReader(io.StringIO(text))
    if not {"code", "wkt"} <= set(reader.fieldnames or []):
        raise ValidationFailed("a grid CSV needs at least the columns code and wkt")
    docs = []
    problems = []
    for position, row in enumerate(reader, start=1):
        try:
            geometry = shapely.geometry.mapping(shapely.from_wkt(row["wkt"]))
        except (shapely.errors.GEOSException, TypeError, ValueError) as exc:
            problems.append(
                Problem(
                    Defect.invalid_geometry,
                    position,
                    row.get("code") or "",
                    f"unreadable WKT: {exc}",
                )
            )
            geometry = None
        docs.append(
            {
                "type": "Feature",
                "geometry": geometry,
                "properties": {k: (row.get(k) or None) for k in CSV_COLUMNS[:6]},
            }
        )
    features, more = features_from_geojson({"type": "FeatureCollection", "features": docs}, crs=crs)
    unreadable = {pr.position for pr in problems}
    return [f for f in features if f.position not in unreadable], problems + [
        pr for pr in more if pr.position not in unreadable
    ]


def export_rows(
    session: Session, *, kind: str | None = None, region_prefix: str | None = None
) -> list[list[object]]:
    """Header and one row per grid for a CSV export, the polygon as WKT (WGS-84)."""
    grids, _ = repository.list_grids(session, kind=kind, region_prefix=region_prefix)
    rows: list[list[object]] = [list(CSV_COLUMNS)]
    for g in grids:
        rows.append(
            [
                g.code,
                g.kind,
                g.name,
                g.subject or "",
                g.region_code,
                g.parent_code or "",
                round(g.area_m2, 1),
                shapely.to_wkt(repository.geometry(g), rounding_precision=-1),
            ]
        )
    return rows


def assign_codes(session: Session, features: list[Feature]) -> list[Feature]:
    """Give grids that come without a code the next free codes of their village (of their
    grid, for micro grids), handed out in reading order: north→south, west→east."""
    missing = [
        f
        for f in features
        if not f.code and (f.parent_code if f.kind is Kind.micro else f.region_code)
    ]
    if not missing:
        return features
    prefixes = {(f.parent_code if f.kind is Kind.micro else f.region_code) or "" for f in missing}
    taken = {f.code for f in features if f.code}
    taken |= set(
        session.scalars(select(Grid.code).where(Grid.region_code.in_({p[:12] for p in prefixes})))
    )
    groups: dict[tuple[str, Kind], list[Feature]] = {}
    for f in missing:
        groups.setdefault(
            ((f.parent_code if f.kind is Kind.micro else f.region_code) or "", f.kind), []
        ).append(f)
    assigned: dict[int, Feature] = {}
    for (prefix, kind), members in groups.items():
        centres = shapely.point_on_surface(np.asarray([f.geometry for f in members], dtype=object))
        band = (
            float(
                np.sqrt(
                    np.mean(shapely.area(np.asarray([f.geometry for f in members], dtype=object)))
                )
            )
            or 1e-6
        )
        order = reading_order(shapely.get_x(centres), shapely.get_y(centres), band=band)
        try:
            codes = next_codes(prefix, kind, taken, len(members))
        except ValueError:
            continue  # left without a code: the validation report says so
        taken |= set(codes)
        for i, code in zip(order.tolist(), codes, strict=True):
            f = members[i]
            assigned[f.position] = replace(f, code=code, name=f.name or code)
    return [assigned.get(f.position, f) for f in features]


def check(session: Session, *, features: list[Feature], problems: list[Problem]) -> Report:
    villages = repository.village_boundaries(session, codes={f.region_code for f in features})
    existing = repository.comprehensive_in(session, village_codes=villages)
    report = validate(features, villages=villages, existing=existing)
    report.problems[:0] = problems
    report.features += len(problems)
    return report


def repair(features: list[Feature]) -> list[Feature]:
    """Apply ``make_valid`` to invalid polygons (keeping only their polygonal parts)."""
    fixed = []
    for f in features:
        if f.geometry.geom_type in ("Polygon", "MultiPolygon") and not f.geometry.is_valid:
            made = shapely.make_valid(f.geometry)
            parts = [p for p in shapely.get_parts(made) if p.geom_type == "Polygon"]
            shape = parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)
            f = replace(f, geometry=shape)
        fixed.append(f)
    return fixed


def import_features(
    session: Session,
    *,
    features: list[Feature],
    problems: list[Problem],
    source_crs: Crs | str,
    now: datetime,
) -> Report:
    """Validate everything, then write everything — or raise ImportRejected and write nothing."""
    features = assign_codes(session, features)
    report = check(session, features=features, problems=problems)
    if not report.ok:
        raise ImportRejected(report)
    counties = {
        r.code: r.county_code
        for r in session.scalars(
            select(Region).where(Region.code.in_({f.region_code for f in features}))
        )
    }
    write_grids(
        session,
        features,
        county_of=lambda f: counties.get(f.region_code) or f.region_code[:6],
        source_crs=Crs(source_crs).value,
        now=now,
    )
    session.flush()
    return report


def write_grids(
    session: Session,
    items: Sequence[Any],
    *,
    county_of: Callable[[Any], str],
    source_crs: str,
    now: datetime,
) -> None:
    """Insert or replace grids given as ``Feature``s or generated ``GridShape``s."""
    known = repository.by_codes(session, codes=[g.code for g in items])
    for g in items:
        repository.upsert(
            session,
            known=known,
            code=g.code,
            kind=Kind(g.kind).value,
            name=g.name,
            region_code=g.region_code,
            county_code=county_of(g),
            shape=g.geometry,
            subject=str(g.subject) if g.subject else None,
            parent_code=g.parent_code,
            source_crs=source_crs,
            now=now,
        )


def to_feature(grid: Grid) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": shapely.geometry.mapping(repository.geometry(grid)),
        "properties": {
            "code": grid.code,
            "kind": grid.kind,
            "name": grid.name,
            "subject": grid.subject,
            "region_code": grid.region_code,
            "parent_code": grid.parent_code,
            "area_m2": round(grid.area_m2, 1),
        },
    }


def export_geojson(
    session: Session, *, kind: str | None = None, region_prefix: str | None = None
) -> dict[str, Any]:
    grids, _ = repository.list_grids(session, kind=kind, region_prefix=region_prefix)
    return {"type": "FeatureCollection", "features": [to_feature(g) for g in grids]}


# ---- locating ---------------------------------------------------------------------------
@dataclass(frozen=True)
class PointAnswer:
    grid_code: str | None
    on_edge: bool
    dedicated: list[str]
    micro: list[str]
    regions: list[dict[str, str]]
    centers: list[str]
    nearest_grid: str | None
    nearest_m: float | None


class Locator:
    """The comprehensive-grid index plus trees for the overlapping kinds, built once."""

    def __init__(self, grids: list[tuple[str, str, str, BaseGeometry]], revision: object) -> None:
        self.revision = revision
        comp = [(c, r, g) for c, k, r, g in grids if k == Kind.comprehensive]
        if not comp:
            raise ValidationFailed("there are no comprehensive grids to locate in")
        self.codes = np.array([c for c, _, _ in comp], dtype=object)
        self.regions = [r for _, r, _ in comp]
        self.index = GridIndex([g for _, _, g in comp])
        others = [(c, k, g) for c, k, _, g in grids if k != Kind.comprehensive]
        self.other_codes = [(c, k) for c, k, _ in others]
        self.other_tree = shapely.STRtree([g for _, _, g in others]) if others else None

    def codes_for(self, lon: NDArray[np.float64], lat: NDArray[np.float64]) -> list[str | None]:
        located = self.index.locate(lon, lat)
        return [None if i == OUTSIDE else str(self.codes[i]) for i in located.index.tolist()]

    def others_at(self, lon: float, lat: float) -> list[tuple[str, str]]:
        if self.other_tree is None:
            return []
        hits = self.other_tree.query(shapely.Point(lon, lat), predicate="intersects")
        return sorted(self.other_codes[i] for i in hits.tolist())


def build_locator(session: Session) -> Locator:
    rows = session.execute(
        select(Grid.code, Grid.kind, Grid.region_code, Grid.geometry).order_by(Grid.code)
    ).all()
    grids = [(c, k, r, shapely.from_wkb(g)) for c, k, r, g in rows]
    return Locator(grids, repository.revision(session))


def locate_point(session: Session, locator: Locator, *, lon: float, lat: float) -> PointAnswer:
    """Everything a dispatcher needs about one point (already in WGS-84)."""
    x, y = np.array([lon]), np.array([lat])
    located = locator.index.locate(x, y)
    i = int(located.index[0])
    others = locator.others_at(lon, lat)
    nearest_code = nearest_m = None
    if i == OUTSIDE:
        near, metres = locator.index.nearest(x, y)
        nearest_code, nearest_m = str(locator.codes[near[0]]), round(float(metres[0]), 1)
        return PointAnswer(None, False, [], [], [], [], nearest_code, nearest_m)
    chain = regions.region_chain(session, code=locator.regions[i])
    rows = {r.code: r for r in session.scalars(select(Region).where(Region.code.in_(chain)))}
    centers = {
        c.region_code: c.code
        for c in session.scalars(select(Center).where(Center.region_code.in_(chain)))
    }
    return PointAnswer(
        grid_code=str(locator.codes[i]),
        on_edge=bool(located.on_edge[0]),
        dedicated=[c for c, k in others if k == Kind.dedicated],
        micro=[c for c, k in others if k == Kind.micro],
        regions=[
            {"code": c, "name": rows[c].name, "level": rows[c].level} for c in chain if c in rows
        ],
        centers=[centers[c] for c in chain if c in centers],
        nearest_grid=None,
        nearest_m=None,
    )
