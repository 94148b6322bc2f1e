"""KPIs from real cases: the API and the CLI give the same figures, scoped to who asks."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from gridgov.analytics import rollups
from gridgov.api.app import create_app
from gridgov.bootstrap import Platform
from gridgov.cases.tasks import sweep

from ..conftest import NOW
from ..factories import STANDARD, World
from .helpers import Driver, auth

MARCH = {"center": "320724", "from": "2026-03-01", "to": "2026-03-31"}


@pytest.fixture
def county(platform: Platform, world: World) -> Platform:
    """Monday 2 March 2026: one case closed and visited, one overdue, one rejected."""
    done = Driver(platform, world)
    done.to_closed()
    done.act("return_visit", "agent", {"satisfaction": "basically_satisfied"})
    late = Driver(platform, world)
    late.to_in_progress()
    rejected = Driver(platform, world)
    rejected.act("reject", "dispatcher", {"reason": "不属于受理范围"})
    with platform.db.write() as session:
        # the standard handling limit is 5 working days: overdue by Thursday 12 March
        sweep(session, now=NOW + timedelta(days=10), rules=platform.rules)
    return platform


@pytest.fixture
def client(county: Platform):
    with TestClient(create_app(county, run_sweeper=False)) as c:
        yield c


def test_the_months_figures_follow_the_cases(county: Platform, client: TestClient) -> None:
    answer = client.get("/api/v1/kpis", params=MARCH, headers=auth(county, "leader"))
    assert answer.status_code == 200, answer.text
    k = answer.json()["total"]
    assert (k["received"], k["accepted"], k["rejected"]) == (3, 2, 1)
    assert (k["closed"], k["closure_rate"]) == (1, 0.5)
    # the closed case met its deadline; the other was marked overdue by the sweep
    assert (k["due"], k["due_on_time"], k["on_time_rate"]) == (2, 1, 0.5)
    assert (k["dispatched"], k["sign_on_time_rate"]) == (2, 1.0)
    assert (k["visited"], k["satisfaction_rate"], k["rework_rate"]) == (1, 1.0, 0.0)
    assert k["overdue_open"] == 1
    # reported an hour after signing: 1 working hour
    assert (k["handled"], k["handling_hours_mean"]) == (1, 1.0)
    # on Monday itself nothing was overdue yet and no deadline had come
    monday = client.get(
        "/api/v1/kpis",
        params={**MARCH, "to": "2026-03-02"},
        headers=auth(county, "leader"),
    ).json()["total"]
    assert (monday["overdue_open"], monday["due"], monday["on_time_rate"]) == (0, 0, None)


def test_the_cli_prints_what_the_api_answers(county: Platform, client: TestClient, cli) -> None:
    api = client.get(
        "/api/v1/kpis", params={**MARCH, "by": "unit"}, headers=auth(county, "leader")
    ).json()
    run = cli(
        "kpi",
        "--center",
        "320724",
        "--from",
        "2026-03-01",
        "--to",
        "2026-03-31",
        "--by",
        "unit",
        "--json",
    )
    assert run.exit_code == 0, run.output
    assert json.loads(run.output) == api
    units = {g["key"]: g for g in api["groups"]}
    assert units["320724-cgj"]["dispatched"] == 2
    assert units["320724-cgj"]["name"]
    # intake belongs to no unit: it sits in the unassigned group
    assert units[None]["received"] == 3


def test_a_unit_sees_the_figures_of_its_own_cases(county: Platform, client: TestClient) -> None:
    other = client.get("/api/v1/kpis", params=MARCH, headers=auth(county, "handler2")).json()
    assert (other["total"]["received"], other["total"]["dispatched"]) == (0, 0)
    own = client.get("/api/v1/kpis", params=MARCH, headers=auth(county, "handler")).json()
    assert (own["total"]["received"], own["total"]["dispatched"]) == (2, 2)


def test_bad_questions_get_clear_answers(county: Platform, client: TestClient, cli) -> None:
    leader = auth(county, "leader")
    unknown = client.get("/api/v1/kpis", params={**MARCH, "center": "999999"}, headers=leader)
    assert unknown.status_code == 404
    assert unknown.json()["error"] == "NotFound"
    backwards = client.get("/api/v1/kpis", params={**MARCH, "from": "2026-04-01"}, headers=leader)
    assert backwards.status_code == 422
    assert "before it starts" in backwards.json()["detail"]
    assert (
        client.get("/api/v1/kpis", params={**MARCH, "by": "colour"}, headers=leader).status_code
        == 422
    )
    assert (
        client.get("/api/v1/kpis", params=MARCH, headers=auth(county, "citizen")).status_code == 403
    )
    bad_date = cli("kpi", "--center", "320724", "--from", "1 March", "--to", "2026-03-31")
    assert bad_date.exit_code == 2
    assert "not a date" in bad_date.output


def test_the_cockpit_shows_the_kpis_of_its_periods(county: Platform) -> None:
    from datetime import date

    from gridgov.analytics import cockpit, service

    later = NOW + timedelta(days=12)  # Saturday 14 March, local
    with county.db.read() as session:
        screen = cockpit.build(
            session, center_code="320724", now=later, office_hours=county.rules.office_hours
        )
        assert screen["periods"]["month"] == ["2026-03-01", "2026-03-14"]
        for name, (first, last) in screen["periods"].items():
            direct = service.report(
                session,
                center_code="320724",
                first=date.fromisoformat(first),
                last=date.fromisoformat(last),
                office_hours=county.rules.office_hours,
            )
            assert screen["kpis"][name] == direct["total"], name
    assert screen["kpis"]["month"]["received"] == 3
    assert screen["kpis"]["today"]["received"] == 0
    monday = next(d for d in screen["trend"] if d["day"] == "2026-03-02")
    assert (monday["received"], monday["closures"]) == (3, 1)
    assert [u["key"] for u in screen["unit_ranking"]] == ["320724-cgj"]
    # the overdue case is listed; the closed one is not
    assert len(screen["overdue"]) == 1
    assert screen["top_categories"][0]["received"] == 2


@pytest.mark.parametrize("by", [None, "unit", "region", "category", "channel", "grid", "worker"])
def test_the_rollups_give_what_replaying_the_events_gives(county: Platform, by: str | None) -> None:
    from datetime import date

    from gridgov.analytics import rollups, service

    settings = county.settings
    rollups.catch_up(county.db, timezone=settings.timezone, office_hours=settings.office_hours)
    with county.db.read() as session:
        documents = [
            service.report(
                session,
                center_code="320724",
                first=date(2026, 3, 1),
                last=date(2026, 3, 31),
                by=service.By(by) if by else None,
                office_hours=settings.office_hours,
                rollups=use,
            )
            for use in (True, False)
        ]
    assert documents[0] == documents[1]
    assert documents[0]["total"]["received"] == 3


@pytest.fixture
def busier(county: Platform, world: World) -> Platform:
    """The county, plus a case closed and revisited unsatisfied, and one that fell overdue
    (swept on the 12th) and was closed late on the 13th."""
    later = Driver(county, world, now=NOW + timedelta(days=3), title="再次反映噪音")
    later.to_closed()
    later.act("return_visit", "agent", {"satisfaction": "dissatisfied"})
    slow = Driver(county, world, now=NOW + timedelta(days=1), title="路灯不亮")
    slow.to_in_progress()
    with county.db.write() as session:
        sweep(session, now=NOW + timedelta(days=10), rules=county.rules)
    slow.act("report_result", "handler", {"result": "已修复"}, after=timedelta(days=10))
    slow.act("start_verify", "dispatcher", {"verifier": "grid_worker"})
    slow.act("verify_pass", "grid_worker")
    settings = county.settings
    rollups.catch_up(county.db, timezone=settings.timezone, office_hours=settings.office_hours)
    return county


# the 4th: nothing overdue yet; the 12th: both overdue; the 13th: the slow case closed late;
# the 14th and the 31st: later in the month; 1 April: a new month (NOW is 08:00 local)
@pytest.mark.parametrize("days", [2, 10, 11, 12, 29, 30])
def test_the_cockpit_reads_its_board_and_shows_what_the_events_show(
    busier: Platform, days: int
) -> None:
    from gridgov.analytics import board, cockpit
    from gridgov.store.models import KpiBoard

    settings = busier.settings
    at = NOW + timedelta(days=days)
    with busier.db.read() as session:
        assert board.covers(session, "320724")
        # the board answers for "now": from the 5th (the newest intake, dispatch and visit);
        # a view of an earlier day is counted from the events
        today = (at + timedelta(hours=8)).date()
        assert board.Window(session, "320724").current(today) == (days >= 3)
        screens = [
            cockpit.build(
                session,
                center_code="320724",
                now=at,
                office_hours=settings.office_hours,
                rollups=use,
            )
            for use in (True, False)
        ]
        # the board holds the county's rows: the screen read those, not the fine rollups
        assert session.query(KpiBoard).filter_by(scope="320724", grain="all").count() > 0
    fast, slow = screens
    for part in ("kpis", "trend", "top_categories", "hot_spots", "unit_ranking", "overdue"):
        assert fast[part] == slow[part], part
    if days < 30:  # still March: the "later" case came on the 5th
        assert fast["kpis"]["month"]["received"] == (4 if days < 3 else 5)
    overdue = fast["kpis"]["today"]["overdue_open"]
    ranked = {u["key"]: u["overdue_open"] for u in fast["unit_ranking"]}
    assert overdue == {2: 0, 10: 2, 11: 1, 12: 1, 29: 1, 30: 1}[days]
    if days < 30:  # (in April no unit has a dispatch yet: the ranking is empty)
        assert sum(ranked.values()) == overdue


def test_rollups_follow_new_events_and_the_check_catches_a_hand_edit(
    county: Platform, world: World, cli
) -> None:
    from sqlalchemy import update

    from gridgov.store.models import KpiBoard, KpiRollup

    first = cli("analytics", "check")
    assert first.exit_code == 0, first.output
    assert "agree" in first.output
    # more life: a reopened case, a new one; the rollups catch up on their own
    d = Driver(county, world, now=NOW + timedelta(days=1), title="新的案件")
    d.to_closed()
    d.act("return_visit", "agent", {"satisfaction": "dissatisfied"})
    d.act("reopen", "dispatcher", {"reason": "群众不满意"})
    again = cli("analytics", "check")
    assert again.exit_code == 0, again.output
    with county.db.write() as session:
        session.execute(
            update(KpiRollup).where(KpiRollup.kind == "received").values(count=KpiRollup.count + 1)
        )
    broken = cli("analytics", "check")
    assert broken.exit_code == 1
    assert "received" in broken.output
    assert cli("analytics", "rebuild").exit_code == 0
    assert cli("analytics", "check").exit_code == 0
    # the cockpit's board is checked as well
    with county.db.write() as session:
        session.execute(update(KpiBoard).where(KpiBoard.kind == "handled_minutes").values(count=0))
    board_edit = cli("analytics", "check")
    assert board_edit.exit_code == 1
    assert "board" in board_edit.output
    assert "handled_minutes" in board_edit.output


def test_two_processes_keeping_the_rollups_never_count_a_case_twice(
    platform: Platform, world: World
) -> None:
    """A second keeper waits for the first to commit, then finds nothing left to do."""
    import threading

    from gridgov.analytics import rollups

    settings = platform.settings
    options = {"timezone": settings.timezone, "office_hours": settings.office_hours}
    rollups.catch_up(platform.db, **options)  # the keepers' cursor is on file
    for i in range(20):
        d = Driver(platform, world, title=f"并发 {i}")
        d.act("accept", "dispatcher", {"catalog_item": STANDARD})
    second: list[object] = []

    def keep() -> None:
        try:
            second.append(rollups.catch_up(platform.db, rounds=1, **options))
        except BaseException as exc:  # reported by the assertion below
            second.append(exc)

    with platform.db.write() as session:
        assert rollups.process(session, **options) == 20
        other = threading.Thread(target=keep)
        other.start()
        other.join(timeout=1.0)
        assert other.is_alive()  # it waits for this transaction
    other.join(timeout=30)
    assert second == [0]
    with platform.db.read() as session:
        assert rollups.differences(session, **options) == []


def test_units_are_ranked_by_the_scheme_and_each_number_opens_its_cases(
    county: Platform, client: TestClient, cli, tmp_path
) -> None:
    scheme = {
        "name": "承办单位月度考核",
        "target": "unit",
        "weights": {"on_time_rate": 40, "sign_on_time_rate": 15, "satisfaction_rate": 30,
                    "return_rate": 15},
        "adjustments": [{"name": "超期扣分", "kpi": "overdue_open", "points": -0.5}],
        "red_at": 90,
        "black_below": 60,
    }  # fmt: skip
    admin = auth(county, "admin")
    made = client.put("/api/v1/assessment/schemes/units", json=scheme, headers=admin)
    assert made.status_code == 200, made.text
    bad = client.put(
        "/api/v1/assessment/schemes/bad",
        json={**scheme, "weights": {"speed": 1}},
        headers=admin,
    )
    assert bad.status_code == 422
    assert "speed" in bad.json()["detail"]
    refused = client.put(
        "/api/v1/assessment/schemes/x", json=scheme, headers=auth(county, "leader")
    )
    assert refused.status_code == 403
    ranking = client.get(
        "/api/v1/assessment/units",
        params={"center": "320724", "month": "2026-03"},
        headers=auth(county, "leader"),
    ).json()
    (cgj,) = ranking["rows"]
    # (40·50 + 15·100 + 30·100 + 15·100) / 100 − 0.5 for the one overdue case
    assert (cgj["key"], cgj["score"], cgj["rank"], cgj["list"]) == ("320724-cgj", 79.5, 1, "")
    assert cgj["figures"]["on_time_rate"] == 0.5
    behind = client.get(
        "/api/v1/assessment/units/cases",
        params={"center": "320724", "month": "2026-03", "key": "320724-cgj",
                "kpi": "on_time_rate"},
        headers=auth(county, "leader"),
    ).json()  # fmt: skip
    assert sorted(c["outcome"] for c in behind) == ["late", "on_time"]
    assert len({c["number"] for c in behind}) == 2
    unknown = client.get(
        "/api/v1/assessment/units/cases",
        params={"center": "320724", "month": "2026-03", "key": "x", "kpi": "speed"},
        headers=auth(county, "leader"),
    )
    assert unknown.status_code == 422
    out = tmp_path / "units.xlsx"
    run = cli("assess", "rank", "--scheme", "units", "--center", "320724", "--month", "2026-03",
              "--output", str(out))  # fmt: skip
    assert run.exit_code == 0, run.output
    from openpyxl import load_workbook

    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    assert rows[1][:4] == (1, "320724-cgj", "县城管局", 79.5)
    bad_month = cli(
        "assess", "rank", "--scheme", "units", "--center", "320724", "--month", "3/2026"
    )
    assert bad_month.exit_code != 0


def test_reports_are_made_on_demand_and_when_due_in_three_formats(
    county: Platform, client: TestClient
) -> None:
    from io import BytesIO

    from openpyxl import load_workbook

    from gridgov.analytics import reports

    leader = auth(county, "leader")
    made = client.post(
        "/api/v1/reports",
        json={"center": "320724", "kind": "monthly", "day": "2026-03-15"},
        headers=leader,
    )
    assert made.status_code == 201, made.text
    report = made.json()
    assert (report["first"], report["last"]) == ("2026-03-01", "2026-03-31")
    page = client.get(f"/api/v1/reports/{report['id']}.html", headers=leader)
    assert page.status_code == 200
    assert "运行月报" in page.text
    assert 'data-kpi="received"><td>受理量</td><td class="n">3</td>' in page.text
    book = load_workbook(BytesIO(client.get(f"/api/v1/reports/{report['id']}.xlsx",
                                            headers=leader).content))  # fmt: skip
    assert ("受理量", 3) in [r[:2] for r in book["指标"].iter_rows(values_only=True)]
    if "pdf" in report["formats"]:
        pdf = client.get(f"/api/v1/reports/{report['id']}.pdf", headers=leader)
        assert pdf.content.startswith(b"%PDF")
    else:  # WeasyPrint could not load the system's Pango: the report says so
        assert "PDF unavailable" in report["note"]
    listed = client.get("/api/v1/reports", params={"center": "320724"}, headers=leader).json()
    assert [r["id"] for r in listed] == [report["id"]]
    # another town's leader does not see the county's files
    hidden = client.get(
        f"/api/v1/reports/{report['id']}.html", headers=auth(county, "other_town_leader")
    )
    assert hidden.status_code == 404
    # the schedule: on Tuesday 3 March yesterday's daily report is due for every centre,
    # and the weekly one only once the week has ended
    tuesday = NOW + timedelta(days=1)
    with county.db.read() as session:
        due = reports.due_reports(session, now=tuesday)
    assert ("320724", "daily", NOW.date()) in due
    assert not any(kind == "weekly" for _, kind, _ in due)
    made_now = reports.make_due(county.db, county.settings, now=tuesday)
    assert len(made_now) == len(due)
    assert reports.make_due(county.db, county.settings, now=tuesday) == []


def test_the_lists_select_the_same_cases_as_the_region_subtree(
    county: Platform, world: World
) -> None:
    """The big screen's lists name counties (or a town's regions) rather than walking the
    region tree for every case; they must pick exactly the cases the subtree holds."""
    from sqlalchemy import select

    from gridgov.analytics import cockpit
    from gridgov.auth.scope import region_subtree
    from gridgov.store.models import Case

    from ..factories import TOWN_A, TOWN_B

    with county.db.write() as session:  # one case placed in a town (the others: the county)
        first = session.scalars(select(Case).order_by(Case.id)).first()
        assert first is not None
        first.region_code = TOWN_A
    with county.db.read() as session:
        everyone = set(session.scalars(select(Case.id)))
        assert everyone
        sizes = {}
        for code in ("320700", "320724", TOWN_A, TOWN_B):
            subtree = set(
                session.scalars(select(Case.id).where(Case.region_code.in_(region_subtree(code))))
            )
            listed = set(session.scalars(select(Case.id).where(cockpit.listed(session, code))))
            assert listed == subtree, code
            sizes[code] = len(listed)
    # the city and the county hold every case; the town its one
    assert sizes["320700"] == sizes["320724"] == len(everyone)
    assert (sizes[TOWN_A], sizes[TOWN_B]) == (1, 0)


def test_a_keeper_round_with_a_time_budget_does_part_and_the_next_rounds_the_rest(
    county: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gridgov.store.models import Case, KpiCaseState

    settings = county.settings
    options = {"timezone": settings.timezone, "office_hours": settings.office_hours}
    monkeypatch.setattr(rollups, "STEP", 2)  # look at the clock every two cases
    with county.db.read() as session:
        work = rollups.plan(session, budget=0.0, **options)
    # no time at all: one step's cases, and the plan says it is not the whole story
    assert len(work.redo) == 2
    assert not work.complete
    with county.db.write() as session:
        assert rollups.carry_out(session, work) == 2
        cursor_after_part = session.get(rollups.KpiCursor, rollups.CURSOR)
        assert cursor_after_part is None or cursor_after_part.last_event_id < work.top
    done = rollups.catch_up(county.db, rounds=10, budget=0.0, **options)
    with county.db.read() as session:
        # every case now counted, and counted right
        assert session.query(KpiCaseState).count() == 2 + done == session.query(Case).count()
        assert rollups.differences(session, **options) == []


def test_the_supervised_list_shows_the_oldest_open_supervised_cases(
    platform: Platform, world: World
) -> None:
    from gridgov.analytics import cockpit

    # created an hour apart: the list is oldest first
    drivers = [Driver(platform, world, now=NOW + timedelta(hours=h)) for h in range(4)]
    oldest, unsupervised, closed, newest = drivers
    for d in (oldest, closed, newest):
        d.act("supervise", "leader", {"level": 2 if d is newest else 1})
    closed.to_closed()
    later = NOW + timedelta(days=1)
    with platform.db.read() as session:
        for rollups_ in (False, True):  # the lists read the cases either way
            screen = cockpit.build(
                session,
                center_code="320724",
                now=later,
                office_hours=platform.rules.office_hours,
                rollups=rollups_,
            )
            shown = [(c["number"], c["supervised_level"]) for c in screen["supervised"]]
            assert shown == [(oldest.number, 1), (newest.number, 2)]
    assert unsupervised.read().supervised_level == 0
