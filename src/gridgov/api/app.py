"""FastAPI application factory. Routers are listed here, by hand."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import APIRouter, FastAPI
from starlette.concurrency import run_in_threadpool

import gridgov
from gridgov.addresses import endpoints as addresses
from gridgov.api import errors, reference
from gridgov.api.guard import Guard
from gridgov.auth import endpoints as auth
from gridgov.bootstrap import Platform
from gridgov.cases import endpoints as cases
from gridgov.cases.tasks import sweep
from gridgov.grids import endpoints as grids
from gridgov.intake import endpoints as intake
from gridgov.kit.clock import utc_now
from gridgov.kit.errors import AppError
from gridgov.open311 import endpoints as open311

log = logging.getLogger("gridgov.api")


def _sweep_once(platform: Platform) -> None:
    with platform.db.write() as session:
        result = sweep(session, now=utc_now(), rules=platform.rules)
    if result.warnings or result.overdue:
        log.info("sla sweep: %s warnings, %s overdue", result.warnings, result.overdue)


async def _sweeper(platform: Platform) -> None:
    while True:
        await asyncio.sleep(platform.settings.sla_sweep_seconds)
        try:
            await run_in_threadpool(_sweep_once, platform)
        except AppError as exc:  # busy database: the next round picks the rows up again
            log.warning("sla sweep skipped: %s", exc.detail)


def create_app(platform: Platform, *, run_sweeper: bool = True) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        task = asyncio.create_task(_sweeper(platform)) if run_sweeper else None
        yield
        if task:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app = FastAPI(title="gridgov", version=gridgov.__version__, lifespan=lifespan)
    app.state.platform = platform
    errors.install(app)

    api = APIRouter(prefix="/api/v1")
    api.include_router(auth.router)
    api.include_router(cases.router)
    api.include_router(cases.files)
    api.include_router(reference.router)
    api.include_router(grids.router)
    api.include_router(addresses.router)
    api.include_router(intake.router)
    api.include_router(intake.reveal_router)

    @api.get("/health", tags=["ops"])
    def health() -> dict[str, str]:
        return {"status": "ok", "version": gridgov.__version__}

    app.include_router(api)
    app.include_router(open311.router)
    app.add_middleware(Guard, settings=platform.settings)
    return app
