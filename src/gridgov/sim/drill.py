"""Drills (联动指挥演练): inject a scripted emergency, then measure how the centre responded.

A drill is a leader's assignment (the scenario's order, urgent, with its catalogue item) and a
few citizens' calls about the same place a little later, all through the intake door with
external ids ``drill-<id>-<n>``. Whoever takes part — people in the console, or the
simulator — handles them as any other case; :func:`report` then reads the cases' logs and
says how long each step took and whether it beat its time limit, and whether the follow-up
calls were recognised as duplicates of the order.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.auth.actor import load_actor
from gridgov.bootstrap import Platform
from gridgov.intake import service as intake
from gridgov.kit.errors import NotFound, ValidationFailed
from gridgov.store.models import Case, CaseDeadline, CaseEvent, Grid

STEPS = ("accept", "dispatch", "sign", "report_result", "verify_pass")


@dataclass(frozen=True)
class Scenario:
    title: str
    item: str
    order: str  # the leader's instruction
    text: str
    calls: tuple[str, ...]


SCENARIOS: dict[str, Scenario] = {
    "gas_leak": Scenario(
        title="燃气泄漏应急演练",
        item="080102",
        order="立即组织应急管理、燃气、消防力量赶赴现场，疏散群众，30分钟内报告处置情况",
        text="{place}附近燃气管道泄漏，现场有刺鼻气味，周边居民需要疏散",
        calls=(
            "{place}这边一股很重的煤气味，是不是漏气了",
            "我家楼下燃气管好像破了，味道很大，很害怕",
            "{place}路口燃气泄漏，有人在现场抽烟，太危险了",
        ),
    ),
    "blackout": Scenario(
        title="大面积停电应急演练",
        item="090102",
        order="供电公司立即排查故障线路，优先保障医院、养老院用电，每小时报告进展",
        text="{place}一带大面积停电，电梯困人，医院启用备用电源",
        calls=(
            "{place}整片停电了，什么时候来电",
            "家里老人用制氧机，停电了怎么办",
            "{place}电梯里困了人，停电好久了",
        ),
    ),
    "open_fire": Scenario(
        title="露天焚烧火情处置演练",
        item="020101",
        order="生态环境、消防联动处置，防止火势蔓延，查明焚烧责任人",
        text="{place}田间大面积焚烧秸秆，浓烟很大，靠近村庄",
        calls=(
            "{place}那边烧秸秆烟太大了，睁不开眼",
            "有人在{place}烧垃圾，火快烧到树林了",
        ),
    ),
}


@dataclass(frozen=True)
class Injected:
    drill: str
    order: str  # the case number of the order
    calls: list[str]


def inject(
    platform: Platform,
    *,
    scenario: str,
    now: datetime,
    grid_code: str | None = None,
    calls: int | None = None,
    seed: int | None = None,
) -> Injected:
    """Open the drill's cases (one transaction each, as they would arrive)."""
    if scenario not in SCENARIOS:
        raise ValidationFailed(f"no drill scenario {scenario!r}; one of {', '.join(SCENARIOS)}")
    plot = SCENARIOS[scenario]
    rng = random.Random(seed)
    drill = f"{now:%Y%m%d%H%M%S}{rng.randrange(1000):03d}"
    with platform.db.read() as session:
        grid = _grid(session, grid_code, rng)
        shape, place = shapely.from_wkb(grid.geometry), grid.name
    point = shape.representative_point()
    numbers = []
    texts = [plot.text, *plot.calls[: len(plot.calls) if calls is None else calls]]
    for n, text in enumerate(texts):
        lon = round(point.x + rng.uniform(-0.0005, 0.0005), 6)
        lat = round(point.y + rng.uniform(-0.0005, 0.0005), 6)
        if not shapely.contains_xy(shape, lon, lat):
            lon, lat = round(point.x, 6), round(point.y, 6)
        where = {"lon": lon, "lat": lat}
        if n == 0:
            channel, reporter = "leader", "leader"
            payload: dict[str, Any] = {
                "reference": f"drill-{drill}-0",
                "issued_by": "应急指挥部（演练）",
                "instruction": plot.order,
                "title": f"【演练】{plot.title}",
                "text": text.format(place=place),
                "catalog_item": plot.item,
                **where,
            }
        else:
            channel, reporter = "hotline", "agent"
            payload = {
                "call_id": f"drill-{drill}-{n}",
                "text": "【演练】" + text.format(place=place),
                "caller": "演练市民",
                **where,
            }
        with platform.db.write() as session:
            got = intake.receive(
                session,
                channel=channel,
                payload=payload,
                actor=load_actor(session, username=reporter),
                now=now + timedelta(minutes=3 * n),
                rules=platform.rules,
                triage=platform.triage,
            )
            if got.case is None:
                assert got.dead_letter is not None
                raise ValidationFailed(
                    f"the drill's record {n} was refused: {got.dead_letter.reason}"
                )
            numbers.append(got.case.number)
    return Injected(drill, numbers[0], numbers[1:])


def _grid(session: Session, code: str | None, rng: random.Random) -> Grid:
    if code:
        found = session.scalar(select(Grid).where(Grid.code == code))
        if found is None:
            raise NotFound(f"no grid {code}")
        return found
    grids = list(session.scalars(select(Grid).where(Grid.kind == "comprehensive").limit(500)))
    if not grids:
        raise ValidationFailed("there are no grids to hold a drill in")
    return rng.choice(grids)


def report(session: Session, *, drill: str) -> dict[str, Any]:
    """How the drill's cases were handled: seconds from the report to each step, whether the
    sign and handle steps beat their limits, and which calls were seen as duplicates."""
    cases = list(
        session.scalars(
            select(Case).where(Case.external_id.like(f"drill-{drill}-%")).order_by(Case.id)
        )
    )
    if not cases:
        raise NotFound(f"no drill {drill}")
    rows = []
    for case in cases:
        events = session.execute(
            select(CaseEvent.action, CaseEvent.at)
            .where(CaseEvent.case_id == case.id)
            .order_by(CaseEvent.seq)
        ).all()
        first: dict[str, datetime] = {}
        for action, at in events:
            first.setdefault(action, at)
        deadlines = {
            step: due
            for step, due in session.execute(
                select(CaseDeadline.step, CaseDeadline.due_at)
                .where(CaseDeadline.case_id == case.id)
                .order_by(CaseDeadline.seq)
            )
        }
        seconds = {
            step: round((first[step] - case.created_at).total_seconds())
            for step in STEPS
            if step in first
        }
        rows.append(
            {
                "number": case.number,
                "channel": case.channel,
                "status": case.status,
                "seconds": seconds,
                "signed_in_time": _in_time(first.get("sign"), deadlines.get("sign")),
                "handled_in_time": _in_time(first.get("report_result"), deadlines.get("handle")),
                "duplicate_of": _number(
                    session, case.probable_duplicate_id or case.duplicate_of_id
                ),
            }
        )
    order = rows[0]
    done = "verify_pass" in order["seconds"] or order["status"] == "closed"
    return {
        "drill": drill,
        "order": order["number"],
        "closed": done,
        "response_seconds": order["seconds"].get("sign"),
        "cases": rows,
        "calls_seen_as_duplicates": sum(1 for r in rows[1:] if r["duplicate_of"]),
    }


def _in_time(at: datetime | None, due: datetime | None) -> bool | None:
    if at is None or due is None:
        return None
    return at <= due


def _number(session: Session, case_id: int | None) -> str | None:
    return session.scalar(select(Case.number).where(Case.id == case_id)) if case_id else None
