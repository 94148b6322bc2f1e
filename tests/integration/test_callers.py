"""A caller's cases: found by the callback number however it was written, whichever door the
case came in by, only by the intake roles, only within their data scope, and never by a number
in a URL."""

from __future__ import annotations

import csv
import importlib
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from gridgov.api.app import create_app
from gridgov.bootstrap import Platform
from gridgov.store.models import Case

from ..conftest import NOW
from ..factories import COUNTY, STANDARD, TOWN_B, World
from .helpers import auth
from .test_bulk_and_linkage import run_import
from .test_intake import LAT, LON, add_grid_and_rules, receive


@pytest.fixture
def door(platform: Platform, world: World) -> Platform:
    with platform.db.write() as session:
        add_grid_and_rules(session)
    return platform


def call(number: str, text: str, **more: Any) -> dict[str, Any]:
    return {
        "caller": "王先生",
        "callback_number": number,
        "text": text,
        "catalog_item": STANDARD,
        "lon": LON,
        "lat": LAT,
        **more,
    }


def numbers(client: TestClient, headers: dict[str, str], **params: Any) -> list[str]:
    r = client.get("/api/v1/cases", params=params, headers=headers)
    assert r.status_code == 200, r.text
    return [c["number"] for c in r.json()["items"]]


def test_one_callers_cases_are_found_however_the_number_was_written(
    door: Platform, world: World
) -> None:
    first, _, _ = receive(door, world, "hotline", call("139 0000 0001", "人民路菜场门口占道经营"))
    again, _, _ = receive(door, world, "hotline", call("+86 139-0000-0001", "占道经营还在，催一下"))
    web, _, _ = receive(
        door,
        world,
        "web",
        {"submission_id": "w1", "text": "人民路路灯不亮", "contact_phone": "8613900000001"},
    )
    other, _, _ = receive(door, world, "hotline", call("13900000002", "别人的诉求，夜间施工噪音"))
    client = TestClient(create_app(door, run_sweeper=False))
    agent = auth(door, "agent")

    # newest first, the case asked from included; another caller's case is not theirs
    assert numbers(client, agent, caller_of=first) == [web, again, first]
    assert numbers(client, agent, caller_of=other) == [other]
    # the filter combines with the others
    assert numbers(client, agent, caller_of=again, channel="web") == [web]


def test_only_the_intake_roles_may_look_a_caller_up_and_a_case_without_a_number_says_so(
    door: Platform, world: World, cli: Any
) -> None:
    dispatched, _, _ = receive(door, world, "hotline", call("13900000001", "人民路菜场占道经营"))
    silent, _, _ = receive(door, world, "hotline", {"text": "咨询公积金提取", "caller": "李"})
    client = TestClient(create_app(door, run_sweeper=False))
    for user in ("agent", "dispatcher", "admin"):
        assert numbers(client, auth(door, user), caller_of=dispatched) == [dispatched]
    # the unit that handles the case sees the case, not who else its caller complained about
    handler = auth(door, "handler")
    assert client.get(f"/api/v1/cases/{dispatched}", headers=handler).status_code == 200
    r = client.get("/api/v1/cases", params={"caller_of": dispatched}, headers=handler)
    assert r.status_code == 403
    assert r.json()["error"] == "Forbidden"
    assert "caller" in r.json()["detail"]
    r = client.get("/api/v1/cases", params={"caller_of": silent}, headers=auth(door, "agent"))
    assert r.status_code == 422
    assert "no callback number" in r.json()["detail"]
    r = client.get("/api/v1/cases", params={"caller_of": "nope"}, headers=auth(door, "agent"))
    assert r.status_code == 404
    # the operator's shell, as the platform
    out = cli("case", "list", "--caller-of", dispatched)
    assert out.exit_code == 0, out.output
    assert [line.split()[0] for line in out.output.splitlines()[:-1]] == [dispatched]
    refused = cli("case", "list", "--caller-of", silent)
    assert refused.exit_code == 2
    assert "no callback number" in refused.output


def test_a_caller_is_looked_up_within_the_askers_data_scope(door: Platform, world: World) -> None:
    here, _, _ = receive(door, world, "hotline", call("13900000001", "人民路菜场占道经营"))
    elsewhere, _, _ = receive(
        door,
        world,
        "web",
        {
            "submission_id": "b1",
            "text": "另一个镇的道路积水",
            "contact_phone": "13900000001",
            "region_code": TOWN_B,
        },
    )
    client = TestClient(create_app(door, run_sweeper=False))
    county = auth(door, "dispatcher")
    assert set(numbers(client, county, caller_of=here)) == {here, elsewhere}
    town = auth(door, "town_dispatcher")
    assert numbers(client, town, caller_of=here) == [here]
    # a case outside the scope cannot be asked about at all: missing, as for any read
    r = client.get("/api/v1/cases", params={"caller_of": elsewhere}, headers=town)
    assert r.status_code == 404


def test_the_preview_tells_the_agent_the_callers_earlier_cases_masked(
    door: Platform, world: World
) -> None:
    first, _, _ = receive(door, world, "hotline", call("13900000001", "人民路菜场门口占道经营"))
    answered, _, _ = receive(
        door,
        world,
        "hotline",
        {
            "callback_number": "13900000001",
            "text": "公积金怎么提取",
            "answer": "带身份证到中心办理",
        },
        now=NOW + timedelta(minutes=1),
    )
    receive(door, world, "hotline", call("13900000002", "别人的诉求，夜间施工噪音"))
    client = TestClient(create_app(door, run_sweeper=False))
    typed = call("139-0000-0001", "菜场门口的占道经营还没人管，再反映一次")
    r = client.post("/api/v1/intake/hotline/preview", json=typed, headers=auth(door, "agent"))
    assert r.status_code == 200, r.text
    caller = r.json()["caller"]
    assert (caller["total"], caller["open"]) == (2, 1)
    assert [c["number"] for c in caller["cases"]] == [answered, first]
    assert [c["status"] for c in caller["cases"]] == ["answered", "dispatched"]
    # the open one may take the caller's chase instead of a new case; the answered one not
    assert [c["may_urge"] for c in caller["cases"]] == [False, True]
    assert "13900000001" not in r.text
    assert "139-0000-0001" not in r.text
    # a new caller has no history; a record without a number says nothing of callers
    fresh = client.post(
        "/api/v1/intake/hotline/preview",
        json=call("13900000009", "人民路菜场门口占道经营"),
        headers=auth(door, "agent"),
    )
    assert fresh.json()["caller"] == {"total": 0, "open": 0, "cases": []}
    nameless = client.post(
        "/api/v1/intake/hotline/preview",
        json={"text": "人民路菜场门口占道经营"},
        headers=auth(door, "agent"),
    )
    assert nameless.json()["caller"] is None
    # a citizen previewing a web report is told nothing of anyone's cases
    citizen = client.post(
        "/api/v1/intake/web/preview",
        json={
            "text": "人民路菜场门口占道经营",
            "contact_phone": "13900000001",
            "lon": LON,
            "lat": LAT,
        },
        headers=auth(door, "citizen"),
    )
    assert citizen.status_code == 200, citizen.text
    assert citizen.json()["caller"] is None


def test_the_batch_door_and_the_bulk_import_keep_the_caller_too(
    door: Platform, world: World, tmp_path: Path
) -> None:
    first, _, _ = receive(door, world, "hotline", call("13900000001", "人民路菜场门口占道经营"))
    client = TestClient(create_app(door, run_sweeper=False))
    r = client.post(
        "/api/v1/intake/hotline/batch",
        json=[call("+86 13900000001", "菜场又有人占道"), call("13900000003", "路灯不亮")],
        headers=auth(door, "agent"),
    )
    assert r.status_code == 200, r.text
    batched = r.json()[0]["number"]
    path = tmp_path / "old.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["编号", "时间", "内容", "来电号码"])
        w.writerow(["h1", "2020/1/6 12:09", "人民路菜场占道经营投诉", "0086 139 0000 0001"])
        w.writerow(["h2", "2020/1/7 12:09", "夜间施工噪音扰民", "13900000004"])
    mapping = {
        "channel": "hotline",
        "center": COUNTY,
        "region_code": COUNTY,
        "columns": {
            "external_id": "编号",
            "received_at": "时间",
            "text": "内容",
            "reporter_phone": "来电号码",
        },
    }
    assert run_import(door, path, dry=False, mapping=mapping).imported == 2
    with door.db.read() as session:
        imported = session.scalar(select(Case.number).where(Case.external_id == "h1"))
    got = numbers(client, auth(door, "agent"), caller_of=first, sort="created_at")
    assert got == [imported, first, batched]  # the old platform's case is the oldest


def test_cases_written_before_callers_were_kept_are_keyed_by_the_migration(
    door: Platform, world: World
) -> None:
    """Migration 0022's fill, run on cases without a key (as every case before it was)."""
    first, _, _ = receive(door, world, "hotline", call("139 0000 0001", "人民路菜场门口占道经营"))
    again, _, _ = receive(door, world, "hotline", call("+86 13900000001", "占道经营还在"))
    with door.db.write() as session:
        session.execute(update(Case).values(caller_key=None))
    migration = importlib.import_module("gridgov.store.migrations.versions.0022_case_caller_key")
    with door.db.engine.begin() as conn:
        migration.fill(conn)
    with door.db.read() as session:
        keys = dict(session.execute(select(Case.number, Case.caller_key)).all())
    assert keys == {first: "13900000001", again: "13900000001"}
