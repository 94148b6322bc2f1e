"""The live demo county: citizens and grid workers report, units and dispatchers act.

Each :meth:`Simulator.tick` does what a few seconds of a county's day would bring:

- new cases, Poisson-distributed at ``per_hour`` scaled by a daily profile (quiet at night,
  peaks mid-morning and mid-afternoon), from the hotline, the grid app, the web and city
  inspectors, with the catalogue's Chinese texts, at a random point inside a real grid, all
  through the intake door (so triage places, classifies and routes them as it would);
- people acting on open cases through the case service, as the workflow allows: dispatchers
  accept and dispatch (by the routing rules), units sign (a few return), report results,
  grid workers verify (some fail: rework), agents make return visits (a few dissatisfied:
  some reopened). About one case in ten belongs to a neglectful unit and is left to run late.

Nothing here bypasses the services: every move is checked, evented and counted like a
person's. The server's SLA sweep marks what runs late.
"""

from __future__ import annotations

import logging
import math
import random
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.auth.actor import Actor, load_actor
from gridgov.bootstrap import Platform
from gridgov.cases import service
from gridgov.cases.workflow import OPEN
from gridgov.dispatch import rules as routing
from gridgov.intake import service as intake
from gridgov.kit.errors import AppError
from gridgov.sim.demo_data import ADDRESS_STREETS, CATALOG, TOWNS, Leaf
from gridgov.store.models import Case, CatalogItem, Center, Grid, User

# relative intake per local hour (0–23); mean 1
HOURLY = (
    0.15, 0.1, 0.08, 0.08, 0.1, 0.25, 0.55, 1.1, 1.9, 2.3, 2.2, 1.7,
    1.1, 1.4, 1.9, 2.1, 1.9, 1.5, 1.1, 0.95, 0.85, 0.65, 0.45, 0.28,
)  # fmt: skip
_MEAN = sum(HOURLY) / len(HOURLY)
CHANNELS = (("hotline", 0.55), ("grid_app", 0.25), ("web", 0.12), ("inspector", 0.08))
CALLERS = ("张先生", "李女士", "王先生", "赵女士", "刘先生", "陈女士", "周先生")
NEGLECTED = 0.1  # share of cases whose unit lets them run late
log = logging.getLogger(__name__)


MERGE_REASON = "同一地点同一诉求，合并办理"


def leaves() -> dict[str, Leaf]:
    return {leaf.code: leaf for _, _, l2 in CATALOG for _, _, items in l2 for leaf in items}


@dataclass
class Tick:
    created: int = 0
    moved: int = 0
    refused: int = 0

    def add(self, other: Tick) -> None:
        self.created += other.created
        self.moved += other.moved
        self.refused += other.refused


@dataclass(frozen=True)
class _Grid:
    code: str
    village: str
    shape: Any


class Simulator:
    def __init__(
        self,
        platform: Platform,
        *,
        seed: int | None = None,
        per_hour: float = 240.0,
        moves_per_tick: int = 6,
    ) -> None:
        self.p = platform
        self.rng = random.Random(seed)
        self.per_hour = per_hour
        self.moves_per_tick = moves_per_tick
        self.leaves = leaves()
        self._grids: list[_Grid] | None = None
        self._actors: dict[str, Actor] = {}
        self._dispatchers: dict[int, str] = {}
        self._agent_center_id: int | None = None
        self._serial = 0

    # intake --------------------------------------------------------------------------------
    def expected(self, now: datetime, seconds: float, tz: ZoneInfo) -> float:
        hour = now.astimezone(tz).hour
        return self.per_hour * seconds / 3600 * HOURLY[hour] / _MEAN

    def arrivals(self, mean: float) -> int:
        """A Poisson draw (Knuth's method: the means here are small)."""
        limit, k, product = math.exp(-mean), 0, self.rng.random()
        while product > limit:
            k += 1
            product *= self.rng.random()
        return k

    def tick(self, now: datetime, seconds: float = 5.0) -> Tick:
        done = Tick()
        tz = ZoneInfo(self.p.settings.timezone)
        for _ in range(self.arrivals(self.expected(now, seconds, tz))):
            with self.p.db.write() as session:
                received = self._report(session, now)
                if received.case is not None and received.created:
                    done.created += 1
        with self.p.db.read() as session:
            numbers = self._movable(session)
        for number in numbers:
            try:
                with self.p.db.write() as session:
                    done.moved += self._advance(session, number, now)
            except AppError:
                done.refused += 1  # a person got there first, or the move is not allowed now
        return done

    def _grids_of(self, session: Session) -> list[_Grid]:
        if self._grids is None:
            rows = session.execute(
                select(Grid.code, Grid.region_code, Grid.geometry).where(
                    Grid.kind == "comprehensive"
                )
            )
            self._grids = [_Grid(c, v, shapely.from_wkb(g)) for c, v, g in rows]
        return self._grids

    def _point(self, grid: _Grid) -> tuple[float, float]:
        x0, y0, x1, y1 = grid.shape.bounds
        for _ in range(50):
            lon, lat = round(self.rng.uniform(x0, x1), 6), round(self.rng.uniform(y0, y1), 6)
            if shapely.contains_xy(grid.shape, lon, lat):
                return lon, lat
        point = grid.shape.representative_point()
        return round(point.x, 6), round(point.y, 6)

    def _actor(self, session: Session, username: str) -> Actor:
        if username not in self._actors:
            self._actors[username] = load_actor(session, username=username)
        return self._actors[username]

    def _report(self, session: Session, now: datetime) -> intake.Received:
        rng = self.rng
        grid = rng.choice(self._grids_of(session))
        lon, lat = self._point(grid)
        leaf = rng.choice(list(self.leaves.values()))
        channel = rng.choices([c for c, _ in CHANNELS], [w for _, w in CHANNELS])[0]
        town = grid.village[:9]
        name, slug = TOWNS.get(town, ("", "xinan"))
        title = rng.choice(leaf.titles) if leaf.titles else leaf.name
        text = f"{title}，地点在{name}{rng.choice(ADDRESS_STREETS)}附近，请尽快处理。"
        self._serial += 1
        ref = f"sim-{now:%Y%m%d%H%M%S}-{self._serial}-{rng.randrange(10**6)}"
        located = {"lon": lon, "lat": lat, "address": f"灌南县{name}{rng.choice(ADDRESS_STREETS)}"}
        payload: dict[str, Any]
        if channel == "hotline":
            reporter = "agent"
            payload = {
                "call_id": ref,
                "caller": rng.choice(CALLERS),
                "callback_number": f"13{rng.randrange(10**8, 10**9)}",
                "text": text,
                **located,
            }
        elif channel == "grid_app":
            reporter = f"{slug}_grid{rng.choice((1, 2))}"
            payload = {"client_id": ref, "text": text, **located}
        elif channel == "web":
            reporter = "citizen"
            payload = {"submission_id": ref, "text": text, **located}
        else:
            reporter = "agent"
            payload = {
                "event_id": ref,
                "standard_code": leaf.code,
                "text": text,
                **located,
            }
        return intake.receive(
            session,
            channel=channel,
            payload=payload,
            actor=self._actor(session, reporter),
            now=now,
            rules=self.p.rules,
            triage=self.p.triage,
        )

    # people acting on open cases ---------------------------------------------------------------
    def _movable(self, session: Session) -> list[str]:
        open_statuses = [s.value for s in OPEN]
        rows = session.execute(
            select(Case.number, Case.status, Case.visited, Case.satisfaction)
            .where(
                (Case.status.in_(open_statuses))
                | service.owing_visit()
                | ((Case.status == "closed") & (Case.satisfaction == "dissatisfied"))
            )
            .order_by(Case.id.desc())
            .limit(2000)
        ).all()
        pool = [n for n, *_ in rows if not self._neglected(n)]
        return self.rng.sample(pool, min(self.moves_per_tick, len(pool)))

    def respond(self, number: str, start: datetime, step: timedelta) -> datetime:
        """Take one case as far as the people can (a drill's responders): a move every
        ``step`` from ``start``; returns the time of the last move."""
        now = start
        for _ in range(20):
            with self.p.db.write() as session:
                if not self._advance(session, number, now + step):
                    return now
            now += step
        return now

    @staticmethod
    def _neglected(number: str) -> bool:
        return zlib.crc32(number.encode()) % 1000 < NEGLECTED * 1000

    def _agent_center(self, session: Session) -> int | None:
        if self._agent_center_id is None:
            self._agent_center_id = session.scalar(
                select(User.center_id).where(User.username == "agent")
            )
        return self._agent_center_id

    def _dispatcher(self, session: Session, center_id: int) -> str:
        if center_id not in self._dispatchers:
            name = session.scalar(
                select(User.username)
                .where(User.center_id == center_id, User.active.is_(True))
                .where(User.roles.any(role="dispatcher"))
                .order_by(User.id)
            )
            self._dispatchers[center_id] = name or "dispatcher"
        return self._dispatchers[center_id]

    def _advance(self, session: Session, number: str, now: datetime) -> int:
        case = session.scalar(select(Case).where(Case.number == number))
        if case is None:
            return 0
        move = self._next_move(session, case)
        if move is None:
            return 0
        action, who, payload = move
        service.act(
            session,
            number=number,
            action=action,
            actor=self._actor(session, who),
            payload=payload,
            now=now,
            rules=self.p.rules,
            expected_version=case.version,
        )
        return 1

    def _next_move(  # one answer per status, read as a table
        self, session: Session, case: Case
    ) -> tuple[str, str, dict[str, Any]] | None:
        rng, status = self.rng, case.status
        dispatcher = self._dispatcher(session, case.center_id)
        item = session.get(CatalogItem, case.catalog_item_id) if case.catalog_item_id else None
        town = case.region_code[:9]
        slug = TOWNS.get(town, ("", "xinan"))[1]
        if status == "submitted":
            joins = self._merge_target(session, case)
            if joins is not None:
                return "merge_into", dispatcher, {"into": joins, "reason": MERGE_REASON}
            if rng.random() < 0.04:
                return "reject", dispatcher, {"reason": "重复来电，信息不全无法受理"}
            code = item.code if item else self._suggested_item(case)
            return "accept", dispatcher, {"catalog_item": code}
        if status == "accepted":
            unit = self._route(session, case, item)
            return ("dispatch", dispatcher, {"lead_unit": unit}) if unit else None
        handler = self._handler(session, case)
        if status == "dispatched":
            if rng.random() < 0.05:
                return "return", handler, {"reason": "不属于本单位职责范围，请重新派遣"}
            return "sign", handler, {}
        if status == "in_progress":
            if case.suspended or case.pending_extension or case.pending_suspension:
                return None
            return "report_result", handler, {"result": "已到现场处置完毕，问题已解决。"}
        if status == "handled":
            if item is not None and not item.verification_required:
                return "close", dispatcher, {}
            return "start_verify", dispatcher, {"verifier": f"{slug}_grid1"}
        if status == "verifying":
            verifier = session.get(User, case.verifier_id) if case.verifier_id else None
            who = verifier.username if verifier else f"{slug}_grid1"
            if rng.random() < 0.12:
                return "verify_fail", who, {"note": "现场复核仍未整改到位"}
            return "verify_pass", who, {"note": "现场核查属实，已整改到位"}
        if status in ("closed", "rejected") and not case.visited:
            if not service.visit_due(session, case):
                return None  # refused, or merged into a case still in hand
            satisfaction = rng.choices(
                ["satisfied", "basically_satisfied", "dissatisfied"], [0.75, 0.17, 0.08]
            )[0]
            # the hotline agent calls back for the county centre's cases; a town centre's
            # own dispatcher for the cases it holds (the agent may not visit those)
            visitor = "agent" if case.center_id == self._agent_center(session) else dispatcher
            return "return_visit", visitor, {"satisfaction": satisfaction}
        unhappy = case.satisfaction == "dissatisfied" and not case.reopen_count
        if status == "closed" and unhappy and rng.random() < 0.6:
            return "reopen", dispatcher, {"reason": "群众回访不满意，重新办理"}
        return None

    @staticmethod
    def _merge_target(session: Session, case: Case) -> str | None:
        """The open case of the same centre that intake flagged this report as repeating:
        the dispatcher merges it there (the reporter's return visit follows that case)."""
        if case.probable_duplicate_id is None:
            return None
        target = session.get(Case, case.probable_duplicate_id)
        if target is None or target.center_id != case.center_id:
            return None
        return target.number if target.status not in ("rejected", "answered") else None

    def _suggested_item(self, case: Case) -> str:
        found = (case.triage or {}).get("classification") or {}
        top = found.get("top") or [{}]
        code = found.get("item") or top[0].get("item")
        return str(code) if code else self.rng.choice(list(self.leaves))

    def _route(self, session: Session, case: Case, item: CatalogItem | None) -> str | None:
        if item is None:
            return None
        center = session.get(Center, case.center_id)
        assert center is not None
        found = routing.route_for(
            session, item=item.code, region_code=case.region_code, center_level=center.level
        )
        return found.lead_unit if found is not None else None

    def _handler(self, session: Session, case: Case) -> str:
        if case.lead_unit_id is None:
            return "dispatcher"
        name = session.scalar(
            select(User.username).where(User.unit_id == case.lead_unit_id).order_by(User.id)
        )
        return name or "dispatcher"


def run(
    simulator: Simulator,
    *,
    seconds: float,
    stop: Callable[[], bool],
    clock: Callable[[], datetime],
    sleep: Callable[[float], object],
) -> Tick:
    """Tick every ``seconds`` until ``stop()``; returns the totals."""
    total = Tick()
    while not stop():
        try:
            done = simulator.tick(clock(), seconds)
        except Exception:  # a demo keeps going; the log says what went wrong
            log.exception("simulator tick failed")
            done = Tick(refused=1)
        total.add(done)
        sleep(seconds)
    return total
