"""Pydantic shapes of case input and output. Inputs forbid unknown fields."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from gridgov.cases.sla import Colour, LimitUnit, Step
from gridgov.cases.workflow import Action, Status
from gridgov.grids.coords import Crs
from gridgov.kit.errors import ValidationFailed


class Channel(StrEnum):
    hotline = "hotline"
    grid_app = "grid_app"
    inspector = "inspector"
    web = "web"
    open311 = "open311"
    sensor = "sensor"
    police_110 = "police_110"
    leader = "leader"
    superior = "superior"
    letters = "letters"
    media = "media"


class Priority(StrEnum):
    normal = "normal"
    urgent = "urgent"
    emergency = "emergency"


class Satisfaction(StrEnum):
    satisfied = "satisfied"
    basically_satisfied = "basically_satisfied"
    dissatisfied = "dissatisfied"


Text = Annotated[str, Field(min_length=2, max_length=4000)]
ShortNote = Annotated[str | None, Field(default=None, max_length=2000)]
GridCode = Annotated[str | None, Field(pattern=r"^\d{15}(\d{2})?$")]
PLACE = "The grid the case lies in, where intake could not place it (in the owning centre's area)."


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CaseCreate(_In):
    channel: Channel
    title: Annotated[str, Field(min_length=2, max_length=200)]
    description: Annotated[str, Field(max_length=8000)] = ""
    region_code: Annotated[str, Field(pattern=r"^\d{6}(\d{3}(\d{3})?)?$")]
    center: str | None = Field(None, description="Centre code; default: the region's centre.")
    external_id: Annotated[str | None, Field(max_length=100)] = None
    address: Annotated[str, Field(max_length=300)] = ""
    lon: Annotated[float | None, Field(ge=-180, le=180)] = None
    lat: Annotated[float | None, Field(ge=-90, le=90)] = None
    crs: Crs = Field(Crs.wgs84, description="System of lon/lat: wgs84, gcj02 (Amap) or bd09")
    grid_code: GridCode = None
    catalog_item: str | None = None
    priority: Priority = Priority.normal
    reporter_name: Annotated[str | None, Field(max_length=100)] = None
    reporter_phone: Annotated[str | None, Field(pattern=r"^[0-9+\- ]{5,20}$")] = None

    @field_validator("lat")
    @classmethod
    def _lon_lat_together(cls, lat: float | None, info: object) -> float | None:
        data = getattr(info, "data", {})
        if (lat is None) != (data.get("lon") is None):
            raise ValueError("lon and lat must be given together")
        return lat


# ---- action inputs ----------------------------------------------------------------------
class NoteInput(_In):
    note: ShortNote = None


class AcceptInput(NoteInput):
    catalog_item: str | None = None
    priority: Priority | None = None
    grid_code: GridCode = Field(None, description=PLACE)


class ReasonInput(_In):
    reason: Text


class MergeInput(_In):
    into: str = Field(description="Number of the case this one duplicates.")
    reason: ShortNote = None


class AnswerInput(_In):
    answer: Text


class ResultInput(_In):
    result: Text
    attachments: list[int] = Field(default_factory=list, max_length=20)


class DispatchInput(NoteInput):
    lead_unit: str
    assisting_units: list[str] = Field(default_factory=list, max_length=20)
    catalog_item: str | None = None
    grid_code: GridCode = Field(None, description=PLACE)


class ExtensionInput(_In):
    amount: Annotated[float, Field(gt=0, le=90)]
    unit: LimitUnit = LimitUnit.working_days
    reason: Text


class ContributeInput(_In):
    text: Text
    attachments: list[int] = Field(default_factory=list, max_length=20)


class StartVerifyInput(NoteInput):
    verifier: str = Field(description="Username of the grid worker or inspector who verifies.")


class VerifyInput(NoteInput):
    attachments: list[int] = Field(default_factory=list, max_length=20)


class ReturnVisitInput(NoteInput):
    satisfaction: Satisfaction


class SuperviseInput(NoteInput):
    level: Annotated[int, Field(ge=1, le=3)] = 1


class MessageInput(_In):
    text: Text


ACTION_INPUTS: dict[Action, type[_In]] = {
    Action.accept: AcceptInput,
    Action.reject: ReasonInput,
    Action.merge_into: MergeInput,
    Action.answer_directly: AnswerInput,
    Action.self_handle: ResultInput,
    Action.dispatch: DispatchInput,
    Action.sign: NoteInput,
    Action.return_: ReasonInput,
    Action.request_extension: ExtensionInput,
    Action.approve_extension: NoteInput,
    Action.deny_extension: NoteInput,
    Action.request_suspension: ReasonInput,
    Action.approve_suspension: NoteInput,
    Action.deny_suspension: NoteInput,
    Action.resume: NoteInput,
    Action.escalate: ReasonInput,
    Action.contribute: ContributeInput,
    Action.report_result: ResultInput,
    Action.start_verify: StartVerifyInput,
    Action.verify_pass: VerifyInput,
    Action.verify_fail: VerifyInput,
    Action.close: NoteInput,
    Action.return_visit: ReturnVisitInput,
    Action.reopen: ReasonInput,
    Action.supervise: SuperviseInput,
    Action.urge: MessageInput,
    Action.instruct: MessageInput,
    Action.comment: MessageInput,
}


def parse_action_input(action: Action, payload: object) -> _In:
    schema = ACTION_INPUTS[action]
    if isinstance(payload, schema):
        return payload
    try:
        return schema.model_validate(payload or {})
    except ValidationError as exc:
        raise ValidationFailed(f"{action.value}: {describe(exc)}") from exc


def describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "input"
        parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)


# ---- output -----------------------------------------------------------------------------
class AttachmentRead(BaseModel):
    """A photo or document on a case; its bytes at ``GET /attachments/{id}``."""

    model_config = ConfigDict(from_attributes=True)
    id: int
    sha256: str
    size: int
    content_type: str
    filename: str


class DeadlineRead(BaseModel):
    step: Step
    seq: int
    started_at: datetime
    limit: str
    due_at: datetime
    warn_at: datetime
    ended_at: datetime | None
    paused: bool
    colour: Colour | None = Field(description="Live colour of an open step; null once ended.")
    remaining_hours: float | None


class EventRead(BaseModel):
    seq: int
    at: datetime
    actor: str
    action: str
    from_status: Status | None
    to_status: Status
    payload: dict[str, object]
    hash: str


class CaseRead(BaseModel):
    number: str
    version: int
    status: Status
    channel: Channel
    external_id: str | None
    import_batch: int | None = Field(
        None, description="The bulk import that wrote it (GET /intake/imports/{id})."
    )
    title: str
    description: str
    address: str
    lon: float | None = Field(description="WGS-84")
    lat: float | None = Field(description="WGS-84")
    source_crs: Crs = Field(description="System the point was reported in")
    source_lon: float | None
    source_lat: float | None
    region_code: str
    county_code: str
    grid_code: str | None
    center: str
    origin_center: str
    escalated_from: list[str]
    catalog_item: str | None
    priority: Priority
    lead_unit: str | None
    assisting_units: list[str]
    verifier: str | None
    reporter_name: str | None = Field(description="Masked (张**); see POST …/personal-data.")
    reporter_phone: str | None = Field(description="Masked; revealing it is a separate permission.")
    personal_data: list[str] = Field(
        default_factory=list, description="Kinds of personal data masked in the title/text."
    )
    suspended: bool
    pending_extension: dict[str, object] | None
    pending_suspension: dict[str, object] | None
    supervised_level: int
    duplicate_of: str | None
    probable_duplicate: str | None = Field(
        None, description="Flagged at intake; merge is a person's call."
    )
    duplicate_score: float | None = None
    merged: list[str] = Field(default_factory=list, description="Duplicates merged into this case.")
    triage: dict[str, object] | None = Field(
        None, description="What automatic triage found and decided, and why."
    )
    satisfaction: Satisfaction | None
    counts: dict[str, int]
    sla_colour: Colour | None
    deadlines: list[DeadlineRead]
    attachments: list[AttachmentRead] = Field(
        default_factory=list, description="Photos and documents, in upload order."
    )
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None


class CaseSummary(BaseModel):
    number: str
    status: Status
    title: str
    channel: Channel
    center: str
    escalated: bool = Field(
        description="True when listed for a centre the case was escalated from."
    )
    lead_unit: str | None
    sla_colour: Colour | None
    supervised_level: int
    merged: bool = Field(
        False, description="A duplicate merged into another case (its status is rejected)."
    )
    created_at: datetime
    updated_at: datetime


class CasePage(BaseModel):
    items: list[CaseSummary]
    total: int
    page: int
    page_size: int
