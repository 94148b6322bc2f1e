"""Reference data and settings over HTTP: regions, routing rules, triage thresholds, the
working calendar's local days, and the catalogue's published fields (Open311 services).

Reads are open to staff; writes are for administrators (the route policy says which).
Every write validates all of its input before it changes anything.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.api import idempotency as idem
from gridgov.api.deps import ReadActor, ReadSession, WriteActor, WriteSession
from gridgov.api.errors import error_responses, prefers_chinese
from gridgov.api.reference import PolicyRead
from gridgov.cases.sla import LimitUnit, Step
from gridgov.catalog import repository as catalog
from gridgov.dispatch import rules as rules_db
from gridgov.grids.coords import Crs
from gridgov.intake import service as intake
from gridgov.intake.suggest import keyword_list
from gridgov.kit.clock import utc_now
from gridgov.kit.errors import Conflict, NotFound, ValidationFailed
from gridgov.open311 import spec
from gridgov.regions import repository as regions
from gridgov.regions import service as regions_service
from gridgov.store.models import CatalogItem, Region, SlaLimit, SlaPolicy, Unit
from gridgov.web import explain

router = APIRouter(tags=["administration"])


# ---- regions ------------------------------------------------------------------------------
class RegionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    code: str
    name: str
    level: str
    parent_code: str | None
    county_code: str | None


@router.get("/regions", response_model=list[RegionRead], responses=error_responses(401, 403, 422))
def list_regions(
    session: ReadSession,
    actor: ReadActor,
    parent: Annotated[str | None, Query(max_length=12, description="Children of")] = None,
    level: Annotated[str | None, Query(pattern="^(province|city|county|town|village)$")] = None,
) -> list[RegionRead]:
    stmt = select(Region).order_by(Region.code)
    if parent is not None:
        stmt = stmt.where(Region.parent_code == parent)
    if level is not None:
        stmt = stmt.where(Region.level == level)
    return [RegionRead.model_validate(r) for r in session.scalars(stmt.limit(5000))]


@router.get("/regions/{code}", response_model=RegionRead, responses=error_responses(401, 403, 404))
def get_region(code: str, session: ReadSession, actor: ReadActor) -> RegionRead:
    return RegionRead.model_validate(regions.get_region(session, code=code))


class RegionsImport(BaseModel):
    model_config = ConfigDict(extra="forbid")
    csv: Annotated[str | None, Field(max_length=20_000_000, description="code,name,parent")] = None
    geojson: dict[str, Any] | None = Field(None, description="Boundaries (FeatureCollection)")
    crs: Crs = Crs.wgs84
    dry_run: bool = Field(False, description="Check only; write nothing")


class RegionsImported(BaseModel):
    regions: int
    with_boundaries: int
    imported: bool
    problems: list[str]


@router.post(
    "/regions/import", response_model=RegionsImported, responses=error_responses(401, 403, 422)
)
def import_regions(
    body: RegionsImport, session: WriteSession, actor: WriteActor
) -> RegionsImported:
    """National division codes (CSV) and boundaries (GeoJSON), all or nothing. The answer is
    the validation report; with problems, or as a dry run, nothing is written."""
    if body.csv is None and body.geojson is None:
        raise ValidationFailed("send a code list (csv), boundaries (geojson) or both")
    plan = regions_service.RegionImport()
    if body.csv is not None:
        regions_service.read_csv(body.csv, "csv", plan)
    if body.geojson is not None:
        regions_service.read_geojson(json.dumps(body.geojson), "geojson", body.crs, plan)
    problems = regions_service.check(session, plan=plan)
    if not problems and not body.dry_run:
        regions_service.apply(session, plan=plan)
    return RegionsImported(
        regions=len(plan.rows),
        with_boundaries=sum(r.boundary is not None for r in plan.rows.values()),
        imported=not problems and not body.dry_run,
        problems=problems,
    )


# ---- routing rules ------------------------------------------------------------------------
class RuleRow(BaseModel):
    model_config = ConfigDict(extra="forbid")
    item: Annotated[str, Field(min_length=1, max_length=32)]
    region_level: Annotated[str, Field(pattern=r"^(\*|city|county|town)$")] = "*"
    area: Annotated[str, Field(max_length=12)] = "*"
    lead_unit: Annotated[str, Field(min_length=1, max_length=64)]
    assisting: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        default_factory=list
    )
    note: Annotated[str, Field(max_length=200)] = ""


class RuleRead(RuleRow):
    id: int


class RulesImport(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rules: Annotated[list[RuleRow], Field(min_length=1, max_length=10_000)]
    replace: bool = Field(False, description="Delete every rule first")


class ImportedRead(BaseModel):
    imported: int


class RouteRead(BaseModel):
    rule: int | None
    lead_unit: str | None
    assisting_units: list[str]
    explanation: str
    message: str | None = Field(
        None, description="The explanation in Chinese, when Accept-Language prefers zh."
    )


@router.get("/routing-rules", response_model=list[RuleRead], responses=error_responses(401, 403))
def list_rules(session: ReadSession, actor: ReadActor) -> list[RuleRead]:
    return [
        RuleRead(
            id=r.id,
            item=item,
            region_level=r.region_level,
            area=r.area_code,
            lead_unit=r.lead_unit,
            assisting=list(r.assisting),
            note=r.note,
        )
        for r, item in rules_db.rule_rows(session)
    ]


@router.post(
    "/routing-rules", response_model=ImportedRead, responses=error_responses(401, 403, 422)
)
def import_rules(
    body: RulesImport,
    session: WriteSession,
    actor: WriteActor,
    idempotency_key: idem.KeyHeader = None,
) -> ImportedRead | JSONResponse:
    """Add rules (or replace them all); every row is checked before any is written."""

    def make() -> ImportedRead:
        rows = [
            {**r.model_dump(exclude={"assisting"}), "assisting": ";".join(r.assisting)}
            for r in body.rules
        ]
        n = rules_db.import_rules(session, rows=rows, replace=body.replace, source="request")
        return ImportedRead(imported=n)

    return idem.once(
        session,
        actor=actor,
        key=idempotency_key,
        operation="POST /api/v1/routing-rules",
        request=body,
        status_code=200,
        make=make,
        now=utc_now(),
    )


@router.get(
    "/routing-rules/test", response_model=RouteRead, responses=error_responses(401, 403, 404, 422)
)
def route_check(
    session: ReadSession,
    actor: ReadActor,
    item: Annotated[str, Query(max_length=32)],
    region: Annotated[str, Query(max_length=12)],
    level: Annotated[str, Query(pattern="^(city|county|town)$")] = "county",
    accept_language: Annotated[str | None, Header()] = None,
) -> RouteRead:
    """Which rule would route this item in this region, and to whom (no rule: 200 with
    ``rule`` null — the dispatcher chooses). A caller preferring Chinese also gets the
    explanation in Chinese (``message``), with the item, area and units by name."""
    catalog.get_item(session, code=item)
    regions.get_region(session, code=region)
    found = rules_db.route_for(session, item=item, region_code=region, center_level=level)
    chinese = prefers_chinese(accept_language)
    if found is None:
        return RouteRead(
            rule=None,
            lead_unit=None,
            assisting_units=[],
            explanation="no rule: the dispatcher chooses",
            message="无派遣规则：由派遣员选择承办单位" if chinese else None,
        )
    return RouteRead(
        rule=found.rule.id,
        lead_unit=found.lead_unit,
        assisting_units=list(found.assisting),
        explanation=found.explain(),
        message=explain.route_words(session, found) if chinese else None,
    )


# ---- triage thresholds --------------------------------------------------------------------
class TriagePolicyRead(BaseModel):
    classify_threshold: float
    locate_threshold: float
    auto_accept: bool
    auto_dispatch: bool
    duplicate_threshold: float
    duplicate_window_hours: float
    duplicate_radius_m: float


class PolicyUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    classify_threshold: Annotated[float | None, Field(ge=0, le=1)] = None
    locate_threshold: Annotated[float | None, Field(ge=0, le=1)] = None
    auto_accept: bool | None = None
    auto_dispatch: bool | None = None
    duplicate_threshold: Annotated[float | None, Field(ge=0, le=1)] = None
    duplicate_window_hours: Annotated[float | None, Field(ge=1, le=24 * 90)] = None
    duplicate_radius_m: Annotated[float | None, Field(ge=10, le=50_000)] = None


@router.get(
    "/centers/{code}/triage-policy",
    response_model=TriagePolicyRead,
    responses=error_responses(401, 403, 404),
)
def get_policy(code: str, session: ReadSession, actor: ReadActor) -> TriagePolicyRead:
    center = regions.get_center(session, code=code)
    return TriagePolicyRead(**intake.policy_dict(intake.policy_for(session, center_id=center.id)))


@router.put(
    "/centers/{code}/triage-policy",
    response_model=TriagePolicyRead,
    responses=error_responses(401, 403, 404, 422),
)
def set_policy(
    code: str, body: PolicyUpdate, session: WriteSession, actor: WriteActor
) -> TriagePolicyRead:
    center = regions.get_center(session, code=code)
    row = intake.set_policy(session, center_id=center.id, changes=body.model_dump())
    return TriagePolicyRead(**intake.policy_dict(row))


# ---- the working calendar's local days ----------------------------------------------------
class DayRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    day: date
    region_code: str
    is_workday: bool
    name: str


class DaySet(BaseModel):
    model_config = ConfigDict(extra="forbid")
    is_workday: bool
    name: Annotated[str, Field(max_length=100)] = ""
    region_code: Annotated[str, Field(pattern=r"^(\*|\d{6})$")] = "*"


@router.get(
    "/calendar/days", response_model=list[DayRead], responses=error_responses(401, 403, 422)
)
def list_days(
    session: ReadSession,
    actor: ReadActor,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
) -> list[DayRead]:
    return [DayRead.model_validate(d) for d in catalog.list_days(session, year=year)]


@router.put(
    "/calendar/days/{day}", response_model=DayRead, responses=error_responses(401, 403, 422)
)
def set_day(day: date, body: DaySet, session: WriteSession, actor: WriteActor) -> DayRead:
    """A local holiday or make-up working day (overrides the statutory calendar)."""
    if not date(2000, 1, 1) <= day <= date(2100, 12, 31):
        raise ValidationFailed("the day must lie between 2000 and 2100")
    row = catalog.set_day(
        session, day=day, is_workday=body.is_workday, name=body.name, region_code=body.region_code
    )
    return DayRead.model_validate(row)


# ---- the catalogue's published fields -----------------------------------------------------
StandardCodesField = Annotated[
    str,
    Field(
        max_length=300,
        pattern=r"^\s*(\d{2,12}\s*(,\s*\d{2,12}\s*)*)?$",
        description="Standard part/event code prefixes (数字城管) meaning this item: '0101,0203'",
    ),
]


KeywordsField = Annotated[
    str,
    Field(
        max_length=300,
        description="Words citizens use for this item, comma-separated: Open311's search words,"
        " and, on a leaf, the words that take a first-level classification down to it",
    ),
]


def _keywords(words: str) -> str:
    """As kept: trimmed, without repeats or empty entries, full-width commas read as commas."""
    return ",".join(keyword_list(words))


class ItemUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    description: Annotated[str | None, Field(max_length=2000)] = None
    keywords: KeywordsField | None = None
    standard_codes: StandardCodesField | None = None
    active: bool | None = None
    attributes: list[dict[str, Any]] | None = Field(
        None, description="Open311 attribute definitions (service definition)"
    )


class ItemRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    code: str
    name: str
    level: int
    description: str
    keywords: str
    standard_codes: str
    active: bool
    attributes: list[dict[str, Any]] | None


@router.patch(
    "/catalog/{code}", response_model=ItemRead, responses=error_responses(401, 403, 404, 422)
)
def update_item(code: str, body: ItemUpdate, session: WriteSession, actor: WriteActor) -> ItemRead:
    item: CatalogItem = catalog.get_item(session, code=code)
    if body.attributes is not None:
        try:
            checked = spec.parse_definitions(body.attributes)
        except (ValidationError, ValueError) as exc:
            raise ValidationFailed(f"attributes: {exc}") from None
        item.attributes = [a.model_dump(mode="json") for a in checked] or None
    if body.standard_codes is not None:
        item.standard_codes = _standard_codes(session, item.code, body.standard_codes)
    if body.keywords is not None:
        item.keywords = _keywords(body.keywords)
    for name in ("description", "active"):
        value = getattr(body, name)
        if value is not None:
            setattr(item, name, value)
    session.flush()
    return ItemRead.model_validate(item)


def _standard_codes(session: Session, item_code: str, codes: str) -> str:
    """The prefixes, each claimed by one item only: two items for one code would leave an
    inspector's event to chance."""
    prefixes = list(dict.fromkeys(c.strip() for c in codes.split(",") if c.strip()))
    taken = catalog.StandardCodes.load(session)
    for prefix in prefixes:
        owner = next((i for p, i in taken.prefixes if p == prefix and i != item_code), None)
        if owner is not None:
            raise Conflict(f"standard code {prefix} already means catalogue item {owner}")
    return ",".join(prefixes)


class ItemCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[0-9A-Za-z_\-]+$")]
    name: Annotated[str, Field(min_length=1, max_length=100)]
    parent: Annotated[str | None, Field(max_length=32, description="Parent item code")] = None
    sla_policy: Annotated[str | None, Field(max_length=32, description="Policy code")] = None
    priority: Annotated[str, Field(pattern="^(normal|urgent)$")] = "normal"
    grid_admissible: bool = False
    verification_required: bool = True
    standard_codes: StandardCodesField = ""
    keywords: KeywordsField = ""


@router.post(
    "/catalog",
    response_model=ItemRead,
    status_code=201,
    responses=error_responses(401, 403, 404, 409, 422),
)
def create_item(body: ItemCreate, session: WriteSession, actor: WriteActor) -> ItemRead:
    """Add a catalogue item under a parent (or at level 1), optionally with its own policy."""
    if session.scalar(select(CatalogItem.id).where(CatalogItem.code == body.code)) is not None:
        raise Conflict(f"a catalogue item {body.code!r} already exists")
    parent = catalog.get_item(session, code=body.parent) if body.parent else None
    if parent is not None and parent.level >= 3:
        raise ValidationFailed("the catalogue has three levels; a level-3 item has no children")
    policy_id = None
    if body.sla_policy:
        policy = session.scalar(select(SlaPolicy).where(SlaPolicy.code == body.sla_policy))
        if policy is None:
            raise NotFound(f"no time-limit policy {body.sla_policy!r}")
        policy_id = policy.id
    item = CatalogItem(
        code=body.code,
        name=body.name,
        level=parent.level + 1 if parent else 1,
        parent_id=parent.id if parent else None,
        sla_policy_id=policy_id,
        priority=body.priority,
        grid_admissible=body.grid_admissible,
        verification_required=body.verification_required,
        standard_codes=_standard_codes(session, body.code, body.standard_codes),
        keywords=_keywords(body.keywords),
    )
    session.add(item)
    session.flush()
    return ItemRead.model_validate(item)


# ---- time limits --------------------------------------------------------------------------
class LimitSet(BaseModel):
    model_config = ConfigDict(extra="forbid")
    step: Step
    amount: Annotated[float, Field(gt=0, le=10_000)]
    unit: LimitUnit


class PolicySet(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Annotated[str | None, Field(min_length=1, max_length=100)] = None
    warning_ratio: Annotated[float, Field(ge=0.5, le=0.95)] = 0.8
    limits: Annotated[list[LimitSet], Field(min_length=1, max_length=len(Step))]


@router.put(
    "/sla-policies/{code}",
    response_model=PolicyRead,
    responses=error_responses(401, 403, 422),
)
def set_time_policy(
    code: Annotated[str, Path(max_length=32, pattern=r"^[0-9A-Za-z_\-]+$")],
    body: PolicySet,
    session: WriteSession,
    actor: WriteActor,
) -> PolicyRead:
    """Create or replace a time-limit policy. Clocks already running keep the limit they
    started with; the new limits apply to clocks started from now on."""
    steps = [limit.step for limit in body.limits]
    if len(set(steps)) != len(steps):
        raise ValidationFailed("each step (sign, handle, verify, visit) may appear once")
    policy = session.scalar(select(SlaPolicy).where(SlaPolicy.code == code))
    if policy is None:
        if not body.name:
            raise ValidationFailed("a new policy needs a name")
        policy = SlaPolicy(code=code, name=body.name)
        session.add(policy)
    elif body.name:
        policy.name = body.name
    policy.warning_ratio = body.warning_ratio
    policy.limits = [
        SlaLimit(step=x.step.value, amount=x.amount, unit=x.unit.value) for x in body.limits
    ]
    session.flush()
    return PolicyRead.model_validate(policy, from_attributes=True)


# ---- handling units -----------------------------------------------------------------------
class UnitCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[0-9A-Za-z_\-]+$")]
    name: Annotated[str, Field(min_length=1, max_length=100)]
    kind: Annotated[str, Field(pattern="^(department|town|team|enterprise)$")]
    level: Annotated[str, Field(pattern="^(city|county|town)$")]
    region_code: Annotated[str, Field(max_length=12)]
    center: Annotated[str, Field(max_length=32, description="Centre that dispatches to it")]
    duties: Annotated[str, Field(max_length=4000)] = ""


class UnitCreated(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    code: str
    name: str
    kind: str
    level: str
    region_code: str
    duties: str


@router.post(
    "/units",
    response_model=UnitCreated,
    status_code=201,
    responses=error_responses(401, 403, 404, 409, 422),
)
def create_unit(body: UnitCreate, session: WriteSession, actor: WriteActor) -> UnitCreated:
    """Add a handling unit to a centre's dispatch list (routing rules can then name it)."""
    if session.scalar(select(Unit.id).where(Unit.code == body.code)) is not None:
        raise Conflict(f"a unit {body.code!r} already exists")
    regions.get_region(session, code=body.region_code)
    center = regions.get_center(session, code=body.center)
    unit = Unit(
        code=body.code,
        name=body.name,
        kind=body.kind,
        level=body.level,
        region_code=body.region_code,
        center_id=center.id,
        duties=body.duties,
    )
    session.add(unit)
    session.flush()
    return UnitCreated.model_validate(unit)
