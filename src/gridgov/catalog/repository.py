"""SQL for the catalogue, SLA policies and calendar days."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.kit.errors import NotFound
from gridgov.store.models import CalendarDay, CatalogItem, SlaPolicy


@dataclass(frozen=True)
class StandardCodes:
    """The catalogue's standard-code prefixes (:attr:`CatalogItem.standard_codes`), longest
    first: which item an inspector's standard part/event code means."""

    prefixes: tuple[tuple[str, str], ...]  # (prefix, item code)

    @classmethod
    def load(cls, session: Session) -> StandardCodes:
        rows = session.execute(
            select(CatalogItem.code, CatalogItem.standard_codes).where(
                CatalogItem.active.is_(True), CatalogItem.standard_codes != ""
            )
        )
        pairs = [(p.strip(), code) for code, codes in rows for p in codes.split(",") if p.strip()]
        return cls(tuple(sorted(pairs, key=lambda pair: -len(pair[0]))))

    def item_for(self, standard_code: str) -> str | None:
        return next((item for p, item in self.prefixes if standard_code.startswith(p)), None)


def get_item(session: Session, *, code: str) -> CatalogItem:
    item = session.scalar(select(CatalogItem).where(CatalogItem.code == code))
    if item is None:
        raise NotFound(f"no catalogue item with code {code!r}")
    return item


def policy_for_item(session: Session, *, item: CatalogItem) -> SlaPolicy | None:
    """The item's SLA policy, inherited from the nearest ancestor that has one."""
    current: CatalogItem | None = item
    while current is not None:
        if current.sla_policy_id is not None:
            return session.get(SlaPolicy, current.sla_policy_id)
        current = session.get(CatalogItem, current.parent_id) if current.parent_id else None
    return None


def list_items(session: Session) -> Sequence[CatalogItem]:
    return session.scalars(select(CatalogItem).order_by(CatalogItem.code)).all()


def list_policies(session: Session) -> Sequence[SlaPolicy]:
    return session.scalars(select(SlaPolicy).order_by(SlaPolicy.code)).all()


def local_days(session: Session, *, region_codes: Sequence[str]) -> dict[date, bool]:
    """Admin-defined days for every region (``*``) and then the given regions, later wins."""
    rows = session.scalars(
        select(CalendarDay).where(CalendarDay.region_code.in_(["*", *region_codes]))
    ).all()
    order = {code: i for i, code in enumerate(["*", *region_codes])}
    result: dict[date, bool] = {}
    for row in sorted(rows, key=lambda r: order[r.region_code]):
        result[row.day] = row.is_workday
    return result


def list_days(session: Session, *, year: int | None = None) -> Sequence[CalendarDay]:
    stmt = select(CalendarDay).order_by(CalendarDay.day, CalendarDay.region_code)
    if year is not None:
        stmt = stmt.where(
            CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31)
        )
    return session.scalars(stmt).all()


def set_day(
    session: Session, *, day: date, is_workday: bool, name: str, region_code: str = "*"
) -> CalendarDay:
    row = session.scalar(
        select(CalendarDay).where(CalendarDay.day == day, CalendarDay.region_code == region_code)
    )
    if row is None:
        row = CalendarDay(day=day, region_code=region_code, is_workday=is_workday, name=name)
        session.add(row)
    else:
        row.is_workday, row.name = is_workday, name
    session.flush()
    session.info.pop("gridgov.calendars", None)  # calendars built earlier in this transaction
    return row
