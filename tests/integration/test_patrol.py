"""Patrol check-ins over HTTP: placed in their grid, sent twice and kept once, scoped."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from gridgov.api.app import create_app
from gridgov.bootstrap import Platform
from gridgov.kit.clock import utc_now

from ..factories import World
from .helpers import auth
from .test_intake import GRID, LAT, LON, add_grid_and_rules


@pytest.fixture
def client(platform: Platform, world: World):
    with platform.db.write() as session:
        add_grid_and_rules(session)
    with TestClient(create_app(platform, run_sweeper=False)) as c:
        yield c


def test_a_check_in_is_placed_and_kept_once(platform: Platform, client: TestClient) -> None:
    worker = auth(platform, "grid_worker")
    body = {"client_id": "m-abc-1", "lon": LON, "lat": LAT, "accuracy_m": 12, "note": "巡查"}
    first = client.post("/api/v1/patrols/checkins", json=body, headers=worker)
    assert first.status_code == 201, first.text
    assert first.json()["grid_code"] == GRID
    again = client.post("/api/v1/patrols/checkins", json=body, headers=worker)
    assert again.status_code == 200
    assert again.json()["at"] == first.json()["at"]
    own = client.get("/api/v1/patrols/checkins", headers=worker).json()
    assert [c["client_id"] for c in own] == ["m-abc-1"]
    # the county dispatcher sees it on the map; another grid worker does not
    seen = client.get("/api/v1/patrols/checkins", headers=auth(platform, "dispatcher")).json()
    assert [c["username"] for c in seen] == ["grid_worker"]
    other = client.get("/api/v1/patrols/checkins", headers=auth(platform, "grid_worker2"))
    assert other.json() == []


def test_bad_check_ins_are_refused_and_nothing_is_kept(
    platform: Platform, client: TestClient
) -> None:
    worker = auth(platform, "grid_worker")
    stale = (utc_now() - timedelta(days=30)).isoformat()
    cases = [
        ({"client_id": "x", "lon": 200, "lat": LAT}, 422),
        ({"client_id": "bad id!", "lon": LON, "lat": LAT}, 422),
        ({"client_id": "old", "lon": LON, "lat": LAT, "at": stale}, 422),
    ]
    for body, status in cases:
        answer = client.post("/api/v1/patrols/checkins", json=body, headers=worker)
        assert answer.status_code == status, (body, answer.text)
        assert set(answer.json()) == {"error", "detail"}
    refused = client.post(
        "/api/v1/patrols/checkins",
        json={"client_id": "d1", "lon": LON, "lat": LAT},
        headers=auth(platform, "dispatcher"),
    )
    assert refused.status_code == 403
    assert client.get("/api/v1/patrols/checkins", headers=worker).json() == []
