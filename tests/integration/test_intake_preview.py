"""The door's preview: what sending a record would do, told before it is sent, nothing kept."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from gridgov.api.app import create_app
from gridgov.bootstrap import Platform
from gridgov.kit.clock import utc_now
from gridgov.store.models import Case, CaseEvent, CaseNumberSequence, DeadLetter, Outbox

from ..conftest import NOW
from ..factories import STANDARD, TOWN_B, World
from .helpers import auth
from .test_intake import LAT, LON, add_grid_and_rules, read, receive

CALL = {
    "caller": "甲",
    "callback_number": "13900000001",
    "text": "人民路菜场门口流动摊贩占道经营，行人走机动车道",
    "catalog_item": STANDARD,
    "lon": LON,
    "lat": LAT,
}


@pytest.fixture
def door(platform: Platform, world: World) -> Platform:
    with platform.db.write() as session:
        add_grid_and_rules(session)
    return platform


def kept(p: Platform) -> tuple[int, ...]:
    """Everything a sent record leaves behind, counted."""
    with p.db.read() as session:
        counts = tuple(
            session.scalar(select(func.count()).select_from(model))
            for model in (Case, CaseEvent, DeadLetter, Outbox)
        )
        numbers = session.scalar(select(func.coalesce(func.sum(CaseNumberSequence.last_value), 0)))
    return (*counts, numbers)


def test_a_preview_tells_what_sending_would_do_and_keeps_nothing(
    door: Platform, world: World
) -> None:
    client = TestClient(create_app(door, run_sweeper=False))
    before = kept(door)
    r = client.post("/api/v1/intake/hotline/preview", json=CALL, headers=auth(door, "agent"))
    assert r.status_code == 200, r.text
    told = r.json()
    assert told["on_file"] is None
    assert told["status"] == "dispatched"
    assert told["catalog_item"] == STANDARD
    assert told["lead_unit"] == "县城管局"
    assert "dispatched automatically" in told["triage"]["explanation"]
    assert told["duplicate"] is None
    assert "13900000001" not in r.text  # a preview is an output too: personal data masked
    assert kept(door) == before  # no case, event, dead letter, outbox row or case number

    # sent for real, the record does what the preview said, under the first free number
    number, created, _ = receive(door, world, "hotline", CALL)
    case = read(door, number)
    assert created
    assert (case.status, case.lead_unit) == ("dispatched", "320724-cgj")
    assert case.triage["explanation"] == told["triage"]["explanation"]
    assert number.endswith("-000001")


def test_a_preview_names_the_open_case_a_call_repeats_for_the_caller(
    door: Platform, world: World
) -> None:
    first, _, _ = receive(door, world, "hotline", CALL, now=utc_now())  # the preview's clock
    client = TestClient(create_app(door, run_sweeper=False))
    again = {**CALL, "caller": "乙", "text": "人民路菜场门口摊贩占道经营", "lon": LON + 0.001}
    again.pop("catalog_item")
    r = client.post("/api/v1/intake/hotline/preview", json=again, headers=auth(door, "agent"))
    assert r.status_code == 200, r.text
    told = r.json()
    assert told["status"] == "submitted"  # a probable duplicate waits for a person
    hint = told["duplicate"]
    assert hint["case"] == first
    assert hint["score"] >= 0.6
    assert hint["status"] == "dispatched"
    assert hint["lead_unit"] == "县城管局"
    assert hint["due_at"] is not None  # when the caller may expect it
    assert hint["title"] == read(door, first).title
    # a record already on file is named, not previewed as new
    with_id = {**CALL, "call_id": "H-77"}
    number, _, _ = receive(door, world, "hotline", with_id)
    r = client.post("/api/v1/intake/hotline/preview", json=with_id, headers=auth(door, "agent"))
    assert r.json()["on_file"] == number


def test_a_preview_of_a_case_outside_the_callers_scope_gives_only_its_number(
    door: Platform, world: World
) -> None:
    """A town's dispatcher learns that a call repeats a case, not what another centre's case
    says or who handles it."""
    first, _, _ = receive(door, world, "hotline", CALL, now=utc_now())
    with door.db.write() as session:  # the county's case, moved out of the town's sight
        case = session.scalar(select(Case).where(Case.number == first))
        case.region_code = TOWN_B
    client = TestClient(create_app(door, run_sweeper=False))
    again = {k: v for k, v in CALL.items() if k != "catalog_item"}
    r = client.post(
        "/api/v1/intake/hotline/preview",
        json=again,
        headers=auth(door, "town_dispatcher"),
        params={"center": "320724"},
    )
    assert r.status_code == 200, r.text
    hint = r.json()["duplicate"]
    assert hint is not None
    assert hint["case"] == first
    assert (hint["title"], hint["status"], hint["lead_unit"]) == (None, None, None)


def test_a_record_that_could_not_be_a_case_is_refused_without_a_dead_letter(
    door: Platform, world: World
) -> None:
    client = TestClient(create_app(door, run_sweeper=False))
    before = kept(door)
    refused: list[dict[str, Any]] = [
        {"text": ""},  # nothing said
        {**CALL, "catalog_item": "999999"},  # no such item
        {**CALL, "lat": None},  # half a point
        {**CALL, "colour": "red"},  # a field the channel does not have
    ]
    for payload in refused:
        r = client.post("/api/v1/intake/hotline/preview", json=payload, headers=auth(door, "agent"))
        assert r.status_code == 422, (payload, r.text)
        assert r.json()["error"] == "ValidationFailed"
    r = client.post("/api/v1/intake/hotline/preview", json=CALL, headers=auth(door, "auditor"))
    assert r.status_code == 403
    assert kept(door) == before
    # and the door is unharmed: the same record sent for real is a case
    number, created, letter = receive(door, world, "hotline", CALL, now=NOW + timedelta(hours=1))
    assert (created, letter) == (True, None)
    assert number is not None
