"""The standard-address registry: import (located to grids) and matching free text."""

from __future__ import annotations

import csv
import io
import threading
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridgov.addresses.match import Registry, best_in, normalise, parse
from gridgov.grids import service as grids
from gridgov.grids.coords import Crs, to_wgs84
from gridgov.kit.errors import ValidationFailed
from gridgov.store.models import StandardAddress


@dataclass(frozen=True)
class Candidate:
    address: str
    grid_code: str | None
    lon: float
    lat: float
    score: float


def read_csv(text: str, source: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Rows of ``address,lon,lat``; every bad row is reported, none is skipped silently."""
    reader = csv.DictReader(io.StringIO(text))
    if not {"address", "lon", "lat"} <= set(reader.fieldnames or []):
        raise ValidationFailed(f"{source}: needs columns address,lon,lat")
    texts, lons, lats, problems = [], [], [], []
    for line, row in enumerate(reader, start=2):
        try:
            lon, lat = float(row["lon"]), float(row["lat"])
        except (TypeError, ValueError):
            problems.append(f"{source}:{line}: lon/lat are not numbers")
            continue
        if not (row["address"] or "").strip():
            problems.append(f"{source}:{line}: empty address")
            continue
        texts.append(row["address"].strip())
        lons.append(lon)
        lats.append(lat)
    if problems:
        raise ValidationFailed(
            f"{len(problems)} bad row(s); nothing imported:\n" + "\n".join(problems)
        )
    return texts, np.asarray(lons), np.asarray(lats)


def add_many(
    session: Session,
    *,
    texts: list[str],
    lon: np.ndarray,
    lat: np.ndarray,
    crs: Crs | str,
    county_code: str | None,
    now: datetime,
    grid_codes: list[str | None] | None = None,
) -> int:
    """Store addresses in WGS-84, each located to its comprehensive grid."""
    x, y = to_wgs84(lon, lat, crs)
    if grid_codes is None:
        grid_codes = grids.build_locator(session).codes_for(x, y) if len(texts) else []
    for text, a, b, code in zip(texts, x.tolist(), y.tolist(), grid_codes, strict=True):
        session.add(
            StandardAddress(
                text=text,
                normalized=normalise(text),
                lon=a,
                lat=b,
                grid_code=code,
                county_code=county_code or (code[:6] if code else ""),
                updated_at=now,
            )
        )
    session.flush()
    return len(texts)


@dataclass(frozen=True)
class _Registry:
    """One county's addresses, parsed once into a :class:`Registry` (the registry changes
    rarely; a hotline call asks it every time)."""

    revision: tuple[object, ...]
    rows: list[tuple[str, str | None, float, float]]  # text, grid, lon, lat
    parsed: Registry


_REGISTRIES: dict[tuple[str, str | None], _Registry] = {}
_KEEP = 16  # databases × counties remembered (tests open many databases)
_LOCK = threading.Lock()


def _registry(session: Session, county_code: str | None) -> _Registry:
    where = [StandardAddress.county_code == county_code] if county_code else []
    revision = tuple(
        session.execute(
            select(
                func.count(StandardAddress.id),
                func.max(StandardAddress.id),
                func.max(StandardAddress.updated_at),
            ).where(*where)
        ).one()
    )
    key = (str(session.get_bind().url), county_code)
    cached = _REGISTRIES.get(key)
    if cached is not None and cached.revision == revision:
        return cached
    rows = [
        (text, grid, lon, lat)
        for text, grid, lon, lat in session.execute(
            select(
                StandardAddress.text,
                StandardAddress.grid_code,
                StandardAddress.lon,
                StandardAddress.lat,
            )
            .where(*where)
            .order_by(StandardAddress.id)
        )
    ]
    registry = _Registry(revision, rows, Registry.build([parse(row[0]) for row in rows]))
    with _LOCK:
        _REGISTRIES.pop(key, None)
        _REGISTRIES[key] = registry
        while len(_REGISTRIES) > _KEEP:
            del _REGISTRIES[next(iter(_REGISTRIES))]
    return registry


def match(
    session: Session, *, text: str, county_code: str | None = None, top: int = 5
) -> list[Candidate]:
    """Registry addresses most likely meant by a free-text address, with scores 0–1."""
    if not normalise(text):
        raise ValidationFailed("the address is empty")
    registry = _registry(session, county_code)
    found = best_in(text, registry.parsed, top=top)
    return [Candidate(*registry.rows[m.index], m.score) for m in found]
