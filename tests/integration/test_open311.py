"""Open311 GeoReport v2 conformance: every endpoint, JSON and XML, errors, extensions, and an
independent client (``georeport`` from PyPI) against a live server."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from gridgov.api.app import create_app
from gridgov.auth import credentials
from gridgov.bootstrap import Platform
from gridgov.kit.clock import utc_now
from gridgov.store.models import Case, CatalogItem, DeadLetter

from ..factories import COUNTY, STANDARD, TOWN_A, TOWN_B, World
from .helpers import Driver, live_server
from .test_intake import LAT, LON, PHONE, add_grid_and_rules

ATTRIBUTES = [
    {"code": "NOTE", "datatype": "text", "description": "请先拍照", "variable": False, "order": 0},
    {
        "code": "COUNT",
        "datatype": "number",
        "description": "摊位数量",
        "required": True,
        "order": 1,
    },
    {"code": "SINCE", "datatype": "datetime", "description": "最早发现时间", "order": 2},
    {"code": "PLATE", "datatype": "string", "description": "车牌号", "order": 3},
    {
        "code": "KIND",
        "datatype": "singlevaluelist",
        "description": "摊贩类型",
        "order": 4,
        "values": [{"key": "food", "name": "食品"}, {"key": "goods", "name": "日用品"}],
    },
    {
        "code": "WHEN",
        "datatype": "multivaluelist",
        "description": "出现时段",
        "order": 5,
        "values": [{"key": "am", "name": "上午"}, {"key": "pm", "name": "下午"}],
    },
]


@pytest.fixture
def o311(platform: Platform, world: World) -> Iterator[tuple[TestClient, str]]:
    with platform.db.write() as session:
        add_grid_and_rules(session)
        session.execute(
            update(CatalogItem)
            .where(CatalogItem.code == STANDARD)
            .values(attributes=ATTRIBUTES, keywords="摊贩,占道", description="占用道路经营")
        )
        key = credentials.create_api_key(session, name="app", role="citizen", now=utc_now()).key
    with TestClient(create_app(platform, run_sweeper=False)) as client:
        yield client, key


def post(client: TestClient, key: str | None, fmt: str = "json", **fields: object):
    data = {"service_code": STANDARD, "lat": LAT, "long": LON, "attribute[COUNT]": "3"}
    data.update({k: v for k, v in fields.items() if v is not None})
    if key:
        data["api_key"] = key
    return client.post(f"/open311/v2/requests.{fmt}", data=data)


def test_discovery_services_and_definitions_in_json_and_xml(o311) -> None:
    client, _ = o311
    disc = client.get("/open311/v2/discovery.json").json()
    assert disc["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert set(disc["endpoints"][0]["formats"]) == {"text/xml", "application/json"}
    services = client.get("/open311/v2/services.json").json()
    by_code = {s["service_code"]: s for s in services}
    assert STANDARD in by_code
    assert "01" not in by_code
    assert "0101" not in by_code
    std = by_code[STANDARD]
    assert (std["group"], std["keywords"], std["metadata"], std["type"]) == (
        "城乡建设",
        "摊贩,占道",
        True,
        "realtime",
    )
    xml = ET.fromstring(client.get("/open311/v2/services.xml").content)
    assert xml.tag == "services"
    assert {s.findtext("service_code") for s in xml.findall("service")} == set(by_code)
    assert xml.find("service[service_code='010101']/metadata").text == "true"
    definition = client.get(f"/open311/v2/services/{STANDARD}.json").json()
    assert [a["datatype"] for a in definition["attributes"]] == [
        "text", "number", "datetime", "string", "singlevaluelist", "multivaluelist",
    ]  # fmt: skip
    assert definition["attributes"][0]["variable"] is False
    assert definition["attributes"][4]["values"][0] == {"key": "food", "name": "食品"}
    dx = ET.fromstring(client.get(f"/open311/v2/services/{STANDARD}.xml").content)
    assert dx.tag == "service_definition"
    assert dx.find("attributes/attribute[code='WHEN']/values/value/key").text == "am"


def test_post_makes_a_case_through_the_door_and_get_reads_it_back(o311, platform) -> None:
    client, key = o311
    r = post(
        client,
        key,
        description=f"人民路菜场门口流动摊贩占道经营，联系我{PHONE}",
        first_name="三",
        last_name="张",
        phone=PHONE,
        email="zs@example.com",
        media_url="https://example.com/p.jpg",
        **{
            "attribute[KIND]": "food",
            "attribute[WHEN][]": ["am", "pm"],
            "attribute[SINCE]": "2026-03-01T08:00:00+08:00",
        },
    )
    assert r.status_code == 201, r.text
    [made] = r.json()
    number = made["service_request_id"]
    assert made["token"]
    [one] = client.get(f"/open311/v2/requests/{number}.json").json()
    assert one["service_code"] == STANDARD
    assert one["status"] == "open"
    assert one["media_url"] == "https://example.com/p.jpg"
    assert (one["lat"], one["long"]) == (LAT, LON)
    assert one["requested_datetime"].endswith("+08:00")  # ISO 8601 in the centre's zone
    assert one["agency_responsible"]  # routed by the door's rules
    # personal data never leaves
    everything = client.get(f"/open311/v2/requests/{number}.json?extensions=true").text
    for secret in (PHONE, "zs@example.com", "张三", "张"):
        assert secret not in everything
    assert "138****5678" in one["description"]
    tok = client.get(f"/open311/v2/tokens/{made['token']}.json").json()
    assert tok == [{"service_request_id": number, "token": made["token"]}]
    xml = ET.fromstring(client.get(f"/open311/v2/requests/{number}.xml").content)
    assert xml.tag == "service_requests"
    assert xml.findtext("request/service_request_id") == number
    assert xml.findtext("request/status") == "open"
    with platform.db.read() as session:
        case = session.scalar(select(Case).where(Case.number == number))
        assert case.channel == "open311"
        answers = case.triage["channel"]["attributes"]
        assert answers == {
            "COUNT": 3.0, "KIND": "food", "WHEN": ["am", "pm"], "SINCE": answers["SINCE"],
        }  # fmt: skip
        assert answers["SINCE"] == "2026-03-01T08:00:00+08:00"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_errors_use_the_spec_list_format_and_codes(o311, fmt: str) -> None:
    client, key = o311

    def error(r) -> tuple[int, str]:
        if fmt == "json":
            [e] = r.json()
            assert set(e) == {"code", "description"}
            return e["code"], e["description"]
        root = ET.fromstring(r.content)
        assert root.tag == "errors"
        return int(root.findtext("error/code")), root.findtext("error/description")

    cases = [
        (post(client, None, fmt), 403, "api_key"),
        (post(client, "gg_wrong", fmt), 403, "invalid"),
        (post(client, key, fmt, service_code="nope"), 404, "service_code"),
        (post(client, key, fmt, **{"attribute[COUNT]": ""}), 400, "COUNT"),
        (post(client, key, fmt, **{"attribute[COUNT]": "many"}), 400, "number"),
        (post(client, key, fmt, **{"attribute[KIND]": "cars"}), 400, "KIND"),
        (post(client, key, fmt, **{"attribute[BOGUS]": "x"}), 400, "BOGUS"),
        (post(client, key, fmt, lat="", long=""), 400, "location"),
        (client.get(f"/open311/v2/requests/none.{fmt}"), 404, "none"),
        (client.get(f"/open311/v2/services/nope.{fmt}"), 404, "nope"),
        (client.get(f"/open311/v2/services.{fmt}?jurisdiction_id=999"), 404, "jurisdiction"),
        (client.get(f"/open311/v2/requests.{fmt}?status=pending"), 400, "status"),
        (client.get(f"/open311/v2/requests.{fmt}?start_date=yesterday"), 400, "start_date"),
        (
            client.get(
                f"/open311/v2/requests.{fmt}?start_date=2026-01-01T00:00:00Z"
                "&end_date=2026-06-01T00:00:00Z"
            ),
            400,
            "90 days",
        ),
        (client.get(f"/open311/v2/tokens/zzz.{fmt}"), 404, "token"),
    ]
    for response, code, words in cases:
        assert response.status_code == code, (words, response.text)
        got_code, description = error(response)
        assert got_code == code
        assert words in description, description


def test_a_request_the_door_cannot_take_is_kept_as_a_dead_letter(o311, platform) -> None:
    client, key = o311
    r = post(client, key, description="x")  # too short to be a report
    assert r.status_code == 400
    assert "dead letter" in r.json()[0]["description"]
    with platform.db.read() as session:
        letter = session.scalar(select(DeadLetter))
        assert letter.channel == "open311"
        assert letter.payload["service_code"] == STANDARD


def test_get_requests_filters_window_status_codes_ids_and_jurisdiction(
    o311, platform: Platform, world: World
) -> None:
    client, key = o311
    now = utc_now()
    a = post(client, key, description="路边摊贩占道经营影响通行").json()[0]["service_request_id"]
    b = post(client, key, description="早市摊贩堵塞人行道").json()[0]["service_request_id"]
    # a hotline case closed long ago, and a 110 case that is never public
    old = Driver(platform, world, now=now - timedelta(days=120), title="旧案件的路灯不亮")
    secret = Driver(platform, world, channel="police_110", title="110 转来的纠纷警情")
    with platform.db.write() as session:
        session.execute(update(Case).where(Case.number == b).values(status="closed"))

    def ids(query: str = "") -> set[str]:
        r = client.get(f"/open311/v2/requests.json{query}")
        assert r.status_code == 200, r.text
        return {x["service_request_id"] for x in r.json()}

    assert ids() == {a, b}  # the default window is the last 90 days; 110 is private
    assert ids("?status=open") == {a}
    assert ids("?status=closed") == {b}
    assert ids("?status=open,closed") == {a, b}
    assert ids(f"?service_request_id={a},{old.number},{secret.number}") == {a, old.number}
    assert ids(f"?service_code={STANDARD}") == {a, b}
    assert ids("?service_code=010102") == set()
    start = (now - timedelta(days=130)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (now - timedelta(days=100)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids(f"?start_date={start}&end_date={end}") == {old.number}
    assert ids(f"?jurisdiction_id={COUNTY}") == {a, b}
    assert ids(f"?jurisdiction_id={TOWN_B}") == set()
    assert ids(f"?jurisdiction_id={TOWN_A}") == {a, b}  # located in a village of town A


def test_extensions_add_channel_grid_notes_and_paging(o311, platform) -> None:
    client, key = o311
    numbers = [
        post(client, key, description=f"第{i}处摊贩占道经营").json()[0]["service_request_id"]
        for i in range(3)
    ]
    plain = client.get("/open311/v2/requests.json").json()[0]
    assert "extended_attributes" not in plain
    assert "notes" not in plain
    page1 = client.get("/open311/v2/requests.json?extensions=true&page_size=2").json()
    page2 = client.get("/open311/v2/requests.json?extensions=true&page_size=2&page=2").json()
    assert len(page1) == 2
    assert len(page2) == 1
    got = {r["service_request_id"] for r in page1 + page2}
    assert got == set(numbers)
    first = page1[0]
    ext = first["extended_attributes"]
    assert ext["channel"] == "open311"
    assert ext["grid_code"]
    assert next(n["type"] for n in first["notes"]) == "create"
    assert all(n["datetime"].endswith("+08:00") for n in first["notes"])
    later = (utc_now() + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    after = client.get(f"/open311/v2/requests.json?extensions=true&updated_after={later}")
    assert after.json() == []
    xml = ET.fromstring(
        client.get(f"/open311/v2/requests/{numbers[0]}.xml?extensions=true").content
    )
    assert xml.findtext("request/extended_attributes/channel") == "open311"
    assert xml.find("request/notes/note/type").text == "create"


def test_a_request_merged_into_another_tells_the_citizen_which_one_to_follow(
    o311, platform
) -> None:
    """A merged duplicate ends as ``rejected`` in the workflow, but the citizen was not
    refused: the request says which request now carries it."""
    from .helpers import auth

    client, key = o311
    text = "人民路菜场门口流动摊贩占道经营，行人只能走机动车道"
    first = post(client, key, description=text).json()[0]["service_request_id"]
    second = post(client, key, description=text).json()[0]["service_request_id"]
    town = auth(platform, "town_dispatcher")  # the town's centre received both
    case = client.get(f"/api/v1/cases/{second}", headers=town).json()
    assert case["probable_duplicate"] == first
    res = client.post(
        f"/api/v1/cases/{second}/actions/merge_into",
        json={"into": first},
        headers={**town, "If-Match": str(case["version"])},
    )
    assert res.status_code == 200, res.text
    [merged] = client.get(f"/open311/v2/requests/{second}.json?extensions=true").json()
    assert merged["status"] == "closed"
    assert merged["status_notes"] == f"已并入 {first} 一并办理"
    assert merged["notes"][-1]["summary"] == f"已并入 {first} 一并办理"
    assert merged["extended_attributes"]["duplicate_of"] == first
    [parent] = client.get(f"/open311/v2/requests/{first}.json").json()
    assert (parent["status"], parent["status_notes"]) == ("open", "已派遣至承办单位")


def test_an_independent_open311_client_reads_a_live_server(o311, platform: Platform) -> None:
    georeport = pytest.importorskip("georeport", reason="the georeport client (dev extra)")
    client, key = o311
    number = post(client, key, description="桥下摊贩占道经营").json()[0]["service_request_id"]
    with live_server(create_app(platform, run_sweeper=False)) as base:
        for fmt in ("json", "xml"):
            api = georeport.GeoReport(f"{base}/open311/v2", output_format=fmt)
            services = api.get_service_list()
            assert STANDARD in {s["service_code"] for s in services}
            definition = api.get_service_definition(STANDARD)
            assert definition["service_code"] == STANDARD
            requests_ = api.get_service_requests(status="open")
            listed = requests_ if isinstance(requests_, list) else [requests_]
            assert number in {r["service_request_id"] for r in listed}
            assert api.get_service_request(number)["service_code"] == STANDARD


def test_a_request_located_by_address_only_waits_for_a_dispatcher(o311, platform) -> None:
    client, key = o311
    r = client.post(
        "/open311/v2/requests.json",
        data={
            "api_key": key,
            "service_code": STANDARD,
            "attribute[COUNT]": "1",
            "address_string": "灌南县新安镇人民路88号",
            "jurisdiction_id": COUNTY,
            "description": "人民路88号门口有流动摊贩占道",
        },
    )
    assert r.status_code == 201, r.text
    [one] = client.get(f"/open311/v2/requests/{r.json()[0]['service_request_id']}.json").json()
    assert one["address"] == "灌南县新安镇人民路88号"
    assert (one["lat"], one["long"]) == (None, None)
    assert one["status"] == "open"
    with platform.db.read() as session:
        case = session.scalar(select(Case).where(Case.number == one["service_request_id"]))
        assert case.status == "submitted"  # the place is uncertain: a person decides
