"""SQL for grids and region boundaries."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridgov.grids.validate import area_m2
from gridgov.kit.errors import NotFound
from gridgov.store.models import Grid, Region


def get(session: Session, *, code: str) -> Grid:
    grid = session.scalar(select(Grid).where(Grid.code == code))
    if grid is None:
        raise NotFound(f"no grid with code {code!r}")
    return grid


def geometry(grid: Grid) -> BaseGeometry:
    return shapely.from_wkb(grid.geometry)


def list_grids(
    session: Session,
    *,
    kind: str | None = None,
    region_prefix: str | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> tuple[Sequence[Grid], int]:
    stmt = select(Grid)
    if kind:
        stmt = stmt.where(Grid.kind == kind)
    if region_prefix:
        stmt = stmt.where(Grid.region_code.startswith(region_prefix))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    stmt = stmt.order_by(Grid.code).offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    return session.scalars(stmt).all(), total


def revision(session: Session) -> tuple[int, datetime | None]:
    """Changes whenever grids are added, removed or replaced (to refresh cached indexes)."""
    count, latest = session.execute(select(func.count(Grid.id), func.max(Grid.updated_at))).one()
    return int(count), latest


def village_boundaries(session: Session, *, codes: Iterable[str]) -> dict[str, BaseGeometry | None]:
    """Known village/community regions among ``codes`` with their boundary (None if unknown)."""
    wanted = set(codes)
    rows = session.execute(
        select(Region.code, Region.boundary).where(
            Region.code.in_(wanted), Region.level == "village"
        )
    ).all()
    return {code: shapely.from_wkb(b) if b else None for code, b in rows}


def comprehensive_in(session: Session, *, village_codes: Iterable[str]) -> dict[str, BaseGeometry]:
    """Stored comprehensive grids of the given villages."""
    rows = session.execute(
        select(Grid.code, Grid.geometry).where(
            Grid.kind == "comprehensive", Grid.region_code.in_(set(village_codes))
        )
    ).all()
    return {code: shapely.from_wkb(g) for code, g in rows}


def by_codes(session: Session, *, codes: Iterable[str]) -> dict[str, Grid]:
    wanted = list(set(codes))
    found: dict[str, Grid] = {}
    for start in range(0, len(wanted), 1000):
        chunk = wanted[start : start + 1000]
        found.update((g.code, g) for g in session.scalars(select(Grid).where(Grid.code.in_(chunk))))
    return found


def upsert(
    session: Session,
    *,
    code: str,
    kind: str,
    name: str,
    region_code: str,
    county_code: str,
    shape: BaseGeometry,
    subject: str | None,
    parent_code: str | None,
    source_crs: str,
    now: datetime,
    known: dict[str, Grid] | None = None,
) -> Grid:
    """Insert or replace a grid; ``known`` (code → row) saves a query per grid in bulk loads."""
    if known is not None:
        grid = known.get(code) or Grid(code=code)
    else:
        grid = session.scalar(select(Grid).where(Grid.code == code)) or Grid(code=code)
    x0, y0, x1, y1 = shape.bounds
    centroid = shapely.point_on_surface(shape)
    grid.kind, grid.name, grid.subject = kind, name, subject
    grid.region_code, grid.county_code, grid.parent_code = region_code, county_code, parent_code
    grid.geometry = shapely.to_wkb(shape)
    grid.min_lon, grid.min_lat, grid.max_lon, grid.max_lat = x0, y0, x1, y1
    grid.centroid_lon, grid.centroid_lat = centroid.x, centroid.y
    grid.area_m2 = area_m2(shape)
    grid.source_crs = source_crs
    grid.updated_at = now
    session.add(grid)
    return grid


def comprehensive_at(session: Session, *, lon: float, lat: float) -> str | None:
    """Code of the comprehensive grid containing the point (bbox prefilter in SQL).

    For one point at a time (a new report); batches use the in-memory ``GridIndex``. On a
    shared edge the smallest code wins, as in the index.
    """
    rows = session.execute(
        select(Grid.code, Grid.geometry)
        .where(
            Grid.kind == "comprehensive",
            Grid.min_lon <= lon,
            Grid.max_lon >= lon,
            Grid.min_lat <= lat,
            Grid.max_lat >= lat,
        )
        .order_by(Grid.code)
    ).all()
    shapes = [(code, shapely.from_wkb(wkb)) for code, wkb in rows]
    for code, shape in shapes:
        if shapely.contains_xy(shape, lon, lat):
            return str(code)
    for code, shape in shapes:
        if shapely.intersects_xy(shape, lon, lat):
            return str(code)
    return None
