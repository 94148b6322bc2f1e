"""Routing rules: catalogue item × region level (× area) → lead unit + assisting units (pure).

Rules are data. ``region_level`` is the level of the centre that holds the case (a county
centre sends 占道经营 to the county's urban-management bureau, a town centre to its own
enforcement team). A unit code may name the region instead of one unit: ``{town}-zhzf`` is
the ``zhzf`` team of whichever town the case lies in (``{county}`` likewise), so one rule
serves every town. The most specific rule wins: first the deepest catalogue level (a rule on the
leaf beats a rule on its parent), then a rule for an area beats a rule for every area (a deeper
area beats a shallower one), then a rule for the case's exact region level beats ``*``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    id: int
    item_code: str
    region_level: str  # county/town/village or "*"
    area_code: str  # a region code whose subtree the rule covers, or "*"
    lead_unit: str
    assisting: tuple[str, ...] = ()


PLACEHOLDERS = {"{town}": 9, "{county}": 6, "{village}": 12}


def resolve(code: str, region_chain: Sequence[str]) -> str | None:
    """A unit code with its ``{town}``/``{county}``/``{village}`` filled from the region
    chain, or None when the case lies above that level."""
    for placeholder, length in PLACEHOLDERS.items():
        if placeholder in code:
            region = next((r for r in region_chain if len(r) == length), None)
            if region is None:
                return None
            code = code.replace(placeholder, region)
    return code


@dataclass(frozen=True)
class Route:
    rule: Rule
    item_code: str  # the catalogue item the rule was written for (maybe an ancestor)
    lead_unit: str  # resolved for the case's region
    assisting: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        """As a case's triage keeps it."""
        return {
            "rule": self.rule.id,
            "item": self.item_code,
            "level": self.rule.region_level,
            "area": self.rule.area_code,
            "lead_unit": self.lead_unit,
            "assisting_units": list(self.assisting),
        }

    def explain(self) -> str:
        where = "every area" if self.rule.area_code == "*" else f"area {self.rule.area_code}"
        level = self.rule.region_level
        also = f" + {', '.join(self.assisting)}" if self.assisting else ""
        return f"rule #{self.rule.id} ({self.item_code}, {level}, {where}) → {self.lead_unit}{also}"


def route(
    rules: Sequence[Rule],
    *,
    item_chain: Sequence[str],
    region_chain: Sequence[str],
    region_level: str,
) -> Route | None:
    """The rule for an item (``item_chain``: leaf first, then its ancestors) in a region
    (``region_chain``: the region's own code first, then its ancestors) at a centre of
    ``region_level``. A rule whose placeholder cannot be filled there does not apply."""
    depth = {code: i for i, code in enumerate(region_chain)}
    best: tuple[tuple[int, int, int], Rule, str] | None = None
    for item_rank, item in enumerate(item_chain):
        for rule in rules:
            if rule.item_code != item:
                continue
            if rule.region_level not in ("*", region_level):
                continue
            if rule.area_code != "*" and rule.area_code not in depth:
                continue
            if resolve(rule.lead_unit, region_chain) is None:
                continue
            area_rank = depth[rule.area_code] if rule.area_code != "*" else len(region_chain)
            key = (item_rank, area_rank, 0 if rule.region_level != "*" else 1)
            if best is None or key < best[0]:
                best = (key, rule, item)
        if best is not None:
            break  # a rule on a more specific item always wins
    if best is None:
        return None
    _, rule, item = best
    lead = resolve(rule.lead_unit, region_chain)
    assert lead is not None
    assisting = tuple(a for a in (resolve(x, region_chain) for x in rule.assisting) if a)
    return Route(rule, item, lead, assisting)
