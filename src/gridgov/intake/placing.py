"""What a bulk import finds out about its rows beyond their cells: where each is (its point
in a grid, or its address through the registry) and the triage record its case keeps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from gridgov.cases.schemas import Channel
from gridgov.grids.coords import to_wgs84
from gridgov.grids.service import Locator
from gridgov.intake import locate as places
from gridgov.intake.channels import Draft
from gridgov.intake.decision import Outcome
from gridgov.intake.mapping import FINISHED
from gridgov.intake.service import grid_places
from gridgov.intake.service import policy_for as intake_policy
from gridgov.store.models import Center

# what a bulk import's case keeps of triage: it waits in the queue as imported (one record
# shared by every such row, converted once)
IMPORTED = Outcome("queue", waits=("imported",))
_IMPORTED = {
    "outcome": IMPORTED.as_dict(),
    "decision": IMPORTED.words,
    "explanation": IMPORTED.words,
}
HISTORY = Outcome("history")


Places = Callable[[Session], tuple[Locator, dict[str, str]]]


def place(
    values: list[dict[str, Any]], crs: str, session: Session, locate: Places | None, home: str
) -> None:
    """Each row with coordinates: its point in WGS-84 and, where that lies in one, its
    comprehensive grid and the grid's region (one pass over the grid index); where it lies
    in none, unsure, in the row's region (``home`` where it names none)."""
    pointed = [v for v in values if v["lon"] is not None and v["lat"] is not None]
    if not pointed:
        return
    locator, region_of = (locate or grid_places)(session)
    x, y = to_wgs84([v["lon"] for v in pointed], [v["lat"] for v in pointed], crs)
    lon, lat = np.round(x, 7), np.round(y, 7)
    codes = locator.codes_for(lon, lat)
    for v, a, b, code in zip(pointed, lon.tolist(), lat.tolist(), codes, strict=True):
        v["wgs"] = (a, b)
        location: dict[str, Any] = {"source": "coordinates", "confidence": 1.0, "grid": code}
        if code:
            v["grid"], v["grid_region"] = code, region_of.get(code)
            location["region"] = v["grid_region"] or v["region_code"] or home
        else:
            location |= {"confidence": 0.5, "region": v["region_code"] or home}
            location["note"] = "in no grid"
        v["location"] = location


def place_addresses(values: list[dict[str, Any]], session: Session, center: Center) -> None:
    """Each row with an address and no point, placed as the door places a record by its
    address (the registry, a door number between two, the town it names)."""
    threshold = intake_policy(session, center_id=center.id).locate_threshold
    for v in values:
        if "wgs" in v or not v["address"]:
            continue
        draft = Draft(Channel.hotline, text="", address=v["address"], region_code=None)
        placed = places.locate(session, draft=draft, home=center, threshold=threshold)
        v["location"] = placed.as_dict()
        if placed.grid_code:
            v["grid"], v["grid_region"] = placed.grid_code, placed.region_code
            v["wgs"] = (placed.lon, placed.lat)
        elif placed.region_code != center.region_code:  # the town the address names
            v["grid_region"] = placed.region_code


def triage_record(values: dict[str, Any]) -> dict[str, Any] | None:
    """An imported case's triage record: what the import found (the classifier's answer,
    if asked; the grid of its point or address) and that it waits in the queue as imported,
    with what it is unsure of (category, place); for history, only what it found, and none
    where it found nothing."""
    c, grid = values["classification"], values.get("grid")
    finished = values["status"] in FINISHED
    location = values.get("location")  # by its point or its address (:func:`place`)
    if c is None and location is None:
        return None if finished else _IMPORTED
    waits = ["imported"]
    if c is not None and not values["catalog_item"]:
        waits.append("unsure_item")
    if location is not None and not grid:  # a point in no grid, an address not placed
        waits.append("unsure_place")
    outcome = HISTORY if finished else Outcome("queue", waits=tuple(waits))
    found = []
    if c is not None:
        said = f"classified as {c['item']} {c['confidence']:.2f}" if c["item"] else "not classified"
        found.append(said + (f" ({', '.join(c['terms'][:3])})" if c["terms"] else ""))
    if location is not None:
        if location["source"] == "coordinates":
            found.append(f"grid {grid} (coordinates)" if grid else "the point is in no grid")
        else:
            found.append(f"grid {grid} ({location.get('note')})" if grid else location["note"])
    return {
        **({"classification": c} if c is not None else {}),
        **({"location": location} if location is not None else {}),
        "outcome": outcome.as_dict(),
        "decision": outcome.words,
        "explanation": "; ".join([*found, outcome.words]),
    }
