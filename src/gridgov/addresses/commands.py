"""``gridgov addresses …`` commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from gridgov.addresses import buildings, service
from gridgov.bootstrap import Platform
from gridgov.cli_runtime import InputError, run
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


buildings_app = typer.Typer(
    help="Buildings and households with risk colours.", no_args_is_help=True
)
Colour = Annotated[str, typer.Option("--colour", help="red, yellow, blue or green")]
Reasons = Annotated[list[str] | None, typer.Option("--reason", help="Why (repeatable)")]


def _colour(value: str) -> buildings.RiskColour:
    try:
        return buildings.RiskColour(value)
    except ValueError:
        raise InputError(f"unknown risk colour {value!r}") from None


@buildings_app.command("add")
def building_add(
    address: Annotated[str, typer.Option()],
    lon: Annotated[float, typer.Option()],
    lat: Annotated[float, typer.Option()],
    crs: Annotated[Crs, typer.Option("--crs")] = Crs.wgs84,
    households: int = 0,
    colour: Colour = "green",
    reason: Reasons = None,
) -> None:
    """Register a building (located to its grid)."""

    def go(p: Platform) -> None:
        with p.db.write() as session:
            b = buildings.add_building(
                session,
                address=address,
                lon=lon,
                lat=lat,
                crs=crs,
                households=households,
                colour=_colour(colour),
                reasons=reason or [],
                now=utc_now(),
            )
            typer.echo(f"building {b.id} in grid {b.grid_code or '(outside every grid)'}")

    run(go)


@buildings_app.command("household")
def household_add(
    building: int,
    door: Annotated[str, typer.Option()],
    members: int = 1,
    colour: Colour = "green",
    reason: Reasons = None,
) -> None:
    """Add a household (door, head count, risk colour) to a building."""

    def go(p: Platform) -> None:
        with p.db.write() as session:
            h = buildings.add_household(
                session,
                building_id=building,
                door=door,
                members=members,
                colour=_colour(colour),
                reasons=reason or [],
                now=utc_now(),
            )
            typer.echo(f"household {h.id} ({h.door}) in building {building}")

    run(go)


@buildings_app.command("set-risk")
def building_risk(building: int, colour: Colour, reason: Reasons = None) -> None:
    """Set a building's risk colour; every colour but green needs a reason."""

    def go(p: Platform) -> None:
        with p.db.write() as session:
            buildings.set_risk(
                session,
                building_id=building,
                colour=_colour(colour),
                reasons=reason or [],
                now=utc_now(),
            )
        typer.echo(f"building {building} is now {colour}")

    run(go)


@buildings_app.command("list")
def building_list(
    grid: Annotated[str, typer.Option()],
    colour: Annotated[str | None, typer.Option("--colour")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """A grid's buildings, worst risk first."""

    def go(p: Platform) -> None:
        with p.db.read() as session:
            views = buildings.in_grid(
                session, grid_code=grid, colour=_colour(colour) if colour else None
            )
        if as_json:
            typer.echo(json.dumps([v.__dict__ for v in views], ensure_ascii=False, indent=2))
            return
        for v in views:
            why = "；".join(v.risk_reasons)
            typer.echo(f"{v.id:>6} {v.risk_colour:<6} {v.households:>3}户 {v.address} {why}")
        typer.echo(f"{len(views)} building(s)")

    run(go)
