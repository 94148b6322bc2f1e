"""Driving cases through the service in tests."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from gridgov.bootstrap import Platform
from gridgov.cases import service
from gridgov.grids import repository as grids
from gridgov.store.models import Case

from ..conftest import NOW
from ..factories import COUNTY, STANDARD, VILLAGE_A, World, case_data

GRID = f"{VILLAGE_A}001"
LON, LAT = 119.30, 34.10  # inside GRID


def add_grid(session: Session) -> None:
    """GRID: a comprehensive grid of 新安第一社区, 0.01° either side of (LON, LAT)."""
    grids.upsert(
        session,
        code=GRID,
        kind="comprehensive",
        name="一网格",
        region_code=VILLAGE_A,
        county_code=COUNTY,
        shape=shapely.box(LON - 0.01, LAT - 0.01, LON + 0.01, LAT + 0.01),
        subject=None,
        parent_code=None,
        source_crs="wgs84",
        now=NOW,
    )


class Driver:
    """One case's life, with the clock moving forward an hour per step by default."""

    def __init__(
        self, platform: Platform, world: World, *, now: datetime = NOW, **case_fields: Any
    ) -> None:
        self.p, self.world, self.now = platform, world, now
        with platform.db.write() as session:
            actor = world.actor(session, case_fields.pop("as_", "agent"))
            created = service.create_case(
                session, data=case_data(**case_fields), actor=actor, now=now
            )
            self.number = created.case.number

    def act(
        self,
        action: str,
        who: str,
        payload: dict[str, Any] | None = None,
        *,
        after: timedelta = timedelta(hours=1),
        **kw: Any,
    ) -> Case:
        at = self.now + after
        with self.p.db.write() as session:
            case = service.act(
                session,
                number=self.number,
                action=action,
                actor=self.world.actor(session, who),
                payload=payload,
                now=at,
                rules=self.p.rules,
                **kw,
            )
        self.now = at  # the clock only moves for actions that happened
        return case

    def read(self, now: datetime | None = None) -> Any:
        from gridgov.cases import repository

        with self.p.db.read() as session:
            case = repository.get_by_number(session, number=self.number)
            return service.read(session, case=case, now=now or self.now, rules=self.p.rules)

    def events(self) -> list[Any]:
        from gridgov.cases import repository

        with self.p.db.read() as session:
            case = repository.get_by_number(session, number=self.number)
            return service.read_events(session, case=case)

    # common paths
    def to_in_progress(self, item: str = STANDARD, assisting: list[str] | None = None) -> None:
        self.act("accept", "dispatcher", {"catalog_item": item})
        self.act(
            "dispatch",
            "dispatcher",
            {"lead_unit": "320724-cgj", "assisting_units": assisting or []},
        )
        self.act("sign", "handler")

    def to_closed(self, item: str = STANDARD) -> None:
        self.to_in_progress(item)
        self.act("report_result", "handler", {"result": "已清理完毕"})
        self.act("start_verify", "dispatcher", {"verifier": "grid_worker"})
        self.act("verify_pass", "grid_worker")


def auth(platform: Platform, username: str) -> dict[str, str]:
    """HTTP headers that authenticate as ``username``: a real API key acting as that user,
    issued once per database."""
    from gridgov.auth import credentials
    from gridgov.kit.clock import utc_now

    keys: dict[str, str] = platform.__dict__.setdefault("_test_api_keys", {})
    if username not in keys:
        with platform.db.write() as session:
            keys[username] = credentials.create_api_key(
                session, name=f"test-{username}", username=username, now=utc_now()
            ).key
    return {"Authorization": f"Bearer {keys[username]}"}


@contextmanager
def live_server(app: Any) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free local port in a thread; yield its base URL."""
    import socket

    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(app, port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def overlapping(
    platform: Platform, first: Callable[[Session], Any], second: Callable[[Session], Any]
) -> tuple[Any, Any]:
    """``first`` and ``second`` in two write transactions that overlap: ``first`` runs, and
    before it commits ``second`` starts on another connection; ``first`` commits once
    ``second`` is waiting for it — on PostgreSQL at a lock (seen in ``pg_stat_activity``), on
    SQLite for the write lock (given a moment to queue). Returns both results; an exception
    from ``second`` is its result."""
    results: list[Any] = [None, None]
    started = threading.Event()

    def run_second() -> None:
        started.set()
        try:
            with platform.db.write() as session:
                results[1] = second(session)
        except Exception as exc:  # the error is the outcome under test
            results[1] = exc

    thread = threading.Thread(target=run_second)
    with platform.db.write() as session:
        results[0] = first(session)
        thread.start()
        started.wait(timeout=10)
        if platform.db.is_sqlite:
            time.sleep(0.3)
        else:
            waiting = text(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            deadline = time.monotonic() + 20
            with platform.db.engine.connect() as watcher:
                while not watcher.execute(waiting).scalar() and time.monotonic() < deadline:
                    time.sleep(0.02)
                    watcher.rollback()
    thread.join(timeout=60)
    return results[0], results[1]
