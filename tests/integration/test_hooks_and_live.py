"""Webhooks (signed, durable, retried, re-sendable) and live events (scoped, resumable), over
real HTTP: a receiver on a local port, and the API server on another."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from gridgov.api.app import create_app
from gridgov.bootstrap import Platform
from gridgov.hooks import service as hooks
from gridgov.hooks import signing
from gridgov.kit.clock import utc_now
from gridgov.store.models import WebhookDelivery

from ..factories import COUNTY, STANDARD, TOWN_B, VILLAGE_A, World
from . import helpers
from .helpers import Driver, auth


class Receiver:
    """A system that subscribes: records what arrives, answers ``status``."""

    def __init__(self) -> None:
        self.got: list[tuple[dict[str, str], bytes]] = []
        self.status = 200
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.got.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(outer.status)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def bodies(self) -> list[dict]:
        return [json.loads(b) for _, b in self.got]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()


def test_webhooks_are_signed_scoped_retried_and_resendable(
    platform: Platform, world: World, receiver: Receiver
) -> None:
    admin = auth(platform, "admin")
    with TestClient(create_app(platform, run_sweeper=False)) as client:
        made = client.post(
            "/api/v1/webhooks",
            json={"name": "12345", "url": receiver.url, "event_types": ["create", "dispatch"],
                  "region_code": COUNTY},
            headers=admin,
        )  # fmt: skip
        assert made.status_code == 201, made.text
        secret = made.json()["secret"]
        elsewhere = client.post(
            "/api/v1/webhooks",
            json={"name": "other-town", "url": receiver.url, "region_code": TOWN_B},
            headers=admin,
        )
        assert elsewhere.status_code == 201
        assert "secret" not in client.get("/api/v1/webhooks", headers=admin).json()[0]
        assert (
            client.get("/api/v1/webhooks", headers=auth(platform, "dispatcher")).status_code == 403
        )

    d = Driver(platform, world, region_code=VILLAGE_A)
    d.act("accept", "town_dispatcher", {"catalog_item": STANDARD})
    d.act("dispatch", "town_dispatcher", {"lead_unit": "320724100-zhzf"})
    first = hooks.run_once(platform.db, now=utc_now)
    assert (first.enqueued, first.delivered, first.failed) == (2, 2, 0)
    assert [b["type"] for b in receiver.bodies()] == ["create", "dispatch"]  # not accept
    headers, body = receiver.got[0]
    assert headers["x-gridgov-event"] == "create"
    assert signing.verify(secret, headers["x-gridgov-signature"], body, now=int(time.time()))
    assert not signing.verify("wrong", headers["x-gridgov-signature"], body, now=int(time.time()))
    assert not signing.verify(
        secret, headers["x-gridgov-signature"], body + b" ", now=int(time.time())
    )
    assert receiver.bodies()[0]["case"]["number"] == d.number
    assert "13812345678" not in body.decode()  # personal data stays masked
    # running again sends nothing twice
    assert hooks.run_once(platform.db, now=utc_now) == hooks.Round(0, 0, 0)

    # the receiver fails: kept, retried on the back-off clock, then delivered
    receiver.status = 503
    d.act("sign", "town_team_handler", {})
    d2 = Driver(platform, world, title="第二个案件，县城路灯不亮")
    failing = hooks.run_once(platform.db, now=utc_now)
    assert (failing.enqueued, failing.failed) == (1, 1)
    assert hooks.run_once(platform.db, now=utc_now).failed == 0  # not due yet: 30 s back-off
    receiver.status = 200
    later = utc_now() + timedelta(seconds=31)
    assert hooks.run_once(platform.db, now=lambda: later).delivered == 1
    assert receiver.bodies()[-1]["case"]["number"] == d2.number
    with platform.db.read() as session:
        states = dict(
            session.execute(
                select(WebhookDelivery.state, func.count()).group_by(WebhookDelivery.state)
            ).all()
        )
    assert states == {"delivered": 3}

    # a receiver that never answers well: after MAX_ATTEMPTS the delivery is dead
    receiver.status = 500
    Driver(platform, world, title="第三个案件，井盖缺失")
    clock = utc_now()
    for _ in range(hooks.MAX_ATTEMPTS):
        clock += timedelta(hours=2)
        hooks.run_once(platform.db, now=lambda: clock)  # noqa: B023 - evaluated within the call
    with TestClient(create_app(platform, run_sweeper=False)) as client:
        dead = client.get("/api/v1/webhooks/deliveries?state=dead", headers=admin).json()
        assert len(dead) == 1
        assert dead[0]["attempts"] == hooks.MAX_ATTEMPTS
        assert dead[0]["last_status"] == 500
        receiver.status = 200
        again = client.post(f"/api/v1/webhooks/deliveries/{dead[0]['id']}/resend", headers=admin)
        assert again.json()["state"] == "pending"
    assert hooks.run_once(platform.db, now=utc_now).delivered == 1
    assert receiver.bodies()[-1]["delivery_id"] == dead[0]["id"]
    # the other town's subscription saw nothing of the county's cases
    assert {b["webhook"] for b in receiver.bodies()} == {"12345"}


@pytest.fixture
def streaming(platform: Platform) -> Iterator[str]:
    tuned = platform.settings.model_copy(update={"live_poll_seconds": 0.1})
    app = create_app(
        Platform(tuned, platform.db, platform.rules, platform.triage), run_sweeper=False
    )
    with helpers.live_server(app) as url:
        yield url


def _read_events(url: str, headers: dict[str, str], want: int, timeout: float = 10.0) -> list[dict]:
    got: list[dict] = []
    deadline = time.monotonic() + timeout
    with httpx.stream("GET", url, headers=headers, timeout=timeout) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        event: dict = {}
        for line in response.iter_lines():
            if line.startswith("id: "):
                event["id"] = int(line[4:])
            elif line.startswith("data: "):
                event["data"] = json.loads(line[6:])
            elif line == "" and "data" in event:
                got.append(event)
                event = {}
                if len(got) >= want:
                    break
            if time.monotonic() > deadline:
                break
    return got


def test_live_events_follow_the_callers_scope_and_resume_after_last_event_id(
    platform: Platform, world: World, streaming: str
) -> None:
    url = f"{streaming}/api/v1/events/stream?after=0"
    village = Driver(platform, world, region_code=VILLAGE_A, title="村口路灯不亮")
    Driver(platform, world, title="县城主干道井盖缺失")  # outside the town's scope
    village.act("accept", "town_dispatcher", {"catalog_item": STANDARD})
    town = _read_events(url, auth(platform, "town_dispatcher"), want=2)
    assert [(e["data"]["type"], e["data"]["case"]["number"]) for e in town] == [
        ("create", village.number),
        ("accept", village.number),
    ]
    county = _read_events(url, auth(platform, "dispatcher"), want=3)
    assert len(county) == 3  # the county sees both cases
    # resume: only what came after the last event seen
    village.act("dispatch", "town_dispatcher", {"lead_unit": "320724100-zhzf"})
    resumed = _read_events(
        f"{streaming}/api/v1/events/stream",
        {**auth(platform, "town_dispatcher"), "Last-Event-ID": str(town[-1]["id"])},
        want=1,
    )
    assert [e["data"]["type"] for e in resumed] == ["dispatch"]
    assert resumed[0]["id"] > town[-1]["id"]
    # without credentials there is no stream
    assert httpx.get(url, timeout=5).status_code == 401
