"""``gridgov regions …`` commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gridgov.bootstrap import Platform
from gridgov.cli_runtime import run
from gridgov.grids.coords import Crs
from gridgov.regions import service

app = typer.Typer(help="Administrative regions.", no_args_is_help=True)


@app.command("import")
def import_cmd(
    files: Annotated[list[Path], typer.Argument(help="Code lists (CSV) and boundaries (GeoJSON)")],
    crs: Annotated[Crs, typer.Option("--crs", help="Coordinate system of the boundaries.")] = (
        Crs.wgs84
    ),
) -> None:
    """Import national division codes and boundaries in one transaction (all or nothing)."""

    def go(p: Platform) -> None:
        plan = service.read_files(files, crs=crs)
        with p.db.write() as session:
            n = service.apply(session, plan=plan)
        bounded = sum(r.boundary is not None for r in plan.rows.values())
        typer.echo(f"imported {n} regions ({bounded} with boundaries)")

    run(go)
