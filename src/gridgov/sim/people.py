"""Units, centres and staff for a generated county, so any county comes up ready to work:
a command centre and a government unit per town, and a grid worker per comprehensive grid."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.grids import staff
from gridgov.grids.codes import Kind
from gridgov.sim.county import County
from gridgov.store.models import Center, Unit, User, UserRole


def populate(session: Session, *, county: County, now: datetime) -> dict[str, int]:
    """Create what is missing: town centres and units, grid workers. Idempotent."""
    county_center = session.scalar(select(Center).where(Center.region_code == county.code))
    if county_center is None:
        county_center = Center(
            code=county.code, name=f"{county.name}指挥中心", level="county", region_code=county.code
        )
        session.add(county_center)
        session.flush()
    made = {"centers": 0, "units": 0, "grid_workers": 0}
    for town in county.towns:
        if session.scalar(select(Center).where(Center.region_code == town.code)) is None:
            session.add(
                Center(
                    code=town.code,
                    name=f"{town.name}社会治理综合指挥中心",
                    level="town",
                    region_code=town.code,
                    parent_id=county_center.id,
                )
            )
            made["centers"] += 1
        if session.scalar(select(Unit).where(Unit.code == f"{town.code}-gov")) is None:
            session.add(
                Unit(
                    code=f"{town.code}-gov",
                    name=f"{town.name}人民政府",
                    kind="town",
                    level="county",
                    region_code=town.code,
                    center_id=county_center.id,
                )
            )
            made["units"] += 1
    session.flush()
    existing = set(session.scalars(select(User.username).where(User.username.like("gw%"))))
    for grid in county.grids:
        if grid.kind is not Kind.comprehensive or f"gw{grid.code}" in existing:
            continue
        user = User(
            username=f"gw{grid.code}",
            display_name=f"网格员{grid.code[-6:]}",
            region_code=grid.region_code,
            created_at=now,
        )
        user.roles = [UserRole(role="grid_worker")]
        session.add(user)
        session.flush()
        staff.assign(
            session,
            grid_code=grid.code,
            username=user.username,
            role=staff.StaffRole.grid_worker,
            now=now,
        )
        made["grid_workers"] += 1
    return made
