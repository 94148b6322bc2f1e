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

from gridgov.addresses.match import Registry, best_in, between, normalise, parse
from gridgov.grids import service as grids
from gridgov.grids.coords import Crs, to_wgs84
from gridgov.grids.repository import comprehensive_at
from gridgov.kit.errors import ValidationFailed
from gridgov.store.models import StandardAddress


@dataclass(frozen=True)
class Candidate:
    address: str
    grid_code: str | None
    lon: float
    lat: float
    score: float


# how sure a door number placed between two registry neighbours is: both neighbours in one
# grid put it there almost surely (a grid is a block of streets); in two grids, the point
# between them is a fair guess that a person should confirm
BETWEEN_ONE_GRID = 0.9
BETWEEN_TWO_GRIDS = 0.6


@dataclass(frozen=True)
class Interpolated:
    lower: str  # the registry's addresses either side
    upper: str
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
    return _matched(_registry(session, county_code), text, top)


def _matched(registry: _Registry, text: str, top: int) -> list[Candidate]:
    return [
        Candidate(*registry.rows[m.index], m.score) for m in best_in(text, registry.parsed, top=top)
    ]


def place(
    session: Session, *, text: str, county_code: str | None, sure: float
) -> tuple[Candidate | None, Interpolated | None]:
    """The registry address most likely meant, and, where it is less than ``sure``, the door
    number placed between its neighbours (:func:`_between`), from one read of the registry."""
    if not normalise(text):
        raise ValidationFailed("the address is empty")
    registry = _registry(session, county_code)
    found = _matched(registry, text, 1)
    best = found[0] if found else None
    if best is not None and best.score >= sure:
        return best, None
    return best, _between(session, registry, text)


def _between(session: Session, registry: _Registry, text: str) -> Interpolated | None:
    """A door number the registry lacks, placed between its nearest neighbours on the same
    side of the same street (:func:`match.between`), as geocoders interpolate house
    numbers; None where there are no such neighbours."""
    found = between(parse(text), registry.parsed)
    if found is None:
        return None
    lower, upper = registry.rows[found.lower], registry.rows[found.upper]
    f = found.fraction
    lon = round(lower[2] + (upper[2] - lower[2]) * f, 7)
    lat = round(lower[3] + (upper[3] - lower[3]) * f, 7)
    if lower[1] is not None and lower[1] == upper[1]:
        return Interpolated(lower[0], upper[0], lower[1], lon, lat, BETWEEN_ONE_GRID)
    grid = comprehensive_at(session, lon=lon, lat=lat)
    return Interpolated(lower[0], upper[0], grid, lon, lat, BETWEEN_TWO_GRIDS)
