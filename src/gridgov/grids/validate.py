"""Validation of a grid set before import (pure): one report line per defect, naming the feature.

Defect classes: ``invalid_geometry`` (with a ``make_valid`` repair on offer),
``malformed_code``, ``duplicate_code``, ``wrong_parent`` (the code's village is not the parent
given, or the parent is unknown), ``overlap`` (two comprehensive grids share area),
``gap`` (part of a village not covered by its comprehensive grids) and ``outside_parent``
(a grid reaching out of its village). Areas are compared in square metres with tolerances, so
the floating-point seams of shared edges are not reported.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from gridgov.grids.codes import Kind, code_problem, village_of

TOLERANCE_M2 = 1.0  # areas below this are seams of floating point, not defects


class Defect(StrEnum):
    invalid_geometry = "invalid_geometry"
    malformed_code = "malformed_code"
    duplicate_code = "duplicate_code"
    wrong_parent = "wrong_parent"
    overlap = "overlap"
    gap = "gap"
    outside_parent = "outside_parent"


@dataclass(frozen=True)
class Feature:
    """One grid as read from a file (geometry already in WGS-84)."""

    position: int  # 1-based feature number in the file
    code: str
    kind: Kind
    name: str
    region_code: str
    geometry: BaseGeometry
    subject: str | None = None
    parent_code: str | None = None


@dataclass(frozen=True)
class Problem:
    defect: Defect
    position: int | None
    code: str
    detail: str
    repairable: bool = False

    def line(self) -> str:
        where = f"feature {self.position} ({self.code})" if self.position else self.code
        return f"{self.defect.value}: {where}: {self.detail}"


@dataclass
class Report:
    features: int
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        return [p.line() for p in self.problems]


def area_m2(geometry: BaseGeometry) -> float:
    if geometry.is_empty:
        return 0.0
    lat = shapely.get_y(shapely.centroid(geometry))
    return float(geometry.area * 111_320.0 * 110_574.0 * np.cos(np.radians(lat)))


def validate(
    features: Sequence[Feature],
    *,
    villages: Mapping[str, BaseGeometry | None],
    existing: Mapping[str, BaseGeometry] | None = None,
) -> Report:
    """Check a grid set. ``villages`` maps known village codes to their boundary (or None);
    ``existing`` holds comprehensive grids already stored that the import does not replace."""
    report = Report(features=len(features))
    add = report.problems.append
    seen: dict[str, int] = {}
    for f in features:
        if f.code in seen:
            add(
                Problem(
                    Defect.duplicate_code,
                    f.position,
                    f.code,
                    f"same code as feature {seen[f.code]}",
                )
            )
        seen.setdefault(f.code, f.position)
        problem = code_problem(f.code, f.kind, parent_code=f.parent_code)
        if problem:
            add(Problem(Defect.malformed_code, f.position, f.code, problem))
        if f.region_code not in villages:
            add(
                Problem(
                    Defect.wrong_parent,
                    f.position,
                    f.code,
                    f"parent region {f.region_code} is not a known village/community",
                )
            )
        elif not problem and village_of(f.code) != f.region_code:
            add(
                Problem(
                    Defect.wrong_parent,
                    f.position,
                    f.code,
                    f"code belongs to village {village_of(f.code)}, parent given is "
                    f"{f.region_code}",
                )
            )
        if f.geometry.is_empty or f.geometry.geom_type not in ("Polygon", "MultiPolygon"):
            add(
                Problem(
                    Defect.invalid_geometry,
                    f.position,
                    f.code,
                    f"geometry is {f.geometry.geom_type or 'empty'}, not a polygon",
                )
            )
        elif not f.geometry.is_valid:
            add(
                Problem(
                    Defect.invalid_geometry,
                    f.position,
                    f.code,
                    shapely.is_valid_reason(f.geometry),
                    repairable=True,
                )
            )
    valid = [
        f
        for f in features
        if f.geometry.geom_type in ("Polygon", "MultiPolygon") and f.geometry.is_valid
    ]
    _overlaps(valid, existing or {}, add)
    _containment(valid, villages, add)
    return report


def _overlaps(
    features: Sequence[Feature],
    existing: Mapping[str, BaseGeometry],
    add: Callable[[Problem], None],
) -> None:
    comp = [f for f in features if f.kind is Kind.comprehensive]
    importing = {f.code for f in comp}
    others = [(code, g) for code, g in existing.items() if code not in importing]
    geoms = np.asarray([f.geometry for f in comp] + [g for _, g in others], dtype=object)
    if len(geoms) < 2:
        return
    codes = [f.code for f in comp] + [c for c, _ in others]
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if i >= j or i >= len(comp):
            continue
        shared = area_m2(shapely.intersection(geoms[i], geoms[j]))
        if shared > TOLERANCE_M2:
            add(
                Problem(
                    Defect.overlap,
                    comp[i].position,
                    comp[i].code,
                    f"overlaps {codes[j]} by {shared:,.0f} m²",
                )
            )


def _containment(
    features: Sequence[Feature],
    villages: Mapping[str, BaseGeometry | None],
    add: Callable[[Problem], None],
) -> None:
    by_village: dict[str, list[Feature]] = defaultdict(list)
    for f in features:
        boundary = villages.get(f.region_code)
        if boundary is None:
            continue
        outside = area_m2(shapely.difference(f.geometry, boundary))
        if outside > max(TOLERANCE_M2, 1e-4 * area_m2(f.geometry)):
            add(
                Problem(
                    Defect.outside_parent,
                    f.position,
                    f.code,
                    f"{outside:,.0f} m² lie outside village {f.region_code}",
                )
            )
        if f.kind is Kind.comprehensive:
            by_village[f.region_code].append(f)
    for code, members in sorted(by_village.items()):
        boundary = villages[code]
        assert boundary is not None
        gap = shapely.difference(boundary, shapely.union_all([f.geometry for f in members]))
        missing = area_m2(gap)
        if missing > max(TOLERANCE_M2, 1e-4 * area_m2(boundary)):
            at = shapely.point_on_surface(gap)
            add(
                Problem(
                    Defect.gap,
                    None,
                    code,
                    f"{missing:,.0f} m² of the village are in no comprehensive grid "
                    f"(e.g. near {at.x:.6f}, {at.y:.6f})",
                )
            )
