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
    other = client.post(  # a different case under the same key: refused, not the old case
        "/api/v1/cases",
        json={**case_data(), "description": "另一件事：楼道灯坏了"},
        headers={**as_("agent"), "Idempotency-Key": "k-1"},
    )
    assert (other.status_code, other.json()["error"]) == (409, "Conflict")
    assert number in other.json()["detail"]
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


def _photo(fmt: str = "JPEG", size: tuple[int, int] = (64, 48)) -> bytes:
    """A real photo carrying EXIF with a GPS position, as phones write them."""
    import io

    from PIL import Image

    img = Image.new("RGB", size, (200, 120, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (34.0, 5.0, 24.0), 3: "E", 4: (119.0, 21.0, 0.0)}  # GPS
    out = io.BytesIO()
    img.save(out, format=fmt, exif=exif)
    return out.getvalue()


def test_attachments_are_sniffed_stripped_of_metadata_and_stored_by_content(
    as_: Callable[[str], dict[str, str]], client: TestClient
) -> None:
    import io

    from PIL import Image

    number = client.post("/api/v1/cases", json=case_data(), headers=as_("agent")).json()["number"]
    photo = _photo()
    assert Image.open(io.BytesIO(photo)).getexif().get_ifd(0x8825)  # the GPS is in there
    up = client.post(
        f"/api/v1/cases/{number}/attachments",
        headers=as_("agent"),
        files={"file": ("现场.jpg", photo, "image/jpeg")},
    )
    assert up.status_code == 201, up.text
    assert len(up.json()["sha256"]) == 64
    listed = client.get(f"/api/v1/cases/{number}", headers=as_("agent")).json()["attachments"]
    assert [(a["id"], a["filename"]) for a in listed] == [(up.json()["id"], "现场.jpg")]
    down = client.get(f"/api/v1/attachments/{up.json()['id']}", headers=as_("agent"))
    kept = Image.open(io.BytesIO(down.content))
    assert kept.size == (64, 48)
    assert not kept.getexif()  # no GPS, no maker: the metadata is gone
    png = client.post(  # a browser that says octet-stream: the bytes decide
        f"/api/v1/cases/{number}/attachments",
        headers=as_("agent"),
        files={"file": ("a.png", _photo("PNG"), "application/octet-stream")},
    )
    assert png.json()["content_type"] == "image/png"

    def refused(name: str, content: bytes, declared: str) -> str:
        r = client.post(
            f"/api/v1/cases/{number}/attachments",
            headers=as_("agent"),
            files={"file": (name, content, declared)},
        )
        assert (r.status_code, r.json()["error"]) == (422, "ValidationFailed"), r.text
        return r.json()["detail"]

    assert "not a recognised type" in refused("x.exe", b"MZ\x90\x00", "application/x-msdownload")
    assert "its content is" in refused("fake.jpg", b"%PDF-1.7 not a photo", "image/jpeg")
    assert "cannot be read" in refused("broken.jpg", b"\xff\xd8\xff\xe0" + b"x" * 50, "image/jpeg")
    bomb = io.BytesIO()
    Image.new("1", (10_000, 7_000)).save(bomb, format="PNG")  # 70 Mpx in a few kB
    assert len(bomb.getvalue()) < 100_000
    assert "pixels" in refused("bomb.png", bomb.getvalue(), "image/png")


def test_allowed_actions_depend_on_who_asks(
    as_: Callable[[str], dict[str, str]], client: TestClient
) -> None:
    number = client.post("/api/v1/cases", json=case_data(), headers=as_("agent")).json()["number"]
    dispatcher = client.get(f"/api/v1/cases/{number}/actions", headers=as_("dispatcher")).json()
    leader = client.get(f"/api/v1/cases/{number}/actions", headers=as_("leader")).json()
    assert {"accept", "reject", "merge_into"} <= set(dispatcher)
    assert "accept" not in leader


def test_the_call_back_list_names_merged_reports_once_their_case_closes(
    as_: Callable[[str], dict[str, str]], client: TestClient
) -> None:
    def create() -> str:
        return client.post("/api/v1/cases", json=case_data(), headers=as_("agent")).json()["number"]

    def owed() -> list[str]:
        r = client.get("/api/v1/cases", params={"to_visit": "true"}, headers=as_("agent"))
        assert r.status_code == 200, r.text
        return sorted(c["number"] for c in r.json()["items"])

    def act(number: str, action: str, who: str, body: dict[str, object] | None) -> int:
        r = client.post(f"/api/v1/cases/{number}/actions/{action}", json=body, headers=as_(who))
        return r.status_code

    first, repeat = create(), create()
    assert act(repeat, "merge_into", "dispatcher", {"into": first}) == 200
    assert act(repeat, "return_visit", "agent", {"satisfaction": "satisfied"}) == 409
    for action, who, body in [
        ("accept", "dispatcher", {"catalog_item": "010101"}),
        ("dispatch", "dispatcher", {"lead_unit": "320724-cgj"}),
        ("sign", "handler", None),
        ("report_result", "handler", {"result": "已处理完毕"}),
        ("start_verify", "dispatcher", {"verifier": "grid_worker"}),
        ("verify_pass", "grid_worker", {}),
    ]:
        assert act(first, action, who, body) == 200, action
    assert owed() == sorted([first, repeat])
    actions = client.get(f"/api/v1/cases/{repeat}/actions", headers=as_("agent")).json()
    assert actions == ["return_visit"]
    assert act(repeat, "return_visit", "agent", {"satisfaction": "satisfied"}) == 200
    assert owed() == [first]


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


def test_the_case_list_filters_sorts_and_pages(
    as_: Callable[[str], dict[str, str]], client: TestClient
) -> None:
    made = []
    for title, extra in [
        ("县城路灯不亮", {}),
        ("新安镇河道垃圾", {"region_code": "320724100001", "channel": "web"}),
        ("人民路占道经营_100%", {}),
    ]:
        r = client.post("/api/v1/cases", json=case_data(title=title, **extra), headers=as_("agent"))
        assert r.status_code == 201, r.text
        made.append(r.json()["number"])
    client.post(
        f"/api/v1/cases/{made[0]}/actions/accept",
        json={"catalog_item": "010101"},
        headers=as_("dispatcher"),
    )

    def numbers(**params: object) -> list[str]:
        r = client.get("/api/v1/cases", params=params, headers=as_("admin"))
        assert r.status_code == 200, r.text
        return [c["number"] for c in r.json()["items"]]

    assert numbers() == made[::-1]  # newest first by default
    assert numbers(sort="created_at") == made
    assert numbers(channel="web") == [made[1]]
    assert numbers(region="320724100") == [made[1]]
    assert numbers(category="01") == [made[0]]  # the accepted one, under 01
    assert numbers(q="_100%") == [made[2]]  # LIKE wildcards are taken literally
    assert numbers(q="河道") == [made[1]]
    assert numbers(status="accepted") == [made[0]]
    assert numbers(supervised="true") == []
    assert numbers(page_size=2, page=2) == [made[0]]
    bad = client.get("/api/v1/cases", params={"sort": "title"}, headers=as_("admin"))
    assert bad.status_code == 422
    missing = client.get("/api/v1/cases", params={"unit": "nope"}, headers=as_("admin"))
    assert (missing.status_code, missing.json()["error"]) == (404, "NotFound")


def test_reference_data_and_settings_over_http(
    as_: Callable[[str], dict[str, str]], client: TestClient
) -> None:
    admin, dispatcher = as_("admin"), as_("dispatcher")
    towns = client.get("/api/v1/regions", params={"parent": "320724"}, headers=dispatcher).json()
    assert {r["code"] for r in towns} == {"320724100", "320724101"}
    assert client.get("/api/v1/regions/999", headers=dispatcher).status_code == 404
    # routing rules: checked as a whole, then written
    bad = client.post(
        "/api/v1/routing-rules",
        json={"rules": [{"item": "010101", "lead_unit": "320724-cgj"},
                        {"item": "nope", "lead_unit": "320724-cgj"}]},
        headers=admin,
    )  # fmt: skip
    assert bad.status_code == 422
    assert "nope" in bad.json()["detail"]
    assert client.get("/api/v1/routing-rules", headers=admin).json() == []
    ok = client.post(
        "/api/v1/routing-rules",
        json={"rules": [{"item": "01", "region_level": "county", "lead_unit": "320724-zjj",
                         "assisting": ["320724-cgj"]}]},
        headers=admin,
    )  # fmt: skip
    assert ok.json() == {"imported": 1}
    assert (
        client.post("/api/v1/routing-rules", json={"rules": []}, headers=dispatcher).status_code
        == 403
    )
    route = client.get(
        "/api/v1/routing-rules/test",
        params={"item": "010101", "region": "320724100001", "level": "county"},
        headers=dispatcher,
    ).json()
    assert (route["lead_unit"], route["assisting_units"]) == ("320724-zjj", ["320724-cgj"])
    assert route["message"] is None  # English unless asked
    chinese = client.get(
        "/api/v1/routing-rules/test",
        params={"item": "010101", "region": "320724100001", "level": "county"},
        headers={**dispatcher, "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"},
    ).json()
    assert chinese["explanation"] == route["explanation"]
    assert chinese["message"].startswith(f"派遣规则 #{route['rule']}（事项 01 ")
    for words in ("县级", "全域", "（320724-zjj）", "协办"):
        assert words in chinese["message"], (words, chinese["message"])
    none = client.get(
        "/api/v1/routing-rules/test",
        params={"item": "09", "region": "320724100001", "level": "county"},
        headers={**dispatcher, "Accept-Language": "zh"},
    ).json()
    assert (none["rule"], none["message"]) == (None, "无派遣规则：由派遣员选择承办单位")
    # triage thresholds
    policy = client.put(
        "/api/v1/centers/320724/triage-policy", json={"classify_threshold": 0.9}, headers=admin
    ).json()
    assert policy["classify_threshold"] == 0.9
    assert policy["auto_dispatch"] is True
    shown = client.get("/api/v1/centers/320724/triage-policy", headers=dispatcher).json()
    assert shown == policy
    over = client.put(
        "/api/v1/centers/320724/triage-policy", json={"classify_threshold": 2}, headers=admin
    )
    assert over.status_code == 422
    # a local holiday
    day = client.put(
        "/api/v1/calendar/days/2026-03-03",
        json={"is_workday": False, "name": "防汛停工", "region_code": "320724"},
        headers=admin,
    )
    assert day.status_code == 200, day.text
    days = client.get("/api/v1/calendar/days", params={"year": 2026}, headers=dispatcher).json()
    assert [(d["day"], d["is_workday"]) for d in days] == [("2026-03-03", False)]
    # the catalogue's Open311 fields, with attribute definitions checked
    number_attr = {"code": "N", "datatype": "number", "description": "数量"}
    item = client.patch(
        "/api/v1/catalog/010101",
        json={"keywords": "摊贩", "attributes": [number_attr]},
        headers=admin,
    )
    assert item.status_code == 200, item.text
    assert item.json()["attributes"][0]["required"] is False
    broken = client.patch(
        "/api/v1/catalog/010101",
        json={"attributes": [{"code": "K", "datatype": "singlevaluelist", "description": "类"}]},
        headers=admin,
    )
    assert broken.status_code == 422
    assert "needs values" in broken.json()["detail"]


def test_grids_are_imported_with_a_report_and_staffed_over_http(
    as_: Callable[[str], dict[str, str]], client: TestClient
) -> None:
    admin = as_("admin")

    def square(code: str, x: float, size: float = 0.01) -> dict:
        ring = [[x, 34.1], [x + size, 34.1], [x + size, 34.1 + size], [x, 34.1 + size], [x, 34.1]]
        return {
            "type": "Feature",
            "properties": {"code": code, "name": f"网格{code[-3:]}"},
            "geometry": {"type": "Polygon", "coordinates": [ring]},
        }

    good = {"type": "FeatureCollection", "features": [square("320724100001001", 119.30)]}
    bowtie = square("320724100001002", 119.40)
    bowtie["geometry"]["coordinates"][0][1:3] = [[119.41, 34.11], [119.41, 34.10]]
    bad = {"type": "FeatureCollection", "features": [*good["features"], bowtie]}
    check = client.post("/api/v1/grids/import?dry_run=true", json=good, headers=admin).json()
    assert (check["imported"], check["problems"]) == (False, [])
    assert client.get("/api/v1/grids/320724100001001", headers=admin).status_code == 404
    refused = client.post("/api/v1/grids/import", json=bad, headers=admin).json()
    assert refused["imported"] is False
    assert [p["code"] for p in refused["problems"]] == ["320724100001002"]
    assert client.get("/api/v1/grids/320724100001001", headers=admin).status_code == 404
    done = client.post("/api/v1/grids/import", json=good, headers=admin).json()
    assert (done["imported"], done["features"]) == (True, 1)
    assert client.get("/api/v1/grids/320724100001001", headers=admin).status_code == 200
    assert (
        client.post("/api/v1/grids/import", json=good, headers=as_("dispatcher")).status_code == 403
    )
    staffed = client.post(
        "/api/v1/grids/320724100001001/staff",
        json={"username": "grid_worker", "role": "grid_worker"},
        headers=admin,
    )
    assert staffed.status_code == 204, staffed.text
    people = client.get("/api/v1/grids/320724100001001/people", headers=admin).json()
    assert "grid_worker" in str(people)
    linked = client.post(
        "/api/v1/grids/320724100001001/links",
        json={"username": "leader", "kind": "leader"},
        headers=admin,
    )
    assert linked.status_code == 204, linked.text
    assert "leader" in str(client.get("/api/v1/grids/320724100001001/people", headers=admin).json())
    gone = client.delete("/api/v1/grids/320724100001001/staff/grid_worker", headers=admin)
    assert gone.status_code == 204
    assert "grid_worker" not in str(
        client.get("/api/v1/grids/320724100001001/people", headers=admin).json()
    )


def test_time_limits_and_catalogue_items_are_managed_over_http(
    as_: Callable[[str], dict[str, str]], client: TestClient
) -> None:
    admin = as_("admin")
    limits = [
        {"step": "sign", "amount": 2, "unit": "working_hours"},
        {"step": "handle", "amount": 3, "unit": "working_days"},
    ]
    made = client.put(
        "/api/v1/sla-policies/flood",
        json={"name": "防汛", "warning_ratio": 0.7, "limits": limits},
        headers=admin,
    )
    assert made.status_code == 200, made.text
    assert {x["step"]: x["amount"] for x in made.json()["limits"]} == {"sign": 2, "handle": 3}
    changed = client.put(
        "/api/v1/sla-policies/flood",
        json={"limits": [{"step": "handle", "amount": 1, "unit": "natural_days"}]},
        headers=admin,
    ).json()
    assert (changed["name"], [x["step"] for x in changed["limits"]]) == ("防汛", ["handle"])
    listed = client.get("/api/v1/sla-policies", headers=as_("dispatcher")).json()
    assert any(p["code"] == "flood" and len(p["limits"]) == 1 for p in listed)
    twice = client.put(
        "/api/v1/sla-policies/flood",
        json={"limits": [limits[0], limits[0]]},
        headers=admin,
    )
    assert twice.status_code == 422
    nameless = client.put("/api/v1/sla-policies/new", json={"limits": limits}, headers=admin)
    assert nameless.status_code == 422
    item = client.post(
        "/api/v1/catalog",
        json={"code": "010104x", "name": "积水内涝", "parent": "0101", "sla_policy": "flood"},
        headers=admin,
    )
    assert item.status_code == 201, item.text
    assert item.json()["level"] == 3
    assert (
        client.post(
            "/api/v1/catalog", json={"code": "010104x", "name": "again"}, headers=admin
        ).status_code
        == 409
    )
    too_deep = client.post(
        "/api/v1/catalog", json={"code": "x1", "name": "四级", "parent": "010104x"}, headers=admin
    )
    assert too_deep.status_code == 422
    # a case of the new item gets the new policy's clock
    number = client.post("/api/v1/cases", json=case_data(), headers=as_("agent")).json()["number"]
    accepted = client.post(
        f"/api/v1/cases/{number}/actions/accept",
        json={"catalog_item": "010104x"},
        headers=as_("dispatcher"),
    )
    assert accepted.status_code == 200, accepted.text
    dispatched = client.post(
        f"/api/v1/cases/{number}/actions/dispatch",
        json={"lead_unit": "320724-cgj"},
        headers=as_("dispatcher"),
    ).json()
    handle = [d for d in dispatched["deadlines"] if d["step"] == "handle"]
    assert handle[0]["limit"] == "1 natural_days"
    unit = client.post(
        "/api/v1/units",
        json={"code": "320724-slj", "name": "县水利局", "kind": "department", "level": "county",
              "region_code": "320724", "center": "320724", "duties": "防汛排涝"},
        headers=admin,
    )  # fmt: skip
    assert unit.status_code == 201, unit.text
    units = client.get("/api/v1/units", params={"center": "320724"}, headers=admin).json()
    assert "320724-slj" in {u["code"] for u in units}
    again = client.post("/api/v1/units", json={**unit.json(), "center": "320724"}, headers=admin)
    assert again.status_code == 409


def test_addresses_and_buildings_are_managed_over_http(
    as_: Callable[[str], dict[str, str]], client: TestClient
) -> None:
    admin = as_("admin")
    grid = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"code": "320724100001001"},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[119.3, 34.1], [119.31, 34.1], [119.31, 34.11],
                                     [119.3, 34.11], [119.3, 34.1]]],
                },
            }
        ],
    }  # fmt: skip
    assert client.post("/api/v1/grids/import", json=grid, headers=admin).json()["imported"]
    added = client.post(
        "/api/v1/addresses",
        json={"addresses": [{"address": "灌南县新安镇人民路8号", "lon": 119.305, "lat": 34.105}]},
        headers=admin,
    )
    assert added.json() == {"imported": 1}
    found = client.get(
        "/api/v1/addresses/match", params={"text": "人民路8号"}, headers=as_("agent")
    ).json()
    assert found[0]["grid_code"] == "320724100001001"
    building = client.post(
        "/api/v1/buildings",
        json={"address": "灌南县新安镇人民路8号", "lon": 119.305, "lat": 34.105, "households": 12},
        headers=as_("grid_worker"),
    )
    assert building.status_code == 201, building.text
    assert building.json()["grid_code"] == "320724100001001"
    bid = building.json()["id"]
    no_reason = client.put(f"/api/v1/buildings/{bid}/risk", json={"colour": "red"}, headers=admin)
    assert no_reason.status_code == 422
    red = client.put(
        f"/api/v1/buildings/{bid}/risk",
        json={"colour": "red", "reasons": ["独居老人"]},
        headers=admin,
    )
    assert red.json()["risk_colour"] == "red"
    assert (
        client.post(
            "/api/v1/buildings",
            json={"address": "x路1号", "lon": 1, "lat": 1},
            headers=as_("agent"),
        ).status_code
        == 403
    )


def test_the_schema_declares_the_error_body_validation_failures_have(
    as_: Callable[[str], dict[str, str]], client: TestClient
) -> None:
    schema = client.get("/openapi.json").json()["components"]["schemas"]
    assert set(schema["HTTPValidationError"]["required"]) == {"error", "detail"}
    bad = client.get("/api/v1/kpis", params={"from": "yesterday"}, headers=as_("leader"))
    assert bad.status_code == 422
    assert set(bad.json()) == {"error", "detail"}


def test_regions_import_reports_problems_and_writes_all_or_nothing(
    as_: Callable[[str], dict[str, str]], client: TestClient
) -> None:
    from ..factories import TOWN_A

    admin = as_("admin")
    bad = {"csv": f"code,name,parent_code\n{TOWN_A}901,甲村,{TOWN_A}\n888888001,乙镇,888888\n"}
    answer = client.post("/api/v1/regions/import", json=bad, headers=admin)
    assert answer.status_code == 200
    report = answer.json()
    assert (report["regions"], report["imported"]) == (2, False)
    assert any("888888" in p for p in report["problems"])
    assert client.get(f"/api/v1/regions/{TOWN_A}901", headers=admin).status_code == 404
    dry = {"csv": f"code,name,parent_code\n{TOWN_A}901,甲村,{TOWN_A}\n", "dry_run": True}
    assert (
        client.post("/api/v1/regions/import", json=dry, headers=admin).json()["imported"] is False
    )
    assert client.get(f"/api/v1/regions/{TOWN_A}901", headers=admin).status_code == 404
    done = client.post("/api/v1/regions/import", json={**dry, "dry_run": False}, headers=admin)
    assert done.json() == {"regions": 1, "with_boundaries": 0, "imported": True, "problems": []}
    assert client.get(f"/api/v1/regions/{TOWN_A}901", headers=admin).json()["name"] == "甲村"
    empty = client.post("/api/v1/regions/import", json={}, headers=admin)
    assert empty.status_code == 422
    refused = client.post("/api/v1/regions/import", json=dry, headers=as_("dispatcher"))
    assert refused.status_code == 403
