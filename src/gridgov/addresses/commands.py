"""``gridgov addresses …`` commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from gridgov.addresses import service
from gridgov.bootstrap import Platform
from gridgov.cli_runtime import run
from gridgov.grids.coords import Crs
from gridgov.kit.clock import utc_now

app = typer.Typer(help="Standard addresses (标准地址).", no_args_is_help=True)


@app.command("import")
def import_cmd(
    file: Path,
    crs: Annotated[Crs, typer.Option("--crs")] = Crs.wgs84,
    county: Annotated[str | None, typer.Option(help="County code of the addresses")] = None,
) -> None:
    """Import ``address,lon,lat`` rows, each located to its grid (all or nothing)."""

    def go(p: Platform) -> None:
        texts, lon, lat = service.read_csv(file.read_text(encoding="utf-8-sig"), str(file))
        with p.db.write() as session:
            n = service.add_many(
                session, texts=texts, lon=lon, lat=lat, crs=crs, county_code=county, now=utc_now()
            )
        typer.echo(f"imported {n} addresses")

    run(go)


@app.command("match")
def match_cmd(
    text: str,
    county: Annotated[str | None, typer.Option()] = None,
    top: Annotated[int, typer.Option(min=1, max=50)] = 5,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The registry addresses a free-text address most likely means, with scores."""

    def go(p: Platform) -> None:
        with p.db.read() as session:
            found = service.match(session, text=text, county_code=county, top=top)
        if as_json:
            typer.echo(json.dumps([c.__dict__ for c in found], ensure_ascii=False, indent=2))
            return
        for c in found:
            typer.echo(f"{c.score:.2f}  {c.grid_code or '-':<17}  {c.address}")
        if not found:
            typer.echo("no candidates")

    run(go)
