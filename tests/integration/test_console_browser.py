"""The console in a real browser: headless Debian Chromium driven by Playwright, against a
live server on SQLite. Screenshots go to var/test-artifacts/."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gridgov.api.app import create_app
from gridgov.auth import credentials
from gridgov.bootstrap import Platform
from gridgov.kit.clock import utc_now

from ..conftest import NOW, make_platform
from ..factories import EMERGENCY, SELF_CLOSE, SELF_VERIFY, STANDARD, VILLAGE_A, World, make_world
from .helpers import Driver, live_server

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts"
PASSWORD = "Browser-2026!"

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (dev extra)")
pytestmark = pytest.mark.skipif(
    not shutil.which(CHROMIUM), reason="Debian chromium is not installed (apt-get install chromium)"
)


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[Platform]:
    """The browser walk runs once, on the embedded SQLite database (as `make demo` does)."""
    p = make_platform("sqlite", tmp_path, None)
    yield p
    p.db.dispose()


@pytest.fixture
def world(platform: Platform) -> World:
    with platform.db.write() as session:
        return make_world(session, now=NOW)


@pytest.fixture
def server(platform: Platform, world: World) -> Iterator[str]:
    with platform.db.write() as session:
        for name in ("town_dispatcher", "leader"):
            credentials.set_password(session, username=name, password=PASSWORD, now=utc_now())
    with live_server(create_app(platform, run_sweeper=False)) as url:
        yield url


def test_a_dispatcher_signs_in_accepts_and_dispatches_in_the_browser(
    server: str, platform: Platform, world: World
) -> None:
    from .test_intake import LAT, LON, add_grid_and_rules

    with platform.db.write() as session:
        add_grid_and_rules(session)
    case = Driver(platform, world, region_code=VILLAGE_A, title="村口路灯不亮", lon=LON, lat=LAT)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        page.goto(f"{server}/console")
        assert "/console/login" in page.url
        page.get_by_label("用户名").fill("town_dispatcher")
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(f"{server}/console")
        row = page.locator(f"tr[data-number='{case.number}']")
        assert row.count() == 1
        page.screenshot(path=str(ARTIFACTS / "queue.png"), full_page=True)
        row.get_by_role("link").click()
        page.wait_for_url(f"**/console/cases/{case.number}")
        page.locator("summary[data-action='accept']").click()
        page.get_by_label("事项分类").fill(STANDARD)
        page.get_by_role("button", name="受理").last.click()
        page.wait_for_selector("li[data-event='accept']")
        assert page.locator("[data-field='status']").inner_text() == "已受理"
        # destructive actions ask first: dismissing the dialog sends nothing
        page.once("dialog", lambda dialog: dialog.dismiss())
        page.locator("summary[data-action='escalate']").click()
        page.locator("#escalate-reason").fill("需县级部门")
        page.locator("form[action$='/escalate'] button").click()
        page.wait_for_timeout(300)
        assert page.locator("li[data-event='escalate']").count() == 0
        page.locator("summary[data-action='dispatch']").click()
        page.locator("#dispatch-lead_unit").fill("320724100-zhzf")
        page.locator("form[action$='/dispatch'] button").click()
        page.wait_for_selector("li[data-event='dispatch']")
        lead = page.locator("[data-field='lead_unit']").inner_text()
        assert lead == "新安镇执法局 320724100-zhzf"  # by name, its code beside it
        page.wait_for_selector("#case-map[data-loaded='grid']")  # the pin and its grid's outline
        page.screenshot(path=str(ARTIFACTS / "case-detail.png"), full_page=True)
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{server}/console/map")
        page.wait_for_timeout(2000)
        assert not errors, errors
        page.wait_for_selector("#map[data-loaded]")
        assert page.get_attribute("#map", "data-loaded") == "1"  # the grid was drawn
        assert page.locator("#map canvas").count() >= 1
        page.screenshot(path=str(ARTIFACTS / "map.png"))
        # keyboard: the filter form is reachable and usable without a mouse
        page.goto(f"{server}/console?lang=en")
        assert page.get_by_role("button", name="Filter").is_visible()
        mobile = browser.new_page(viewport={"width": 390, "height": 844})
        mobile.goto(f"{server}/console/login")
        assert mobile.get_by_label("用户名").is_visible()
        mobile.screenshot(path=str(ARTIFACTS / "login-phone.png"))
        browser.close()
    assert (ARTIFACTS / "queue.png").stat().st_size > 5_000


def test_the_big_screen_moves_when_a_case_arrives(
    server: str, platform: Platform, world: World
) -> None:
    import httpx

    from .helpers import auth

    Driver(platform, world, now=utc_now())  # one case already today
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1920, "height": 1080})
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{server}/console/login?next=/console/screen")
        page.get_by_label("用户名").fill("leader")
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.goto(f"{server}/console/screen")
        page.wait_for_selector("#screen[data-updated='1']")
        today = page.locator("[data-kpi='today.received']")
        assert today.inner_text() == "1"
        page.wait_for_selector("#live.on")  # the live stream is connected
        Driver(platform, world, now=utc_now(), title="路口井盖缺失")
        sync_api.expect(today).to_have_text("2", timeout=15_000)  # refreshed by the stream
        latest = page.locator("#latest").inner_text()
        assert "路口井盖缺失" in latest
        assert "12345热线" in latest  # its channel by name
        assert "hotline" not in latest
        page.screenshot(path=str(ARTIFACTS / "big-screen.png"))
        browser.close()
    assert not errors, errors
    # what the screen shows is what the KPI endpoint answers
    figures = httpx.get(
        f"{server}/api/v1/kpis", params={"center": "320724"}, headers=auth(platform, "leader")
    ).json()["total"]
    assert figures["received"] == 2
    assert (ARTIFACTS / "big-screen.png").stat().st_size > 20_000


def _jpeg() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "#c62828").save(buffer, "JPEG")
    return buffer.getvalue()


def test_a_grid_worker_reports_offline_and_the_report_arrives_once(
    server: str, platform: Platform, world: World
) -> None:
    import httpx
    from sqlalchemy import func, select

    from gridgov.store.models import Attachment, Case, PatrolCheckin

    from .helpers import auth
    from .test_intake import GRID, LAT, LON, add_grid_and_rules

    with platform.db.write() as session:
        add_grid_and_rules(session)
        credentials.set_password(session, username="grid_worker", password=PASSWORD, now=utc_now())
    # a case waiting for this grid worker's verification
    waiting = Driver(platform, world, title="垃圾清运不及时")
    waiting.to_in_progress()
    waiting.act("report_result", "handler", {"result": "已清运"})
    waiting.act("start_verify", "dispatcher", {"verifier": "grid_worker"})
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        phone = browser.new_context(
            viewport={"width": 390, "height": 844},
            permissions=["geolocation"],
            geolocation={"longitude": LON, "latitude": LAT},
            is_mobile=True,
        )
        errors: list[str] = []
        page = phone.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{server}/console/login")
        page.get_by_label("用户名").fill("grid_worker")
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(f"{server}/console")
        page.goto(f"{server}/console/m/report")
        manifest = httpx.get(f"{server}/static/manifest.webmanifest").json()
        assert manifest["start_url"] == "/console/m"
        assert manifest["display"] == "standalone"
        if not phone.service_workers:
            phone.wait_for_event("serviceworker")
        sync_api.expect(page.locator("#r-lon")).to_have_value(f"{LON:.6f}")
        # no signal: the report waits on the phone
        phone.set_offline(True)
        page.get_by_label("问题描述").fill("河边护栏断裂，存在安全隐患")
        page.locator("#r-photos").set_input_files(
            {"name": "rail.jpg", "mimeType": "image/jpeg", "buffer": _jpeg()}
        )
        page.get_by_role("button", name="提交").click()
        sync_api.expect(page.locator("#m-outbox li.queued")).to_have_count(1)
        sync_api.expect(page.locator("#m-queue")).to_contain_text("待上传 1")
        page.screenshot(path=str(ARTIFACTS / "mobile-report.png"), full_page=True)
        with platform.db.read() as session:
            assert session.scalar(select(func.count()).where(Case.channel == "grid_app")) == 0
        # the page itself comes from the service worker while offline
        page.reload()
        sync_api.expect(page.locator("#m-outbox li.queued")).to_have_count(1)
        # signal again: sent at once, with its photo
        phone.set_offline(False)
        sync_api.expect(page.locator("#m-outbox li.sent")).to_have_count(1, timeout=15_000)
        sync_api.expect(page.locator("#m-outbox li.queued")).to_have_count(0)
        with platform.db.read() as session:
            case = session.scalar(select(Case).where(Case.channel == "grid_app"))
            assert case is not None
            assert case.grid_code == GRID
            photos = session.scalar(
                select(func.count()).select_from(Attachment).where(Attachment.case_id == case.id)
            )
            assert photos == 1
            client_id, number = case.external_id, case.number
        # the same report sent again (a lost answer) is the same case
        again = httpx.post(
            f"{server}/api/v1/intake/grid_app",
            json={"client_id": client_id, "text": "河边护栏断裂，存在安全隐患"},
            headers=auth(platform, "grid_worker"),
        )
        assert again.status_code == 200
        assert again.json()["number"] == number
        # online, a second report of the same thing nearby is told it is already in hand
        page.goto(f"{server}/console/m/report")
        sync_api.expect(page.locator("#r-lon")).to_have_value(f"{LON:.6f}")
        page.get_by_label("问题描述").fill("河边护栏断了，有安全隐患")
        sync_api.expect(page.locator("#r-hint")).to_be_visible(timeout=10_000)
        assert number in page.locator("#r-hint").inner_text()
        assert "待受理" in page.locator("#r-hint").inner_text()
        page.get_by_label("问题描述").fill("路灯")  # too little to say: no hint
        sync_api.expect(page.locator("#r-hint")).to_be_hidden(timeout=10_000)
        # handled on the spot: the item is preset from what the text says (河道垃圾, not the
        # list's first item), until the worker picks one
        page.get_by_label("已就地处置").check()
        page.get_by_label("问题描述").fill("桥下河道垃圾漂浮，已打捞干净")
        sync_api.expect(page.locator("#r-item")).to_have_value(SELF_VERIFY, timeout=10_000)
        page.locator("#r-item").select_option(SELF_CLOSE)
        page.get_by_label("问题描述").fill("桥下河道垃圾漂浮很多，已打捞干净")
        page.wait_for_timeout(2_000)  # the look-first runs 0.8 s after typing stops
        sync_api.expect(page.locator("#r-item")).to_have_value(SELF_CLOSE)
        page.get_by_label("已就地处置").uncheck()
        # patrol check-in, placed in its grid
        page.goto(f"{server}/console/m/checkin")
        page.get_by_role("button", name="打卡").click()
        sync_api.expect(page.locator("#m-checkins li")).to_have_count(1, timeout=10_000)
        assert GRID in page.locator("#m-checkins").inner_text()
        with platform.db.read() as session:
            assert session.scalar(select(PatrolCheckin.grid_code)) == GRID
        # the verification task: pass it with a photo
        page.goto(f"{server}/console/m/tasks")
        page.locator(f"li[data-number='{waiting.number}'] a").click()
        page.get_by_label("已整改到位").check()
        page.get_by_label("说明").fill("现场复核，已清运干净")
        page.locator("#v-photos").set_input_files(
            {"name": "done.jpg", "mimeType": "image/jpeg", "buffer": _jpeg()}
        )
        page.get_by_role("button", name="提交").click()
        page.wait_for_url("**/console/m/tasks?done=*")
        assert page.locator(f"li[data-number='{waiting.number}']").count() == 0
        browser.close()
    assert waiting.read().status == "closed"
    assert not errors, errors


def test_one_case_from_the_call_to_the_return_visit_in_the_browser(
    server: str, platform: Platform, world: World
) -> None:
    """The issue's walk: an agent takes the call, the dispatcher dispatches with the routing
    suggestion, the unit signs and reports with a photo, a grid worker verifies on the phone,
    the agent makes the return visit; the timeline, the queue and the big screen follow."""
    from sqlalchemy import select

    from gridgov.intake import service as intake
    from gridgov.store.models import Center

    from .test_intake import LAT, LON, add_grid_and_rules

    with platform.db.write() as session:
        add_grid_and_rules(session)
        for center in session.scalars(select(Center)):  # a person decides, in this walk
            intake.set_policy(
                session, center_id=center.id, changes={"auto_accept": False, "auto_dispatch": False}
            )
        for name in ("agent", "dispatcher", "handler", "grid_worker"):
            credentials.set_password(session, username=name, password=PASSWORD, now=utc_now())
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        errors: list[str] = []

        def signed_in(username: str, **options: object):
            page = browser.new_context(**options).new_page()
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(f"{server}/console/login")
            page.get_by_label("用户名").fill(username)
            page.get_by_label("密码").fill(PASSWORD)
            page.get_by_role("button", name="登录").click()
            page.wait_for_url(f"{server}/console")
            return page

        leader = signed_in("leader", viewport={"width": 1920, "height": 1080})
        leader.goto(f"{server}/console/screen")
        leader.wait_for_selector("#screen[data-updated='1']")
        received_before = int(leader.locator("[data-kpi='today.received']").inner_text())
        assert leader.locator("[data-kpi='today.closures']").inner_text() == "0"

        # 1. the hotline agent takes the call
        agent = signed_in("agent")
        agent.goto(f"{server}/console/new")
        agent.locator("#new-text").fill("村口路灯不亮，晚上一片漆黑，老人出行不便")
        agent.locator("#new-caller").fill("张先生")
        agent.locator("#new-callback_number").fill("13812345678")
        agent.locator("#new-lon").fill(str(LON))
        agent.locator("#new-lat").fill(str(LAT))
        agent.locator("#new-catalog_item").fill(STANDARD)
        # as the call is typed, the form says what registering it would do
        agent.wait_for_selector("[data-preview='outcome']")
        told = agent.locator("[data-preview='outcome']").inner_text()
        agent.get_by_role("button", name="提交").click()
        agent.wait_for_url("**/console/cases/*")
        number = agent.url.rsplit("/", 1)[1]
        assert agent.locator("[data-field='status']").inner_text() == "待受理"
        assert told == "待受理"  # the preview said what happened

        # 2. the county centre took the call: its dispatcher accepts and dispatches as the
        # routing rule suggests
        dispatcher = signed_in("dispatcher")
        row = dispatcher.locator(f"tr[data-number='{number}']")
        assert row.get_attribute("class") == "row none"
        dispatcher.goto(f"{server}/console/cases/{number}")
        dispatcher.locator("summary[data-action='accept']").click()
        dispatcher.get_by_role("button", name="受理").last.click()
        dispatcher.wait_for_selector("li[data-event='accept']")
        dispatcher.locator("summary[data-action='dispatch']").click()
        assert "320724-cgj" in dispatcher.locator("[data-suggestion]").inner_text()
        assert dispatcher.locator("#dispatch-lead_unit").input_value() == "320724-cgj"
        dispatcher.locator("form[action$='/dispatch'] button").click()
        dispatcher.wait_for_selector("li[data-event='dispatch']")
        dispatcher.goto(f"{server}/console")
        assert row.get_attribute("class") == "row normal"  # its clocks are running

        # 3. the unit signs and reports the result with a photo
        unit = signed_in("handler")
        unit.goto(f"{server}/console/cases/{number}")
        unit.locator("summary[data-action='sign']").click()
        unit.locator("form[action$='/sign'] button").click()
        unit.wait_for_selector("li[data-event='sign']")
        unit.locator("summary[data-action='report_result']").click()
        unit.locator("#report_result-result").fill("已更换灯泡，路灯恢复照明")
        unit.locator("#report_result-attachments").set_input_files(
            {"name": "lamp.jpg", "mimeType": "image/jpeg", "buffer": _jpeg()}
        )
        unit.locator("form[action$='/report_result'] button").click()
        unit.wait_for_selector("li[data-event='report_result']")
        assert unit.locator("ul.files img").count() == 1

        # 4. the dispatcher sends a grid worker to verify
        dispatcher.goto(f"{server}/console/cases/{number}")
        dispatcher.locator("summary[data-action='start_verify']").click()
        dispatcher.locator("#start_verify-verifier").fill("grid_worker")
        dispatcher.locator("form[action$='/start_verify'] button").click()
        dispatcher.wait_for_selector("li[data-event='start_verify']")

        # 5. the grid worker verifies on the phone
        phone = signed_in("grid_worker", viewport={"width": 390, "height": 844}, is_mobile=True)
        phone.goto(f"{server}/console/m/tasks")
        phone.locator(f"li[data-number='{number}'] a").click()
        phone.get_by_label("已整改到位").check()
        phone.get_by_role("button", name="提交").click()
        phone.wait_for_url("**/console/m/tasks?done=*")

        # 6. the agent calls back
        agent.goto(f"{server}/console/cases/{number}")
        agent.locator("summary[data-action='return_visit']").click()
        agent.locator("#return_visit-satisfaction").select_option("satisfied")
        agent.locator("form[action$='/return_visit'] button").click()
        agent.wait_for_selector("li[data-event='return_visit']")
        assert agent.locator("[data-field='status']").inner_text() == "已办结"
        timeline = [e.get_attribute("data-event") for e in agent.locator("li[data-event]").all()]
        for step in (
            "create",
            "accept",
            "dispatch",
            "sign",
            "report_result",
            "start_verify",
            "verify_pass",
            "return_visit",
        ):
            assert step in timeline, (step, timeline)
        visit = agent.locator("li[data-event='return_visit'] [data-why]").inner_text()
        assert "满意" in visit  # who, when and why: the timeline says what was answered
        agent.screenshot(path=str(ARTIFACTS / "walk-case.png"), full_page=True)

        # the big screen saw it all: one more case today, closed, with a satisfied visit
        sync_api.expect(leader.locator("[data-kpi='today.received']")).to_have_text(
            str(received_before + 1), timeout=15_000
        )
        sync_api.expect(leader.locator("[data-kpi='today.closures']")).to_have_text(
            "1", timeout=15_000
        )
        sync_api.expect(leader.locator("[data-kpi='today.satisfaction_rate']")).to_have_text(
            "100.0%", timeout=15_000
        )
        browser.close()
    assert not errors, errors


def test_an_administrator_manages_users_limits_rules_holidays_and_grids(
    server: str, platform: Platform, world: World, tmp_path: Path
) -> None:
    import json

    from sqlalchemy import select

    from gridgov.store.models import CalendarDay, Grid, Region, SlaPolicy, User

    from ..factories import TOWN_A
    from .test_intake import GRID, LAT, LON, add_grid_and_rules

    with platform.db.write() as session:
        add_grid_and_rules(session)
        credentials.set_password(session, username="admin", password=PASSWORD, now=utc_now())
    box = [[LON + 0.05, LAT], [LON + 0.06, LAT], [LON + 0.06, LAT + 0.01], [LON + 0.05, LAT + 0.01]]
    bowtie = [
        [LON + 0.07, LAT],
        [LON + 0.08, LAT + 0.01],
        [LON + 0.08, LAT],
        [LON + 0.07, LAT + 0.01],
    ]

    def collection(*rings: list[list[float]]) -> Path:
        path = tmp_path / f"grids-{len(rings)}.geojson"
        features = [
            {
                "type": "Feature",
                "properties": {"code": f"{VILLAGE_A}{i + 2:03d}", "name": f"新网格{i + 2}"},
                "geometry": {"type": "Polygon", "coordinates": [[*ring, ring[0]]]},
            }
            for i, ring in enumerate(rings)
        ]
        path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
        return path

    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{server}/console/login")
        page.get_by_label("用户名").fill("admin")
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(f"{server}/console")
        page.get_by_role("link", name="系统管理").click()
        page.wait_for_url(f"{server}/console/admin")

        # users: a weak password is refused next to the form; a good one makes the account
        page.goto(f"{server}/console/admin/users")
        form = page.locator("form[data-api='POST /api/v1/users']")
        form.get_by_label("用户名").fill("zhang_agent")
        form.get_by_label("角色").select_option("agent")
        form.get_by_label("密码").fill("short")
        form.get_by_role("button", name="新建").click()
        sync_api.expect(form.locator("[data-api-error]")).to_be_visible()
        form.get_by_label("密码").fill("Zhang-Agent-2026")
        form.get_by_role("button", name="新建").click()
        page.wait_for_selector("tr[data-user='zhang_agent']")
        page.once("dialog", lambda d: d.accept())
        page.locator("tr[data-user='zhang_agent'] form[data-api^='PATCH'] button").click()
        sync_api.expect(page.locator("tr[data-user='zhang_agent'] button").first).to_have_text(
            "启用"
        )

        # time limits and the catalogue
        page.goto(f"{server}/console/admin/catalog")
        policy = page.locator("form[data-api^='PUT /api/v1/sla-policies']")
        policy.locator("#p-code").fill("fast")
        policy.locator("#p-name").fill("快速")
        policy.locator("#p-sign").fill("1")
        policy.locator("#p-handle").fill("2")
        policy.locator("select[name='limits.1.unit']").select_option("working_days")
        policy.get_by_role("button", name="保存").click()
        page.wait_for_selector("tr[data-policy='fast']")
        item = page.locator("form[data-api='POST /api/v1/catalog']")
        item.locator("#i-code").fill(STANDARD)  # taken: the API's 409 shows here
        item.locator("#i-name").fill("重复")
        item.get_by_role("button", name="新建").click()
        sync_api.expect(item.locator("[data-api-error]")).to_contain_text(STANDARD)
        # the codes an inspection system's events carry for an item; a code another item
        # already owns is refused beside its row
        codes = page.get_by_label(f"{STANDARD} 数字城管编码")
        codes.fill("0501, 050203")
        codes.locator("xpath=..").get_by_role("button", name="保存").click()
        page.wait_for_load_state("load")
        sync_api.expect(page.get_by_label(f"{STANDARD} 数字城管编码")).to_have_value("0501,050203")
        clash = page.get_by_label(f"{EMERGENCY} 数字城管编码")
        clash.fill("0501")
        clash.locator("xpath=..").get_by_role("button", name="保存").click()
        sync_api.expect(clash.locator("xpath=..").locator("[data-api-error]")).to_contain_text(
            STANDARD
        )
        # the words that take a first-level classification down to an item, tidied when
        # saved; a field emptied and saved is cleared, not left as it was
        words = page.get_by_label(f"{STANDARD} 关键词")
        words.fill(" 摊贩，占道 ,摊贩 ")
        with page.expect_navigation():  # saved, the page reloads
            words.locator("xpath=..").get_by_role("button", name="保存").click()
        sync_api.expect(page.get_by_label(f"{STANDARD} 关键词")).to_have_value("摊贩,占道")
        for field in ("关键词", "数字城管编码"):
            entry = page.get_by_label(f"{STANDARD} {field}")
            entry.fill("")
            with page.expect_navigation():
                entry.locator("xpath=..").get_by_role("button", name="保存").click()
            sync_api.expect(page.get_by_label(f"{STANDARD} {field}")).to_have_value("")

        # routing rules: test where an item goes, and why
        page.goto(f"{server}/console/admin/rules")
        # the rules read by name: the item, the level, the units (a "{town}-…" unit as 所在镇…)
        county_rule = page.locator(f"tr[data-rule='{STANDARD}']:has(td[data-level='county'])")
        said = county_rule.inner_text()
        for words in (f"{STANDARD} 占道经营", "县级", "全域", "（320724-cgj）", "（320724-zjj）"):
            assert words in said, (words, said)
        town_rule = page.locator(f"tr[data-rule='{STANDARD}']:has(td[data-level='town'])")
        assert "所在镇执法局（{town}-zhzf）" in town_rule.inner_text()
        # the code fields offer the items, regions and units by name (typing a code still works)
        offered = page.locator(f"#dl-items option[value='{STANDARD}']").text_content() or ""
        assert "占道经营" in offered
        assert page.locator(f"#dl-regions option[value='{VILLAGE_A}']").count() == 1
        assert page.locator("#dl-units option[value='320724-cgj']").count() == 1
        for field, choices in (("#t-item", "dl-items"), ("#r-area", "dl-regions"),
                               ("#r-lead", "dl-units")):  # fmt: skip
            assert page.locator(field).get_attribute("list") == choices
        check = page.locator("form[data-api^='GET']")
        check.locator("#t-item").fill(STANDARD)
        check.locator("#t-region").fill(VILLAGE_A)
        check.locator("#t-level").select_option("town")
        check.get_by_role("button", name="试算派遣").click()
        sync_api.expect(check.locator("[data-api-result]")).to_contain_text("320724100-zhzf")
        # said as the rules are, in the page's language: the rule, its level, the unit
        said = check.locator("[data-api-result]").inner_text()
        assert said.startswith("派遣规则 #"), said
        assert "镇级" in said, said

        # a local holiday
        page.goto(f"{server}/console/admin/calendar?year=2026")
        page.locator("#d-day").fill("2026-12-24")
        page.locator("#d-name").fill("县庆")
        page.get_by_role("button", name="设置").click()
        page.wait_for_selector("tr[data-day='2026-12-24']")

        # regions: a code list whose parent is unknown is refused with the line named
        page.goto(f"{server}/console/admin/grids")
        regions = page.locator("form[data-api='POST /api/v1/regions/import']")
        regions.locator("#rg-csv").fill(
            f"code,name,parent_code\n{TOWN_A}900,新村,{TOWN_A}\n999999001,无名镇,999999\n"
        )
        regions.get_by_role("button", name="校验并导入区划").click()
        sync_api.expect(regions.locator("ol.problems li")).to_have_count(1)
        assert "999999" in regions.locator("ol.problems").inner_text()
        regions.locator("#rg-csv").fill(f"code,name,parent_code\n{TOWN_A}900,新村,{TOWN_A}\n")
        regions.get_by_label("仅校验，不导入").uncheck()
        regions.get_by_role("button", name="校验并导入区划").click()
        sync_api.expect(regions.locator("p[data-imported='true']")).to_have_count(1)

        # grids: the validation report first, then the import
        page.locator("#g-file").set_input_files(str(collection(box, bowtie)))
        page.get_by_role("button", name="校验并导入", exact=True).click()
        report = page.locator("form[data-api^='POST /api/v1/grids'] [data-api-result]")
        sync_api.expect(report.locator("ol.problems li")).to_have_count(1)
        assert "invalid" in report.inner_text()
        page.screenshot(path=str(ARTIFACTS / "admin-grids.png"), full_page=True)
        page.locator("#g-file").set_input_files(str(collection(box)))
        page.locator("form[data-api^='POST /api/v1/grids']").get_by_label(
            "仅校验，不导入"
        ).uncheck()
        page.get_by_role("button", name="校验并导入", exact=True).click()
        sync_api.expect(report.locator("p[data-imported='true']")).to_have_count(1)
        browser.close()
    assert not errors, errors
    with platform.db.read() as session:
        assert session.scalar(select(User.active).where(User.username == "zhang_agent")) is False
        fast = session.scalar(select(SlaPolicy).where(SlaPolicy.code == "fast"))
        assert {(x.step, x.amount, x.unit) for x in fast.limits} == {
            ("sign", 1.0, "working_hours"),
            ("handle", 2.0, "working_days"),
        }
        assert session.scalar(select(CalendarDay.name).where(CalendarDay.name == "县庆"))
        codes = set(session.scalars(select(Grid.code)))
        assert codes == {GRID, f"{VILLAGE_A}002"}
        assert session.scalar(select(Region.name).where(Region.code == f"{TOWN_A}900")) == "新村"


def test_an_administrator_sets_triage_thresholds_and_imports_an_old_platforms_cases(
    server: str, platform: Platform, world: World, tmp_path: Path
) -> None:
    from sqlalchemy import func, select

    from gridgov.intake import service as intake
    from gridgov.store.models import Case, Center, DeadLetter

    with platform.db.write() as session:
        credentials.set_password(session, username="admin", password=PASSWORD, now=utc_now())
    export = tmp_path / "export.csv"
    export.write_text(
        "工单编号,来电时间,标题,诉求内容,分类\n"
        "A-1,2025/11/02 09:15:00,路灯不亮,村口路灯坏了三天,城乡建设\n"
        "A-2,2025-11-03 10:20,噪音扰民,楼下饭店夜里噪音很大,\n"
        "A-3,去年冬天,井盖缺失,人民路井盖丢了,城乡建设\n",
        encoding="utf-8",
    )
    mapping = (
        'channel = "hotline"\ncenter = "320724"\nregion_code = "320724"\n\n[columns]\n'
        'external_id = "工单编号"\nreceived_at = "来电时间"\ntitle = "标题"\ntext = "诉求内容"\n'
        'category = "分类"\n'
    )
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{server}/console/login")
        page.get_by_label("用户名").fill("admin")
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(f"{server}/console")
        page.goto(f"{server}/console/admin/intake")

        # the county centre asks for more certainty and dispatches by hand
        row = page.locator("tr[data-center='320724']")
        row.locator("summary").click()
        row.get_by_label("分类置信度").fill("0.9")
        row.get_by_label("自动派遣").uncheck()
        row.get_by_role("button", name="保存").click()
        page.wait_for_load_state("load")
        sync_api.expect(
            page.locator("tr[data-center='320724'] td[data-policy='classify_threshold']")
        ).to_have_text("0.9")
        bad = page.locator("tr[data-center='320724']")
        bad.locator("summary").click()
        bad.get_by_label("重复半径（米）").fill("5")  # under the API's least: refused here
        bad.get_by_role("button", name="保存").click()
        # the API's refusal, in the page's language
        sync_api.expect(bad.locator("[data-api-error]")).to_contain_text("重复半径（米）不能小于")

        # an old platform's export: the report first, then the import
        form = page.locator("form[data-api='POST /api/v1/intake/import']")
        form.locator("#i-file").set_input_files(str(export))
        form.locator("#i-mapping").fill(mapping)
        form.get_by_role("button", name="导入历史工单").click()
        report = form.locator("[data-api-result]")
        sync_api.expect(report.locator("[data-report='valid']")).to_have_text("2")
        assert report.locator("[data-report='rows']").inner_text() == "3"
        assert report.locator("[data-report='imported']").inner_text() == "0"
        sync_api.expect(report.locator("ol.problems li")).to_have_count(1)
        # the refused line says what was wrong in the page's language
        assert "第4行: 读不出时间“去年冬天”" in report.locator("ol.problems").inner_text()
        # the items by name, not code; the export's times as a person reads them
        assert report.locator("dd", has_text="城乡建设").inner_text() == "城乡建设 1、未分类 1"
        assert report.locator("[data-report='first']").inner_text() == "2025-11-02 09:15"
        assert report.locator("[data-report='last']").inner_text() == "2025-11-03 10:20"
        assert report.locator("[data-report='statuses']").inner_text() == "待受理 2"
        assert report.locator("[data-report='batch']").count() == 0  # a check is no import
        form.get_by_label("仅校验，不导入").uncheck()
        form.get_by_role("button", name="导入历史工单").click()
        sync_api.expect(report.locator("[data-report='imported']")).to_have_text("2")
        assert report.locator("[data-report='dead_letters']").inner_text() == "1"
        batch = report.locator("[data-report='batch']").inner_text()
        assert batch.startswith("#")
        # the open cases it wrote, one click away in the queue
        report.locator("a[data-report='to_queue']").click()
        page.wait_for_url(f"{server}/console?waiting=imported")
        sync_api.expect(page.locator("table.cases tbody tr")).to_have_count(2)
        # and the import is listed on the intake page, under its batch number
        page.goto(f"{server}/console/admin/intake")
        listed = page.locator("table[data-list='imports'] tbody tr")
        sync_api.expect(listed).to_have_count(1)
        assert listed.locator("td").first.inner_text() == batch
        # its imported count opens the queue on that import's cases alone, the filter shown
        listed.locator("td").nth(5).get_by_role("link").click()
        page.wait_for_url(f"{server}/console?import_batch={batch[1:]}")
        sync_api.expect(page.locator("table.cases tbody tr")).to_have_count(2)
        sync_api.expect(page.locator("[data-import-batch]")).to_contain_text(f"导入批次 {batch}")
        page.goto(f"{server}/console/admin/intake")

        # the import was a mistake: a check of its withdrawal first (no question asked)
        asked: list[str] = []

        def answer(dialog: Any) -> None:
            asked.append(dialog.message)
            dialog.accept()

        page.on("dialog", answer)
        listed.locator("summary", has_text="撤销导入").click()
        withdraw = listed.locator("form")
        withdraw.get_by_label("撤销理由").fill("分类列映射错了")
        withdraw.get_by_role("button", name="撤销导入").click()
        said = withdraw.locator("[data-api-result]")
        sync_api.expect(said).to_contain_text(f"导入批次 {batch} 检查：撤销将撤出 2 件，保留 0 件")
        assert asked == []
        with platform.db.read() as session:
            assert session.scalar(select(func.count()).select_from(Case)) == 2
        withdraw.get_by_label("仅检查，不撤销").uncheck()
        withdraw.get_by_role("button", name="撤销导入").click()
        sync_api.expect(said).to_contain_text(f"导入批次 {batch} 已撤销，撤出 2 件")
        assert asked == ["撤出的案件将被删除，不可恢复。确定撤销？"]
        page.reload()
        sync_api.expect(listed.locator("[data-withdrawn]")).to_contain_text("已撤销")
        assert "admin · 撤出 2，保留 0" in listed.locator("[data-withdrawn]").inner_text()
        browser.close()
    assert not errors, errors
    with platform.db.read() as session:
        county = session.scalar(select(Center.id).where(Center.code == "320724"))
        policy = intake.policy_for(session, center_id=county)
        assert (policy.classify_threshold, policy.auto_dispatch) == (0.9, False)
        assert policy.duplicate_radius_m == 500.0  # the refused change left it as it was
        assert session.scalar(select(func.count()).select_from(Case)) == 0  # withdrawn
        letter = session.scalar(select(DeadLetter))
        assert letter is not None
        assert letter.state == "discarded"
