"""FastAPI application factory. Routers are listed here, by hand."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

import gridgov
from gridgov.addresses import endpoints as addresses
from gridgov.analytics import endpoints as analytics
from gridgov.analytics import reports, rollups
from gridgov.api import admin, errors, live, reference
from gridgov.api.deps import API_PREFIX
from gridgov.api.guard import Guard
from gridgov.auth import endpoints as auth
from gridgov.bootstrap import Platform
from gridgov.cases import endpoints as cases
from gridgov.cases.tasks import sweep
from gridgov.grids import endpoints as grids
from gridgov.hooks import endpoints as hooks
from gridgov.hooks import service as webhooks
from gridgov.intake import endpoints as intake
from gridgov.intake import linkage
from gridgov.kit.clock import utc_now
from gridgov.kit.errors import AppError
from gridgov.open311 import endpoints as open311
from gridgov.web import admin as admin_pages
from gridgov.web import console, door, mobile, overview
from gridgov.web.console import STATIC

log = logging.getLogger("gridgov.api")


def _sweep_once(platform: Platform) -> None:
    with platform.db.write() as session:
        result = sweep(session, now=utc_now(), rules=platform.rules)
    if result.warnings or result.overdue:
        log.info("sla sweep: %s warnings, %s overdue", result.warnings, result.overdue)


def _webhooks_once(platform: Platform) -> None:
    result = webhooks.run_once(platform.db, now=utc_now)
    if result.enqueued or result.delivered or result.failed:
        log.info(
            "webhooks: %s queued, %s delivered, %s failed",
            result.enqueued,
            result.delivered,
            result.failed,
        )


def _linkage_once(platform: Platform) -> None:
    """Send the 110 system the status changes of its cases it has not had, in order."""
    send = linkage.http_sender(platform.settings.police_110_url)
    with platform.db.write() as session:
        result = linkage.deliver(session, target="police_110", send=send, now=utc_now())
    if result.failed:
        log.warning("110 linkage: %s sent, then %s", result.sent, result.last_error)
    elif result.sent:
        log.info("110 linkage: %s sent", result.sent)


def _reports_once(platform: Platform) -> None:
    made = reports.make_due(platform.db, platform.settings, now=utc_now())
    if made:
        log.info("reports made: %s", "; ".join(made))


def _rollups_once(platform: Platform) -> None:
    n = rollups.catch_up(
        platform.db,
        timezone=platform.settings.timezone,
        office_hours=platform.settings.office_hours,
        rounds=1,
        budget=rollups.ROUND_SECONDS,
    )
    if n:
        log.debug("kpi rollups: %s cases redone", n)


async def _every(
    seconds: float,
    job: Callable[[Platform], None],
    platform: Platform,
    share: float | None = None,
) -> None:
    """Run ``job`` every ``seconds``; with ``share``, wait longer after a long round so that
    the job takes at most that share of the time (:func:`rollups.pause_after`)."""
    pause = seconds
    while True:
        await asyncio.sleep(pause)
        began = time.monotonic()
        try:
            await run_in_threadpool(job, platform)
        except AppError as exc:  # busy database: the next round picks the rows up again
            log.warning("%s skipped: %s", job.__name__, exc.detail)
        except Exception:  # the database gone a moment, say: the rounds go on after it
            log.exception("%s failed; trying again in %s s", job.__name__, seconds)
        if share is not None:
            pause = rollups.pause_after(time.monotonic() - began, seconds, share)


def create_app(platform: Platform, *, run_sweeper: bool = True) -> FastAPI:
    """The API. With ``run_sweeper`` the server also runs its background rounds: the SLA
    sweep, webhook delivery, the KPI rollups, the reports that are due and, when its address
    is set, the 110 system's status updates."""

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        settings = platform.settings
        tasks = (
            [
                asyncio.create_task(_every(settings.sla_sweep_seconds, _sweep_once, platform)),
                asyncio.create_task(_every(settings.webhook_seconds, _webhooks_once, platform)),
                asyncio.create_task(
                    _every(
                        settings.rollup_seconds,
                        _rollups_once,
                        platform,
                        share=settings.rollup_share,
                    )
                ),
                asyncio.create_task(_every(settings.report_seconds, _reports_once, platform)),
            ]
            if run_sweeper
            else []
        )
        if run_sweeper and settings.police_110_url:
            tasks.append(
                asyncio.create_task(_every(settings.webhook_seconds, _linkage_once, platform))
            )
        yield
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app = FastAPI(title="gridgov", version=gridgov.__version__, lifespan=lifespan)
    app.state.platform = platform
    errors.install(app)

    api = APIRouter(prefix=API_PREFIX)
    api.include_router(auth.router)
    api.include_router(cases.router)
    api.include_router(cases.files)
    api.include_router(reference.router)
    api.include_router(grids.router)
    api.include_router(addresses.router)
    api.include_router(intake.import_router)  # /intake/import before /intake/{channel}
    api.include_router(intake.router)
    api.include_router(intake.reveal_router)
    api.include_router(hooks.router)
    api.include_router(admin.router)
    api.include_router(live.router)
    api.include_router(analytics.router)

    @api.get("/health", tags=["ops"])
    def health() -> dict[str, str]:
        return {"status": "ok", "version": gridgov.__version__}

    app.include_router(api)
    app.include_router(open311.router)
    app.include_router(mobile.router)  # /console/m before the console's catch-alls
    app.include_router(admin_pages.router)
    app.include_router(console.router)
    app.include_router(door.router)
    app.include_router(overview.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(Guard, settings=platform.settings)
    return app
