"""Unified grid codes (DESIGN §4) and the order in which new codes are handed out (pure).

A comprehensive grid's code is its village/community's 12-digit code + a 3-digit sequence
001–799; a dedicated grid's sequence is 800–999; a micro grid appends 2 digits (01–99) to the
code of the comprehensive grid it divides. New codes are handed out in reading order over the
centroids: rows from north to south (each row one band high), west to east within a row.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import StrEnum

import numpy as np
from numpy.typing import NDArray


class Kind(StrEnum):
    comprehensive = "comprehensive"
    micro = "micro"
    dedicated = "dedicated"


class Subject(StrEnum):
    school = "school"
    hospital = "hospital"
    enterprise = "enterprise"
    industrial_park = "industrial_park"
    construction_site = "construction_site"
    market = "market"
    scenic_area = "scenic_area"
    other = "other"


_RANGES = {Kind.comprehensive: (1, 799), Kind.dedicated: (800, 999)}
_VILLAGE = re.compile(r"^\d{12}$")


def code_problem(code: str, kind: Kind, *, parent_code: str | None = None) -> str | None:
    """Why the code is malformed for its kind, or None when it is well-formed."""
    if kind is Kind.micro:
        if not re.fullmatch(r"\d{17}", code):
            return f"micro grid code {code!r} must be 17 digits"
        if int(code[15:]) == 0:
            return f"micro grid code {code!r} must end in 01–99"
        if parent_code is not None and code[:15] != parent_code:
            return f"micro grid code {code!r} does not start with its grid {parent_code}"
        return code_problem(code[:15], Kind.comprehensive)
    if not re.fullmatch(r"\d{15}", code):
        return f"{kind.value} grid code {code!r} must be 15 digits"
    low, high = _RANGES[kind]
    if not low <= int(code[12:]) <= high:
        return f"{kind.value} grid code {code!r} must end in {low:03d}–{high:03d}"
    return None


def village_of(code: str) -> str:
    return code[:12]


def is_village_code(code: str) -> bool:
    return bool(_VILLAGE.match(code))


def reading_order(
    x: Sequence[float] | NDArray[np.float64],
    y: Sequence[float] | NDArray[np.float64],
    *,
    band: float,
) -> NDArray[np.intp]:
    """Indices of the points in reading order: bands north→south, then west→east."""
    xs, ys = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if not len(xs):
        return np.zeros(0, dtype=np.intp)
    if band <= 0:
        raise ValueError("band height must be positive")
    row = np.floor((ys.max() - ys) / band)
    return np.lexsort((xs, row))


def next_codes(prefix: str, kind: Kind, taken: set[str], count: int) -> list[str]:
    """The first ``count`` free codes under a village (or a grid, for micro grids)."""
    if kind is Kind.micro:
        low, high, width = 1, 99, 2
    else:
        (low, high), width = _RANGES[kind], 3
    free = [f"{prefix}{n:0{width}d}" for n in range(low, high + 1)]
    free = [c for c in free if c not in taken]
    if len(free) < count:
        raise ValueError(f"no room for {count} more {kind.value} grids under {prefix}")
    return free[:count]
