"""Pure parts of Open311 (attribute checks, XML shapes) and webhook signatures."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from gridgov.hooks import signing
from gridgov.open311 import spec
from gridgov.open311.spec import Open311Error
from gridgov.sim.demo_data import OPEN311_ATTRIBUTES


def test_the_demo_service_definitions_are_valid() -> None:
    for code, raw in OPEN311_ATTRIBUTES.items():
        attrs = spec.parse_definitions(raw)
        assert [a.order for a in attrs] == sorted(a.order for a in attrs), code


def test_answers_are_checked_per_datatype() -> None:
    attrs = spec.parse_definitions(OPEN311_ATTRIBUTES["010101"])
    ok = spec.check_answers(
        attrs, {"KIND": ["food"], "COUNT": ["2.5"], "TIMES": ["night", "morning", "night"]}
    )
    assert ok == {"KIND": "food", "COUNT": 2.5, "TIMES": ["night", "morning"]}
    for answers, words in [
        ({}, "required"),
        ({"KIND": ["car"]}, "not one of"),
        ({"KIND": ["food", "fruit"]}, "one value"),
        ({"KIND": ["food"], "COUNT": ["lots"]}, "number"),
        ({"KIND": ["food"], "TIMES": ["dawn"]}, "not one of"),
        ({"KIND": ["food"], "PHOTO_HINT": ["x"]}, "unknown"),  # informational: no answer
    ]:
        with pytest.raises(Open311Error, match=words) as err:
            spec.check_answers(attrs, answers)
        assert err.value.code == 400
    dated = spec.parse_definitions(OPEN311_ATTRIBUTES["010202"])
    with pytest.raises(Open311Error, match="W3C"):
        spec.check_answers(dated, {"SINCE": ["last tuesday"]})
    assert spec.check_answers(dated, {"SINCE": ["2026-03-01T08:00:00Z"]})


def test_definitions_refuse_what_the_spec_does_not_allow() -> None:
    with pytest.raises(ValueError, match="needs values"):
        spec.parse_definitions([{"code": "K", "datatype": "singlevaluelist", "description": "d"}])
    with pytest.raises(ValueError, match="unique"):
        spec.parse_definitions([{"code": "A", "datatype": "text", "description": "d"}] * 2)
    with pytest.raises(ValueError, match="informational"):
        spec.parse_definitions(
            [
                {
                    "code": "A",
                    "datatype": "text",
                    "description": "d",
                    "variable": False,
                    "required": True,
                }
            ]
        )


def test_xml_uses_the_spec_element_names() -> None:
    root = ET.fromstring(
        spec.to_xml(
            "service_definition",
            None,
            {"service_code": "1", "attributes": [{"code": "A", "values": [{"key": "k"}]}]},
        )
    )
    assert root.find("attributes/attribute/values/value/key").text == "k"
    errors = ET.fromstring(spec.to_xml("errors", "error", spec.errors_body(404, "none")))
    assert (errors.findtext("error/code"), errors.findtext("error/description")) == ("404", "none")
    flags = ET.fromstring(spec.to_xml("services", "service", [{"metadata": True, "group": None}]))
    assert flags.findtext("service/metadata") == "true"
    assert flags.find("service/group").text is None


def test_signatures_hold_only_for_the_same_secret_body_and_recent_time() -> None:
    body = b'{"type":"create"}'
    header = signing.sign("s3cret", 1_700_000_000, body)
    assert signing.verify("s3cret", header, body, now=1_700_000_100)
    assert not signing.verify("s3cret", header, body, now=1_700_000_000 + 301)  # replayed late
    assert not signing.verify("other", header, body, now=1_700_000_000)
    assert not signing.verify("s3cret", header, body + b" ", now=1_700_000_000)
    assert not signing.verify("s3cret", "garbage", body, now=1_700_000_000)
