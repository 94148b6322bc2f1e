"""Buildings and households (楼栋/住户) with risk colours (红黄蓝绿) and their reasons.

Personal data is kept minimal: a household is a door, a head count and a risk colour; no
names or ID numbers are stored here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridgov.addresses.match import normalise
from gridgov.grids import repository as grids
from gridgov.grids.coords import Crs, to_wgs84
from gridgov.kit.errors import NotFound, ValidationFailed
from gridgov.store.models import Building, Household, StandardAddress


class RiskColour(StrEnum):
    red = "red"
    yellow = "yellow"
    blue = "blue"
    green = "green"


SEVERITY = {RiskColour.green: 0, RiskColour.blue: 1, RiskColour.yellow: 2, RiskColour.red: 3}


def _check_risk(colour: RiskColour, reasons: Sequence[str]) -> list[str]:
    cleaned = [r.strip() for r in reasons if r and r.strip()]
    if colour is not RiskColour.green and not cleaned:
        raise ValidationFailed(f"a {colour.value} risk colour needs at least one reason")
    return cleaned


def add_building(
    session: Session,
    *,
    address: str,
    lon: float,
    lat: float,
    crs: Crs | str = Crs.wgs84,
    households: int = 0,
    colour: RiskColour = RiskColour.green,
    reasons: Sequence[str] = (),
    now: datetime,
) -> Building:
    if not normalise(address):
        raise ValidationFailed("a building needs an address")
    if households < 0:
        raise ValidationFailed("the household count cannot be negative")
    reasons = _check_risk(colour, reasons)
    x, y = to_wgs84(lon, lat, crs)
    wlon, wlat = round(float(x), 7), round(float(y), 7)
    grid_code = grids.comprehensive_at(session, lon=wlon, lat=wlat)
    registered = session.scalar(
        select(StandardAddress.id).where(StandardAddress.normalized == normalise(address))
    )
    building = Building(
        address=address,
        address_id=registered,
        grid_code=grid_code,
        county_code=grid_code[:6] if grid_code else "",
        lon=wlon,
        lat=wlat,
        households=households,
        risk_colour=colour.value,
        risk_reasons=reasons,
        updated_at=now,
    )
    session.add(building)
    session.flush()
    return building


def get_building(session: Session, *, building_id: int) -> Building:
    building = session.get(Building, building_id)
    if building is None:
        raise NotFound(f"no building {building_id}")
    return building


def add_household(
    session: Session,
    *,
    building_id: int,
    door: str,
    members: int = 1,
    colour: RiskColour = RiskColour.green,
    reasons: Sequence[str] = (),
    now: datetime,
) -> Household:
    building = get_building(session, building_id=building_id)
    if not door.strip():
        raise ValidationFailed("a household needs a door (e.g. 2单元301室)")
    if members < 0:
        raise ValidationFailed("members cannot be negative")
    household = Household(
        building_id=building.id,
        county_code=building.county_code,
        door=door.strip(),
        members=members,
        risk_colour=colour.value,
        risk_reasons=_check_risk(colour, reasons),
        updated_at=now,
    )
    session.add(household)
    known = (
        session.scalar(
            select(func.count()).select_from(Household).where(Household.building_id == building.id)
        )
        or 0
    )
    building.households = max(building.households, known + 1)
    building.updated_at = now
    session.flush()
    return household


def set_risk(
    session: Session, *, building_id: int, colour: RiskColour, reasons: Sequence[str], now: datetime
) -> Building:
    building = get_building(session, building_id=building_id)
    building.risk_colour = colour.value
    building.risk_reasons = _check_risk(colour, reasons)
    building.updated_at = now
    return building


@dataclass(frozen=True)
class BuildingView:
    id: int
    address: str
    grid_code: str | None
    households: int
    risk_colour: str
    risk_reasons: list[str]
    worst_household_colour: str | None


def in_grid(
    session: Session, *, grid_code: str, colour: RiskColour | None = None
) -> list[BuildingView]:
    """The grid's buildings, worst risk first, with their worst household colour."""
    grids.get(session, code=grid_code)
    rows = session.scalars(select(Building).where(Building.grid_code == grid_code)).all()
    worst: dict[int, str] = {}
    ids = [b.id for b in rows]
    if ids:
        for building_id, household_colour in session.execute(
            select(Household.building_id, Household.risk_colour).where(
                Household.building_id.in_(ids)
            )
        ):
            current = worst.get(building_id)
            if (
                current is None
                or SEVERITY[RiskColour(household_colour)] > SEVERITY[RiskColour(current)]
            ):
                worst[building_id] = household_colour
    views = [
        BuildingView(
            b.id,
            b.address,
            b.grid_code,
            b.households,
            b.risk_colour,
            list(b.risk_reasons or []),
            worst.get(b.id),
        )
        for b in rows
    ]
    if colour is not None:
        views = [v for v in views if v.risk_colour == colour.value]
    return sorted(views, key=lambda v: (-SEVERITY[RiskColour(v.risk_colour)], v.id))
