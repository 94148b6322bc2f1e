"""The authorisation matrix, generated from the tables and played over HTTP.

- *routes*: every operation of the OpenAPI schema × every role, from
  :data:`gridgov.auth.policy.ROUTES` — a role outside the row gets 403, a role inside never
  401/403 (it may still get 404/409/422 for the made-up input); an operation missing from
  the table fails the test;
- *scope*: for every role, a user whose scope holds the case and one whose scope does not:
  reads and actions on the case answer 200/… for the first and 404 for the second;
- *case actions*: on a submitted and on a dispatched case, every action the workflow allows
  × every role, from :data:`gridgov.cases.permissions.PERMISSIONS`: granted actions are
  offered (``GET …/actions``); refused ones are not, and forcing them gives 403 and changes
  nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from gridgov.api.app import create_app
from gridgov.auth import credentials, policy
from gridgov.auth.actor import load_actor
from gridgov.bootstrap import Platform
from gridgov.cases import repository, service
from gridgov.cases.permissions import Role, may
from gridgov.cases.workflow import Action, Status, allowed_actions
from gridgov.hooks import service as hooks
from gridgov.kit.clock import utc_now
from gridgov.store.models import Case, Center, DeadLetter, ImportBatch

from ..conftest import NOW
from ..factories import STANDARD, TOWN_B, VILLAGE_A, World, case_data
from .helpers import auth
from .test_intake import add_grid_and_rules
from .test_matrix import PAYLOAD

# For every role: a user whose scope holds the test case (in town A), and one whose does not.
IN_SCOPE = {
    Role.agent: "agent",
    Role.dispatcher: "town_dispatcher",
    Role.leader: "leader",
    Role.unit_handler: "town_team_handler",
    Role.grid_worker: "grid_worker",
    Role.admin: "admin",
    Role.auditor: "auditor",
    Role.citizen: "citizen",
    Role.system: "system",
}
OUT_OF_SCOPE = {
    Role.agent: "agent_b",
    Role.dispatcher: "other_town_dispatcher",
    Role.leader: "other_town_leader",
    Role.unit_handler: "handler2",
    Role.grid_worker: "grid_worker_b",
    Role.admin: "admin_b",
    Role.auditor: "auditor_b",
    Role.citizen: "citizen_b",
    Role.system: "system_b",
}
ENDLESS = {"GET /api/v1/events/stream"}  # a stream: its access is tested on a live server


class Setup:
    def __init__(self, platform: Platform, world: World) -> None:
        self.p = platform
        now = utc_now()
        with platform.db.write() as session:
            add_grid_and_rules(session)
            for name, role in [
                ("agent_b", "agent"),
                ("grid_worker_b", "grid_worker"),
                ("admin_b", "admin"),
                ("auditor_b", "auditor"),
                ("citizen_b", "citizen"),
                ("system_b", "system"),
            ]:
                region = None if role == "citizen" else TOWN_B
                credentials.create_user(
                    session, username=name, roles=[role], region=region, now=now
                )
            citizen = load_actor(session, username="citizen")
            self.submitted = service.create_case(
                session, data=case_data(region_code=VILLAGE_A), actor=citizen, now=NOW
            ).case.number
            self.dispatched = service.create_case(
                session,
                data=case_data(region_code=VILLAGE_A, title="另一处占道经营"),
                actor=citizen,
                now=NOW,
            ).case.number
            town = load_actor(session, username="town_dispatcher")
            for action, payload in [
                (Action.accept, {"catalog_item": STANDARD}),
                (Action.dispatch, {"lead_unit": "320724100-zhzf"}),
            ]:
                service.act(
                    session,
                    number=self.dispatched,
                    action=action,
                    actor=town,
                    payload=payload,
                    now=NOW + timedelta(hours=1),
                    rules=platform.rules,
                )
            letter = DeadLetter(
                channel="hotline", received_at=now, reason="test", payload={"text": "x"}
            )
            session.add(letter)
            county = session.scalars(select(Center).where(Center.code == "320724")).one()
            batch = ImportBatch(
                center_id=county.id,
                channel="hotline",
                at=now,
                actor="import",
                file_name="old.csv",
                mapping={},
                report={},
            )
            session.add(batch)
            hooks.create(
                session,
                name="matrix",
                url="http://127.0.0.1:9/hook",
                event_types=["*"],
                now=now,
                from_now=False,
            )
            credentials.create_api_key(session, name="victim", role="system", now=now)
            session.flush()
            self.letter_id = letter.id
            self.batch_id = batch.id
            hooks.enqueue(session, now=now)
        with TestClient(create_app(platform, run_sweeper=False)) as client:
            up = client.post(
                f"/api/v1/cases/{self.dispatched}/attachments",
                headers=auth(platform, "agent"),
                files={"file": ("a.pdf", b"%PDF-1.4 test", "application/pdf")},
            )
            assert up.status_code == 201, up.text
            self.attachment_id = up.json()["id"]
        with platform.db.read() as session:
            self.delivery_id = hooks.deliveries(session, name="matrix", limit=1)[0][0].id

    def path(self, template: str, username: str) -> str:
        values = {
            "number": self.submitted,
            "action": "comment",
            "attachment_id": self.attachment_id,
            "letter_id": self.letter_id,
            "batch_id": self.batch_id,
            "delivery_id": self.delivery_id,
            "username": username,
            "name": "victim" if "api-keys" in template else "matrix",
            "code": f"{VILLAGE_A}001" if "grids" in template else "320724",
            "channel": "hotline",
            "day": "2026-03-03",
            "building_id": 1,
            "report_id": 1,
            "fmt": "html",
        }
        return template.format(**values)


@pytest.fixture
def setup(platform: Platform, world: World) -> Iterator[tuple[Setup, TestClient]]:
    s = Setup(platform, world)
    with TestClient(create_app(platform, run_sweeper=False)) as client:
        yield s, client


def test_every_role_meets_every_endpoint_as_the_route_table_says(setup) -> None:
    s, client = setup
    operations = [
        (method.upper(), path)
        for path, item in client.app.openapi()["paths"].items()
        for method in item
    ]
    keys = {f"{m} {p}" for m, p in operations}
    assert keys <= set(policy.ROUTES), (
        f"operations without an access rule: {keys - set(policy.ROUTES)}"
    )
    assert len(operations) >= 40
    wrong = []
    for method, template in operations:
        op = f"{method} {template}"
        if op in ENDLESS:
            continue
        allowed = policy.ROUTES[op]
        for role, username in IN_SCOPE.items():
            r = client.request(method, s.path(template, username), headers=auth(s.p, username))
            if allowed == policy.PUBLIC or role in allowed:
                if (
                    r.status_code in (401, 403)
                    and op != "POST /api/v1/cases/{number}/actions/{action}"
                ):
                    wrong.append(f"{role} refused {op}: {r.status_code} {r.text[:120]}")
            elif (r.status_code, r.json().get("error")) != (403, "Forbidden"):
                wrong.append(f"{role} let into {op}: {r.status_code} {r.text[:120]}")
        anonymous = client.request(method, s.path(template, "nobody"))
        expected = 401 if allowed != policy.PUBLIC else None
        if expected and anonymous.status_code != expected:
            wrong.append(f"anonymous {op}: {anonymous.status_code}")
    assert not wrong, "\n".join(wrong)


def test_every_role_sees_the_case_in_scope_and_not_out_of_it(setup) -> None:
    s, client = setup
    number = s.dispatched  # in town A, reported by the citizen, led by the town's team
    for role in Role:
        inside, outside = IN_SCOPE[role], OUT_OF_SCOPE[role]
        for path in (
            f"/api/v1/cases/{number}",
            f"/api/v1/cases/{number}/events",
            f"/api/v1/cases/{number}/actions",
            f"/api/v1/attachments/{s.attachment_id}",
        ):
            assert client.get(path, headers=auth(s.p, inside)).status_code == 200, (role, path)
            miss = client.get(path, headers=auth(s.p, outside))
            assert (miss.status_code, miss.json()["error"]) == (404, "NotFound"), (role, path)
        listed = client.get("/api/v1/cases", headers=auth(s.p, inside)).json()["items"]
        assert number in {c["number"] for c in listed}, role
        hidden = client.get("/api/v1/cases", headers=auth(s.p, outside)).json()["items"]
        assert number not in {c["number"] for c in hidden}, role
        forced = client.post(
            f"/api/v1/cases/{number}/actions/comment",
            json={"text": "越界"},
            headers=auth(s.p, outside),
        )
        assert forced.status_code == 404, (role, forced.text)


def test_case_actions_follow_the_permission_table_for_every_role(setup) -> None:
    s, client = setup
    checked = 0
    for number in (s.submitted, s.dispatched):
        for role in Role:
            username = IN_SCOPE[role]
            with s.p.db.read() as session:
                case = repository.get_by_number(session, number=number)
                actor = load_actor(session, username=username)
                legal = allowed_actions(Status(case.status), service.facts(session, case=case))
                held = service.relations(session, case=case, actor=actor)
                version = case.version
            listing = client.get(f"/api/v1/cases/{number}/actions", headers=auth(s.p, username))
            # a unit sees a case only once it has a part in it: then everything is 404
            visible = listing.status_code == 200
            assert visible or (role, number) == (Role.unit_handler, s.submitted), role
            offered = set(listing.json()) if visible else set()
            for action in legal:
                granted = may(action, actor.roles, held)
                assert (action.value in offered) == granted, (number, role, action)
                if not granted:
                    payload = (
                        {"into": s.dispatched}
                        if action is Action.merge_into
                        else PAYLOAD.get(action, {})
                    )
                    r = client.post(
                        f"/api/v1/cases/{number}/actions/{action.value}",
                        json=payload,
                        headers=auth(s.p, username),
                    )
                    expected = (403, "Forbidden") if visible else (404, "NotFound")
                    assert (r.status_code, r.json()["error"]) == expected, (role, action)
                checked += 1
            with s.p.db.read() as session:
                assert session.scalar(select(Case.version).where(Case.number == number)) == version
    assert checked >= 100  # roles × legal actions on both cases
