"""``gridgov sim run``: drive the live demo county from the command line."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from gridgov.bootstrap import Platform
from gridgov.cli_runtime import print_value, run
from gridgov.kit.clock import utc_now

app = typer.Typer(help="The live demo county's simulator.", no_args_is_help=True)


@app.command("run")
def run_cmd(
    ticks: Annotated[int, typer.Option("--ticks", min=1, help="How many ticks to run")] = 60,
    seconds: Annotated[
        float, typer.Option("--seconds", min=0.0, help="Simulated seconds per tick")
    ] = 5.0,
    per_hour: Annotated[
        float, typer.Option("--per-hour", min=0.0, help="New cases per hour")
    ] = 240.0,
    seed: Annotated[int | None, typer.Option("--seed")] = None,
    wait: Annotated[bool, typer.Option("--wait/--no-wait", help="Sleep between ticks")] = False,
) -> None:
    """Report cases and act on them as the demo county's people would (``gridgov demo`` runs
    this in the background). Without ``--wait`` the ticks run back to back."""
    from gridgov.sim.live import Simulator, Tick

    def go(p: Platform) -> None:
        sim = Simulator(p, seed=seed, per_hour=per_hour)
        total = Tick()
        for _ in range(ticks):
            total.add(sim.tick(utc_now(), seconds))
            if wait:
                time.sleep(seconds)
        print_value(
            {
                "ticks": ticks,
                "created": total.created,
                "moved": total.moved,
                "refused": total.refused,
            },
            False,
        )

    run(go)
