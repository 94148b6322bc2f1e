"""The JSON API drives the loop over HTTP and renders errors as {"error", "detail"}."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from gridgov.api.app import create_app
from gridgov.bootstrap import Platform

from ..factories import World, case_data
from .helpers import auth


@pytest.fixture
def client(platform: Platform, world: World):
    with TestClient(create_app(platform, run_sweeper=False)) as c:
        yield c


@pytest.fixture
def as_(platform: Platform, world: World) -> Callable[[str], dict[str, str]]:
    return lambda user: auth(platform, user)


def test_loop_over_http(as_: Callable[[str], dict[str, str]], client: TestClient) -> None:
    r = client.post(
        "/api/v1/cases", json=case_data(), headers={**as_("agent"), "Idempotency-Key": "k-1"}
    )
    assert r.status_code == 201, r.text
    number = r.json()["number"]
    again = client.post(
        "/api/v1/cases", json=case_data(), headers={**as_("agent"), "Idempotency-Key": "k-1"}
    )
    assert (again.status_code, again.json()["number"]) == (200, number)
    steps = [
        ("accept", "dispatcher", {"catalog_item": "010101"}),
        ("dispatch", "dispatcher", {"lead_unit": "320724-cgj"}),
        ("sign", "handler", None),
        ("report_result", "handler", {"result": "已处理完毕"}),
        ("start_verify", "dispatcher", {"verifier": "grid_worker"}),
        ("verify_pass", "grid_worker", {}),
        ("return_visit", "agent", {"satisfaction": "basically_satisfied"}),
    ]
    for action, who, body in steps:
        r = client.post(f"/api/v1/cases/{number}/actions/{action}", json=body, headers=as_(who))
        assert r.status_code == 200, (action, r.text)
    assert r.json()["status"] == "closed"
    events = client.get(f"/api/v1/cases/{number}/events", headers=as_("auditor")).json()
    assert [e["action"] for e in events][-1] == "return_visit"
    audit = client.get("/api/v1/audit/verify", headers=as_("auditor")).json()
    assert audit["ok"] is True


def test_errors_have_one_shape(as_: Callable[[str], dict[str, str]], client: TestClient) -> None:
    number = client.post("/api/v1/cases", json=case_data(), headers=as_("agent")).json()["number"]
    checks = [
        (client.get("/api/v1/cases/none", headers=as_("agent")), 404, "NotFound"),
        (client.get("/api/v1/cases"), 401, "Unauthenticated"),
        (
            client.post(f"/api/v1/cases/{number}/actions/accept", headers=as_("leader")),
            403,
            "Forbidden",
        ),
        (  # a unit that has no part in the case does not see it at all
            client.post(f"/api/v1/cases/{number}/actions/accept", headers=as_("handler")),
            404,
            "NotFound",
        ),
        (
            client.post(f"/api/v1/cases/{number}/actions/sign", headers=as_("system")),
            409,
            "InvalidTransition",
        ),
        (
            client.post(f"/api/v1/cases/{number}/actions/fly", headers=as_("system")),
            422,
            "ValidationFailed",
        ),
        (
            client.post(
                f"/api/v1/cases/{number}/actions/accept",
                json={"bogus": 1},
                headers=as_("dispatcher"),
            ),
            422,
            "ValidationFailed",
        ),
        (
            client.post(
                f"/api/v1/cases/{number}/actions/accept",
                headers={**as_("dispatcher"), "If-Match": "99"},
            ),
            409,
            "Conflict",
        ),
        (
            client.post("/api/v1/cases", json={**case_data(), "lon": 500}, headers=as_("agent")),
            422,
            "ValidationFailed",
        ),
    ]
    for response, status, error in checks:
        assert response.status_code == status, response.text
        assert response.json()["error"] == error
        assert response.json()["detail"]


def test_attachments_are_stored_by_content_and_checked(
    as_: Callable[[str], dict[str, str]], client: TestClient
) -> None:
    number = client.post("/api/v1/cases", json=case_data(), headers=as_("agent")).json()["number"]
    jpeg = b"\xff\xd8\xff\xe0" + b"photo" * 100
    up = client.post(
        f"/api/v1/cases/{number}/attachments",
        headers=as_("agent"),
        files={"file": ("现场.jpg", jpeg, "image/jpeg")},
    )
    assert up.status_code == 201, up.text
    assert len(up.json()["sha256"]) == 64
    down = client.get(f"/api/v1/attachments/{up.json()['id']}", headers=as_("agent"))
    assert down.content == jpeg
    bad = client.post(
        f"/api/v1/cases/{number}/attachments",
        headers=as_("agent"),
        files={"file": ("x.exe", b"MZ", "application/x-msdownload")},
    )
    assert (bad.status_code, bad.json()["error"]) == (422, "ValidationFailed")


def test_allowed_actions_depend_on_who_asks(
    as_: Callable[[str], dict[str, str]], client: TestClient
) -> None:
    number = client.post("/api/v1/cases", json=case_data(), headers=as_("agent")).json()["number"]
    dispatcher = client.get(f"/api/v1/cases/{number}/actions", headers=as_("dispatcher")).json()
    leader = client.get(f"/api/v1/cases/{number}/actions", headers=as_("leader")).json()
    assert {"accept", "reject", "merge_into"} <= set(dispatcher)
    assert "accept" not in leader


def test_a_failed_commit_is_reported_not_acknowledged(
    as_: Callable[[str], dict[str, str]],
    client: TestClient,
    platform: Platform,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.orm import Session

    number = client.post("/api/v1/cases", json=case_data(), headers=as_("agent")).json()["number"]
    dispatcher = as_("dispatcher")  # its key is issued before commits start failing

    def failing_commit(self: Session) -> None:
        raise OperationalError("COMMIT", {}, Exception("database is locked"))

    monkeypatch.setattr(Session, "commit", failing_commit)
    r = client.post(
        f"/api/v1/cases/{number}/actions/accept",
        json={"catalog_item": "010101"},
        headers=dispatcher,
    )
    monkeypatch.undo()
    assert (r.status_code, r.json()["error"]) == (409, "Conflict")
    assert client.get(f"/api/v1/cases/{number}", headers=as_("agent")).json()["status"] == (
        "submitted"
    )


def test_the_server_sweeps_time_limits_by_itself(
    as_: Callable[[str], dict[str, str]], platform: Platform, world: World
) -> None:
    import time
    from dataclasses import replace
    from datetime import timedelta

    from gridgov.kit.clock import utc_now

    from .helpers import Driver

    d = Driver(platform, world, now=utc_now() - timedelta(days=3))
    d.act("accept", "dispatcher", {"catalog_item": "010203"}, after=timedelta(0))
    d.act("dispatch", "dispatcher", {"lead_unit": "320724-cgj"}, after=timedelta(0))
    fast = replace(
        platform, settings=platform.settings.model_copy(update={"sla_sweep_seconds": 0.2})
    )
    with TestClient(create_app(fast)) as c:
        for _ in range(50):
            events = c.get(f"/api/v1/cases/{d.number}/events", headers=as_("auditor")).json()
            if sum(e["action"] == "sla_overdue" for e in events) == 2:
                break
            time.sleep(0.1)
    kinds = sorted(e["action"] for e in events if e["action"].startswith("sla_"))
    assert kinds == ["sla_overdue", "sla_overdue", "sla_warning", "sla_warning"]
