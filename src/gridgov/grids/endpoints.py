"""HTTP endpoints for grids and locating (thin)."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from gridgov.addresses import buildings
from gridgov.addresses.buildings import RiskColour
from gridgov.api.deps import PageNo, PageSize, ReadActor, ReadSession, WriteActor, WriteSession
from gridgov.api.errors import error_responses
from gridgov.grids import patrol, repository, service, staff
from gridgov.grids.coords import Crs, to_wgs84
from gridgov.kit.clock import utc_now
from gridgov.kit.errors import ValidationFailed
from gridgov.kit.pagination import PageParams

router = APIRouter(tags=["grids"])
_lock = threading.Lock()


class GridRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    code: str
    kind: str
    subject: str | None
    name: str
    region_code: str
    parent_code: str | None
    area_m2: float
    centroid_lon: float
    centroid_lat: float


class GridDetail(GridRead):
    geometry: dict[str, Any] = Field(description="GeoJSON geometry, WGS-84")


class GridPage(BaseModel):
    items: list[GridRead]
    total: int
    page: int
    page_size: int


class LocateRead(BaseModel):
    lon: float = Field(description="WGS-84 longitude used")
    lat: float = Field(description="WGS-84 latitude used")
    grid_code: str | None = Field(description="Comprehensive grid, null when outside all")
    on_edge: bool = Field(description="On a shared edge: the smallest code is chosen")
    dedicated: list[str]
    micro: list[str]
    regions: list[dict[str, str]] = Field(description="Village up to province")
    centers: list[str] = Field(description="Command centres from the nearest upwards")
    nearest_grid: str | None = Field(description="When outside: the nearest grid")
    nearest_m: float | None = Field(description="When outside: distance to it in metres")


class PointsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    crs: Crs = Crs.wgs84
    lon: list[Annotated[float, Field(ge=-180, le=180)]] = Field(max_length=1_000_000)
    lat: list[Annotated[float, Field(ge=-90, le=90)]] = Field(max_length=1_000_000)


class PointsOut(BaseModel):
    grid_code: list[str | None]


def locator(request: Request, session: ReadSession) -> service.Locator:
    """The app's locator, rebuilt when the grid table has changed since it was built."""
    current = repository.revision(session)
    with _lock:
        cached: service.Locator | None = getattr(request.app.state, "locator", None)
        if cached is None or cached.revision != current:
            cached = service.build_locator(session)
            request.app.state.locator = cached
    return cached


@router.get("/grids", response_model=GridPage, responses=error_responses(401, 422))
def list_grids(
    session: ReadSession,
    actor: ReadActor,
    kind: str | None = None,
    region: Annotated[str | None, Query(description="Region code prefix")] = None,
    page: PageNo = 1,
    page_size: PageSize = 50,
) -> GridPage:
    params = PageParams(page, page_size)
    rows, total = repository.list_grids(
        session, kind=kind, region_prefix=region, offset=params.offset, limit=page_size
    )
    return GridPage(
        items=[GridRead.model_validate(g) for g in rows],
        total=total,
        page=page,
        page_size=page_size,
    )


@router.get("/grids.geojson", responses=error_responses(401))
def grids_geojson(
    session: ReadSession,
    actor: ReadActor,
    kind: str | None = None,
    region: Annotated[str | None, Query(description="Region code prefix")] = None,
) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of the grids (for maps)."""
    return service.export_geojson(session, kind=kind, region_prefix=region)


@router.get("/grids/{code}", response_model=GridDetail, responses=error_responses(401, 404))
def get_grid(code: str, session: ReadSession, actor: ReadActor) -> GridDetail:
    grid = repository.get(session, code=code)
    feature = service.to_feature(grid)
    return GridDetail(**GridRead.model_validate(grid).model_dump(), geometry=feature["geometry"])


@router.get("/locate", response_model=LocateRead, responses=error_responses(401, 422))
def locate(
    request: Request,
    session: ReadSession,
    actor: ReadActor,
    lon: Annotated[float, Query(ge=-180, le=180)],
    lat: Annotated[float, Query(ge=-90, le=90)],
    crs: Crs = Crs.wgs84,
) -> LocateRead:
    """The grid, region chain and centres of one point given in WGS-84, GCJ-02 or BD-09."""
    x, y = to_wgs84(lon, lat, crs)
    answer = service.locate_point(session, locator(request, session), lon=float(x), lat=float(y))
    return LocateRead(lon=float(x), lat=float(y), **answer.__dict__)


@router.post("/locate", response_model=PointsOut, responses=error_responses(401, 422))
def locate_many(
    body: PointsIn, request: Request, session: ReadSession, actor: ReadActor
) -> PointsOut:
    """Comprehensive grid codes of many points at once (null when outside)."""
    if len(body.lon) != len(body.lat):
        raise ValidationFailed("lon and lat must have the same length")
    x, y = to_wgs84(np.asarray(body.lon), np.asarray(body.lat), body.crs)
    return PointsOut(grid_code=locator(request, session).codes_for(x, y))


class CoverageRead(BaseModel):
    grids: int
    covered_share: float | None
    without_worker: list[str]
    over_assigned: dict[str, list[str]]
    by_role: dict[str, int]


@router.get(
    "/grids/{code}/people", response_model=dict[str, list[str]], responses=error_responses(401, 404)
)
def grid_people(code: str, session: ReadSession, actor: ReadActor) -> dict[str, list[str]]:
    """Usernames on the grid by role (一长五员 …), and linked people as ``link:<kind>``."""
    return staff.people_of(session, grid_code=code)


@router.get("/grid-coverage", response_model=CoverageRead, responses=error_responses(401))
def grid_coverage(
    session: ReadSession,
    actor: ReadActor,
    county: str | None = None,
    max_grids: Annotated[int, Query(ge=1, le=1000)] = 1,
) -> CoverageRead:
    """Grids with no grid worker, and grid workers on more than ``max_grids`` grids."""
    report = staff.coverage(session, county_code=county, max_grids=max_grids)
    return CoverageRead(covered_share=report.covered_share, **report.__dict__)


class BuildingRead(BaseModel):
    id: int
    address: str
    grid_code: str | None
    households: int
    risk_colour: str
    risk_reasons: list[str]
    worst_household_colour: str | None


@router.get(
    "/grids/{code}/buildings",
    response_model=list[BuildingRead],
    responses=error_responses(401, 404, 422),
)
def grid_buildings(
    code: str, session: ReadSession, actor: ReadActor, colour: RiskColour | None = None
) -> list[BuildingRead]:
    """The grid's buildings, worst risk colour first."""
    return [
        BuildingRead(**v.__dict__)
        for v in buildings.in_grid(session, grid_code=code, colour=colour)
    ]


# ---- administration ----------------------------------------------------------------------
class ProblemRead(BaseModel):
    defect: str
    position: int | None
    code: str
    detail: str
    repairable: bool


class GridImportRead(BaseModel):
    features: int
    imported: bool
    problems: list[ProblemRead]


@router.post(
    "/grids/import",
    response_model=GridImportRead,
    responses=error_responses(401, 403, 422),
)
def import_grids(
    session: WriteSession,
    actor: WriteActor,
    collection: Annotated[dict[str, Any], Body(description="A GeoJSON FeatureCollection")],
    crs: Crs = Crs.wgs84,
    dry_run: Annotated[bool, Query(description="Check only; write nothing")] = False,
    repair: Annotated[bool, Query(description="Repair invalid polygons (make_valid)")] = False,
) -> GridImportRead:
    """Import grids: all features or none. The answer is the validation report; with
    problems nothing is written (and ``imported`` is false)."""
    features, problems = service.features_from_geojson(collection, crs=crs)
    if repair:
        features = service.repair(features)
    if dry_run:
        report = service.check(
            session, features=service.assign_codes(session, features), problems=problems
        )
        imported = False
    else:
        try:
            with session.begin_nested():
                report = service.import_features(
                    session, features=features, problems=problems, source_crs=crs, now=utc_now()
                )
            imported = True
        except service.ImportRejected as exc:
            report, imported = exc.report, False
    return GridImportRead(
        features=report.features,
        imported=imported,
        problems=[
            ProblemRead(
                defect=pr.defect.value,
                position=pr.position,
                code=pr.code,
                detail=pr.detail,
                repairable=pr.repairable,
            )
            for pr in report.problems
        ],
    )


class StaffBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: Annotated[str, Field(min_length=1, max_length=64)]
    role: staff.StaffRole = staff.StaffRole.grid_worker


@router.post(
    "/grids/{code}/staff", status_code=204, responses=error_responses(401, 403, 404, 409, 422)
)
def assign_staff(code: str, body: StaffBody, session: WriteSession, actor: WriteActor) -> None:
    """Put a person on the grid in a role (一长五员, instructor, volunteer)."""
    staff.assign(session, grid_code=code, username=body.username, role=body.role, now=utc_now())


@router.delete(
    "/grids/{code}/staff/{username}",
    status_code=204,
    responses=error_responses(401, 403, 404, 422),
)
def remove_staff(
    code: str,
    username: str,
    session: WriteSession,
    actor: WriteActor,
    role: staff.StaffRole = staff.StaffRole.grid_worker,
) -> None:
    staff.unassign(session, grid_code=code, username=username, role=role)


class LinkBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: Annotated[str, Field(min_length=1, max_length=64)]
    kind: staff.LinkKind = staff.LinkKind.leader


@router.post(
    "/grids/{code}/links", status_code=204, responses=error_responses(401, 403, 404, 409, 422)
)
def link_grid(code: str, body: LinkBody, session: WriteSession, actor: WriteActor) -> None:
    """Link a leader or a police/judicial officer to the grid (挂联)."""
    staff.link(session, grid_code=code, username=body.username, kind=body.kind, now=utc_now())


# ---- patrol check-ins ------------------------------------------------------------------------
class CheckinIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    client_id: Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[\w.:-]+$")] = Field(
        description="Made on the phone: the same check-in sent twice is one"
    )
    lon: Annotated[float, Field(ge=-180, le=180)]
    lat: Annotated[float, Field(ge=-90, le=90)]
    accuracy_m: Annotated[float | None, Field(ge=0, le=100_000)] = None
    at: datetime | None = Field(None, description="When, on the phone (default: now)")
    note: Annotated[str, Field(max_length=500)] = ""


class CheckinRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    client_id: str
    username: str
    name: str
    lon: float
    lat: float
    accuracy_m: float | None
    grid_code: str | None
    region_code: str | None
    note: str
    at: datetime
    received_at: datetime


def _checkin_read(row: Any, username: str, name: str) -> CheckinRead:
    fields = {k: getattr(row, k) for k in CheckinRead.model_fields if hasattr(row, k)}
    return CheckinRead(**fields, username=username, name=name)


@router.post(
    "/patrols/checkins",
    response_model=CheckinRead,
    status_code=201,
    responses={200: {"model": CheckinRead, "description": "Already on file (same client_id)"}}
    | error_responses(401, 403, 422),
)
def check_in(
    body: CheckinIn,
    request: Request,
    session: WriteSession,
    actor: WriteActor,
) -> Any:
    """A grid worker's patrol check-in, placed in its grid; idempotent by ``client_id``."""
    p = request.app.state.platform
    try:
        found = p.triage.locator(session)
    except ValidationFailed:  # no grids yet: the check-in is kept without one
        found = None
    done = patrol.check_in(
        session,
        actor=actor,
        client_id=body.client_id,
        lon=body.lon,
        lat=body.lat,
        at=body.at,
        accuracy_m=body.accuracy_m,
        note=body.note,
        locator=found,
        now=utc_now(),
    )
    read = _checkin_read(done.row, actor.username, actor.username)
    if done.created:
        return read
    return JSONResponse(read.model_dump(mode="json"), status_code=200)


@router.get(
    "/patrols/checkins",
    response_model=list[CheckinRead],
    responses=error_responses(401, 403, 422),
)
def list_checkins(
    session: ReadSession,
    actor: ReadActor,
    hours: Annotated[int, Query(ge=1, le=24 * 31, description="How far back")] = 24,
    username: Annotated[str | None, Query(max_length=64)] = None,
) -> list[CheckinRead]:
    """Recent check-ins the caller may see (a grid worker: their own), newest first."""
    since = utc_now() - timedelta(hours=hours)
    rows = patrol.recent(session, actor=actor, since=since, username=username)
    return [_checkin_read(row, name, display) for row, name, display in rows]
