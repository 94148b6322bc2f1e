"""Reference data a batch of intake records needs, loaded once per batch: catalogue (names,
parents, items), units, the region tree, routing rules, and the routes and time-limit
policies worked out from them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.catalog import repository as catalog
from gridgov.dispatch import rules as rules_db
from gridgov.dispatch.routing import Route, Rule, route
from gridgov.intake.suggest import Suggester
from gridgov.store.models import CatalogItem, Region, Unit


@dataclass
class Reference:
    """Reference data loaded once per batch."""

    names: dict[str, str]
    item_parent: dict[str, str | None]
    items: dict[str, CatalogItem]
    units: dict[str, Unit]
    region_parent: dict[str, str | None]
    rules: dict[str, list[Rule]]  # by catalogue item code
    policies: dict[str, Any] = field(default_factory=dict)
    routes: dict[tuple[str, str, str], Route | None] = field(default_factory=dict)
    clocks: dict[tuple[Any, ...], Any] = field(default_factory=dict)  # batch._clocks

    @classmethod
    def load(cls, session: Session, suggester: Suggester) -> Reference:
        catalog_cache = suggester.catalog(session)
        by_item: dict[str, list[Rule]] = {}
        for rule in rules_db.all_rules(session):
            by_item.setdefault(rule.item_code, []).append(rule)
        return cls(
            names=catalog_cache.names,
            item_parent=catalog_cache.parent,
            items={i.code: i for i in session.scalars(select(CatalogItem))},
            units={u.code: u for u in session.scalars(select(Unit))},
            region_parent={
                code: parent
                for code, parent in session.execute(select(Region.code, Region.parent_code))
            },
            rules=by_item,
        )

    @staticmethod
    def _chain(parent: dict[str, str | None], code: str) -> list[str]:
        chain: list[str] = []
        current: str | None = code
        while current is not None and current not in chain:
            chain.append(current)
            current = parent.get(current)
        return chain

    def route(self, item: str, region: str, level: str) -> Route | None:
        key = (item, region, level)
        if key not in self.routes:
            items = self._chain(self.item_parent, item)
            rules = [r for code in items for r in self.rules.get(code, [])]
            self.routes[key] = route(
                rules,
                item_chain=items,
                region_chain=self._chain(self.region_parent, region),
                region_level=level,
            )
        return self.routes[key]

    def policy(self, session: Session, item: CatalogItem) -> Any:
        if item.code not in self.policies:
            self.policies[item.code] = catalog.policy_for_item(session, item=item)
        return self.policies[item.code]
