"""Writing a generated county into the database: region boundaries, grids, addresses."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import shapely
from sqlalchemy.orm import Session

from gridgov.addresses.service import add_many
from gridgov.grids.service import write_grids
from gridgov.sim.county import County
from gridgov.store.models import Region


def store_county(session: Session, *, county: County, now: datetime) -> int:
    """Write a generated county (``gridgov.sim.county.County``): region boundaries and grids."""
    region = session.get(Region, county.code)
    if region is not None:
        region.boundary = shapely.to_wkb(county.geometry)
    for area in [*county.towns, *county.villages]:
        row = session.get(Region, area.code) or Region(code=area.code)
        row.name, row.level, row.parent_code = area.name, area.level, area.parent_code
        row.county_code, row.boundary = county.code, shapely.to_wkb(area.geometry)
        session.add(row)
    session.flush()
    write_grids(session, county.grids, county_of=lambda g: county.code, source_crs="wgs84", now=now)
    session.flush()
    if county.addresses:
        add_many(
            session,
            texts=[a.text for a in county.addresses],
            lon=np.array([a.lon for a in county.addresses]),
            lat=np.array([a.lat for a in county.addresses]),
            crs="wgs84",
            county_code=county.code,
            now=now,
            grid_codes=[a.grid_code for a in county.addresses],
        )
    return len(county.grids)
