"""The standard-address registry: import (located to grids) and matching free text."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.addresses.match import best, normalise, parse
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


def match(
    session: Session, *, text: str, county_code: str | None = None, top: int = 5
) -> list[Candidate]:
    """Registry addresses most likely meant by a free-text address, with scores 0–1."""
    if not normalise(text):
        raise ValidationFailed("the address is empty")
    stmt = select(StandardAddress).order_by(StandardAddress.id)
    if county_code:
        stmt = stmt.where(StandardAddress.county_code == county_code)
    rows = session.scalars(stmt).all()
    found = best(text, [parse(r.text) for r in rows], top=top)
    return [
        Candidate(
            rows[m.index].text,
            rows[m.index].grid_code,
            rows[m.index].lon,
            rows[m.index].lat,
            m.score,
        )
        for m in found
    ]
