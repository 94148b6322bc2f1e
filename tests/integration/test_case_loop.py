"""The whole loop on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from gridgov.audit.service import verify_all
from gridgov.bootstrap import Platform
from gridgov.cases import service
from gridgov.cases.tasks import sweep
from gridgov.cases.workflow import Action
from gridgov.kit.errors import Forbidden, InvalidTransition, NotFound, ValidationFailed
from gridgov.store.models import Case, CaseEvent

from ..conftest import NOW
from ..factories import EMERGENCY, NO_POLICY, SELF_CLOSE, SELF_VERIFY, TOWN_A, VILLAGE_A, World
from .helpers import Driver

SH = ZoneInfo("Asia/Shanghai")


def test_full_loop_with_assisting_unit_and_return_visit(platform: Platform, world: World) -> None:
    d = Driver(platform, world)
    d.to_in_progress(assisting=["320724100-gov"])
    d.act("contribute", "town_gov_handler", {"text": "镇政府已派人配合清理"})
    d.act("report_result", "handler", {"result": "摊贩已劝离，路面已清扫"})
    d.act("start_verify", "dispatcher", {"verifier": "grid_worker"})
    d.act("verify_pass", "grid_worker", {"note": "现场核查已整改"})
    d.act("return_visit", "agent", {"satisfaction": "satisfied"})
    view = d.read()
    assert view.status == "closed"
    assert view.satisfaction == "satisfied"
    assert view.reporter_phone == "138****5678"
    # personal data never enters the immutable, hash-chained log
    log = str([e.payload for e in d.events()])
    assert "13812345678" not in log
    assert "张先生" not in log
    assert [e.action for e in d.events()] == [
        "create",
        "accept",
        "dispatch",
        "sign",
        "contribute",
        "report_result",
        "start_verify",
        "verify_pass",
        "return_visit",
    ]
    assert {x.step.value for x in view.deadlines if x.ended_at} == {
        "sign",
        "handle",
        "verify",
        "visit",
    }
    with platform.db.read() as session:
        assert verify_all(session).ok


def test_due_times_follow_the_policy_and_calendar(platform: Platform, world: World) -> None:
    d = Driver(platform, world)
    d.act("accept", "dispatcher", {"catalog_item": "010101"}, after=timedelta(0))
    d.act("dispatch", "dispatcher", {"lead_unit": "320724-cgj"}, after=timedelta(0))
    due = {x.step.value: x.due_at.astimezone(SH) for x in d.read().deadlines}
    # Dispatched Monday 2 March 2026 09:00: sign in 2 working hours, handle in 5 working days.
    assert due["sign"].strftime("%Y-%m-%d %H:%M") == "2026-03-02 11:00"
    assert due["handle"].strftime("%Y-%m-%d %H:%M") == "2026-03-09 09:00"


def test_suspension_pauses_the_clock_and_moves_due(platform: Platform, world: World) -> None:
    d = Driver(platform, world)
    d.to_in_progress()
    handle_due = next(x for x in d.read().deadlines if x.step.value == "handle").due_at
    d.act("request_suspension", "handler", {"reason": "等待鉴定结果"})
    d.act("approve_suspension", "dispatcher", after=timedelta(0))
    view = d.read(now=d.now + timedelta(days=30))
    handle = next(x for x in view.deadlines if x.step.value == "handle")
    assert handle.paused
    assert handle.colour == "normal"
    with pytest.raises(InvalidTransition, match="suspended"):
        d.act("report_result", "handler", {"result": "办完了"})
    d.act("resume", "handler", after=timedelta(days=2))  # Tue 13:00 → Thu 13:00
    handle = next(x for x in d.read().deadlines if x.step.value == "handle")
    cal = platform.rules
    assert handle.due_at > handle_due
    from gridgov.catalog.calendar import WorkingCalendar

    wc = WorkingCalendar.build(office_hours=cal.office_hours)
    assert wc.working_seconds_between(handle_due, handle.due_at) == 2 * wc.day_seconds


def test_extension_request_approve_and_deny(platform: Platform, world: World) -> None:
    d = Driver(platform, world)
    d.to_in_progress()
    before = next(x for x in d.read().deadlines if x.step.value == "handle").due_at
    d.act("request_extension", "handler", {"amount": 2, "reason": "需多部门会商"})
    with pytest.raises(InvalidTransition, match="already pending"):
        d.act("request_extension", "handler", {"amount": 1, "reason": "再次申请"})
    d.act("approve_extension", "dispatcher")
    after = next(x for x in d.read().deadlines if x.step.value == "handle").due_at
    assert after.astimezone(SH).date() - before.astimezone(SH).date() == timedelta(days=2)
    d.act("request_extension", "handler", {"amount": 10, "reason": "还需十天"})
    d.act("deny_extension", "dispatcher", {"note": "理由不充分"})
    view = d.read()
    assert view.pending_extension is None
    assert view.counts["extensions"] == 1


def test_return_then_redispatch_starts_new_clocks(platform: Platform, world: World) -> None:
    d = Driver(platform, world)
    d.act("accept", "dispatcher", {"catalog_item": "010101"})
    d.act("dispatch", "dispatcher", {"lead_unit": "320724-cgj"})
    d.act("return", "handler", {"reason": "不属于本单位职责"})
    view = d.read()
    assert view.status == "accepted"
    assert view.lead_unit is None
    assert view.counts["returns"] == 1
    d.act("dispatch", "dispatcher", {"lead_unit": "320724-zjj"})
    with pytest.raises(Forbidden):
        d.act("sign", "handler")  # the old lead unit no longer holds it
    d.act("sign", "handler2")
    assert [(x.step.value, x.seq) for x in d.read().deadlines if x.ended_at is None] == [
        ("handle", 2)
    ]


def test_escalation_keeps_number_and_history(platform: Platform, world: World) -> None:
    d = Driver(platform, world, region_code=VILLAGE_A)  # goes to the town centre
    assert d.number.startswith(f"{TOWN_A}-2026-")
    d.act("accept", "town_dispatcher", {"catalog_item": "010101"})
    d.act("dispatch", "town_dispatcher", {"lead_unit": "320724100-zhzf"})
    d.act("sign", "town_team_handler")
    d.act("escalate", "town_team_handler", {"reason": "需县级部门联合执法"})
    view = d.read()
    assert (view.number, view.status, view.center, view.escalated_from) == (
        d.number,
        "accepted",
        "320724",
        [TOWN_A],
    )
    with pytest.raises(Forbidden):
        d.act("dispatch", "town_dispatcher", {"lead_unit": "320724100-zhzf"})
    with pytest.raises(ValidationFailed, match="dispatch list"):
        d.act("dispatch", "dispatcher", {"lead_unit": "320724100-zhzf"})
    d.act("dispatch", "dispatcher", {"lead_unit": "320724-cgj"})
    with platform.db.read() as session:
        from gridgov.kit.pagination import PageParams

        town_queue = service.list_cases(
            session,
            actor=d.world.actor(session, "town_dispatcher"),
            center_code=TOWN_A,
            statuses=[],
            colour=None,
            page=PageParams(),
        )
    assert [(c.number, c.escalated) for c in town_queue.items] == [(d.number, True)]
    assert [e.action for e in d.events()] == [
        "create",
        "accept",
        "dispatch",
        "sign",
        "escalate",
        "dispatch",
    ]


def test_escalation_stops_at_the_top(platform: Platform, world: World) -> None:
    d = Driver(platform, world)
    d.act("accept", "dispatcher", {"catalog_item": "010101"})
    d.act("escalate", "dispatcher", {"reason": "跨县协调"})
    with pytest.raises(InvalidTransition, match="no centre above"):
        d.act("escalate", "city_dispatcher", {"reason": "再上报"})


def test_rework_and_reopen_are_counted(platform: Platform, world: World) -> None:
    d = Driver(platform, world)
    d.to_in_progress()
    d.act("report_result", "handler", {"result": "已处理"})
    d.act("start_verify", "dispatcher", {"verifier": "grid_worker"})
    d.act("verify_fail", "grid_worker", {"note": "未整改到位"})
    assert d.read().status == "in_progress"
    d.act("report_result", "handler", {"result": "再次处理"})
    d.act("start_verify", "dispatcher", {"verifier": "grid_worker"})
    d.act("verify_pass", "grid_worker")
    with pytest.raises(InvalidTransition, match="dissatisfied"):
        d.act("reopen", "dispatcher", {"reason": "想重开"})
    d.act("return_visit", "agent", {"satisfaction": "dissatisfied"})
    d.act("reopen", "dispatcher", {"reason": "群众不满意"})
    view = d.read()
    assert view.status == "in_progress"
    assert (view.counts["reworks"], view.counts["reopens"]) == (1, 1)


def test_self_handling_by_the_reporting_grid_worker(platform: Platform, world: World) -> None:
    d = Driver(
        platform,
        world,
        as_="grid_worker",
        channel="grid_app",
        region_code=VILLAGE_A,
        catalog_item=SELF_CLOSE,
    )
    with pytest.raises(Forbidden):
        d.act("self_handle", "grid_worker2", {"result": "别人的上报"})
    d.act("self_handle", "grid_worker", {"result": "现场劝导清理"})
    assert d.read().status == "closed"
    v = Driver(
        platform,
        world,
        as_="grid_worker",
        channel="grid_app",
        region_code=VILLAGE_A,
        catalog_item=SELF_VERIFY,
    )
    v.act("self_handle", "grid_worker", {"result": "已打捞"})
    assert v.read().status == "handled"
    n = Driver(
        platform,
        world,
        as_="grid_worker",
        channel="grid_app",
        region_code=VILLAGE_A,
        catalog_item=EMERGENCY,
    )
    with pytest.raises(InvalidTransition, match="not admitted"):
        n.act("self_handle", "grid_worker", {"result": "自己处理"})


def test_merge_reject_answer_and_supervision(platform: Platform, world: World) -> None:
    first, dup = Driver(platform, world), Driver(platform, world)
    dup.act("merge_into", "dispatcher", {"into": first.number})
    assert (dup.read().status, dup.read().duplicate_of) == ("rejected", first.number)
    with pytest.raises(ValidationFailed, match="itself"):
        first.act("merge_into", "dispatcher", {"into": first.number})
    Driver(platform, world).act("answer_directly", "agent", {"answer": "已解答政策"})
    first.act("supervise", "leader", {"level": 2})
    with pytest.raises(NotFound):  # another town's leader does not even see the case
        first.act("supervise", "other_town_leader", {"level": 3})
    first.act("urge", "dispatcher", {"text": "请尽快"})
    first.act("instruct", "leader", {"text": "限三日内办结"})
    assert first.read().supervised_level == 2


def _owing_visit(platform: Platform, world: World) -> list[str]:
    from gridgov.kit.pagination import PageParams

    with platform.db.read() as session:
        page = service.list_cases(
            session,
            actor=world.actor(session, "agent"),
            center_code=None,
            statuses=[],
            colour=None,
            page=PageParams(1, 50),
            query=service.CaseQuery(to_visit=True),
        )
    return sorted(c.number for c in page.items)


def test_a_merged_report_gets_its_own_return_visit(platform: Platform, world: World) -> None:
    """The reporter of a merged duplicate is called back once the case it joined closes;
    the visit counts as one, for the unit that handled that case."""
    from gridgov.analytics import service as kpis

    first, dup = Driver(platform, world), Driver(platform, world)
    other, other_dup = Driver(platform, world), Driver(platform, world)
    dup.act("merge_into", "dispatcher", {"into": first.number})
    other_dup.act("merge_into", "dispatcher", {"into": other.number})
    # a case with a report merged into it is itself found to repeat the first: both go along
    other.act("merge_into", "dispatcher", {"into": first.number, "reason": "同一处"})
    assert other_dup.read().duplicate_of == first.number
    assert other_dup.events()[-1].action == "follow_merge"
    assert other_dup.events()[-1].payload == {"into": first.number, "with": other.number}
    assert sorted(first.read().merged) == sorted([dup.number, other.number, other_dup.number])
    absorbed = [e.payload for e in first.events() if e.action == "absorb_duplicate"]
    assert absorbed[-1]["with"] == [other_dup.number]

    with pytest.raises(InvalidTransition, match="no return visit is due"):
        dup.act("return_visit", "agent", {"satisfaction": "satisfied"})
    assert _owing_visit(platform, world) == []
    assert [d.step for d in dup.read().deadlines] == []
    first.to_closed()
    owed = sorted([first.number, dup.number, other.number, other_dup.number])
    assert _owing_visit(platform, world) == owed
    # each merged reporter's call back runs on the case's own visit limit
    [own] = [d for d in first.read().deadlines if d.step == "visit"]
    for report in (dup, other, other_dup):
        [clock] = [d for d in report.read().deadlines if d.step == "visit"]
        assert (clock.due_at, clock.ended_at) == (own.due_at, None)
    with platform.db.read() as session:
        case = session.scalar(select(Case).where(Case.number == dup.number))
        assert service.actions_for(session, case=case, actor=world.actor(session, "agent")) == [
            Action.return_visit
        ]

    first.act("return_visit", "agent", {"satisfaction": "satisfied"})
    dup.act("return_visit", "agent", {"satisfaction": "dissatisfied"}, after=timedelta(0))
    other.act("return_visit", "agent", {"satisfaction": "basically_satisfied"}, after=timedelta(0))
    assert (dup.read().status, dup.read().satisfaction) == ("rejected", "dissatisfied")
    assert [d.ended_at is not None for d in dup.read().deadlines] == [True]  # called back
    assert dup.events()[-1].payload["merged_into"] == first.number
    assert dup.events()[-1].payload["lead_unit"] == "320724-cgj"
    with pytest.raises(InvalidTransition, match="already been made"):
        dup.act("return_visit", "agent", {"satisfaction": "satisfied"})
    assert _owing_visit(platform, world) == [other_dup.number]
    with pytest.raises(Forbidden):  # a leader sees the report but does not call back
        other_dup.act("return_visit", "leader", {"satisfaction": "satisfied"})

    day = first.now.astimezone(SH).date()
    with platform.db.read() as session:
        figures = kpis.report(
            session,
            center_code="320724",
            first=day,
            last=day,
            by=kpis.By.unit,
            office_hours=platform.rules.office_hours,
        )
    assert (figures["total"]["visited"], figures["total"]["satisfied"]) == (3, 2)
    [cgj] = [g for g in figures["groups"] if g["key"] == "320724-cgj"]
    assert (cgj["visited"], cgj["satisfied"]) == (3, 2)
    with platform.db.read() as session:
        assert verify_all(session).ok


def test_a_reopened_case_owes_its_merged_reporters_nothing_until_it_closes_again(
    platform: Platform, world: World
) -> None:
    first, dup = Driver(platform, world), Driver(platform, world)
    first.to_closed()
    # merged into a case already closed: the call back is due at once, on its time limit
    dup.act("merge_into", "dispatcher", {"into": first.number}, after=timedelta(0))
    [clock] = dup.read().deadlines
    assert (clock.step, clock.ended_at, clock.colour) == ("visit", None, "normal")
    first.act("return_visit", "agent", {"satisfaction": "dissatisfied"})
    first.act("reopen", "dispatcher", {"reason": "群众不满意"})
    assert _owing_visit(platform, world) == []
    [clock] = dup.read().deadlines  # nothing is due: its clock stopped
    assert clock.ended_at is not None
    with pytest.raises(InvalidTransition, match="no return visit is due"):
        dup.act("return_visit", "agent", {"satisfaction": "satisfied"})
    first.act("report_result", "handler", {"result": "再次清理"})
    first.act("start_verify", "dispatcher", {"verifier": "grid_worker"})
    first.act("verify_pass", "grid_worker")
    # closed again, the case owes its own reporter a visit again, and the merged one theirs
    assert _owing_visit(platform, world) == sorted([first.number, dup.number])
    assert [d.ended_at is None for d in dup.read().deadlines] == [False, True]
    dup.act("return_visit", "agent", {"satisfaction": "satisfied"}, after=timedelta(0))
    assert _owing_visit(platform, world) == [first.number]


def test_a_merged_reporters_dissatisfaction_reopens_the_case_and_all_are_called_back_again(
    platform: Platform, world: World
) -> None:
    """A reporter merged into a case is as much its caller as its own: dissatisfied, the
    case can be reopened; reopened, every merged reporter called back is called back again
    once it closes again."""
    first, dup, calm = Driver(platform, world), Driver(platform, world), Driver(platform, world)
    dup.act("merge_into", "dispatcher", {"into": first.number})
    calm.act("merge_into", "dispatcher", {"into": first.number}, after=timedelta(0))
    first.to_closed()
    first.act("return_visit", "agent", {"satisfaction": "satisfied"})
    calm.act("return_visit", "agent", {"satisfaction": "basically_satisfied"}, after=timedelta(0))
    with pytest.raises(InvalidTransition, match="dissatisfied return visit"):
        first.act("reopen", "dispatcher", {"reason": "无人不满意"})
    dup.act("return_visit", "agent", {"satisfaction": "dissatisfied"}, after=timedelta(0))
    with platform.db.read() as session:
        case = session.scalar(select(Case).where(Case.number == first.number))
        allowed = service.actions_for(session, case=case, actor=world.actor(session, "dispatcher"))
    assert Action.reopen in allowed
    first.act("reopen", "dispatcher", {"reason": "并案诉求人不满意"})
    assert first.read().status == "in_progress"
    assert first.events()[-1].payload["dissatisfied"] == [dup.number]
    for report in (dup, calm):
        assert report.events()[-1].action == "follow_reopen"
        assert report.events()[-1].payload == {"reopened": first.number}
        assert report.read().satisfaction is None
    assert _owing_visit(platform, world) == []
    first.act("report_result", "handler", {"result": "再次清理"})
    first.act("start_verify", "dispatcher", {"verifier": "grid_worker"})
    first.act("verify_pass", "grid_worker")
    assert _owing_visit(platform, world) == sorted([first.number, dup.number, calm.number])
    with platform.db.read() as session:
        assert verify_all(session).ok


def test_a_merged_reporters_call_back_turns_late_like_the_cases_own(
    platform: Platform, world: World
) -> None:
    """The call back of a merged reporter is chased as the case's own is: the sweep warns
    and marks it overdue, and the overdue list shows it; a late call back is no late case in
    the KPIs (only signing, handling and verifying are)."""
    from gridgov.analytics import service as kpis
    from gridgov.kit.pagination import PageParams

    first, dup = Driver(platform, world), Driver(platform, world)
    dup.act("merge_into", "dispatcher", {"into": first.number})
    first.to_closed()
    [clock] = dup.read().deadlines
    day = first.now.astimezone(SH).date()

    def overdue() -> int:
        with platform.db.read() as session:
            figures = kpis.report(
                session, center_code="320724", first=day, last=day + timedelta(days=30),
                by=kpis.By.unit, office_hours=platform.rules.office_hours,
            )  # fmt: skip
        return figures["total"]["overdue_open"]

    before = overdue()
    with platform.db.write() as session:
        sweep(session, now=clock.due_at + timedelta(minutes=1), rules=platform.rules)
    late = [e for e in dup.events() if e.action == "sla_overdue"]
    assert [e.payload["step"] for e in late] == ["visit"]
    with platform.db.read() as session:
        stored = session.scalar(select(Case.sla_colour).where(Case.number == dup.number))
        assert stored == "overdue"  # what the queue's colour filter reads
        listed = service.list_cases(
            session, actor=world.actor(session, "agent"), center_code=None, statuses=[],
            colour="overdue", page=PageParams(1, 50), query=service.CaseQuery(to_visit=True),
        )  # fmt: skip
    assert dup.number in [c.number for c in listed.items]
    assert overdue() == before


def test_bad_input_is_refused_before_anything_is_written(platform: Platform, world: World) -> None:
    d = Driver(platform, world)
    d.act("accept", "dispatcher", {"catalog_item": "010101"})
    with platform.db.read() as session:
        before = session.scalar(select(func.count()).select_from(CaseEvent))
    cases = [
        ("dispatch", {"lead_unit": "nope"}, NotFound),
        ("dispatch", {"lead_unit": "320724-cgj", "assisting_units": ["nope"]}, NotFound),
        (
            "dispatch",
            {"lead_unit": "320724-cgj", "assisting_units": ["320724-cgj"]},
            ValidationFailed,
        ),
        ("dispatch", {"lead_unit": "320724-cgj", "catalog_item": NO_POLICY}, ValidationFailed),
        ("dispatch", {"lead_unit": "320724-cgj", "colour": "red"}, ValidationFailed),
        ("dispatch", {}, ValidationFailed),
        ("fly", {}, ValidationFailed),
    ]
    for action, payload, error in cases:
        with pytest.raises(error):
            d.act(action, "dispatcher", payload)
    with platform.db.read() as session:
        assert session.scalar(select(func.count()).select_from(CaseEvent)) == before
        case = session.scalar(select(Case).where(Case.number == d.number))
        assert (case.status, case.version, case.lead_unit_id) == ("accepted", 2, None)


def test_create_is_idempotent_per_channel_and_external_id(platform: Platform, world: World) -> None:
    with platform.db.write() as session:
        agent = world.actor(session, "agent")
        from ..factories import case_data

        a = service.create_case(
            session, data=case_data(external_id="12345-001"), actor=agent, now=NOW
        )
        b = service.create_case(
            session, data=case_data(external_id="12345-001"), actor=agent, now=NOW
        )
        c = service.create_case(
            session, data=case_data(external_id="12345-001", channel="web"), actor=agent, now=NOW
        )
        assert a.created
        assert not b.created
        assert c.created
        assert a.case.number == b.case.number != c.case.number
        with pytest.raises(ValidationFailed, match="lon and lat"):
            service.create_case(session, data=case_data(lat=None), actor=agent, now=NOW)
        with pytest.raises(Forbidden):
            service.create_case(
                session, data=case_data(), actor=world.actor(session, "auditor"), now=NOW
            )


def test_sweep_emits_each_event_once_and_skips_paused_clocks(
    platform: Platform, world: World
) -> None:
    d = Driver(platform, world, now=NOW)
    d.act("accept", "dispatcher", {"catalog_item": EMERGENCY}, after=timedelta(0))
    d.act("dispatch", "dispatcher", {"lead_unit": "320724-cgj"}, after=timedelta(0))
    paused = Driver(platform, world, now=NOW)
    paused.to_in_progress(item=EMERGENCY)
    paused.act("request_suspension", "handler", {"reason": "等待"}, after=timedelta(0))
    paused.act("approve_suspension", "dispatcher", after=timedelta(0))

    def run(hours: float) -> tuple[int, int]:
        with platform.db.write() as session:
            r = sweep(session, now=NOW + timedelta(hours=hours), rules=platform.rules)
        return r.warnings, r.overdue

    assert run(0.2) == (0, 0)
    assert run(0.4) == (1, 0)  # 75 % of the 30-minute sign limit
    assert run(0.4) == (0, 0)  # idempotent
    assert run(30) == (1, 2)  # handle warning; sign and handle overdue — all at once
    assert run(30) == (0, 0)
    kinds = [e.action for e in d.events() if e.action.startswith("sla_")]
    assert sorted(kinds) == ["sla_overdue", "sla_overdue", "sla_warning", "sla_warning"]
    assert d.read(now=NOW + timedelta(hours=30)).sla_colour == "overdue"
    assert not [e for e in paused.events() if e.action.startswith("sla_")]
    with platform.db.read() as session:
        assert verify_all(session).ok
