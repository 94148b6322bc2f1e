"""The live demo county: the simulator reports cases from every channel and moves them along
the workflow through the services, so the queue, the figures and the screen change."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from gridgov.analytics import rollups
from gridgov.analytics import service as kpis
from gridgov.audit.service import verify_all
from gridgov.bootstrap import Platform
from gridgov.cases.tasks import sweep
from gridgov.kit.clock import utc_now
from gridgov.sim.live import Simulator, Tick
from gridgov.sim.seed import seed_demo
from gridgov.store.models import Case, CaseEvent, DeadLetter

from ..conftest import make_platform


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """The demo county on SQLite, as ``make demo`` runs it."""
    p = make_platform("sqlite", Path(tmp_path_factory.mktemp("sim")), None)
    with p.db.write() as session:
        seed_demo(session, now=utc_now())
    yield p
    p.db.dispose()


def _night_after(now: datetime) -> datetime:
    """03:00 in the county the day after ``now``: the same hours of the simulator's daily
    profile whenever the test runs. From the wall clock, intake varied with the hour, and in
    busy hours the moves went to so many new cases that none got as far as a return visit."""
    tz = ZoneInfo("Asia/Shanghai")
    day = now.astimezone(tz).date() + timedelta(days=1)
    return datetime.combine(day, time(3), tz).astimezone(UTC)


def test_the_county_comes_alive(county: Platform) -> None:
    with county.db.read() as session:
        before = session.scalar(select(func.count()).select_from(Case))
    sim = Simulator(county, seed=7, per_hour=900, moves_per_tick=8)
    start = _night_after(utc_now())
    total = Tick()
    for i in range(60):  # two simulated hours, a tick every two minutes
        now = start + timedelta(minutes=2 * i)
        total.add(sim.tick(now, 120))
        if i % 10 == 9:
            with county.db.write() as session:
                sweep(session, now=now, rules=county.rules)
        if i % 7 == 3:  # the rollups follow the county as the server would
            rollups.catch_up(
                county.db,
                timezone=county.settings.timezone,
                office_hours=county.settings.office_hours,
            )
    assert total.created >= 10
    assert total.moved >= 100
    assert total.refused == 0  # every move the simulator makes is one the workflow allows
    with county.db.read() as session:
        after = session.scalar(select(func.count()).select_from(Case))
        assert after - before == total.created
        channels = set(
            session.scalars(select(Case.channel).where(Case.external_id.like("sim-%")).distinct())
        )
        assert {"hotline", "grid_app", "web"} <= channels
        actions = set(
            session.scalars(select(CaseEvent.action).where(CaseEvent.at >= start).distinct())
        )
        assert {"dispatch", "sign", "report_result", "verify_pass", "return_visit"} <= actions
        assert session.scalar(select(func.count()).select_from(DeadLetter)) == 0
        assert verify_all(session).ok
        today = start.astimezone(kpis.ZoneInfo("Asia/Shanghai")).date()
        figures = kpis.report(
            session,
            center_code="320724",
            first=today - timedelta(days=1),
            last=today + timedelta(days=1),
            office_hours=county.rules.office_hours,
        )["total"]
    assert figures["dispatched"] > 0
    assert figures["closures"] > 0
    assert figures["visited"] > 0
    # the rollups, kept while the county lived, equal a recount from the events
    settings = county.settings
    rollups.catch_up(county.db, timezone=settings.timezone, office_hours=settings.office_hours)
    with county.db.read() as session:
        assert (
            rollups.differences(
                session, timezone=settings.timezone, office_hours=settings.office_hours
            )
            == []
        )


def test_a_drill_is_injected_handled_and_measured(county: Platform) -> None:
    from gridgov.kit.errors import NotFound, ValidationFailed
    from gridgov.sim import drill

    now = utc_now()
    injected = drill.inject(county, scenario="gas_leak", now=now, calls=2, seed=5)
    assert len(injected.calls) == 2
    with county.db.read() as session:
        before = drill.report(session, drill=injected.drill)
    assert before["closed"] is False  # nobody has handled it yet
    Simulator(county, seed=5).respond(injected.order, now, timedelta(minutes=4))
    with county.db.read() as session:
        after = drill.report(session, drill=injected.drill)
        order = session.scalar(select(Case).where(Case.number == injected.order))
        assert order.priority == "urgent"
        assert order.channel == "leader"
    assert after["closed"] is True
    steps = after["cases"][0]["seconds"]
    assert steps["sign"] <= steps["report_result"] <= steps["verify_pass"]
    assert after["response_seconds"] == steps["sign"]
    assert after["cases"][0]["signed_in_time"] is True
    assert [c["channel"] for c in after["cases"][1:]] == ["hotline", "hotline"]
    with county.db.read() as session, pytest.raises(NotFound):
        drill.report(session, drill="nope")
    with pytest.raises(ValidationFailed):
        drill.inject(county, scenario="earthquake", now=now)


def test_a_load_test_over_http_makes_each_report_once(county: Platform) -> None:
    from gridgov.api.app import create_app
    from gridgov.auth import credentials
    from gridgov.sim import load

    from .helpers import live_server

    with county.db.write() as session:
        key = credentials.create_api_key(
            session, name="load-test", role="system", region="320724", now=utc_now()
        ).key
    with live_server(create_app(county, run_sweeper=False)) as url:
        result = load.run(url=url, key=key, reports=40, concurrency=4, repeat_share=0.3, seed=2)
    summary = result.summary()
    assert summary["failed"] == {}
    assert summary["created"] == 40
    assert summary["sent"] > 40  # some were sent twice …
    assert summary["repeats_recognised"] == summary["sent"] - 40  # … and came back as one case
    assert summary["repeats_mismatched"] == 0
    assert summary["latency_ms"]["median"] <= summary["latency_ms"]["max"]
    with county.db.read() as session:
        made = session.scalar(
            select(func.count()).select_from(Case).where(Case.external_id.like("load-%"))
        )
    assert made == 40
