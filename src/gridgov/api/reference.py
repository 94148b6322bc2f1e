"""Read-only reference data (centres, units, catalogue) and operations (sweep, audit)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from gridgov.api.deps import ReadActor, ReadSession, ThePlatform, WriteActor, WriteSession
from gridgov.api.errors import error_responses
from gridgov.audit.service import verify_all
from gridgov.cases.tasks import sweep
from gridgov.catalog import repository as catalog
from gridgov.kit.clock import utc_now
from gridgov.regions import repository as regions

router = APIRouter(tags=["reference"])


class CenterRead(BaseModel):
    code: str
    name: str
    level: str
    region_code: str


class UnitRead(BaseModel):
    code: str
    name: str
    kind: str
    level: str
    region_code: str


class LimitRead(BaseModel):
    step: str
    amount: float
    unit: str


class PolicyRead(BaseModel):
    code: str
    name: str
    warning_ratio: float
    limits: list[LimitRead]


class CatalogItemRead(BaseModel):
    code: str
    name: str
    level: int
    priority: str
    grid_admissible: bool
    verification_required: bool


class SweepRead(BaseModel):
    warnings: int
    overdue: int
    skipped: list[str]


class AuditRead(BaseModel):
    ok: bool
    cases: int
    events: int
    findings: list[dict[str, object]]


@router.get("/centers", response_model=list[CenterRead], responses=error_responses(401))
def centers(session: ReadSession, actor: ReadActor) -> list[CenterRead]:
    return [
        CenterRead.model_validate(c, from_attributes=True) for c in regions.list_centers(session)
    ]


@router.get("/units", response_model=list[UnitRead], responses=error_responses(401, 404))
def units(session: ReadSession, actor: ReadActor, center: str | None = None) -> list[UnitRead]:
    center_id = regions.get_center(session, code=center).id if center else None
    return [
        UnitRead.model_validate(u, from_attributes=True)
        for u in regions.list_units(session, center_id=center_id)
    ]


@router.get("/catalog", response_model=list[CatalogItemRead], responses=error_responses(401))
def catalog_items(session: ReadSession, actor: ReadActor) -> list[CatalogItemRead]:
    return [
        CatalogItemRead.model_validate(i, from_attributes=True) for i in catalog.list_items(session)
    ]


@router.get("/sla-policies", response_model=list[PolicyRead], responses=error_responses(401))
def sla_policies(session: ReadSession, actor: ReadActor) -> list[PolicyRead]:
    return [
        PolicyRead.model_validate(p, from_attributes=True) for p in catalog.list_policies(session)
    ]


@router.post("/sla/sweep", response_model=SweepRead, responses=error_responses(401, 403))
def run_sweep(session: WriteSession, actor: WriteActor, p: ThePlatform) -> SweepRead:
    result = sweep(session, now=utc_now(), rules=p.rules)
    return SweepRead(warnings=result.warnings, overdue=result.overdue, skipped=result.skipped)


@router.get("/audit/verify", response_model=AuditRead, responses=error_responses(401, 403))
def audit(session: ReadSession, actor: ReadActor) -> AuditRead:
    report = verify_all(session)
    return AuditRead(
        ok=report.ok,
        cases=report.cases,
        events=report.events,
        findings=[f.__dict__ for f in report.findings],
    )
