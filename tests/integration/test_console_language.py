"""The console in its reader's language. Why triage did what it did, as a Chinese dispatcher
reads it: every automatic decision of the door, said in Chinese from the data the case keeps,
naming everything the English line names; the case page and queue name channels, units and
time limits; and the reasons the door refused a record say, field by field, what was wrong."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from gridgov.api.app import create_app
from gridgov.auth import credentials
from gridgov.auth.actor import load_actor
from gridgov.bootstrap import Platform
from gridgov.cases import service as cases_service
from gridgov.dispatch import rules as rules_db
from gridgov.intake import decision, service
from gridgov.kit.clock import utc_now
from gridgov.store.models import Case, DeadLetter
from gridgov.web import explain

from ..factories import COUNTY, EMERGENCY, NO_POLICY, SELF_CLOSE, STANDARD, VILLAGE_A, World
from .test_intake import GRID, LAT, LON, door, through

__all__ = ["door"]  # the fixture, used by name

HOTLINE: list[dict[str, Any]] = [
    {"call_id": "W1", "text": "人民路菜场门口摊贩占道经营", "lon": LON, "lat": LAT,
     "catalog_item": STANDARD},
    {"call_id": "W2", "text": "人民路菜场门口摊贩占道经营，行人走机动车道",
     "lon": LON + 0.001, "lat": LAT, "catalog_item": STANDARD},
    {"call_id": "W3", "text": "有个事情想反映一下", "lon": LON, "lat": LAT + 0.003},
    {"call_id": "W4", "text": "井盖缺失很危险", "grid_code": GRID, "catalog_item": EMERGENCY},
    {"call_id": "W5", "text": "请问居住证怎么办理", "region_code": COUNTY,
     "answer": "带身份证到派出所"},
    {"call_id": "W6", "text": "路灯不亮", "region_code": VILLAGE_A},
    {"call_id": "W7", "text": "其他事项请处理", "lon": LON + 0.005, "lat": LAT,
     "catalog_item": NO_POLICY},
    {"call_id": "W8", "text": "楼道堆放杂物", "lon": LON + 0.2, "lat": LAT,
     "catalog_item": STANDARD},
    {"call_id": "W9", "text": "新安镇人民路8号门口垃圾没人清运", "address": "新安镇人民路8号"},
]  # fmt: skip
GRID_APP: list[dict[str, Any]] = [
    {"client_id": "g-1", "text": "楼道杂物", "catalog_item": SELF_CLOSE, "lon": LON, "lat": LAT,
     "self_handled": "已清理"},
    {"client_id": "g-2", "text": "摊贩占道", "catalog_item": STANDARD, "lon": LON, "lat": LAT,
     "self_handled": "已劝离"},
]  # fmt: skip

# what each case's Chinese line must say of its decision (the English says it in English)
SAID = {
    "W1": "已自动派遣至",
    "W2": "转派遣员处理：疑似与",
    "W3": "转派遣员处理：分类置信度不足",
    "W4": "网格 " + GRID + "（渠道指定）",
    "W5": "话务员当场答复",
    "W6": "仅有区划",
    "W7": "自动派遣未成功",
    "W8": "坐标不在任何网格内",
    "W9": "需人工定位",
    "g-1": "网格员就地自行处置",
    "g-2": "不予就地自行处置（不在网格准入清单内）",
}


def _cases(p: Platform, world: World) -> dict[str, Case]:
    rule = [{"item": NO_POLICY, "region_level": "county", "lead_unit": "320724-cgj"}]
    with p.db.write() as session:
        rules_db.import_rules(session, rows=rule, replace=False, source="t")
        through(service.receive_all, session, p, world, HOTLINE)
        through(service.receive_all, session, p, world, GRID_APP, channel="grid_app",
                user="grid_worker")  # fmt: skip
    with p.db.read() as session:
        rows = session.scalars(select(Case)).all()
        for c in rows:
            session.expunge(c)
    return {c.external_id: c for c in rows}


def _codes(english: str) -> set[str]:
    """What the English line names: rule numbers, and codes and case numbers (3+ characters
    with a digit)."""
    rules = set(re.findall(r"#\d+", english))
    return rules | {t for t in re.findall(r"[\w-]{3,}", english, re.ASCII) if re.search(r"\d", t)}


def test_every_decision_of_the_door_reads_in_chinese_naming_what_the_english_names(
    door: Platform, world: World
) -> None:
    cases = _cases(door, world)
    assert set(SAID) <= set(cases)
    with door.db.read() as session:
        for key, case in cases.items():
            triage = case.triage
            names = explain.names_of(session, explain.codes(triage))
            chinese = explain.triage_words(triage, "zh", names)
            english = explain.triage_words(triage, "en", names)
            assert english == triage["explanation"]  # as the API and the audit trail say it
            assert SAID[key] in chinese, (key, chinese)
            missing = {c for c in _codes(english) if c not in chinese}
            assert not missing, (key, missing, english, chinese)
            # no English left, but for a failure's own reason and the codes themselves
            rest = chinese.replace((triage.get("failed") or {}).get("detail", ""), "")
            for code in sorted(_codes(english) | set(names), key=len, reverse=True):
                rest = rest.replace(code, "")
            assert not re.findall(r"[A-Za-z]{3,}", rest), (key, chinese)
            # the items, units and regions it names by code are named by name too
            said = set(re.findall(r"[\w-]+", chinese, re.ASCII))
            for code in explain.codes(triage):
                if code in said and code in names:
                    assert names[code] in chinese, (key, code, chinese)
    # a dispatch that could not be made is not said to have been, in either language
    failed = cases["W7"].triage
    assert "automatic dispatch failed" in failed["explanation"]
    assert "已自动派遣至" not in explain.triage_words(failed, "zh", {})
    dispatched = cases["W1"].triage
    unit = dispatched["outcome"]["units"][0]
    with door.db.read() as session:
        name = explain.names_of(session, {unit})[unit]
    assert f"{name}（{unit}）" in explain.triage_words(dispatched, "zh", {unit: name})


def test_a_case_triaged_before_its_reasons_were_kept_as_data_shows_its_english_line() -> None:
    old = {"explanation": "classified as 0101 占道 0.91; grid g by coordinates 1.00; decided"}
    assert explain.triage_words(old, "zh", {}) == old["explanation"]
    assert explain.triage_words(None, "zh", {}) == ""


def test_a_rule_naming_whichever_town_reads_by_the_towns_own_unit(
    door: Platform, world: World
) -> None:
    """A rule's "{town}-zhzf" is each town's zhzf unit: read as 所在镇 + what such a unit is
    called (新安镇执法局 → 所在镇执法局). A placeholder no town's unit fills keeps its code."""
    with door.db.read() as session:
        names = explain.names_of(session, {"{town}-zhzf", "{town}-none", "{county}-zhzf"})
    assert names == {"{town}-zhzf": "所在镇执法局"}


@pytest.fixture
def client(door: Platform, world: World):
    with door.db.write() as session:
        credentials.set_password(
            session, username="dispatcher", password="Words-2026!", now=utc_now()
        )
    with TestClient(create_app(door, run_sweeper=False), base_url="https://testserver") as c:
        r = c.post("/console/login", data={"username": "dispatcher", "password": "Words-2026!"})
        assert r.status_code in (200, 303)
        yield c


def _field(page: str, name: str) -> str:
    found = re.search(rf'data-field="{name}">(.*?)</dd>', page, re.S)
    assert found, name
    return html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).strip()


def test_the_case_page_and_queue_speak_the_readers_language(
    client: TestClient, door: Platform, world: World
) -> None:
    cases = _cases(door, world)
    case = cases["W1"]
    unit = case.triage["outcome"]["units"][0]
    page = client.get(f"/console/cases/{case.number}?lang=zh").text
    why = _field(page, "why")
    assert why.startswith("事项 ")
    assert "已自动派遣至" in why
    assert "classified" not in page
    assert "dispatched automatically" not in page
    assert _field(page, "channel") == "12345热线"
    lead = _field(page, "lead_unit")
    assert lead.endswith(unit)
    assert len(lead) > len(unit)  # its name first
    assert re.search(r"签收 · [\d.]+ (工作小时|工作日|自然小时|自然日) · ", page)
    assert "自动受理" in page  # the system's note on its acceptance, in the timeline
    assert "</b> · 系统 · " in page  # and the system by name
    assert re.search(r"按派遣规则 #\d+ 自动派遣", page)
    english = client.get(f"/console/cases/{case.number}?lang=en").text
    assert _field(english, "why") == case.triage["explanation"]
    assert _field(english, "channel") == "12345 hotline"
    assert "sign for · " in english
    queue = client.get("/console?lang=zh&channel=hotline").text
    assert "<td>12345热线</td>" in queue
    assert f'title="{unit}"' in queue  # the unit by name, its code on hover
    # what each case triage left to a person waits for, under its status
    waits = {key: _waits(queue, c.number) for key, c in cases.items() if c.channel == "hotline"}
    assert waits["W2"] == "疑似重复"
    assert waits["W3"] == "分类不确定"
    assert waits["W9"] == "分类不确定、定位不确定"  # an address the registry cannot place
    assert waits["W7"] == "自动派遣失败"  # accepted, its dispatch refused
    assert waits["W1"] is None  # dispatched: nothing waits
    assert waits["W5"] is None  # answered on the call
    english = client.get("/console?lang=en&channel=hotline").text
    assert _waits(english, cases["W3"].number) == "category unsure"
    # the accept form of a case waiting on its category comes with triage's suggestion
    unsure = cases["W9"]
    suggested = unsure.triage["classification"]["item"]
    assert suggested is not None
    page = client.get(f"/console/cases/{unsure.number}?lang=zh").text
    preset = re.search(r'id="accept-catalog_item" name="catalog_item" value="([^"]*)"', page)
    assert preset is not None
    assert preset.group(1) == suggested
    assert f"建议事项：{suggested} " in page
    # once a person has moved it on, the reason is no longer shown
    dispatcher = client.get(f"/console/cases/{cases['W3'].number}").text
    token = re.search(r'name="csrf" value="([^"]+)"', dispatcher).group(1)
    done = client.post(
        f"/console/cases/{cases['W3'].number}/actions/accept",
        data={"csrf": token, "catalog_item": STANDARD},
    )
    assert done.status_code in (200, 303), done.text
    again = client.get("/console?lang=zh&channel=hotline").text
    assert _waits(again, cases["W3"].number) is None


def test_the_queue_and_the_api_filter_by_what_each_case_waits_for(
    client: TestClient, door: Platform, world: World
) -> None:
    """A dispatcher working through the probable duplicates, or the unplaced reports, lists
    just those: each reason lists exactly the cases whose status column says it."""
    from .helpers import auth

    cases = _cases(door, world)
    said = {c.number: explain.waiting(c.triage, c.status, "zh") for c in cases.values() if c.triage}
    headers = auth(door, "dispatcher")
    found_any = set()
    # the queue counts what waits for each reason above its filters, each count a link
    counts = dict(re.findall(r'data-waiting="(\w+)">(\d+)<', client.get("/console").text))
    for reason in decision.REASONS:
        label = explain.WAITING[reason][0]
        expected = {n for n, words in said.items() if label in words}
        assert counts.get(reason) == (str(len(expected)) if expected else None), reason
        page = client.get(f"/console?lang=zh&waiting={reason}").text
        listed = set(re.findall(r'data-number="([^"]+)"', page))
        assert listed == expected, (reason, listed, expected)
        assert f'<option value="{reason}" selected>{label}</option>' in page
        api = client.get("/api/v1/cases", params={"waiting": reason}, headers=headers)
        assert api.status_code == 200, api.text
        assert {c["number"] for c in api.json()["items"]} == expected, reason
        found_any |= {reason} if expected else set()
    # the mixed batch leaves cases waiting for these reasons, at both statuses
    assert {"duplicate", "unsure_item", "unsure_place", "dispatch"} <= found_any
    # once a person has moved a case on, it waits for nothing
    unsure = cases["W3"].number
    with door.db.write() as session:
        cases_service.act(
            session,
            number=unsure,
            action="accept",
            actor=load_actor(session, username="dispatcher"),
            payload={"catalog_item": STANDARD},
            now=utc_now(),
            rules=door.rules,
        )
    page = client.get("/console?waiting=unsure_item").text
    assert f'data-number="{unsure}"' not in page
    # a reason that does not exist: the API says so; the queue shows everything
    bad = client.get("/api/v1/cases", params={"waiting": "bored"}, headers=headers)
    assert bad.status_code == 422
    assert set(bad.json()) >= {"error", "detail"}
    assert client.get("/console?waiting=bored").status_code == 200


def test_a_dispatcher_merges_the_probable_duplicates_in_one_go(
    client: TestClient, door: Platform, world: World
) -> None:
    """Listed by 疑似重复, ticked, merged: each into the case triage found it repeats, with the
    reason given; a ticked case that repeats nothing is named, in Chinese, and left alone."""
    from urllib.parse import parse_qs, urlparse

    from .helpers import auth

    cases = _cases(door, world)
    dup, other = cases["W2"].number, cases["W3"].number
    headers = auth(door, "dispatcher")
    original = client.get(f"/api/v1/cases/{dup}", headers=headers).json()["probable_duplicate"]
    assert original is not None
    queue = client.get("/console?lang=zh&waiting=duplicate").text
    assert "合并至各自的疑似原件" in queue  # the bulk action says where each goes
    answer = client.post(
        "/console/bulk?lang=zh",
        data={
            "csrf": re.search(r'name="csrf" value="([^"]+)"', queue).group(1),
            "action": "merge_into",
            "text": "同一摊点",
            "numbers": [dup, other],
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303
    query = parse_qs(urlparse(answer.headers["location"]).query)
    assert query["done"] == ["1"]
    assert query["failed"] == [f"{other}: 没有可并入的疑似原件"]
    merged = client.get(f"/api/v1/cases/{dup}", headers=headers).json()
    assert merged["duplicate_of"] == original
    assert client.get(f"/api/v1/cases/{other}", headers=headers).json()["duplicate_of"] is None
    events = client.get(f"/api/v1/cases/{original}/events", headers=headers).json()
    absorbed = [e for e in events if e["action"] == "absorb_duplicate"]
    assert [e["payload"]["duplicate"] for e in absorbed] == [dup]
    assert absorbed[0]["payload"]["reason"] == "同一摊点"
    # it no longer waits: gone from the list it was merged from
    assert f'data-number="{dup}"' not in client.get("/console?waiting=duplicate").text


def test_a_bulk_acceptance_takes_triages_suggestion_for_a_case_with_no_category(
    client: TestClient, door: Platform, world: World
) -> None:
    from .helpers import auth

    cases = _cases(door, world)
    unsure = cases["W9"]
    suggested = unsure.triage["classification"]["item"]
    assert suggested is not None
    assert unsure.catalog_item_id is None
    queue = client.get("/console?lang=zh&waiting=unsure_item").text
    assert "受理（未定类别的按建议事项）" in queue
    answer = client.post(
        "/console/bulk",
        data={
            "csrf": re.search(r'name="csrf" value="([^"]+)"', queue).group(1),
            "action": "accept",
            "numbers": [unsure.number],
        },
        follow_redirects=False,
    )
    assert "done=1" in answer.headers["location"]
    read = client.get(f"/api/v1/cases/{unsure.number}", headers=auth(door, "dispatcher")).json()
    assert (read["status"], read["catalog_item"]) == ("accepted", suggested)


def _waits(page: str, number: str) -> str | None:
    row = re.search(rf'data-number="{number}">(.*?)</tr>', page, re.S)
    assert row, number
    said = re.search(r"data-waits>(.*?)</div>", row.group(1))
    return html.unescape(said.group(1)) if said else None


REFUSED: list[tuple[str, Any]] = [
    ("hotline", {"text": "x", "callback_number": "abc"}),
    ("hotline", {"text": "路灯不亮", "lon": "东经", "lat": 500}),
    ("hotline", {"text": "路灯不亮", "priority": "asap", "region_code": COUNTY}),
    ("hotline", {"text": "路灯不亮", "region_code": "999999"}),
    ("grid_app", {"text": "路灯不亮", "lon": LON, "lat": LAT}),
    ("open311", {"text": "路灯不亮"}),
]


def test_the_dead_letters_say_what_was_wrong_in_chinese(
    client: TestClient, door: Platform, world: World
) -> None:
    from .helpers import auth

    for channel, record in REFUSED:
        r = client.post(
            f"/api/v1/intake/{channel}", json=record, headers=auth(door, "grid_worker")
            if channel == "grid_app" else auth(door, "agent"),
        )  # fmt: skip
        assert r.status_code in (404, 422), r.text
        assert r.json().get("dead_letter"), (channel, r.text)
    chinese = client.get("/console/dead-letters?lang=zh").text
    english = client.get("/console/dead-letters?lang=en").text
    said = [
        html.unescape(x) for x in re.findall(r"<dd class=\"why\" data-reason>(.*?)</dd>", chinese)
    ]
    given = [
        html.unescape(x) for x in re.findall(r"<dd class=\"why\" data-reason>(.*?)</dd>", english)
    ]
    assert len(said) == len(given) == len(REFUSED)
    with door.db.read() as session:  # in English, as the API gave them
        assert sorted(given) == sorted(session.scalars(select(DeadLetter.reason)))
    for zh, en in zip(said, given, strict=True):
        assert zh != en
        # no English left but the values sent and the codes: a field of its own is named as
        # sent ("text" is no Open311 field)
        rest = re.sub(r"“\w+”|[\w-]*\d[\w-]*", "", zh)
        assert not re.findall(r"[A-Za-z]{3,}", rest), zh
    joined = "\n".join(said)
    for words in (
        "12345热线记录：回拨电话格式不对；诉求内容至少要 2 个字",
        "经度应为数字；纬度不能大于 90",
        "紧急程度应为“一般”、“紧急”、“特急”之一",
        "没有编码为 999999 的区划",
        "网格员上报记录：客户端编号必须填写",
        "“text”不是这类记录的字段",
    ):
        assert words in joined, (words, joined)


def test_an_exports_refused_lines_say_what_was_wrong_in_chinese(
    client: TestClient, door: Platform, tmp_path: Any
) -> None:
    from .test_bulk_and_linkage import MAPPING, ROWS, run_import, write_csv

    mapping = {**MAPPING, "unknown_category": "reject"}
    report = run_import(door, write_csv(tmp_path / "old.csv", ROWS), dry=False, mapping=mapping)
    assert report.dead_letters == 4
    page = client.get("/console/dead-letters?lang=zh").text
    said = "\n".join(html.unescape(x) for x in re.findall(r"data-reason>(.*?)</dd>", page))
    for words in (
        "批量导入第 5 行：读不出时间“去年夏天”",
        "批量导入第 6 行：分类“外星事务”不在事项目录中",
        "批量导入第 7 行：编号“1”在文件中出现了两次",
        "批量导入第 8 行：内容为空",
    ):
        assert words in said, (words, said)
    assert "bulk import" not in said


def test_the_api_says_why_in_chinese_to_a_caller_that_prefers_it(
    client: TestClient, door: Platform
) -> None:
    """``detail`` stays English for integrators; ``message`` is for a grid worker's phone."""
    from .helpers import auth

    record = {"text": "x", "callback_number": "abc"}
    agent = auth(door, "agent")
    plain = client.post("/api/v1/intake/hotline", json=record, headers=agent).json()
    assert "message" not in plain
    for language in ("zh-CN,zh;q=0.9,en;q=0.8", "en;q=0.5, zh-CN"):
        r = client.post(
            "/api/v1/intake/hotline", json=record, headers={**agent, "Accept-Language": language}
        )
        assert r.status_code == 422
        answer = r.json()
        assert answer["detail"] == plain["detail"]
        assert answer["message"] == "12345热线记录：回拨电话格式不对；诉求内容至少要 2 个字"
        assert answer["dead_letter"]  # kept, as ever
    english = {**agent, "Accept-Language": "en-US,en;q=0.9,zh;q=0.5"}
    assert (
        "message" not in client.post("/api/v1/intake/hotline", json=record, headers=english).json()
    )
    # the request's own validation, and the service's refusals, too
    admin = {**auth(door, "admin"), "Accept-Language": "zh-CN"}
    r = client.put(
        f"/api/v1/centers/{COUNTY}/triage-policy", json={"classify_threshold": 2}, headers=admin
    )
    assert r.status_code == 422
    assert r.json()["message"] == "分类置信度不能大于 1", r.json()
    r = client.post("/api/v1/intake/hotline", json={"text": "路灯不亮", "region_code": "999999"},
                    headers={**agent, "Accept-Language": "zh"})  # fmt: skip
    assert r.json()["message"] == "没有编码为 999999 的区划"
    r = client.get(
        "/api/v1/cases", headers={"Authorization": "Bearer nope", "Accept-Language": "zh"}
    )
    assert (r.status_code, r.json()["message"]) == (401, "API 密钥无效")
    made = client.post(
        "/api/v1/intake/hotline", json={"text": "路灯不亮", "region_code": COUNTY}, headers=agent
    ).json()["number"]
    leader = {**auth(door, "leader"), "Accept-Language": "zh-CN"}
    r = client.post(f"/api/v1/cases/{made}/actions/reject", json={"reason": "无"}, headers=leader)
    assert r.json()["message"] == "不予受理：理由至少要 2 个字"
    r = client.post(
        f"/api/v1/cases/{made}/actions/reject", json={"reason": "不归我管"}, headers=leader
    )
    assert r.status_code == 403, r.text
    assert r.json()["message"] == f"leader 无权对案件 {made} 执行“不予受理”"
