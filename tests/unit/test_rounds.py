"""The server's background rounds outlive a failing round."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from gridgov.api import app


def test_a_round_that_fails_does_not_end_the_rounds(caplog: pytest.LogCaptureFixture) -> None:
    """A round that meets an unexpected error (the database restarting) is logged, and the
    next round runs: before, the task ended and the SLA sweep, say, stopped for good."""
    calls: list[int] = []

    def job(platform: Any) -> None:
        calls.append(len(calls))
        if len(calls) == 1:
            raise OSError("connection refused")

    async def run() -> None:
        task = asyncio.create_task(app._every(0.001, job, None))  # type: ignore[arg-type]
        for _ in range(2000):
            if len(calls) >= 3:
                break
            await asyncio.sleep(0.005)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(run())
    assert len(calls) >= 3
    assert "job failed" in caplog.text
    assert "connection refused" in caplog.text
