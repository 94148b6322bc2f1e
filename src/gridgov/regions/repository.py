"""SQL for regions, centres and units."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import literal, select
from sqlalchemy.orm import Session

from gridgov.kit.errors import NotFound
from gridgov.store.models import Center, Region, Unit


def get_region(session: Session, *, code: str) -> Region:
    region = session.get(Region, code)
    if region is None:
        raise NotFound(f"no region with code {code!r}")
    return region


# deeper than any real hierarchy (province … village … micro-grid): bounds a cycle's recursion
_DEEPEST = 32


def region_chain(session: Session, *, code: str) -> list[str]:
    """The region's code followed by every ancestor's, up to the province (remembered for
    the rest of the transaction)."""
    memo: dict[str, list[str]] = session.info.setdefault("gridgov.region_chains", {})
    if code in memo:
        return list(memo[code])
    # the region and its ancestors in one statement, not one per level (a round trip each)
    up = (
        select(Region.code, Region.parent_code, literal(0).label("depth"))
        .where(Region.code == code)
        .cte("up", recursive=True)
    )
    up = up.union_all(
        select(Region.code, Region.parent_code, up.c.depth + 1).where(
            Region.code == up.c.parent_code, up.c.depth < _DEEPEST
        )
    )
    parent_of: dict[str, str | None] = dict(
        session.execute(select(up.c.code, up.c.parent_code)).all()
    )
    chain: list[str] = []
    current: str | None = code
    while current is not None and current not in chain:  # a cycle ends where it repeats
        chain.append(current)
        current = parent_of.get(current)
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
