"""SQL for regions, centres and units."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.kit.errors import NotFound
from gridgov.store.models import Center, Region, Unit


def get_region(session: Session, *, code: str) -> Region:
    region = session.get(Region, code)
    if region is None:
        raise NotFound(f"no region with code {code!r}")
    return region


def region_chain(session: Session, *, code: str) -> list[str]:
    """The region's code followed by every ancestor's, up to the province (remembered for
    the rest of the transaction)."""
    memo: dict[str, list[str]] = session.info.setdefault("gridgov.region_chains", {})
    if code in memo:
        return list(memo[code])
    chain: list[str] = []
    current: str | None = code
    while current is not None and current not in chain:
        chain.append(current)
        current = session.scalar(select(Region.parent_code).where(Region.code == current))
    memo[code] = chain
    return list(chain)


def center_for_region(session: Session, *, code: str) -> Center:
    """The nearest centre at or above the region (a village's case goes to its town centre)."""
    for region_code in region_chain(session, code=code):
        center = session.scalar(select(Center).where(Center.region_code == region_code))
        if center is not None:
            return center
    raise NotFound(f"no command centre covers region {code!r}")


def get_center(session: Session, *, code: str) -> Center:
    center = session.scalar(select(Center).where(Center.code == code))
    if center is None:
        raise NotFound(f"no centre with code {code!r}")
    return center


def get_unit(session: Session, *, code: str) -> Unit:
    unit = session.scalar(select(Unit).where(Unit.code == code))
    if unit is None:
        raise NotFound(f"no unit with code {code!r}")
    return unit


def list_centers(session: Session) -> Sequence[Center]:
    return session.scalars(select(Center).order_by(Center.code)).all()


def list_units(session: Session, *, center_id: int | None = None) -> Sequence[Unit]:
    stmt = select(Unit).order_by(Unit.code)
    if center_id is not None:
        stmt = stmt.where(Unit.center_id == center_id)
    return session.scalars(stmt).all()
