"""Random action sequences through the service layer against a real database.

After every step: each case's status is reachable by legal moves (its events replay through the
transition table), the event count equals the actions applied plus the sweep's events, every
chain verifies, no due time precedes its step's start, and an overdue clock never reads normal.
"""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
)

from gridgov.audit.service import verify_all
from gridgov.cases import repository, service
from gridgov.cases.sla import Colour
from gridgov.cases.tasks import sweep
from gridgov.cases.workflow import SHORTCUTS, TRANSITIONS, Action, Status
from gridgov.kit.errors import AppError, ValidationFailed

from ..conftest import NOW, PG_URL, PgServer, make_platform
from ..factories import SELF_CLOSE, SELF_VERIFY, STANDARD, VILLAGE_A, case_data, make_world

ACTORS = ["dispatcher", "handler", "handler2", "grid_worker", "agent", "leader", "system"]
PAYLOADS: dict[Action, list[dict[str, object]]] = {
    Action.accept: [{"catalog_item": STANDARD}, {}],
    Action.reject: [{"reason": "信息不全"}],
    Action.answer_directly: [{"answer": "已解答"}],
    Action.self_handle: [{"result": "现场处理"}],
    Action.dispatch: [
        {"lead_unit": "320724-cgj", "assisting_units": ["320724-zjj"]},
        {"lead_unit": "320724-cgj", "catalog_item": STANDARD},
    ],
    Action.return_: [{"reason": "非本单位职责"}],
    Action.request_extension: [{"amount": 2, "reason": "需会商"}],
    Action.request_suspension: [{"reason": "等待鉴定"}],
    Action.escalate: [{"reason": "需上级协调"}],
    Action.contribute: [{"text": "协办意见"}],
    Action.report_result: [{"result": "已处理"}],
    Action.start_verify: [{"verifier": "grid_worker"}],
    Action.return_visit: [{"satisfaction": "dissatisfied"}, {"satisfaction": "satisfied"}],
    Action.reopen: [{"reason": "不满意"}],
    Action.supervise: [{"level": 2}],
    Action.urge: [{"text": "请尽快"}],
    Action.instruct: [{"text": "限期办结"}],
    Action.comment: [{"text": "备注"}],
}


ENDING = {
    Action.reject,
    Action.answer_directly,
    Action.supervise,
    Action.urge,
    Action.instruct,
    Action.comment,
}


class CaseMachine(RuleBasedStateMachine):
    backend = "sqlite"
    cases = Bundle("cases")

    def __init__(self) -> None:
        super().__init__()
        self.tmp = tempfile.TemporaryDirectory()
        self.pg = PgServer(PG_URL) if self.backend == "postgresql" and PG_URL else None
        self.p = make_platform(self.backend, Path(self.tmp.name), self.pg)
        with self.p.db.write() as session:
            self.world = make_world(session, now=NOW)
        self.now = NOW
        self.expected_events: dict[str, int] = {}

    def teardown(self) -> None:
        self.p.db.dispose()
        if self.pg:
            self.pg.drop_all()
        self.tmp.cleanup()

    @rule(
        target=cases,
        reporter=st.sampled_from(["agent", "grid_worker"]),
        item=st.sampled_from([None, STANDARD, SELF_CLOSE, SELF_VERIFY]),
    )
    def create(self, reporter: str, item: str | None) -> str:
        data = case_data(
            region_code=VILLAGE_A if reporter == "grid_worker" else "320724",
            center="320724",
            catalog_item=item,
        )
        with self.p.db.write() as session:
            created = service.create_case(
                session, data=data, now=self.now, actor=self.world.actor(session, reporter)
            )
        self.expected_events[created.case.number] = 1
        return created.case.number

    @rule(
        number=cases,
        action=st.sampled_from(list(Action)),
        who=st.sampled_from(ACTORS),
        choice=st.integers(0, 1),
    )
    def act(self, number: str, action: Action, who: str, choice: int) -> None:
        options = PAYLOADS.get(action, [{}])
        payload = options[choice % len(options)]
        before = self._snapshot(number)
        try:
            with self.p.db.write() as session:
                service.act(
                    session,
                    number=number,
                    action=action,
                    payload=payload,
                    actor=self.world.actor(session, who),
                    now=self.now,
                    rules=self.p.rules,
                )
        except AppError:
            assert self._snapshot(number) == before, "a refused action changed the case"
            return
        self.expected_events[number] += 1
        event(f"applied {action.value}")

    @rule(
        number=cases,
        picks=st.lists(st.integers(0, 1000), min_size=1, max_size=12),
        terminal=st.integers(0, 9),
        choice=st.integers(0, 1),
    )
    def walk(self, number: str, picks: list[int], terminal: int, choice: int) -> None:
        """Take a few of the moves real people may make now (ending and side moves rarely)."""
        for pick in picks:
            with self.p.db.read() as session:
                case = repository.get_by_number(session, number=number)
                moves = [
                    (who, a)
                    for who in ACTORS[:-1]
                    for a in service.actions_for(
                        session, case=case, actor=self.world.actor(session, who)
                    )
                    if a is not Action.merge_into and (terminal == 0 or a not in ENDING)
                ]
            if not moves:
                return
            who, action = moves[pick % len(moves)]
            options = PAYLOADS.get(action, [{}])
            before = self._snapshot(number)
            try:
                with self.p.db.write() as session:
                    status = service.act(
                        session,
                        number=number,
                        action=action,
                        payload=options[(choice + pick) % len(options)],
                        actor=self.world.actor(session, who),
                        now=self.now,
                        rules=self.p.rules,
                    ).status
            except ValidationFailed:  # e.g. dispatch before a catalogue item is chosen
                assert self._snapshot(number) == before
                continue
            self.expected_events[number] += 1
            self.now += timedelta(minutes=pick % 600)
            event(f"applied {action.value}")
            event(f"reached {status}")

    @rule(hours=st.floats(min_value=0.1, max_value=72))
    def time_passes(self, hours: float) -> None:
        self.now += timedelta(hours=hours)

    @precondition(lambda self: self.expected_events)
    @rule()
    def run_sweep(self) -> None:
        with self.p.db.write() as session:
            sweep(session, now=self.now, rules=self.p.rules)
        with self.p.db.read() as session:  # the sweep's own events are expected
            for number in self.expected_events:
                case = repository.get_by_number(session, number=number)
                sla = sum(
                    1
                    for e in repository.events(session, case_id=case.id)
                    if e.action.startswith("sla_")
                )
                actions = sum(
                    1
                    for e in repository.events(session, case_id=case.id)
                    if not e.action.startswith("sla_")
                )
                assert actions == self.expected_events[number]
                assert case.event_count == actions + sla

    def _snapshot(self, number: str) -> tuple[object, ...]:
        with self.p.db.read() as session:
            case = repository.get_by_number(session, number=number)
            rows = repository.deadlines(session, case_id=case.id)
            return (
                case.status,
                case.version,
                case.event_count,
                case.last_hash,
                case.lead_unit_id,
                case.suspended,
                tuple((r.id, r.due_at, r.ended_at, r.paused_since) for r in rows),
            )

    @invariant()
    def every_case_is_consistent(self) -> None:
        with self.p.db.read() as session:
            for number, n_actions in self.expected_events.items():
                case = repository.get_by_number(session, number=number)
                events = repository.events(session, case_id=case.id)
                moves = [e for e in events if not e.action.startswith("sla_")]
                assert len(moves) == n_actions
                status = Status.submitted
                for e in moves[1:]:
                    key = (Status(e.from_status), Action(e.action))
                    assert e.from_status == status
                    assert Status(e.to_status) in {TRANSITIONS.get(key), SHORTCUTS.get(key)}
                    status = Status(e.to_status)
                assert case.status == status
                view = service.read(session, case=case, now=self.now, rules=self.p.rules)
                for d in view.deadlines:
                    assert d.due_at >= d.started_at
                    assert d.warn_at <= d.due_at
                    if d.ended_at is None and not d.paused and self.now >= d.due_at:
                        assert d.colour is Colour.overdue
            assert verify_all(session).ok


TestCaseMachineSqlite = CaseMachine.TestCase
TestCaseMachineSqlite.settings = settings(
    max_examples=25,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


class PgCaseMachine(CaseMachine):
    backend = "postgresql"


@pytest.mark.skipif(not PG_URL, reason="PostgreSQL tests need GRIDGOV_TEST_DATABASE_URL")
class TestCaseMachinePostgres(PgCaseMachine.TestCase):  # type: ignore[misc,valid-type]
    settings = settings(
        max_examples=8,
        stateful_step_count=25,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
