"""Routing rules in the database: load, import (all rows checked first), apply."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from gridgov.dispatch.routing import PLACEHOLDERS, Route, Rule, route
from gridgov.kit.errors import ValidationFailed
from gridgov.regions import repository as regions
from gridgov.store.models import CatalogItem, Region, RoutingRule, Unit


def load_rules(session: Session, *, item_chain: list[str]) -> list[Rule]:
    return _rules(session, CatalogItem.code.in_(item_chain))


def all_rules(session: Session) -> list[Rule]:
    return _rules(session)


def _rules(session: Session, *where: ColumnElement[bool]) -> list[Rule]:
    # columns: a Rule needs nothing of a RoutingRule object
    rows = session.execute(
        select(
            RoutingRule.id,
            CatalogItem.code,
            RoutingRule.region_level,
            RoutingRule.area_code,
            RoutingRule.lead_unit,
            RoutingRule.assisting,
        )
        .join(CatalogItem, CatalogItem.id == RoutingRule.catalog_item_id)
        .where(*where)
    ).all()
    return [
        Rule(rule_id, item, level, area, lead, tuple(assisting))
        for rule_id, item, level, area, lead, assisting in rows
    ]


def item_chain(session: Session, *, code: str) -> list[str]:
    """The catalogue item's code and its ancestors', leaf first."""
    chain: list[str] = []
    item = session.scalar(select(CatalogItem).where(CatalogItem.code == code))
    while item is not None and item.code not in chain:
        chain.append(item.code)
        item = session.get(CatalogItem, item.parent_id) if item.parent_id else None
    return chain


def route_for(session: Session, *, item: str, region_code: str, center_level: str) -> Route | None:
    """The route of a catalogue item for a case in ``region_code`` held by a centre of
    ``center_level`` (county/town …)."""
    chain = item_chain(session, code=item)
    return route(
        load_rules(session, item_chain=chain),
        item_chain=chain,
        region_chain=regions.region_chain(session, code=region_code),
        region_level=center_level,
    )


def rule_rows(session: Session) -> list[Any]:
    return list(
        session.execute(
            select(RoutingRule, CatalogItem.code)
            .join(CatalogItem, CatalogItem.id == RoutingRule.catalog_item_id)
            .order_by(CatalogItem.code, RoutingRule.region_level, RoutingRule.area_code)
        ).all()
    )


LEVELS = ("*", "city", "county", "town")  # the level of the centre holding the case


def _unit_known(code: str, units: dict[str, int]) -> bool:
    if "{" not in code:
        return code in units
    pattern = re.escape(code)
    for placeholder, length in PLACEHOLDERS.items():
        pattern = pattern.replace(re.escape(placeholder), rf"\d{{{length}}}")
    return any(re.fullmatch(pattern, u) for u in units)


def import_rules(
    session: Session, *, rows: list[dict[str, str]], replace: bool, source: str
) -> int:
    """Check every row (item, level, area, units), then write them all — or nothing."""
    items = {code: pk for code, pk in session.execute(select(CatalogItem.code, CatalogItem.id))}
    units = {code: pk for code, pk in session.execute(select(Unit.code, Unit.id))}
    areas = set(session.scalars(select(Region.code)))
    problems, rules, seen = [], [], set()
    for line, row in enumerate(rows, start=2):
        item = (row.get("item") or "").strip()
        level = (row.get("region_level") or "*").strip() or "*"
        area = (row.get("area") or "*").strip() or "*"
        lead = (row.get("lead_unit") or "").strip()
        assisting = [a.strip() for a in (row.get("assisting") or "").split(";") if a.strip()]
        where = f"{source}:{line}"
        if item not in items:
            problems.append(f"{where}: no catalogue item {item!r}")
        if level not in LEVELS:
            problems.append(f"{where}: region_level {level!r} is not one of {', '.join(LEVELS)}")
        if area != "*" and area not in areas:
            problems.append(f"{where}: no region {area!r}")
        for code in (lead, *assisting):
            if not _unit_known(code, units):
                problems.append(f"{where}: no unit {code!r}")
        if lead in assisting:
            problems.append(f"{where}: {lead} cannot both lead and assist")
        key = (item, level, area)
        if key in seen:
            problems.append(f"{where}: a second rule for {item}, {level}, {area}")
        seen.add(key)
        rules.append((item, level, area, lead, assisting, (row.get("note") or "").strip()))
    if problems:
        raise ValidationFailed(
            f"{len(problems)} problem(s); nothing imported:\n" + "\n".join(problems)
        )
    if replace:
        session.execute(RoutingRule.__table__.delete())
    for item, level, area, lead, assisting, note in rules:
        existing = session.scalar(
            select(RoutingRule).where(
                RoutingRule.catalog_item_id == items[item],
                RoutingRule.region_level == level,
                RoutingRule.area_code == area,
            )
        )
        rule = existing or RoutingRule(
            catalog_item_id=items[item], region_level=level, area_code=area
        )
        rule.lead_unit, rule.assisting, rule.note = lead, assisting, note[:200]
        session.add(rule)
    session.flush()
    return len(rules)
