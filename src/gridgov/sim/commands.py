"""``gridgov sim run``: drive the live demo county from the command line."""

from __future__ import annotations

import time
from typing import Annotated

import httpx
import typer

from gridgov.bootstrap import Platform
from gridgov.cli_runtime import print_value, run
from gridgov.kit.clock import utc_now
from gridgov.kit.errors import AppError

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


@app.command("drill")
def drill_cmd(
    scenario: Annotated[str, typer.Option("--scenario", help="gas_leak, blackout or open_fire")],
    grid: Annotated[
        str | None, typer.Option("--grid", help="Where (default: a random grid)")
    ] = None,
    calls: Annotated[int | None, typer.Option("--calls", min=0, help="Follow-up calls")] = None,
    respond: Annotated[
        bool, typer.Option("--respond", help="Let the simulator's people handle it at once")
    ] = False,
    seed: Annotated[int | None, typer.Option("--seed")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Inject a scripted emergency (a leader's order and citizens' calls about one place).
    Without --respond the people in the console handle it; `gridgov sim drill-report` then
    measures how they did."""
    from datetime import timedelta

    from gridgov.sim import drill
    from gridgov.sim.live import Simulator

    def go(p: Platform) -> None:
        now = utc_now()
        injected = drill.inject(
            p, scenario=scenario, now=now, grid_code=grid, calls=calls, seed=seed
        )
        if respond:
            Simulator(p, seed=seed).respond(injected.order, now, timedelta(minutes=4))
        with p.db.read() as session:
            print_value(drill.report(session, drill=injected.drill), as_json)

    run(go)


@app.command("drill-report")
def drill_report_cmd(
    drill_id: Annotated[str, typer.Option("--drill", help="The id `gridgov sim drill` printed")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """How the drill's cases were handled: seconds to each step, limits kept, duplicates seen."""
    from gridgov.sim import drill

    def go(p: Platform) -> None:
        with p.db.read() as session:
            print_value(drill.report(session, drill=drill_id), as_json)

    run(go)


@app.command("load")
def load_cmd(
    url: Annotated[str, typer.Option("--url", help="The running server")] = "http://127.0.0.1:8000",
    key: Annotated[
        str | None,
        typer.Option("--key", envvar="GRIDGOV_API_KEY", help="An API key that may report"),
    ] = None,
    reports: Annotated[int, typer.Option("--reports", min=1)] = 500,
    concurrency: Annotated[int, typer.Option("--concurrency", min=1, max=256)] = 8,
    repeat_share: Annotated[float, typer.Option("--repeats", min=0.0, max=1.0)] = 0.1,
    seed: Annotated[int, typer.Option("--seed")] = 1,
) -> None:
    """Load-test a running server: concurrent hotline reports over HTTP, some sent twice;
    prints throughput, latencies and whether every repeat came back as the same case."""
    from gridgov.sim import load

    if not key:
        typer.echo("error: an API key is needed (--key or GRIDGOV_API_KEY)", err=True)
        raise typer.Exit(2)
    try:
        result = load.run(
            url=url,
            key=key,
            reports=reports,
            concurrency=concurrency,
            repeat_share=repeat_share,
            seed=seed,
        )
    except httpx.HTTPError as exc:
        typer.echo(f"error: {url} did not answer: {exc}", err=True)
        raise typer.Exit(3) from None
    except AppError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(2) from None
    print_value(result.summary(), True)
    if result.failed or result.mismatched_repeats:
        raise typer.Exit(1)
