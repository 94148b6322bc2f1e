"""Channel adapters: each turns what its channel delivers into one :class:`Draft` (pure).

An adapter is a Pydantic model of the channel's own payload (unknown fields are refused, so a
changed upstream format shows up as a dead letter, not as silently lost data) with a
``draft()`` method. :data:`ADAPTERS` is the registry; :func:`parse` validates a payload.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any, ClassVar, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from gridgov.cases.schemas import Channel, Priority, describe
from gridgov.grids.coords import Crs
from gridgov.kit.errors import ValidationFailed

Lon = Annotated[float | None, Field(ge=-180, le=180)]
Lat = Annotated[float | None, Field(ge=-90, le=90)]
Phone = Annotated[str | None, Field(pattern=r"^[0-9+\- ]{5,20}$")]
Body = Annotated[str, Field(min_length=2, max_length=8000)]
ExternalId = Annotated[str, Field(min_length=1, max_length=100)]
RegionCode = Annotated[str | None, Field(pattern=r"^\d{6}(\d{3}(\d{3})?)?$")]


@dataclass
class Draft:
    """One report in the shape every channel shares, before triage."""

    channel: Channel
    text: str
    title: str = ""
    external_id: str | None = None
    region_code: str | None = None
    address: str = ""
    lon: float | None = None
    lat: float | None = None
    crs: Crs = Crs.wgs84
    grid_code: str | None = None
    catalog_item: str | None = None  # given by the channel: no classification needed
    priority: Priority = Priority.normal
    reporter_name: str | None = None
    reporter_phone: str | None = None
    attachments: list[int] = field(default_factory=list)
    answer: str | None = None  # a hotline consultation answered on the spot
    instruction: str | None = None  # assigned from above, with instructions
    self_handle: str | None = None  # a grid worker's own handling of an admissible item
    extra: dict[str, Any] = field(default_factory=dict)  # channel details kept on the case


class Adapter(Protocol):
    channel: ClassVar[Channel]

    def draft(self) -> Draft: ...


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    channel: ClassVar[Channel]
    id_field: ClassVar[str]  # the field holding the channel's own id for the record


class _Located(_Payload):
    region_code: RegionCode = None
    address: Annotated[str, Field(max_length=300)] = ""
    lon: Lon = None
    lat: Lat = None
    crs: Crs = Crs.wgs84
    grid_code: Annotated[str | None, Field(pattern=r"^\d{15}(\d{2})?$")] = None

    @model_validator(mode="after")
    def _pair(self) -> _Located:
        if (self.lon is None) != (self.lat is None):
            raise ValueError("lon and lat must be given together")
        return self

    def _place(self) -> dict[str, Any]:
        return {
            "region_code": self.region_code,
            "address": self.address,
            "lon": self.lon,
            "lat": self.lat,
            "crs": self.crs,
            "grid_code": self.grid_code,
        }


class HotlineCall(_Located):
    """A 12345 agent's form: the caller, a callback number, the place and what was said."""

    channel: ClassVar[Channel] = Channel.hotline
    id_field: ClassVar[str] = "call_id"
    call_id: ExternalId | None = None
    caller: Annotated[str | None, Field(max_length=100)] = None
    callback_number: Phone = None
    title: Annotated[str, Field(max_length=200)] = ""
    text: Body
    catalog_item: str | None = None
    priority: Priority = Priority.normal
    answer: Annotated[str | None, Field(min_length=2, max_length=4000)] = None

    def draft(self) -> Draft:
        return Draft(
            channel=self.channel,
            text=self.text,
            title=self.title,
            external_id=self.call_id,
            catalog_item=self.catalog_item,
            priority=self.priority,
            reporter_name=self.caller,
            reporter_phone=self.callback_number,
            answer=self.answer,
            **self._place(),
        )


class GridReport(_Located):
    """A grid worker's report from the app; ``client_id`` is made on the phone, so an offline
    batch uploaded twice is recognised."""

    channel: ClassVar[Channel] = Channel.grid_app
    id_field: ClassVar[str] = "client_id"
    client_id: ExternalId
    text: Body
    title: Annotated[str, Field(max_length=200)] = ""
    catalog_item: str | None = None
    attachments: list[int] = Field(default_factory=list, max_length=20)
    reported_at: datetime | None = None
    self_handled: Annotated[str | None, Field(min_length=2, max_length=4000)] = None

    def draft(self) -> Draft:
        return Draft(
            channel=self.channel,
            text=self.text,
            title=self.title,
            external_id=self.client_id,
            catalog_item=self.catalog_item,
            attachments=self.attachments,
            self_handle=self.self_handled,
            extra={"reported_at": self.reported_at.isoformat()} if self.reported_at else {},
            **self._place(),
        )


class InspectorReport(_Located):
    """Digital city management: an inspector's event with the standard part/event code."""

    channel: ClassVar[Channel] = Channel.inspector
    id_field: ClassVar[str] = "event_id"
    event_id: ExternalId
    standard_code: Annotated[str, Field(pattern=r"^\d{4,10}$")]
    object_id: Annotated[str | None, Field(max_length=40)] = None  # the part's own number
    text: Body
    catalog_item: str | None = None
    attachments: list[int] = Field(default_factory=list, max_length=20)

    def draft(self) -> Draft:
        return Draft(
            channel=self.channel,
            text=self.text,
            external_id=self.event_id,
            catalog_item=self.catalog_item,
            attachments=self.attachments,
            extra={"standard_code": self.standard_code, "object_id": self.object_id},
            **self._place(),
        )


class WebSubmission(_Located):
    channel: ClassVar[Channel] = Channel.web
    id_field: ClassVar[str] = "submission_id"
    submission_id: ExternalId | None = None
    title: Annotated[str, Field(max_length=200)] = ""
    text: Body
    contact_name: Annotated[str | None, Field(max_length=100)] = None
    contact_phone: Phone = None

    def draft(self) -> Draft:
        return Draft(
            channel=self.channel,
            text=self.text,
            title=self.title,
            external_id=self.submission_id,
            reporter_name=self.contact_name,
            reporter_phone=self.contact_phone,
            **self._place(),
        )


class Open311Request(_Payload):
    """GeoReport v2 POST /requests fields (``long`` is the spec's name for longitude)."""

    channel: ClassVar[Channel] = Channel.open311
    id_field: ClassVar[str] = "token"
    service_code: Annotated[str, Field(min_length=1, max_length=32)]
    description: Body
    lat: Lat = None
    long: Lon = None
    address_string: Annotated[str, Field(max_length=300)] = ""
    first_name: Annotated[str | None, Field(max_length=50)] = None
    last_name: Annotated[str | None, Field(max_length=50)] = None
    phone: Phone = None
    email: Annotated[str | None, Field(max_length=200)] = None
    device_id: Annotated[str | None, Field(max_length=100)] = None
    account_id: Annotated[str | None, Field(max_length=100)] = None
    media_url: Annotated[str | None, Field(max_length=500)] = None
    token: ExternalId | None = None
    attributes: dict[str, str | float | list[str]] | None = None  # checked answers

    @model_validator(mode="after")
    def _where(self) -> Open311Request:
        if (self.lat is None) != (self.long is None):
            raise ValueError("lat and long must be given together")
        return self

    def draft(self) -> Draft:
        name = " ".join(p for p in (self.last_name, self.first_name) if p) or None
        return Draft(
            channel=self.channel,
            text=self.description,
            external_id=self.token,
            catalog_item=self.service_code,
            address=self.address_string,
            lon=self.long,
            lat=self.lat,
            reporter_name=name,
            reporter_phone=self.phone,
            extra={
                k: v
                for k, v in {
                    "email": self.email,
                    "device_id": self.device_id,
                    "account_id": self.account_id,
                    "media_url": self.media_url,
                    "attributes": self.attributes,
                }.items()
                if v
            },
        )


class SensorAlert(_Located):
    """A case opened by an early-warning rule on a data feed."""

    channel: ClassVar[Channel] = Channel.sensor
    id_field: ClassVar[str] = "alert_id"
    alert_id: ExternalId
    device_id: Annotated[str, Field(min_length=1, max_length=64)]
    rule: Annotated[str, Field(min_length=1, max_length=64)]
    text: Body
    catalog_item: str | None = None
    priority: Priority = Priority.urgent

    def draft(self) -> Draft:
        return Draft(
            channel=self.channel,
            text=self.text,
            external_id=self.alert_id,
            catalog_item=self.catalog_item,
            priority=self.priority,
            extra={"device_id": self.device_id, "rule": self.rule},
            **self._place(),
        )


class PoliceIncident(_Located):
    """A non-police matter handed over by 110; its status goes back through the outbox."""

    channel: ClassVar[Channel] = Channel.police_110
    id_field: ClassVar[str] = "incident_no"
    incident_no: ExternalId
    text: Body
    caller: Annotated[str | None, Field(max_length=100)] = None
    caller_phone: Phone = None
    occurred_at: datetime | None = None
    priority: Priority = Priority.urgent

    def draft(self) -> Draft:
        return Draft(
            channel=self.channel,
            text=self.text,
            external_id=self.incident_no,
            priority=self.priority,
            reporter_name=self.caller,
            reporter_phone=self.caller_phone,
            extra={"occurred_at": self.occurred_at.isoformat()} if self.occurred_at else {},
            **self._place(),
        )


class Assignment(_Located):
    """A matter assigned by a leader or a superior office, with instructions."""

    channel: ClassVar[Channel] = Channel.leader
    id_field: ClassVar[str] = "reference"
    reference: ExternalId  # the document or instruction number
    issued_by: Annotated[str, Field(min_length=1, max_length=100)]
    instruction: Annotated[str, Field(min_length=2, max_length=2000)]
    title: Annotated[str, Field(max_length=200)] = ""
    text: Body
    catalog_item: str | None = None
    priority: Priority = Priority.urgent

    def draft(self) -> Draft:
        return Draft(
            channel=self.channel,
            text=self.text,
            title=self.title,
            external_id=self.reference,
            catalog_item=self.catalog_item,
            priority=self.priority,
            instruction=self.instruction,
            extra={"issued_by": self.issued_by},
            **self._place(),
        )


class SuperiorAssignment(Assignment):
    channel: ClassVar[Channel] = Channel.superior


class Letter(_Located):
    """A petition letter or visit (信访)."""

    channel: ClassVar[Channel] = Channel.letters
    id_field: ClassVar[str] = "letter_no"
    letter_no: ExternalId
    petitioner: Annotated[str | None, Field(max_length=100)] = None
    phone: Phone = None
    title: Annotated[str, Field(max_length=200)] = ""
    text: Body

    def draft(self) -> Draft:
        return Draft(
            channel=self.channel,
            text=self.text,
            title=self.title,
            external_id=self.letter_no,
            reporter_name=self.petitioner,
            reporter_phone=self.phone,
            **self._place(),
        )


class MediaItem(_Located):
    """A public-opinion item (news, social media) that needs handling."""

    channel: ClassVar[Channel] = Channel.media
    id_field: ClassVar[str] = "url"
    url: Annotated[str, Field(min_length=4, max_length=500)]
    outlet: Annotated[str, Field(max_length=100)] = ""
    title: Annotated[str, Field(max_length=200)] = ""
    text: Body
    published_at: datetime | None = None

    def draft(self) -> Draft:
        extra: dict[str, Any] = {"url": self.url, "outlet": self.outlet}
        if self.published_at:
            extra["published_at"] = self.published_at.isoformat()
        return Draft(
            channel=self.channel,
            text=self.text,
            title=self.title,
            external_id=self.url,
            extra=extra,
            **self._place(),
        )


ADAPTERS: dict[Channel, type[_Payload]] = {
    a.channel: a
    for a in (
        HotlineCall,
        GridReport,
        InspectorReport,
        WebSubmission,
        Open311Request,
        SensorAlert,
        PoliceIncident,
        Assignment,
        SuperiorAssignment,
        Letter,
        MediaItem,
    )
}


# The payload fields that hold a person's name or phone number: the channels' own, and the
# names a sender's form may wrongly use for them (such a record is refused, and its dead
# letter is shown masked all the same). Phone and ID numbers in any other text are found by
# :mod:`gridgov.intake.pii`.
NAME_FIELDS = frozenset(
    {"caller", "contact_name", "petitioner", "first_name", "last_name"}
    | {"name", "reporter_name", "姓名", "联系人", "来电人", "反映人", "诉求人"}
)
PHONE_FIELDS = frozenset(
    {"callback_number", "contact_phone", "phone", "caller_phone"}
    | {"reporter_phone", "mobile", "电话", "联系电话", "手机", "来电号码"}
)


def id_field(channel: Channel | str) -> str | None:
    """The payload field that holds a channel's own id for its records (None: no channel)."""
    try:
        return ADAPTERS[Channel(channel)].id_field
    except ValueError:
        return None


def parse(channel: Channel | str, payload: object) -> Draft:
    """Validate one payload of a channel; :class:`ValidationFailed` says what is wrong."""
    try:
        channel = Channel(channel)
    except ValueError:
        known = ", ".join(c.value for c in Channel)
        raise ValidationFailed(f"unknown channel {channel!r} (one of {known})") from None
    if not isinstance(payload, dict):
        raise ValidationFailed(f"a {channel.value} record must be a JSON object")
    try:
        model = ADAPTERS[channel].model_validate(payload)
    except ValidationError as exc:
        raise ValidationFailed(f"{channel.value}: {describe(exc)}") from exc
    draft: Draft = model.draft()  # type: ignore[attr-defined]
    return draft
