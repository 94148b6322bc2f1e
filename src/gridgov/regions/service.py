"""Importing administrative regions: national code lists (CSV) and boundaries (GeoJSON)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy.orm import Session

from gridgov.grids.coords import Crs
from gridgov.grids.service import reproject
from gridgov.kit.errors import ValidationFailed
from gridgov.store.models import Region

_LEVELS = {2: "province", 4: "city", 6: "county", 9: "town", 12: "village"}
_GEOJSON_LEVELS = {"province": "province", "city": "city", "district": "county", "street": "town"}
_PARENT_COLUMNS = (
    "parent_code",
    "villageCode",
    "streetCode",
    "areaCode",
    "cityCode",
    "provinceCode",
)


def normalise(code: str) -> str:
    """National division code in its stored form: 2 and 4 digits are padded to 6."""
    code = code.strip()
    if not code.isdigit() or len(code) not in _LEVELS:
        raise ValueError(f"{code!r} is not a 2, 4, 6, 9 or 12 digit division code")
    return code.ljust(6, "0") if len(code) < 6 else code


def level_of(raw: str) -> str:
    """Level of a code as written in the national lists (2, 4, 6, 9 or 12 digits)."""
    return _LEVELS[len(raw.strip())]


def level_of_stored(code: str) -> str:
    """Level of a stored code: 32 0000 is a province, 3210 00 a city, 320724 a county."""
    if len(code) == 6:
        return "province" if code[2:] == "0000" else "city" if code[4:] == "00" else "county"
    return _LEVELS[len(code)]


@dataclass
class RegionRow:
    code: str
    name: str
    level: str
    parent_code: str | None
    boundary: BaseGeometry | None = None
    source: str = ""


@dataclass
class RegionImport:
    rows: dict[str, RegionRow] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def add(self, row: RegionRow) -> None:
        known = self.rows.get(row.code)
        if known is not None and row.boundary is not None and known.boundary is None:
            known.boundary = row.boundary  # a boundary file completing a code list
            return
        self.rows[row.code] = row


def read_csv(text: str, source: str, into: RegionImport) -> None:
    # newline="": the csv module reads line ends itself, including one inside quotes
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        fields = set(reader.fieldnames or [])
        rows = list(reader)
    except csv.Error as exc:
        into.problems.append(f"{source}: not a readable CSV ({exc})")
        return
    if not {"code", "name"} <= fields:
        into.problems.append(f"{source}: needs columns code,name (and a parent code column)")
        return
    for line, row in enumerate(rows, start=2):
        try:
            code, level = normalise(row["code"]), level_of(row["code"])
            parent_raw = next((row[c] for c in _PARENT_COLUMNS if row.get(c)), None)
            parent = normalise(parent_raw) if parent_raw else None
        except ValueError as exc:
            into.problems.append(f"{source}:{line}: {exc}")
            continue
        name = (row["name"] or "").strip()
        if not name:
            into.problems.append(f"{source}:{line}: region {code} has no name")
            continue
        into.add(RegionRow(code, name, level, parent, source=f"{source}:{line}"))


def read_geojson(text: str, source: str, crs: Crs | str, into: RegionImport) -> None:
    try:
        doc = json.loads(text)
        features = doc["features"]
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        into.problems.append(f"{source}: not a GeoJSON FeatureCollection ({exc})")
        return
    for n, feature in enumerate(features, start=1):
        props = feature.get("properties") or {}
        try:
            code = normalise(str(props.get("adcode") or props.get("code") or ""))
            shape = shapely.geometry.shape(feature["geometry"])
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            into.problems.append(f"{source}: feature {n}: {exc}")
            continue
        if not shape.is_valid:
            shape = shapely.make_valid(shape)
        parent = (props.get("parent") or {}).get("adcode")
        level = _GEOJSON_LEVELS.get(props.get("level", ""), level_of_stored(code))
        into.add(
            RegionRow(
                code,
                str(props.get("name") or code),
                level,
                normalise(str(parent)) if parent else None,
                boundary=reproject(shape, crs),
                source=f"{source}: feature {n}",
            )
        )


def read_files(paths: Iterable[Path], *, crs: Crs | str) -> RegionImport:
    result = RegionImport()
    for path in sorted(paths, key=lambda p: p.suffix != ".csv"):  # code lists before boundaries
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (FileNotFoundError, UnicodeDecodeError) as exc:
            result.problems.append(f"{path}: {exc}")
            continue
        if path.suffix.lower() in (".geojson", ".json"):
            read_geojson(text, str(path), crs, result)
        else:
            read_csv(text, str(path), result)
    return result


def check(session: Session, *, plan: RegionImport) -> list[str]:
    """What stops the plan: unreadable rows, and parents neither in it nor on file."""
    problems = list(plan.problems)
    for row in plan.rows.values():
        if (
            row.parent_code
            and row.parent_code not in plan.rows
            and session.get(Region, row.parent_code) is None
        ):
            problems.append(f"{row.source}: parent {row.parent_code} of {row.code} is unknown")
    return problems


def apply(session: Session, *, plan: RegionImport) -> int:
    """Check parents, then write every region (parents first) — or raise and write nothing."""
    problems = check(session, plan=plan)
    if problems:
        raise ValidationFailed(
            f"{len(problems)} problem(s); nothing imported:\n" + "\n".join(problems)
        )
    for row in sorted(plan.rows.values(), key=lambda r: (len(r.code.rstrip("0")), r.code)):
        region = session.get(Region, row.code) or Region(code=row.code)
        region.name, region.level = row.name, row.level
        region.parent_code = row.parent_code if row.parent_code != row.code else None
        region.county_code = row.code[:6] if row.level in ("county", "town", "village") else None
        if row.boundary is not None:
            region.boundary = shapely.to_wkb(row.boundary)
        session.add(region)
        session.flush()
    session.info.pop("gridgov.region_chains", None)  # chains read earlier in this transaction
    return len(plan.rows)
