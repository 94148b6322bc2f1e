"""Standard addresses and buildings over HTTP: matching free text, importing, risk colours."""

from __future__ import annotations

from typing import Annotated

import numpy as np
from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from gridgov.addresses import buildings, service
from gridgov.addresses.buildings import RiskColour
from gridgov.api.deps import ReadActor, ReadSession, RowId, WriteActor, WriteSession
from gridgov.api.errors import error_responses
from gridgov.grids.coords import Crs
from gridgov.kit.clock import utc_now

router = APIRouter(tags=["addresses"])


class CandidateRead(BaseModel):
    address: str
    grid_code: str | None
    lon: float
    lat: float
    score: float


@router.get(
    "/addresses/match", response_model=list[CandidateRead], responses=error_responses(401, 422)
)
def match(
    session: ReadSession,
    actor: ReadActor,
    text: Annotated[str, Query(min_length=1, max_length=300)],
    county: str | None = None,
    top: Annotated[int, Query(ge=1, le=50)] = 5,
) -> list[CandidateRead]:
    """Standard addresses a free-text (hotline) address most likely means, best first."""
    found = service.match(session, text=text, county_code=county, top=top)
    return [CandidateRead(**c.__dict__) for c in found]


# ---- administration ----------------------------------------------------------------------
class AddressRow(BaseModel):
    model_config = ConfigDict(extra="forbid")
    address: Annotated[str, Field(min_length=2, max_length=300)]
    lon: Annotated[float, Field(ge=-180, le=180)]
    lat: Annotated[float, Field(ge=-90, le=90)]


class AddressImport(BaseModel):
    model_config = ConfigDict(extra="forbid")
    addresses: Annotated[list[AddressRow], Field(min_length=1, max_length=100_000)]
    crs: Crs = Crs.wgs84
    county: Annotated[str | None, Field(pattern=r"^\d{6}$")] = None


class ImportedCount(BaseModel):
    imported: int


@router.post(
    "/addresses", response_model=ImportedCount, responses=error_responses(401, 403, 413, 422)
)
def import_addresses(
    body: AddressImport, session: WriteSession, actor: WriteActor
) -> ImportedCount:
    """Add standard addresses, each located to its grid (all or nothing)."""
    n = service.add_many(
        session,
        texts=[a.address for a in body.addresses],
        lon=np.array([a.lon for a in body.addresses], dtype=float),
        lat=np.array([a.lat for a in body.addresses], dtype=float),
        crs=body.crs,
        county_code=body.county,
        now=utc_now(),
    )
    return ImportedCount(imported=n)


class BuildingCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    address: Annotated[str, Field(min_length=2, max_length=300)]
    lon: Annotated[float, Field(ge=-180, le=180)]
    lat: Annotated[float, Field(ge=-90, le=90)]
    crs: Crs = Crs.wgs84
    households: Annotated[int, Field(ge=0, le=100_000)] = 0


class RiskSet(BaseModel):
    model_config = ConfigDict(extra="forbid")
    colour: RiskColour
    reasons: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(default_factory=list)


class BuildingRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    address: str
    grid_code: str | None
    households: int
    risk_colour: str
    risk_reasons: list[str]


@router.post(
    "/buildings",
    response_model=BuildingRead,
    status_code=201,
    responses=error_responses(401, 403, 422),
)
def add_building(body: BuildingCreate, session: WriteSession, actor: WriteActor) -> BuildingRead:
    row = buildings.add_building(
        session,
        address=body.address,
        lon=body.lon,
        lat=body.lat,
        crs=body.crs,
        households=body.households,
        now=utc_now(),
    )
    return BuildingRead.model_validate(row)


@router.put(
    "/buildings/{building_id}/risk",
    response_model=BuildingRead,
    responses=error_responses(401, 403, 404, 422),
)
def set_risk(
    building_id: RowId, body: RiskSet, session: WriteSession, actor: WriteActor
) -> BuildingRead:
    """The building's risk colour (红黄绿) and why; red and yellow need a reason."""
    row = buildings.set_risk(
        session, building_id=building_id, colour=body.colour, reasons=body.reasons, now=utc_now()
    )
    return BuildingRead.model_validate(row)
