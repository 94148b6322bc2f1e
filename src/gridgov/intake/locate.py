"""Placing a record: its point's grid, the grid it names, its address on the registry, the
region or centre it names — with how sure each is (pure but for the lookups)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.addresses import service as addresses
from gridgov.addresses.match import parse as parse_address
from gridgov.grids.coords import to_wgs84
from gridgov.grids.repository import comprehensive_at
from gridgov.intake import channels
from gridgov.kit.errors import NotFound, ValidationFailed
from gridgov.regions import repository as regions
from gridgov.store.models import Center, Grid, Region


@dataclass(frozen=True)
class Placed:
    region_code: str
    lon: float | None  # as reported (the case keeps both the report and WGS-84)
    lat: float | None
    grid_code: str | None
    source: str  # coordinates / grid / address / region / centre
    confidence: float
    note: str = ""
    matched: str | None = None  # the registry's address the words matched, however well
    town: str | None = None  # the town the address names, where the registry could not place it
    between: tuple[str, str] | None = None  # the registry's door numbers either side
    guess: str | None = None  # the grid between them, where that is too unsure to take

    def as_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "confidence": self.confidence,
            "region": self.region_code,
            "grid": self.grid_code,
            "note": self.note,
            "matched": self.matched,
            "town": self.town,
            **({"between": list(self.between)} if self.between else {}),
            **({"guess": self.guess} if self.guess else {}),
        }


def locate(
    session: Session, *, draft: channels.Draft, home: Center | None, threshold: float
) -> Placed:
    """Coordinates → grid; else the grid the channel named; else the address registry (or,
    where it cannot place the address, the town the address names); else the region the
    channel named; else the receiving centre's region (confidence 0)."""
    fallback = draft.region_code or (home.region_code if home else None)
    if draft.region_code:
        regions.get_region(session, code=draft.region_code)  # NotFound → dead letter
    if draft.lon is not None and draft.lat is not None:
        x, y = to_wgs84(draft.lon, draft.lat, draft.crs)
        grid = comprehensive_at(session, lon=float(x), lat=float(y))
        if grid:
            region = session.scalar(select(Grid.region_code).where(Grid.code == grid))
            if region or fallback:
                return Placed(region or fallback, draft.lon, draft.lat, grid, "coordinates", 1.0)
        if fallback is None:
            raise ValidationFailed("the point is in no grid and no centre or region was given")
        return Placed(
            fallback, draft.lon, draft.lat, None, "coordinates", 0.5, "the point is in no grid"
        )
    if draft.grid_code:
        region = session.scalar(select(Grid.region_code).where(Grid.code == draft.grid_code))
        if region is None:
            raise NotFound(f"no grid {draft.grid_code}")
        return Placed(region, None, None, draft.grid_code, "grid", 1.0)
    if fallback is None:
        raise ValidationFailed("no place: give coordinates, a grid, a region or a centre")
    if draft.address:
        county = fallback[:6]
        best, guess = addresses.place(
            session, text=draft.address, county_code=county, sure=threshold
        )
        # a town the caller named narrows an address the registry cannot place (a region the
        # channel gave is as narrow or narrower)
        named = None if draft.region_code else _town_named(session, draft.address, county)
        in_town = f"; in {named[1]} as the address says" if named else ""
        if best:
            confidence = round(best.score / 100 if best.score > 1 else best.score, 3)
            if confidence >= threshold and best.grid_code:
                matched = f"matched {best.address}"
                return _by_address(session, fallback, best, confidence, matched, best.address)
            # a door number the registry lacks, between two it has on the same street
            hint = guess if guess and guess.grid_code else None
            if hint and hint.score >= max(threshold, confidence):
                why, between = f"between {hint.lower} and {hint.upper}", (hint.lower, hint.upper)
                return _by_address(session, fallback, hint, hint.score, why, between=between)
            note = f"uncertain match {best.address}: a person should place it{in_town}"
            if hint:
                note += f"; perhaps grid {hint.grid_code}, between {hint.lower} and {hint.upper}"
            return Placed(
                named[0] if named else fallback,
                None,
                None,
                None,
                "address",
                confidence,
                note,
                best.address,
                named[0] if named else None,
                between=(hint.lower, hint.upper) if hint else None,
                guess=hint.grid_code if hint else None,
            )
        if named:
            note = f"no such address on the registry: a person should place it{in_town}"
            return Placed(named[0], None, None, None, "address", 0.3, note, town=named[0])
    if draft.region_code:
        return Placed(draft.region_code, None, None, None, "region", 0.6, "no point or address")
    return Placed(fallback, None, None, None, "centre", 0.0, "no place given")


def _by_address(
    session: Session,
    fallback: str,
    at: addresses.Candidate | addresses.Interpolated,
    confidence: float,
    note: str,
    matched: str | None = None,
    between: tuple[str, str] | None = None,
) -> Placed:
    """Placed by its address in the grid of ``at`` (and that grid's region)."""
    region = session.scalar(select(Grid.region_code).where(Grid.code == at.grid_code))
    return Placed(
        region or fallback,
        at.lon,
        at.lat,
        at.grid_code,
        "address",
        confidence,
        note,
        matched,
        between=between,
    )


_TOWN = re.compile(r"([^省市县区镇乡]{1,8}?(?:镇|乡|街道))")


def _town_named(session: Session, address: str, county: str) -> tuple[str, str] | None:
    """The town (镇, 乡, 街道) of the county an address names, as (code, name)."""
    names = _TOWN.findall(parse_address(address).admin)
    if not names:
        return None
    found = session.execute(
        select(Region.code, Region.name).where(
            Region.name == names[-1], Region.level == "town", Region.code.startswith(county)
        )
    ).all()
    return (found[0][0], found[0][1]) if len(found) == 1 else None


def place_words(placed: Placed) -> str:
    if placed.grid_code:
        how = f" ({placed.note})" if placed.between else ""  # a door number between two
        return f"grid {placed.grid_code} by {placed.source} {placed.confidence:.2f}{how}"
    return f"region {placed.region_code} by {placed.source} {placed.confidence:.2f}" + (
        f" ({placed.note})" if placed.note else ""
    )
