"""The web console over HTTP (server-rendered pages): sign-in, the queue with its colours and
filters, a case page that offers exactly the user's actions, and actions done from forms."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from gridgov.api.app import create_app
from gridgov.auth import credentials
from gridgov.bootstrap import Platform
from gridgov.intake import bulk, withdraw
from gridgov.kit.clock import utc_now
from gridgov.store.models import Case

from ..conftest import NOW
from ..factories import COUNTY, STANDARD, VILLAGE_A, World
from .helpers import Driver

PASSWORD = "Console-2026!"


@pytest.fixture
def console(platform: Platform, world: World):
    with platform.db.write() as session:
        for name in ("dispatcher", "town_dispatcher", "other_town_dispatcher", "leader"):
            credentials.set_password(session, username=name, password=PASSWORD, now=utc_now())
    with TestClient(create_app(platform, run_sweeper=False), base_url="https://testserver") as c:
        yield c


def sign_in(client: TestClient, username: str) -> None:
    r = client.post("/console/login", data={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text  # followed the redirect to the queue
    assert username in r.text


def csrf(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def test_pages_need_a_session_and_a_wrong_password_says_so(console: TestClient) -> None:
    r = console.get("/console", follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, "/console/login?next=%2Fconsole")
    wrong = console.post("/console/login", data={"username": "dispatcher", "password": "nope"})
    assert wrong.status_code == 401
    assert "用户名或密码错误" in wrong.text
    english = console.get("/console/login?lang=en")
    assert "Sign in" in english.text
    assert "gridgov_lang=en" in english.headers["set-cookie"]


def test_the_queue_shows_the_users_cases_with_colours_and_filters(
    console: TestClient, platform: Platform, world: World
) -> None:
    village = Driver(platform, world, region_code=VILLAGE_A, title="村口路灯不亮")
    county = Driver(platform, world, title="县城主干道井盖缺失")
    sign_in(console, "town_dispatcher")
    page = console.get("/console").text
    assert village.number in page
    assert county.number not in page  # another region: not in this user's scope
    sign_in(console, "dispatcher")
    assert county.number in console.get("/console").text
    found = console.get("/console", params={"q": "井盖"}).text
    assert county.number in found
    assert village.number not in found
    assert "没有符合条件的案件" in console.get("/console", params={"status": "closed"}).text
    assert 'data-count="normal"' in page


def test_a_case_page_offers_only_the_users_actions_and_forms_do_them(
    console: TestClient, platform: Platform, world: World
) -> None:
    d = Driver(platform, world, region_code=VILLAGE_A, title="村口路灯不亮")
    sign_in(console, "leader")
    as_leader = console.get(f"/console/cases/{d.number}").text
    assert 'data-action="supervise"' in as_leader
    assert 'data-action="accept"' not in as_leader
    forced = console.post(
        f"/console/cases/{d.number}/actions/accept",
        data={"csrf": csrf(as_leader), "catalog_item": STANDARD},
    )
    assert forced.status_code == 403  # the server refuses it anyway
    sign_in(console, "town_dispatcher")
    page = console.get(f"/console/cases/{d.number}").text
    assert 'data-action="accept"' in page
    assert "2026-03-02 09:00" in page  # created 01:00 UTC, shown in the centre's zone
    assert "登记" in page  # the timeline names events in words
    unknown = console.post(f"/console/cases/{d.number}/actions/fly", data={"csrf": csrf(page)})
    assert unknown.status_code == 404
    no_token = console.post(
        f"/console/cases/{d.number}/actions/accept", data={"catalog_item": STANDARD}
    )
    assert no_token.status_code == 403
    bad = console.post(
        f"/console/cases/{d.number}/actions/accept",
        data={"csrf": csrf(page), "catalog_item": "999999"},
    )
    assert bad.status_code == 404
    assert "999999" in bad.text  # the server's reason, shown next to the form
    done = console.post(
        f"/console/cases/{d.number}/actions/accept",
        data={"csrf": csrf(page), "catalog_item": STANDARD},
    )
    assert done.status_code == 200
    assert 'data-field="status">已受理' in done.text
    assert 'data-event="accept"' in done.text
    dispatched = console.post(
        f"/console/cases/{d.number}/actions/dispatch",
        data={"csrf": csrf(page), "lead_unit": "320724100-zhzf", "assisting_units": ""},
    )
    # the unit by its name, its code beside it
    assert 'data-field="lead_unit">新安镇执法局 <small>320724100-zhzf</small>' in dispatched.text
    sign_in(console, "other_town_dispatcher")
    assert console.get(f"/console/cases/{d.number}").status_code == 404


def test_an_agent_registers_a_call_and_the_dispatch_form_carries_the_rule(
    console: TestClient, platform: Platform, world: World
) -> None:
    from sqlalchemy import func, select

    from gridgov.store.models import Case, DeadLetter

    from .test_intake import add_grid_and_rules

    with platform.db.write() as session:
        add_grid_and_rules(session)
        credentials.set_password(session, username="agent", password=PASSWORD, now=utc_now())
    sign_in(console, "agent")
    form = console.get("/console/new").text
    token = csrf(form)
    call_id = re.search(r'name="call_id" value="([^"]+)"', form).group(1)
    fields = {
        "csrf": token,
        "call_id": call_id,
        "caller": "张先生",
        "callback_number": "13812345678",
        "region_code": VILLAGE_A,
        "text": "村口路边流动摊贩占道经营，行人无法通行",
        "catalog_item": "",
    }
    bad = console.post("/console/new", data={**fields, "text": "x"})
    assert bad.status_code == 422
    assert 'role="alert"' in bad.text  # the reason, and the form keeps what was typed
    assert 'value="张先生"' in bad.text
    made = console.post("/console/new", data=fields)
    assert made.status_code == 200
    number = re.search(r"<small>([0-9-]+)</small>", made.text).group(1)
    again = console.post("/console/new", data=fields)  # a double click: the same case
    assert number in again.text
    with platform.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 1
        assert session.scalar(select(func.count()).select_from(DeadLetter)) == 1  # the bad one
    assert "138****5678" in made.text
    sign_in(console, "dispatcher")  # the call was taken by the county's hotline
    page = console.get(f"/console/cases/{number}").text
    accept = console.post(
        f"/console/cases/{number}/actions/accept",
        data={"csrf": csrf(page), "catalog_item": STANDARD},
    ).text
    assert "data-suggestion" in accept, re.findall(r"data-(?:action|field)=\"[^\"]+\"[^<]*", accept)
    assert 'id="dispatch-lead_unit" name="lead_unit" value="320724-cgj"' in accept
    assert 'name="assisting_units" value="320724-zjj"' in accept
    # the rule's reason, in the reader's language
    why = re.search(r"data-suggestion>(.*?)</p>", accept).group(1)
    assert why.startswith("派遣规则 #")
    assert "→" in why
    assert "（320724-cgj）" in why
    english = console.get(f"/console/cases/{number}?lang=en").text
    assert re.search(r"data-suggestion>rule #\d+ \(", english)


def test_the_new_case_form_tells_the_agent_what_the_call_would_do_as_it_is_typed(
    console: TestClient, platform: Platform, world: World
) -> None:
    from sqlalchemy import func

    from gridgov.store.models import Case, DeadLetter

    from .test_intake import LAT, LON, add_grid_and_rules

    with platform.db.write() as session:
        add_grid_and_rules(session)
        credentials.set_password(session, username="agent", password=PASSWORD, now=utc_now())
    sign_in(console, "agent")
    form = console.get("/console/new").text
    assert '<label for="new-callback_number">回拨电话</label>' in form  # labelled for people
    assert '<option value="urgent">紧急</option>' in form
    assert f'<option value="{STANDARD}">' in form  # the catalogue offered beside the field
    call = {
        "csrf": csrf(form),
        "caller": "张先生",
        "callback_number": "13812345678",
        "text": "人民路菜场门口流动摊贩占道经营，行人走机动车道",
        "lon": str(LON),
        "lat": str(LAT),
        "catalog_item": STANDARD,
    }
    empty = console.post("/console/new/preview", data={**call, "text": ""})
    assert "输入诉求内容后" in empty.text
    told = console.post("/console/new/preview", data=call)
    assert told.status_code == 200
    assert re.search(r'data-preview="outcome">已派遣 → 县城管局<', told.text), told.text
    # the place by its grid and the village's name, not a bare code
    place = re.search(r'data-preview="place">(.*?)</dd>', told.text).group(1)
    assert place == f"网格 {VILLAGE_A}001 · 新安第一社区", place
    # why, in Chinese, as what would happen: nothing has been sent
    why = re.search(r'data-preview="why">(.*?)</p>', told.text).group(1)
    assert "将自动派遣至 县城管局（320724-cgj）" in why
    assert "已自动" not in why
    assert 'data-preview="duplicate"' not in told.text
    # what the queue will list it as, and what personal data will be kept apart
    assert (
        'data-preview="title">人民路菜场门口流动摊贩占道经营，行人走机动车道 <button' in told.text
    )
    # the title the door makes, one click from the title field for the agent to edit
    assert 'data-fill="new-title" data-value="人民路菜场门口流动摊贩占道经营，行人走机动车道"' in (
        told.text
    )
    titled = console.post("/console/new/preview", data={**call, "title": "菜场门口占道"}).text
    assert 'data-preview="title">菜场门口占道<' in titled
    assert 'data-fill="new-title"' not in titled
    assert 'data-preview="personal"' not in told.text  # a callback number is a field's own
    with_id = {**call, "text": f"{call['text']}，我的身份证号11010519491231002X"}
    told_id = console.post("/console/new/preview", data=with_id).text
    personal = re.search(r'data-preview="personal">(.*?)</dd>', told_id).group(1)
    assert personal.startswith("身份证号 · 单独保存")
    assert "11010519491231002X" not in told_id
    refused = console.post("/console/new/preview", data={**call, "catalog_item": "999999"})
    assert 'data-preview="refused"' in refused.text
    assert "999999" in refused.text
    with platform.db.read() as session:  # previews keep nothing
        assert session.scalar(select(func.count()).select_from(Case)) == 0
        assert session.scalar(select(func.count()).select_from(DeadLetter)) == 0
    # the call is taken; a second caller about the same stall hears it is already in hand
    made = console.post("/console/new", data={**call, "call_id": "web-1"})
    first = re.search(r"<small>([0-9-]+)</small>", made.text).group(1)
    again = {**call, "caller": "李女士", "text": "人民路菜场门口摊贩占道经营", "catalog_item": ""}
    told = console.post("/console/new/preview", data=again).text
    assert 'data-preview="duplicate"' in told
    assert f'href="/console/cases/{first}"' in told
    assert "已派遣 · 县城管局 · 应办结" in told
    # registered all the same, the call waits for a dispatcher, whose merge is one click
    made = console.post("/console/new", data={**again, "call_id": "web-2"})
    second = re.search(r"<small>([0-9-]+)</small>", made.text).group(1)
    sign_in(console, "dispatcher")
    page = console.get(f"/console/cases/{second}").text
    assert f'id="merge_into-into" name="into" value="{first}"' in page
    merged = console.post(
        f"/console/cases/{second}/actions/merge_into", data={"csrf": csrf(page), "into": first}
    )
    assert 'data-field="status">已并案（随原件办理）<' in merged.text  # not "refused"
    with platform.db.read() as session:
        parent = session.scalar(select(Case.id).where(Case.number == first))
        child = session.scalar(select(Case).where(Case.number == second))
        assert (child.status, child.duplicate_of_id) == ("rejected", parent)


def test_the_map_counts_open_cases_per_grid_within_the_users_scope(
    console: TestClient, platform: Platform, world: World
) -> None:
    from .test_intake import GRID, LAT, LON, add_grid_and_rules

    with platform.db.write() as session:
        add_grid_and_rules(session)
    inside = Driver(platform, world, region_code=VILLAGE_A, lon=LON, lat=LAT, title="网格内占道")
    Driver(platform, world, title="县城另一处", lon=119.6, lat=34.3)
    assert console.get("/console/map.json").status_code == 401
    sign_in(console, "town_dispatcher")
    data = console.get("/console/map.json").json()
    assert [c["number"] for c in data["cases"]] == [inside.number]
    [grid] = data["grids"]["features"]
    assert (grid["properties"]["code"], grid["properties"]["open_cases"]) == (GRID, 1)
    page = console.get("/console/map").text
    assert "/static/vendor/leaflet-1.9.4/leaflet.js" in page  # vendored, no CDN
    # every script and stylesheet from this server (a bare "cdn" search once matched a
    # random token on the page)
    assets = re.findall(r'<(?:script|link)[^>]*(?:src|href)="([^"]+)"', page)
    assert assets
    assert all(a.startswith(("/", "data:")) for a in assets), assets


def test_a_unit_reports_its_result_with_a_photo_from_the_case_page(
    console: TestClient, platform: Platform, world: World
) -> None:
    import io

    from PIL import Image

    d = Driver(platform, world, region_code=VILLAGE_A, title="村口路灯不亮")
    d.act("accept", "town_dispatcher", {"catalog_item": STANDARD})
    d.act("dispatch", "town_dispatcher", {"lead_unit": "320724100-zhzf"})
    d.act("sign", "town_team_handler", {})
    with platform.db.write() as session:
        credentials.set_password(
            session, username="town_team_handler", password=PASSWORD, now=utc_now()
        )
    sign_in(console, "town_team_handler")
    to_sign = console.get("/console", params={"status": "in_progress"}).text  # its work list
    assert d.number in to_sign
    assert "待签收" in to_sign
    page = console.get(f"/console/cases/{d.number}").text
    assert 'type="file"' in page
    assert 'enctype="multipart/form-data"' in page
    photo = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 200, 10)).save(photo, format="JPEG")
    done = console.post(
        f"/console/cases/{d.number}/actions/report_result",
        data={"csrf": csrf(page), "result": "已更换灯具"},
        files=[("attachments", ("现场.jpg", photo.getvalue(), "image/jpeg"))],
    )
    assert done.status_code == 200, done.text
    assert 'data-event="report_result"' in done.text
    src = re.search(r'<img src="(/api/v1/attachments/\d+)"', done.text).group(1)
    assert console.get(src).headers["content-type"] == "image/jpeg"  # the session may read it
    refused = console.post(
        f"/console/cases/{d.number}/actions/comment",
        data={"csrf": csrf(page), "text": "补充"},
        files=[("attachments", ("x.exe", b"MZ\x90", "application/octet-stream"))],
    )
    assert refused.status_code == 422  # not a recognised file: refused, shown by the form
    assert "recognised" in refused.text
    assert 'data-event="comment"' not in refused.text  # and the comment was not written


def test_queue_filters_by_unit_and_supervision_and_bulk_actions_name_what_they_refused(
    console: TestClient, platform: Platform, world: World
) -> None:
    from urllib.parse import parse_qs, urlparse

    submitted = [Driver(platform, world, title=f"噪声扰民 {i}") for i in range(3)]
    working = Driver(platform, world, title="道路破损")
    working.to_in_progress()
    working.act("supervise", "leader", {"level": 2, "note": "限期办结"})
    sign_in(console, "dispatcher")
    by_unit = console.get("/console", params={"unit": "320724-cgj"}).text
    assert working.number in by_unit
    assert submitted[0].number not in by_unit
    supervised = console.get("/console", params={"supervised": "1"}).text
    assert working.number in supervised
    assert submitted[1].number not in supervised
    unknown = console.get("/console", params={"unit": "nope"})
    assert "nope" in unknown.text  # the filter's error is shown, not a server error
    # accept three submitted cases and one that cannot be accepted, in one go
    token = csrf(console.get("/console").text)
    answer = console.post(
        "/console/bulk",
        data={
            "csrf": token,
            "action": "accept",
            "text": "批量受理",
            "numbers": [c.number for c in submitted] + [working.number],
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303
    query = parse_qs(urlparse(answer.headers["location"]).query)
    assert query["done"] == ["3"]
    assert working.number in query["failed"][0]
    assert {c.read().status for c in submitted} == {"accepted"}
    assert working.read().status == "in_progress"
    # without the CSRF token nothing happens
    forged = console.post(
        "/console/bulk", data={"action": "reject", "text": "x" * 5, "numbers": [working.number]}
    )
    assert forged.status_code == 403
    assert working.read().status == "in_progress"


def test_a_case_page_names_its_duplicates_and_similar_cases(
    console: TestClient, platform: Platform, world: World
) -> None:
    from .test_intake import GRID, LAT, LON, add_grid_and_rules

    with platform.db.write() as session:
        add_grid_and_rules(session)
    place = {"region_code": VILLAGE_A, "lon": LON, "lat": LAT, "grid_code": GRID}
    first = Driver(platform, world, title="村口路灯不亮", **place)
    second = Driver(platform, world, title="村口路灯又坏了", **place)
    repeat = Driver(platform, world, title="路灯不亮", **place)
    elsewhere = Driver(platform, world, title="县城路灯不亮")
    for case in (first, second, elsewhere):
        case.act(
            "accept",
            "town_dispatcher" if case is not elsewhere else "dispatcher",
            {"catalog_item": STANDARD},
        )
    repeat.act("merge_into", "town_dispatcher", {"into": first.number, "reason": "同一路灯"})
    sign_in(console, "town_dispatcher")
    page = console.get(f"/console/cases/{first.number}").text
    assert f'data-related="{repeat.number}"' in page  # merged into this one
    assert f'data-related="{second.number}"' in page  # same grid, same item
    assert f'data-related="{elsewhere.number}"' not in page
    assert 'id="case-map"' in page
    merged = console.get(f"/console/cases/{repeat.number}").text
    assert f'data-related="{first.number}"' in merged


def test_an_agent_finds_and_calls_back_the_reporter_of_a_merged_case(
    console: TestClient, platform: Platform, world: World
) -> None:
    first, repeat = Driver(platform, world), Driver(platform, world)
    repeat.act("merge_into", "dispatcher", {"into": first.number})
    with platform.db.write() as session:
        credentials.set_password(session, username="agent", password=PASSWORD, now=utc_now())
    sign_in(console, "agent")
    line = re.compile(rf'data-related="{repeat.number}">.*?</li>')
    page = console.get(f"/console/cases/{first.number}").text
    assert "本件办结后回访" in line.search(page).group()
    first.to_closed()
    page = console.get(f"/console/cases/{first.number}").text
    assert "待回访" in line.search(page).group()
    listed = console.get("/console", params={"to_visit": "1"}).text
    assert repeat.number in listed
    assert "已并案（随原件办理）" in listed  # not "refused": its reporter is owed a call
    assert first.number in listed
    merged = console.get(f"/console/cases/{repeat.number}").text
    done = console.post(
        f"/console/cases/{repeat.number}/actions/return_visit",
        data={"csrf": csrf(merged), "satisfaction": "basically_satisfied"},
    )
    assert done.status_code == 200
    assert repeat.read().satisfaction == "basically_satisfied"
    page = console.get(f"/console/cases/{first.number}").text
    assert "已回访: 基本满意" in line.search(page).group()
    listed = console.get("/console", params={"to_visit": "1"}).text
    assert repeat.number not in listed
    assert first.number in listed


def test_admin_pages_are_for_administrators_only(
    console: TestClient, platform: Platform, world: World
) -> None:
    sign_in(console, "dispatcher")
    for page in ("", "/users", "/catalog", "/rules", "/calendar", "/grids"):
        assert console.get(f"/console/admin{page}").status_code == 403
    assert "/console/admin" not in console.get("/console").text  # no link to what is refused
    with platform.db.write() as session:
        credentials.set_password(session, username="admin", password=PASSWORD, now=utc_now())
    sign_in(console, "admin")
    users = console.get("/console/admin/users", params={"q": "grid"}).text
    assert 'data-user="grid_worker"' in users
    assert 'data-user="dispatcher"' not in users


def test_the_intake_page_lists_each_import_written_with_what_came_of_it(
    console: TestClient, platform: Platform, world: World, tmp_path: Path
) -> None:
    from .test_bulk_and_linkage import MAPPING, ROWS, write_csv

    with platform.db.write() as session:
        credentials.set_password(session, username="admin", password=PASSWORD, now=utc_now())
    sign_in(console, "admin")
    assert "尚无导入" in console.get("/console/admin/intake").text
    path = write_csv(tmp_path / "2019年导出.csv", ROWS)
    for dry in (True, False):  # the check first, as the page advises: it is no import
        with platform.db.write() as session:
            bulk.run(
                session,
                mapping=bulk.Mapping.parse(MAPPING),
                path=path,
                suggester=platform.triage.suggester,
                dry_run=dry,
                now=NOW,
                actor="admin",
            )
    page = console.get("/console/admin/intake").text
    rows = re.findall(r'<tr data-batch="\d+">.*?</tr>', page, re.S)
    assert len(rows) == 1
    cells = re.findall(r"<td>(.*?)</td>", rows[0], re.S)
    batch = re.search(r'data-batch="(\d+)"', rows[0]).group(1)  # type: ignore[union-attr]
    imported = f'<a href="/console?import_batch={batch}" title="查看本批次导入的案件">3</a>'
    assert cells[2:7] == ["2019年导出.csv", "admin", "7", imported, "0"]
    assert cells[7].startswith("4 · ")  # refused, and all four still waiting
    assert "4 条待处理" in cells[7]
    with platform.db.read() as session:
        number = session.scalars(select(Case.number)).first()
        numbers = set(session.scalars(select(Case.number)))
    assert f"导入批次: #{batch}" in console.get(f"/console/cases/{number}").text
    # the imported count leads to the queue of that import's cases, the filter shown and kept
    Driver(platform, world, title="门户来的案件")  # not the import's
    queue = console.get(f"/console?import_batch={batch}").text
    assert set(re.findall(r'<tr class="row[^"]*" data-number="([^"]+)"', queue)) == numbers
    assert f'<span class="chip wait on" data-import-batch="{batch}">导入批次 #{batch} ' in queue
    assert f'<input type="hidden" name="import_batch" value="{batch}">' in queue
    assert len(re.findall(r'<tr class="row[^"]*" data-number="', console.get("/console").text)) == 4
    assert "没有导入批次 #9999" in console.get("/console?import_batch=9999").text
    for wrong in ("1x", "1234567890"):  # not a batch number: no filter, not another batch's
        assert "data-import-batch" not in console.get(f"/console?import_batch={wrong}").text
    # each import not withdrawn offers its withdrawal; one withdrawn says so, and what went
    assert 'data-api="POST /api/v1/intake/imports/{batch_id}/withdraw"' in rows[0]
    assert f'name="batch_id" value="{batch}"' in rows[0]
    with platform.db.write() as session:
        withdraw.withdraw(
            session,
            int(batch),
            reason="错了",
            now=NOW,
            actor=None,
            username="admin",
            timezone=platform.settings.timezone,
            office_hours=platform.settings.office_hours,
            dry_run=False,
        )
    page = console.get("/console/admin/intake").text
    row = re.search(r'<tr data-batch="\d+">.*?</tr>', page, re.S).group(0)  # type: ignore[union-attr]
    assert "/withdraw" not in row  # no form any more
    shown = re.search(r"<span data-withdrawn>(.*?)</span>", row, re.S).group(1)  # type: ignore[union-attr]
    assert shown.startswith("已撤销 · ")
    assert shown.endswith(" · admin · 撤出 3，保留 0")


STAFF = (
    "agent",
    "dispatcher",
    "town_dispatcher",
    "leader",
    "handler",
    "handler2",
    "grid_worker",
    "auditor",
    "admin",
)


def test_no_user_is_offered_an_action_they_may_not_take_and_forcing_one_changes_nothing(
    console: TestClient, platform: Platform, world: World
) -> None:
    """Every staff user × cases in every open step: the page offers exactly the actions the
    service allows this user now; each other legal move, posted anyway, is refused and the
    case is left as it was."""
    from gridgov.cases import repository, service
    from gridgov.cases.workflow import TRANSITIONS, Status

    with platform.db.write() as session:
        for name in STAFF:
            credentials.set_password(session, username=name, password=PASSWORD, now=utc_now())
    cases = {"submitted": Driver(platform, world, title="待受理的案件")}
    for status in ("in_progress", "handled", "verifying", "closed"):
        d = Driver(platform, world, title=f"{status} 的案件")
        d.to_in_progress()
        if status != "in_progress":
            d.act("report_result", "handler", {"result": "已处理"})
        if status in ("verifying", "closed"):
            d.act("start_verify", "dispatcher", {"verifier": "grid_worker"})
        if status == "closed":
            d.act("verify_pass", "grid_worker")
        cases[status] = d
    form = {
        "reason": "测试理由", "text": "测试内容", "result": "测试结果", "note": "说明",
        "answer": "已答复", "catalog_item": STANDARD, "lead_unit": "320724-cgj",
        "verifier": "grid_worker", "satisfaction": "satisfied", "amount": "1",
        "unit": "working_days", "level": "1", "into": cases["closed"].number,
    }  # fmt: skip
    offered_somewhere = 0
    for name in STAFF:
        sign_in(console, name)
        for status, d in cases.items():
            page = console.get(f"/console/cases/{d.number}")
            with platform.db.read() as session:
                case = repository.get_by_number(session, number=d.number)
                actor = world.actor(session, name)
                visible = service.visible_to(session, actor)
                seen = (
                    session.scalar(select(Case.id).where(Case.id == case.id, visible)) is not None
                )
                allowed = {a.value for a in service.actions_for(session, case=case, actor=actor)}
                version = case.version
            if not seen:
                assert page.status_code == 404, (name, status)
                continue
            shown = set(re.findall(r'data-action="([a-z_]+)"', page.text))
            assert shown == allowed, (name, status, shown ^ allowed)
            offered_somewhere += len(shown)
            legal = {a.value for (s, a) in TRANSITIONS if s == Status(status)}
            for action in sorted(legal - allowed):
                forced = console.post(
                    f"/console/cases/{d.number}/actions/{action}",
                    data={**form, "csrf": csrf(page.text)},
                )
                assert forced.status_code in (403, 409, 422), (name, status, action)
                with platform.db.read() as session:
                    now = repository.get_by_number(session, number=d.number).version
                assert now == version, (name, status, action)
    assert offered_somewhere > 20  # the matrix is not empty


def test_personal_data_is_masked_until_a_permitted_user_reveals_it_with_a_reason(
    console: TestClient, platform: Platform, world: World
) -> None:
    d = Driver(
        platform,
        world,
        title="楼道堆放杂物",
        reporter_name="王小明",
        reporter_phone="13912345678",
    )
    sign_in(console, "leader")
    page = console.get(f"/console/cases/{d.number}").text
    assert "13912345678" not in page
    assert "139****5678" in page
    assert "/reveal" not in page  # a leader may not reveal: no form
    refused = console.post(
        f"/console/cases/{d.number}/reveal", data={"csrf": csrf(page), "reason": "核实情况"}
    )
    assert refused.status_code == 403
    sign_in(console, "dispatcher")
    page = console.get(f"/console/cases/{d.number}").text
    no_reason = console.post(
        f"/console/cases/{d.number}/reveal", data={"csrf": csrf(page), "reason": ""}
    )
    assert no_reason.status_code == 422
    shown = console.post(
        f"/console/cases/{d.number}/reveal", data={"csrf": csrf(page), "reason": "需回电核实"}
    )
    assert shown.status_code == 200
    assert "13912345678" in shown.text
    assert 'data-event="reveal_personal_data"' in shown.text  # the reveal is on the record
    assert "需回电核实" in shown.text
    assert "13912345678" not in console.get(f"/console/cases/{d.number}").text  # once only


def test_an_imported_cases_answer_is_shown_masked_in_its_timeline_and_whole_on_a_reveal(
    console: TestClient, platform: Platform, world: World, tmp_path: Path
) -> None:
    """History from an old platform: closed, its answer on the import event (a phone number
    in it masked), and the original among what a reveal shows."""
    export = tmp_path / "history.csv"
    export.write_text(
        "编号,时间,内容,答复时间,答复意见\n"
        "H1,2020/1/6 09:00,人民路井盖丢失,2020/1/9 17:30,已补装井盖，电话13812345678\n",
        encoding="utf-8",
    )
    plan = bulk.Mapping.parse(
        {
            "center": COUNTY,
            "region_code": COUNTY,
            "status": "closed",
            "columns": {
                "external_id": "编号",
                "received_at": "时间",
                "text": "内容",
                "closed_at": "答复时间",
                "answer": "答复意见",
            },
        }
    )
    with platform.db.write() as session:
        report = bulk.run(
            session,
            mapping=plan,
            path=export,
            suggester=platform.triage.suggester,
            dry_run=False,
            now=NOW,
            actor="import",
        )
        assert report.imported == 1
        number = session.scalar(select(Case.number).where(Case.external_id == "H1"))
    sign_in(console, "dispatcher")
    page = console.get(f"/console/cases/{number}").text
    assert "已办结" in page
    assert "答复: 已补装井盖，电话138****5678; 办结时间: 2020-01-09 17:30" in page
    assert "13812345678" not in page
    shown = console.post(
        f"/console/cases/{number}/reveal", data={"csrf": csrf(page), "reason": "核实答复"}
    )
    assert shown.status_code == 200
    answer = re.search(r"data-revealed-answer>([^<]*)<", shown.text)
    assert answer is not None
    assert answer[1] == "已补装井盖，电话13812345678"


def test_a_dispatcher_mends_a_refused_record_in_the_console_and_it_becomes_a_case(
    console: TestClient, platform: Platform, world: World
) -> None:
    """The dead letters a dispatcher may handle, masked; showing one's original (with a
    reason, recorded) opens it for correction; the corrected replay is a case. A record
    of another town is not listed, and a leader has no such page."""
    from gridgov.intake import service as intake
    from gridgov.store.models import DeadLetter, DeadLetterReveal

    from ..factories import VILLAGE_A

    def refuse(payload: dict, **kw: object) -> int:
        with platform.db.write() as session:
            got = intake.receive(
                session,
                channel="hotline",
                payload=payload,
                actor=world.actor(session, "agent"),
                now=utc_now(),
                rules=platform.rules,
                triage=platform.triage,
                **kw,
            )
            assert got.dead_letter is not None
            return got.dead_letter.id

    bad = {"call_id": "C-9", "text": "楼道堆放杂物，电话13912345678", "region_code": "999999"}
    letter = refuse(bad, center="320724100")  # sent to town A's centre
    elsewhere = refuse({**bad, "call_id": "C-10"}, center="320724101")  # town B's
    sign_in(console, "leader")
    assert console.get("/console/dead-letters").status_code == 403
    sign_in(console, "town_dispatcher")
    page = console.get("/console/dead-letters").text
    assert f'data-letter="{letter}"' in page
    assert f'data-letter="{elsewhere}"' not in page
    assert "13912345678" not in page
    assert "139****5678" in page
    shown = console.post(
        f"/console/dead-letters/{letter}/reveal", data={"csrf": csrf(page), "reason": "更正区划"}
    )
    assert shown.status_code == 200
    assert "13912345678" in shown.text  # in the form to correct
    as_sent = console.post(f"/console/dead-letters/{letter}/replay", data={"csrf": csrf(page)})
    assert as_sent.status_code == 422  # still refused, the reason beside it
    assert "999999" in as_sent.text
    broken = console.post(
        f"/console/dead-letters/{letter}/replay", data={"csrf": csrf(page), "payload": "{oops"}
    )
    assert broken.status_code == 422
    assert "not JSON" in broken.text
    corrected = json.dumps({**bad, "region_code": VILLAGE_A}, ensure_ascii=False)
    done = console.post(
        f"/console/dead-letters/{letter}/replay",
        data={"csrf": csrf(page), "payload": corrected},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert done.headers["location"].startswith("/console/cases/320724100-")
    with platform.db.read() as session:
        row = session.get(DeadLetter, letter)
        assert (row.state, row.attempts) == ("replayed", 3)
        reveals = session.scalars(select(DeadLetterReveal)).all()
        assert [(r.actor, r.reason) for r in reveals] == [("town_dispatcher", "更正区划")]
    assert f'data-letter="{letter}"' not in console.get("/console/dead-letters").text
    gone = console.post(f"/console/dead-letters/{elsewhere}/discard", data={"csrf": csrf(page)})
    assert gone.status_code == 404  # another town's: not there for this dispatcher


def test_the_reports_page_lists_a_centres_reports_for_those_who_read_them(
    console: TestClient, platform: Platform, world: World
) -> None:
    from gridgov.analytics import reports

    with platform.db.write() as session:
        reports.make(
            session,
            center_code="320724",
            kind="daily",
            day=NOW.date(),
            directory=platform.settings.report_dir,
            office_hours=platform.settings.office_hours,
            rollups=False,
            now=NOW,
            made_by="test",
        )
    sign_in(console, "leader")
    page = console.get("/console/reports").text
    assert 'data-report="daily-2026-03-02"' in page
    assert "/api/v1/reports/1.xlsx" in page
    assert 'data-api="POST /api/v1/reports"' in page
    with platform.db.write() as session:
        credentials.set_password(session, username="agent", password=PASSWORD, now=utc_now())
    sign_in(console, "agent")
    assert console.get("/console/reports").status_code == 403


def test_a_grid_worker_cannot_verify_a_case_that_is_not_theirs(
    console: TestClient, platform: Platform, world: World
) -> None:
    d = Driver(platform, world, title="不归我核查")
    with platform.db.write() as session:
        credentials.set_password(session, username="grid_worker", password=PASSWORD, now=utc_now())
    sign_in(console, "grid_worker")
    assert console.get(f"/console/m/verify/{d.number}").status_code == 404
    token = re.search(r'data-csrf="([^"]+)"', console.get("/console/m/tasks").text).group(1)
    forced = console.post(f"/console/m/verify/{d.number}", data={"csrf": token, "verdict": "pass"})
    assert forced.status_code == 404
    assert d.read().status == "submitted"


def test_a_dispatcher_places_a_case_intake_could_not_in_a_grid_of_the_centres_area(
    console: TestClient, platform: Platform, world: World
) -> None:
    """Intake guessed the grid of a door number between two on the registry but was too
    unsure to take it: the accept form is preset with the guess, and accepting places the
    case there; a grid outside the owning centre's area is refused and changes nothing."""
    import numpy as np
    import shapely

    from gridgov.addresses import service as addresses
    from gridgov.grids import repository as grids

    from ..factories import COUNTY, TOWN_A, TOWN_B
    from .test_intake import GRID, LAT, LON, add_grid_and_rules

    elsewhere = f"{TOWN_B}001001"
    with platform.db.write() as session:
        add_grid_and_rules(session)
        grids.upsert(
            session,
            code=elsewhere,
            kind="comprehensive",
            name="堆沟港网格",
            region_code=TOWN_B,
            county_code=COUNTY,
            shape=shapely.box(LON + 0.1, LAT, LON + 0.12, LAT + 0.02),
            subject=None,
            parent_code=None,
            source_crs="wgs84",
            now=NOW,
        )
        addresses.add_many(
            session,
            texts=["灌南县新安镇人民路6号", "灌南县新安镇人民路10号"],
            lon=np.array([LON + 0.004, LON + 0.012]),  # in GRID, and in no grid
            lat=np.array([LAT, LAT]),
            crs="wgs84",
            county_code=COUNTY,
            now=utc_now(),
        )
    town_case = Driver(platform, world, region_code=TOWN_A, center=TOWN_A, lon=None, lat=None)
    with platform.db.write() as session:
        from gridgov.intake import service as intake

        told = intake.receive(
            session,
            channel="hotline",
            payload={"text": "路灯不亮很久了", "address": "新安镇人民路8号"},
            actor=world.actor(session, "agent"),
            now=NOW,
            rules=platform.rules,
            triage=platform.triage,
        )
        guessed = told.case.number
    sign_in(console, "dispatcher")
    page = console.get(f"/console/cases/{guessed}").text
    assert f'id="accept-grid_code" name="grid_code" value="{GRID}"' in page
    assert (
        f"建议网格：{GRID}（门牌号介于「灌南县新安镇人民路6号」与「灌南县新安镇人民路10号」" in page
    )
    assert '<datalist id="dl-grid_code">' in page
    accepted = console.post(
        f"/console/cases/{guessed}/actions/accept",
        data={"csrf": csrf(page), "catalog_item": STANDARD, "grid_code": GRID},
    )
    assert accepted.status_code == 200
    assert f"定位网格: {GRID}" in accepted.text  # on the timeline, as the accept's
    placed_at_once = Driver(
        platform, world, region_code=VILLAGE_A, grid_code=GRID, lon=None, lat=None
    )
    page = console.get(f"/console/cases/{placed_at_once.number}").text
    assert "定位网格:" not in page  # a grid given with the record is no dispatcher's placing
    with platform.db.read() as session:
        placed = session.scalar(select(Case).where(Case.number == guessed))
        assert (placed.status, placed.grid_code, placed.region_code) == (
            "accepted",
            GRID,
            VILLAGE_A,
        )

    sign_in(console, "town_dispatcher")  # 新安镇's centre holds this one: 堆沟港's grid is not its
    page = console.get(f"/console/cases/{town_case.number}").text
    refused = console.post(
        f"/console/cases/{town_case.number}/actions/accept",
        data={"csrf": csrf(page), "grid_code": elsewhere},
    )
    assert refused.status_code == 422
    assert f"网格 {elsewhere} 不在本中心辖区内" in refused.text
    unknown = console.post(
        f"/console/cases/{town_case.number}/actions/accept",
        data={"csrf": csrf(page), "grid_code": f"{VILLAGE_A}999"},
    )
    assert unknown.status_code == 422
    assert f"没有网格 {VILLAGE_A}999" in unknown.text
    assert town_case.read().status == "submitted"
    assert town_case.read().grid_code is None


def test_a_callers_other_cases_show_on_the_case_page_and_the_call_and_list_in_the_queue(
    console: TestClient, platform: Platform, world: World
) -> None:
    from .test_intake import LAT, LON, add_grid_and_rules, receive

    with platform.db.write() as session:
        add_grid_and_rules(session)
        credentials.set_password(session, username="agent", password=PASSWORD, now=utc_now())
    texts = (
        "菜场门口占道经营",
        "路灯不亮",
        "夜间施工噪音",
        "窨井盖缺失",
        "垃圾没人清",
        "占道又来了",
    )
    made = [
        receive(
            platform,
            world,
            "hotline",
            {"callback_number": phone, "text": text, "lon": LON, "lat": LAT},
            now=NOW + timedelta(minutes=i),
        )[0]
        for i, (phone, text) in enumerate(
            zip(("139 0000 0001", "+86 13900000001") * 3, texts, strict=True)
        )
    ]
    other = receive(platform, world, "hotline", {"callback_number": "13900000002", "text": "别人"})
    sign_in(console, "dispatcher")
    page = console.get(f"/console/cases/{made[0]}").text
    # the five newest of the caller's five others, and the way to all of them
    shown = re.findall(r'<li data-caller-case="([^"]+)">', page)
    assert shown == made[:0:-1]
    assert "其他诉求 5 件" in page
    assert f'href="/console?caller_of={made[0]}"' not in page  # all five are shown already
    latest = console.get(f"/console/cases/{made[-1]}").text
    assert re.findall(r'<li data-caller-case="([^"]+)">', latest) == made[-2::-1]
    assert "13900000001" not in latest
    assert other[0] not in latest
    alone = console.get(f"/console/cases/{other[0]}").text
    assert "data-caller" not in alone  # no one else called from that number
    # the queue filtered to the caller, the filter shown and kept, another caller's case not in it
    queue = console.get(f"/console?caller_of={made[2]}").text
    assert set(re.findall(r'<tr class="row[^"]*" data-number="([^"]+)"', queue)) == set(made)
    assert f'<span class="chip wait on" data-caller-of="{made[2]}">来电人诉求 {made[2]} ' in queue
    assert f'<input type="hidden" name="caller_of" value="{made[2]}">' in queue
    assert (
        "没有编号为 320724-0000-999999 的案件"
        in console.get("/console?caller_of=320724-0000-999999").text
    )
    assert "data-caller-of" not in console.get("/console?caller_of=a%20b").text  # not a number
    # a leader reads the case, not who else its caller complained about
    sign_in(console, "leader")
    assert "data-caller" not in console.get(f"/console/cases/{made[0]}").text
    refused = console.get(f"/console?caller_of={made[0]}").text
    assert 'data-number="' not in refused
    assert "leader 无权查询来电人的诉求" in refused
    # the agent typing a call from that number hears the caller's open cases first
    sign_in(console, "agent")
    form = console.get("/console/new").text
    told = console.post(
        "/console/new/preview",
        data={
            "csrf": csrf(form),
            "callback_number": "13900000001",
            "text": "菜场门口占道经营还没人管",
            "lon": str(LON),
            "lat": str(LAT),
        },
    ).text
    caller = re.search(r'data-preview="caller">(.*?)</dd>', told, re.S).group(1)  # type: ignore[union-attr]
    assert caller.startswith("其他诉求 6 件")
    assert f'href="/console?caller_of={made[-1]}">查看全部</a>' in caller
    assert re.findall(r'href="/console/cases/([^"]+)"', caller) == made[:0:-1]
    # each open case can take the call as the caller's chase, in the caller's own words
    assert re.findall(r'data-chase="([^"]+)"', caller) == made[:0:-1]
    chase = re.search(
        rf'<form method="post" action="/console/cases/{made[-1]}/actions/urge".*?</form>', caller
    ).group(0)  # type: ignore[union-attr]
    said = re.search(r'name="text" value="([^"]+)"', chase).group(1)  # type: ignore[union-attr]
    assert said == "来电催办：菜场门口占道经营还没人管"
    with platform.db.read() as session:
        before = session.scalar(select(func.count()).select_from(Case))
    done = console.post(
        f"/console/cases/{made[-1]}/actions/urge", data={"csrf": csrf(form), "text": said}
    )
    assert done.status_code == 200  # followed to the case page
    timeline = re.findall(r'<li data-event="urge">.*?</li>', done.text, re.S)
    assert len(timeline) == 1
    assert "agent" in timeline[0]
    assert "来电催办：菜场门口占道经营还没人管" in timeline[0]
    with platform.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == before  # no new case
