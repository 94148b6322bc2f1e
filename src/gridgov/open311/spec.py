"""Open311 GeoReport v2, the parts that need no database (pure).

Attribute definitions and the check of submitted ``attribute[code]`` values, the mapping of
our workflow to ``open``/``closed``, W3C/ISO 8601 times with the centre's offset, and the
spec's XML shapes (``<services><service>…``, ``<service_requests><request>…``,
``<errors><error><code/><description/></error></errors>``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, model_validator

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CLOSED_STATUSES = frozenset({"closed", "rejected", "answered"})
DEFAULT_WINDOW_DAYS = 90
MAX_WINDOW_DAYS = 90
MAX_RESULTS = 1000


class Open311Error(Exception):
    """An error in the spec's list format: ``[{"code": 400, "description": "…"}]``."""

    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


class Datatype(StrEnum):
    string = "string"
    number = "number"
    datetime = "datetime"
    text = "text"
    singlevaluelist = "singlevaluelist"
    multivaluelist = "multivaluelist"


class Value(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: Annotated[str, Field(min_length=1, max_length=64)]
    name: Annotated[str, Field(min_length=1, max_length=200)]


class Attribute(BaseModel):
    """One GeoReport v2 attribute of a service definition."""

    model_config = ConfigDict(extra="forbid")
    code: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")]
    datatype: Datatype
    description: Annotated[str, Field(min_length=1, max_length=300)]
    variable: bool = True  # false: informational text shown to the citizen, no answer
    required: bool = False
    datatype_description: str = ""
    order: int = 0
    values: list[Value] = Field(default_factory=list)

    @model_validator(mode="after")
    def _lists_have_values(self) -> Attribute:
        is_list = self.datatype in (Datatype.singlevaluelist, Datatype.multivaluelist)
        if is_list and not self.values:
            raise ValueError(f"attribute {self.code}: a {self.datatype} needs values")
        if not is_list and self.values:
            raise ValueError(f"attribute {self.code}: only list datatypes take values")
        if self.required and not self.variable:
            raise ValueError(f"attribute {self.code}: an informational attribute is not required")
        return self


def parse_definitions(raw: Sequence[Mapping[str, Any]] | None) -> list[Attribute]:
    attrs = [Attribute.model_validate(a) for a in raw or []]
    codes = [a.code for a in attrs]
    if len(set(codes)) != len(codes):
        raise ValueError("attribute codes must be unique within a service")
    return sorted(attrs, key=lambda a: (a.order, a.code))


def check_answers(
    definitions: Sequence[Attribute], answers: Mapping[str, list[str]]
) -> dict[str, str | float | list[str]]:
    """Validate ``attribute[code]`` answers against the definitions (400 on any problem)."""
    known = {a.code: a for a in definitions if a.variable}
    unknown = sorted(set(answers) - set(known))
    if unknown:
        raise Open311Error(400, f"unknown attribute(s) for this service: {', '.join(unknown)}")
    checked: dict[str, str | float | list[str]] = {}
    for code, attr in known.items():
        given = [v for v in answers.get(code, []) if v.strip()]
        if not given:
            if attr.required:
                raise Open311Error(400, f"attribute[{code}] is required: {attr.description}")
            continue
        keys = {v.key for v in attr.values}
        if attr.datatype is Datatype.multivaluelist:
            bad = [v for v in given if v not in keys]
            if bad:
                raise Open311Error(
                    400, f"attribute[{code}]: {bad[0]!r} is not one of {sorted(keys)}"
                )
            checked[code] = list(dict.fromkeys(given))
            continue
        if len(given) > 1:
            raise Open311Error(400, f"attribute[{code}] takes one value")
        value = given[0].strip()
        if attr.datatype is Datatype.singlevaluelist and value not in keys:
            raise Open311Error(400, f"attribute[{code}]: {value!r} is not one of {sorted(keys)}")
        if attr.datatype is Datatype.number:
            try:
                checked[code] = float(value)
            except ValueError:
                raise Open311Error(400, f"attribute[{code}] must be a number") from None
            continue
        if attr.datatype is Datatype.datetime:
            parse_time(value, f"attribute[{code}]")
        if attr.datatype is Datatype.string and len(value) > 255:
            raise Open311Error(400, f"attribute[{code}] is longer than 255 characters")
        checked[code] = value
    return checked


def public_status(status: str) -> str:
    return "closed" if status in CLOSED_STATUSES else "open"


def statuses_for(public: str) -> set[str]:
    """The public statuses asked for (``open``, ``closed`` or ``open,closed``)."""
    wanted = {s.strip() for s in public.split(",") if s.strip()}
    bad = wanted - {"open", "closed"}
    if bad:
        raise Open311Error(400, f"status must be open and/or closed, not {', '.join(sorted(bad))}")
    return wanted


def parse_time(value: str, name: str) -> datetime:
    """A W3C datetime (``2010-01-01T00:00:00Z``); without an offset it is taken as UTC."""
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise Open311Error(
            400, f"{name} must be a W3C datetime like 2010-01-01T00:00:00Z"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def w3c(value: datetime | None, zone: ZoneInfo) -> str | None:
    if value is None:
        return None
    return value.astimezone(zone).isoformat(timespec="seconds")


# ---- XML ---------------------------------------------------------------------------------
_ITEM_TAGS = {
    "attributes": "attribute",
    "values": "value",
    "notes": "note",
    "endpoints": "endpoint",
    "formats": "format",
}


def _fill(parent: ET.Element, value: Any) -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            _fill(ET.SubElement(parent, key), item)
    elif isinstance(value, list):
        tag = _ITEM_TAGS.get(parent.tag, "item")
        for item in value:
            _fill(ET.SubElement(parent, tag), item)
    elif isinstance(value, bool):
        parent.text = "true" if value else "false"
    elif value is not None:
        parent.text = str(value)


def to_xml(root: str, item: str | None, body: Any) -> bytes:
    """``<root><item>…</item>…</root>`` for a list, ``<root>…</root>`` for one object."""
    element = ET.Element(root)
    if item is None:
        _fill(element, body)
    else:
        for entry in body:
            _fill(ET.SubElement(element, item), entry)
    data: bytes = ET.tostring(element, encoding="utf-8", xml_declaration=True)
    return data


def errors_body(code: int, description: str) -> list[dict[str, Any]]:
    return [{"code": code, "description": description}]
