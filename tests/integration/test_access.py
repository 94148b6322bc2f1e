"""Accounts, sign-in, API keys and data scope, over real HTTP and the real CLI."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from gridgov.api.app import create_app
from gridgov.auth import credentials
from gridgov.bootstrap import Platform
from gridgov.kit.clock import utc_now
from gridgov.store.models import ApiKey, LoginSession, User

from ..factories import COUNTY, STANDARD, VILLAGE_A, World, case_data
from .helpers import Driver, auth, overlapping

GOOD = "Wangge-2026!x"


@pytest.fixture
def client(platform: Platform, world: World):
    with platform.db.write() as session:
        for name in ("agent", "dispatcher"):
            credentials.set_password(session, username=name, password=GOOD, now=utc_now())
    # https: the session cookie is Secure, so the client only sends it back over TLS
    with TestClient(create_app(platform, run_sweeper=False), base_url="https://testserver") as c:
        yield c


def login(client: TestClient, username: str = "agent", password: str = GOOD):
    return client.post("/api/v1/auth/login", json={"username": username, "password": password})


def test_console_session_is_an_http_only_cookie_and_writes_need_the_csrf_token(
    client: TestClient,
) -> None:
    r = login(client)
    assert r.status_code == 200, r.text
    assert r.json()["roles"] == ["agent"]
    cookie = next(h for h in r.headers.get_list("set-cookie") if h.startswith("gridgov_session="))
    assert "HttpOnly" in cookie
    assert "Secure" in cookie
    assert "samesite=strict" in cookie.lower()
    csrf = r.json()["csrf_token"]
    assert client.get("/api/v1/auth/me").json()["username"] == "agent"
    # a forged cross-site POST carries the cookie but not the token
    forged = client.post("/api/v1/cases", json=case_data())
    assert (forged.status_code, forged.json()["error"]) == (403, "Forbidden")
    made = client.post("/api/v1/cases", json=case_data(), headers={"X-CSRF-Token": csrf})
    assert made.status_code == 201, made.text
    assert client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    client.cookies.clear()
    assert client.get("/api/v1/auth/me").status_code == 401


def test_a_signed_out_token_is_dead_even_if_replayed(client: TestClient) -> None:
    r = login(client)
    token = client.cookies.get("gridgov_session")
    client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": r.json()["csrf_token"]})
    client.cookies.set("gridgov_session", token)
    replay = client.get("/api/v1/auth/me")
    assert replay.status_code == 401
    assert replay.headers["www-authenticate"].startswith("Bearer")


def test_failed_sign_ins_lock_the_account_with_back_off(
    client: TestClient, platform: Platform
) -> None:
    unknown = login(client, "nobody", GOOD)
    wrong = login(client, "agent", "Wrong-pass-123")
    assert unknown.json() == wrong.json()  # no hint whether the name exists
    for _ in range(4):
        assert login(client, "agent", "Wrong-pass-123").status_code == 401
    locked = login(client, "agent", GOOD)  # even the right password waits now
    assert locked.status_code == 429
    assert 1 <= int(locked.headers["retry-after"]) <= 30
    with platform.db.write() as session:
        user = session.scalar(select(User).where(User.username == "agent"))
        assert user.failed_logins == 5
        user.locked_until = utc_now() - timedelta(seconds=1)  # the 30 s pass
    # one more failure doubles the lock
    assert login(client, "agent", "Wrong-pass-123").status_code == 401
    again = login(client, "agent", GOOD)
    assert again.status_code == 429
    assert 31 <= int(again.headers["retry-after"]) <= 60
    with platform.db.write() as session:
        session.execute(update(User).values(locked_until=None))
    assert login(client, "agent", GOOD).status_code == 200
    with platform.db.read() as session:
        assert session.scalar(select(User.failed_logins).where(User.username == "agent")) == 0


def test_sessions_end_after_idle_time_and_after_their_maximum_age(
    client: TestClient, platform: Platform
) -> None:
    login(client)
    with platform.db.write() as session:
        session.execute(update(LoginSession).values(last_seen_at=utc_now() - timedelta(minutes=31)))
    r = client.get("/api/v1/auth/me")
    assert r.status_code == 401
    assert "inactivity" in r.json()["detail"]
    login(client)
    with platform.db.write() as session:
        session.execute(
            update(LoginSession)
            .where(LoginSession.ended_at.is_(None))
            .values(created_at=utc_now() - timedelta(hours=13), last_seen_at=utc_now())
        )
    r = client.get("/api/v1/auth/me")
    assert r.status_code == 401
    assert "maximum age" in r.json()["detail"]


def test_api_keys_from_the_cli_are_hashed_scoped_used_and_revocable(
    client: TestClient, platform: Platform, cli
) -> None:
    made = cli(
        "users", "api-key", "create", "--name", "pol110", "--role", "system", "--region", COUNTY
    )
    assert made.exit_code == 0, made.output
    key = made.output.strip().splitlines()[-1]  # alone on the last line: scripts rely on it
    assert key.startswith("gg_")
    assert " " not in key
    with platform.db.read() as session:
        row = session.scalar(select(ApiKey).where(ApiKey.name == "pol110"))
        assert row.key_hash == credentials.digest(key)
        assert key not in repr(vars(row))
        assert row.last_used_at is None
    bearer = {"Authorization": f"Bearer {key}"}
    me = client.get("/api/v1/auth/me", headers=bearer).json()
    assert (me["roles"], me["region_code"]) == (["system"], COUNTY)
    assert client.get("/api/v1/cases", headers={"X-API-Key": key}).status_code == 200
    with platform.db.read() as session:
        assert session.scalar(select(ApiKey.last_used_at).where(ApiKey.name == "pol110"))
    assert cli("users", "api-key", "revoke", "--name", "pol110").exit_code == 0
    gone = client.get("/api/v1/cases", headers=bearer)
    assert gone.status_code == 401
    assert "revoked" in gone.json()["detail"]
    assert (
        client.get("/api/v1/cases", headers={"Authorization": "Bearer gg_nope"}).status_code == 401
    )
    duplicate = cli("users", "api-key", "create", "--name", "pol110", "--role", "system")
    assert duplicate.exit_code == 5
    assert "already exists" in duplicate.output


def test_password_policy_and_the_users_cli(client: TestClient, platform: Platform, cli) -> None:
    from typer.testing import CliRunner

    from gridgov.cli import app

    runner = CliRunner()

    def create(password: str):
        return runner.invoke(
            app,
            [
                "users",
                "create",
                "--username",
                "wang",
                "--role",
                "dispatcher",
                "--region",
                COUNTY,
                "--password-stdin",
            ],
            input=password + "\n",
        )

    weak = create("wang12345678")
    assert weak.exit_code == 2
    assert "three of" in weak.output
    assert "user name" in weak.output
    assert create("Anquan#2026go").exit_code == 0
    assert login(client, "wang", "Anquan#2026go").status_code == 200
    reset = runner.invoke(
        app,
        ["users", "reset-password", "--username", "wang", "--password-stdin"],
        input="Xin-mima-2026\n",
    )
    assert reset.exit_code == 0, reset.output
    assert client.get("/api/v1/auth/me").status_code == 401  # the reset ended the session
    assert login(client, "wang", "Anquan#2026go").status_code == 401
    assert login(client, "wang", "Xin-mima-2026").status_code == 200
    listed = cli("users", "list", "--json")
    assert '"can_sign_in": true' in listed.output


def test_admin_manages_users_and_keys_over_http(client: TestClient, platform: Platform) -> None:
    admin = auth(platform, "admin")
    made = client.post(
        "/api/v1/users",
        json={
            "username": "li",
            "roles": ["agent"],
            "password": "Xu-agent-2026",
            "region_code": COUNTY,
        },
        headers=admin,
    )
    assert made.status_code == 201, made.text
    assert made.json()["can_sign_in"] is True
    assert (
        client.post(
            "/api/v1/users", json={"username": "li", "roles": ["agent"]}, headers=admin
        ).status_code
        == 409
    )
    not_admin = client.get("/api/v1/users", headers=auth(platform, "dispatcher"))
    assert not_admin.status_code == 403
    key = client.post("/api/v1/api-keys", json={"name": "12345", "role": "system"}, headers=admin)
    assert key.status_code == 201
    assert key.json()["key"].startswith("gg_")
    listed = client.get("/api/v1/api-keys", headers=admin).json()
    assert "key" not in listed[0]
    assert {k["name"] for k in listed} >= {"12345"}
    assert client.delete("/api/v1/api-keys/12345", headers=admin).json()["revoked_at"]


def test_data_scope_hides_other_towns_cases_and_unrelated_units(
    platform: Platform, world: World
) -> None:
    village = Driver(platform, world, region_code=VILLAGE_A, title="村口路灯不亮")
    county = Driver(platform, world, title="县城主干道井盖缺失")
    with TestClient(create_app(platform, run_sweeper=False)) as client:

        def numbers(who: str) -> set[str]:
            r = client.get("/api/v1/cases", headers=auth(platform, who))
            return {c["number"] for c in r.json()["items"]}

        def status(who: str, number: str) -> int:
            return client.get(f"/api/v1/cases/{number}", headers=auth(platform, who)).status_code

        assert numbers("dispatcher") == {village.number, county.number}
        assert numbers("town_dispatcher") == {village.number}
        assert numbers("other_town_dispatcher") == set()
        assert status("other_town_dispatcher", village.number) == 404  # not 403: no probing
        assert status("handler", county.number) == 404
        # a unit sees a case once it has a part in it
        county.act("accept", "dispatcher", {"catalog_item": STANDARD})
        county.act("dispatch", "dispatcher", {"lead_unit": "320724-cgj"})
        assert status("handler", county.number) == 200
        assert numbers("handler") == {county.number}
        for path in ("events", "actions"):
            r = client.get(
                f"/api/v1/cases/{village.number}/{path}", headers=auth(platform, "handler")
            )
            assert r.status_code == 404
        # acting on an unseen case is refused the same way
        r = client.post(
            f"/api/v1/cases/{village.number}/actions/accept",
            json={"catalog_item": STANDARD},
            headers=auth(platform, "other_town_dispatcher"),
        )
        assert r.status_code == 404
        # a citizen sees only what the citizen reported; a catalogue subset narrows the scope
        assert numbers("citizen") == set()
        with platform.db.write() as session:
            credentials.create_user(
                session,
                username="roads",
                roles=["dispatcher"],
                region=COUNTY,
                catalog_scope=["09"],
                now=utc_now(),
            )
        assert numbers("roads") == set()
        with platform.db.write() as session:
            session.execute(
                update(User).where(User.username == "roads").values(catalog_scope=["01"])
            )
        assert numbers("roads") == {
            county.number
        }  # the accepted case is under 01; the other is unclassified


def test_idempotency_keys_make_creates_retry_safe(client: TestClient, platform: Platform) -> None:
    admin = auth(platform, "admin")
    body = {"username": "zhao", "roles": ["agent"], "password": "Qing-mima-2026"}
    first = client.post("/api/v1/users", json=body, headers={**admin, "Idempotency-Key": "u-1"})
    again = client.post("/api/v1/users", json=body, headers={**admin, "Idempotency-Key": "u-1"})
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    other = client.post(
        "/api/v1/users",
        json={**body, "username": "qian"},
        headers={**admin, "Idempotency-Key": "u-1"},
    )
    assert other.status_code == 422
    assert "already used" in other.json()["detail"]
    without = client.post("/api/v1/users", json=body, headers=admin)
    assert without.status_code == 409  # no key: a plain retry is a conflict, not a copy
    # a new key's secret is shown once: a replay gives the row without it
    key_body = {"name": "hotline-12345", "role": "system"}
    made = client.post("/api/v1/api-keys", json=key_body, headers={**admin, "Idempotency-Key": "k"})
    replay = client.post(
        "/api/v1/api-keys", json=key_body, headers={**admin, "Idempotency-Key": "k"}
    )
    assert made.json()["key"].startswith("gg_")
    assert replay.status_code == 201
    assert replay.json()["key"] is None
    assert replay.json()["prefix"] == made.json()["prefix"]
    with platform.db.read() as session:
        from gridgov.store.models import IdempotencyRecord

        kept = " ".join(str(r.body) for r in session.scalars(select(IdempotencyRecord)))
        assert made.json()["key"] not in kept
        assert "Qing-mima-2026" not in kept
        assert session.scalar(select(ApiKey.id).where(ApiKey.name == "hotline-12345"))
    # the same key is another user's own: no clash between users
    mine = client.post(
        "/api/v1/users",
        json={"username": "sun", "roles": ["agent"]},
        headers={**auth(platform, "admin"), "Idempotency-Key": "u-2"},
    )
    assert mine.status_code == 201


def test_a_keyed_create_retried_while_the_first_runs_gets_the_first_answer(
    platform: Platform, world: World
) -> None:
    """The second request waits for the first at the username's constraint (PostgreSQL) or
    for the write lock (SQLite) and answers with the first request's kept answer."""
    from gridgov.auth.endpoints import UserCreate, create_user

    body = UserCreate(username="zhou", roles=["agent"])

    def post(session: Any) -> Any:
        return create_user(body, session, world.actor(session, "admin"), idempotency_key="u-race")

    first, second = overlapping(platform, post, post)
    assert first.username == "zhou"
    assert not isinstance(second, Exception), repr(second)
    assert second.headers["idempotent-replayed"] == "true"
    assert json.loads(second.body) == first.model_dump(mode="json")
    with platform.db.read() as session:
        assert len(session.scalars(select(User).where(User.username == "zhou")).all()) == 1


def test_a_deactivated_user_is_out_at_once_and_roles_can_change(
    client: TestClient, platform: Platform
) -> None:
    r = login(client, "dispatcher")
    assert r.status_code == 200
    key = auth(platform, "dispatcher")
    admin = auth(platform, "admin")
    changed = client.patch(
        "/api/v1/users/dispatcher", json={"roles": ["dispatcher", "leader"]}, headers=admin
    )
    assert changed.json()["roles"] == ["dispatcher", "leader"]
    assert client.get("/api/v1/auth/me").json()["roles"] == ["dispatcher", "leader"]
    off = client.patch("/api/v1/users/dispatcher", json={"active": False}, headers=admin)
    assert off.json()["active"] is False
    assert client.get("/api/v1/auth/me").status_code == 401  # the open session ended
    assert client.get("/api/v1/cases", headers=key).status_code == 401  # its keys too
    assert login(client, "dispatcher").status_code == 401
    bad = client.patch("/api/v1/users/dispatcher", json={"unit": "nope"}, headers=admin)
    assert bad.status_code == 404
