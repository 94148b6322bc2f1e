"""Two connections racing on one case: exactly one wins, the other gets a conflict."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from gridgov.bootstrap import Platform
from gridgov.cases import service
from gridgov.kit.errors import Conflict
from gridgov.store.models import Case, CaseEvent, Unit

from ..factories import World
from .helpers import Driver


def race(platform: Platform, world: World, d: Driver, moves: list[tuple[str, str, dict]]) -> list:
    barrier = threading.Barrier(len(moves))
    outcomes: list[object] = [None] * len(moves)
    seen = d.read().version  # both act on the case as they saw it, as a client does

    def run(i: int, action: str, who: str, payload: dict) -> None:
        try:
            # Start together. On PostgreSQL both read the case and race for the conditional
            # update; on SQLite the second writer queues for the lock and then finds the case
            # no longer at the version it acted on (without it, a second move that is also
            # legal from the new status, like a return after a sign, would simply follow).
            barrier.wait(timeout=10)
            with platform.db.write() as session:
                service.act(
                    session,
                    number=d.number,
                    action=action,
                    actor=world.actor(session, who),
                    payload=payload,
                    now=d.now + timedelta(minutes=5),
                    rules=platform.rules,
                    expected_version=seen,
                )
            outcomes[i] = "ok"
        except Exception as exc:  # the loser's error is the outcome under test
            outcomes[i] = exc

    threads = [threading.Thread(target=run, args=(i, *m)) for i, m in enumerate(moves)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return outcomes


@pytest.mark.parametrize("attempt", range(3))
def test_racing_dispatches_one_wins(platform: Platform, world: World, attempt: int) -> None:
    d = Driver(platform, world)
    d.act("accept", "dispatcher", {"catalog_item": "010101"})
    outcomes = race(
        platform,
        world,
        d,
        [
            ("dispatch", "dispatcher", {"lead_unit": "320724-cgj"}),
            ("dispatch", "dispatcher", {"lead_unit": "320724-zjj"}),
        ],
    )
    assert outcomes.count("ok") == 1, outcomes
    loser = next(o for o in outcomes if o != "ok")
    assert isinstance(loser, Conflict), repr(loser)
    with platform.db.read() as session:
        n = session.scalar(
            select(func.count()).select_from(CaseEvent).where(CaseEvent.action == "dispatch")
        )
    assert n == 1
    assert d.read().version == 3


def test_racing_sign_and_return_one_wins(platform: Platform, world: World) -> None:
    d = Driver(platform, world)
    d.act("accept", "dispatcher", {"catalog_item": "010101"})
    d.act("dispatch", "dispatcher", {"lead_unit": "320724-cgj"})
    outcomes = race(
        platform,
        world,
        d,
        [
            ("sign", "handler", {}),
            ("return", "handler", {"reason": "不属于本单位"}),
        ],
    )
    assert outcomes.count("ok") == 1, outcomes
    assert isinstance(next(o for o in outcomes if o != "ok"), Conflict)
    assert d.read().status in {"in_progress", "accepted"}
    assert len(d.events()) == 4


def test_a_stale_version_is_refused(platform: Platform, world: World) -> None:
    d = Driver(platform, world)
    seen = d.read().version
    d.act("accept", "dispatcher", {"catalog_item": "010101"}, expected_version=seen)
    with pytest.raises(Conflict, match="version"):
        d.act("urge", "dispatcher", {"text": "请尽快"}, expected_version=seen)
    assert len(d.events()) == 2


def test_a_unique_clash_is_a_conflict_to_retry_on_both_backends(
    platform: Platform, world: World
) -> None:
    """What the database says when a concurrent request wrote the same row first, in either
    backend's words, becomes a conflict (HTTP 409) with the reason, never a bare error."""
    with platform.db.read() as session:
        unit = session.scalar(select(Unit).where(Unit.code == "320724-cgj"))
        again = Unit(
            code=unit.code,
            name="县城管局",
            kind=unit.kind,
            level=unit.level,
            region_code=unit.region_code,
            center_id=unit.center_id,
        )
    with pytest.raises(Conflict, match="made the same thing first"), platform.db.write() as s:
        s.add(again)
    first = Driver(platform, world, channel="web", external_id="ext-1")
    second = Driver(platform, world, channel="web", external_id="ext-2")
    clash = update(Case).where(Case.number == second.number).values(external_id="ext-1")
    with pytest.raises(Conflict, match="channel and external id"), platform.db.write() as s:
        s.execute(clash)
    assert first.read().external_id == "ext-1"
    assert second.read().external_id == "ext-2"
