"""``gridgov grids …`` commands: validate, import, export, locate."""

from __future__ import annotations

import csv
import json
import os
import tempfile
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer

from gridgov.bootstrap import Platform
from gridgov.cli_runtime import InputError, run
from gridgov.grids import service
from gridgov.grids.coords import Crs, to_wgs84
from gridgov.kit.clock import utc_now
from gridgov.kit.errors import ValidationFailed
from gridgov.sim.store import store_county

app = typer.Typer(help="Grids: validate, import, export, locate.", no_args_is_help=True)

CrsOption = Annotated[Crs, typer.Option("--crs", help="Coordinate system of the input.")]


def _read_features(path: Path, crs: Crs) -> tuple[list[Any], list[Any]]:
    """Features of a GeoJSON file, or of a CSV file with a WKT column (by extension)."""
    if path.suffix.lower() == ".csv":
        try:
            text = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise InputError(f"{path}: no such file") from None
        return service.features_from_csv(text, crs=crs)
    return service.features_from_geojson(_read_json(path), crs=crs)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: not JSON ({exc})") from None
    if not isinstance(doc, dict):
        raise InputError(f"{path}: expected a GeoJSON object")
    return doc


def _write_atomically(path: Path, write: Any) -> None:
    """Write through a temporary file so a failed run never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".part")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            write(fh)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@app.command("validate")
def validate_cmd(file: Path, crs: CrsOption = Crs.wgs84) -> None:
    """Check a GeoJSON grid file against the database; print one line per defect."""

    def go(p: Platform) -> None:
        features, problems = _read_features(file, crs)
        with p.db.read() as session:
            features = service.assign_codes(session, features)
            report = service.check(session, features=features, problems=problems)
        for line in report.lines():
            typer.echo(line)
        typer.echo(f"{report.features} features, {len(report.problems)} problem(s)")
        if not report.ok:
            raise typer.Exit(1)

    run(go)


@app.command("import")
def import_cmd(
    file: Path,
    crs: CrsOption = Crs.wgs84,
    repair: Annotated[bool, typer.Option(help="Repair invalid polygons with make_valid.")] = False,
) -> None:
    """Import a GeoJSON grid file: all features or none (the report says why)."""

    def go(p: Platform) -> None:
        features, problems = _read_features(file, crs)
        if repair:
            features = service.repair(features)
        try:
            with p.db.write() as session:
                report = service.import_features(
                    session, features=features, problems=problems, source_crs=crs, now=utc_now()
                )
        except service.ImportRejected as exc:
            for line in exc.report.lines():
                typer.echo(line)
            repairable = any(pr.repairable for pr in exc.report.problems)
            hint = " (invalid polygons can be repaired with --repair)" if repairable else ""
            typer.echo(f"nothing imported: {len(exc.report.problems)} problem(s){hint}", err=True)
            raise typer.Exit(1) from None
        typer.echo(f"imported {report.features} grids")

    run(go)


@app.command("export")
def export_cmd(
    output: Annotated[Path, typer.Option("--output", "-o")],
    kind: str | None = None,
    region: Annotated[str | None, typer.Option(help="Region code prefix.")] = None,
) -> None:
    """Write grids as GeoJSON, or as CSV with a WKT column when the file ends in .csv."""

    def go(p: Platform) -> None:
        with p.db.read() as session:
            if output.suffix.lower() == ".csv":
                rows = service.export_rows(session, kind=kind, region_prefix=region)
                _write_atomically(output, lambda fh: csv.writer(fh).writerows(rows))
                count = len(rows) - 1
            else:
                doc = service.export_geojson(session, kind=kind, region_prefix=region)
                _write_atomically(output, lambda fh: json.dump(doc, fh, ensure_ascii=False))
                count = len(doc["features"])
        typer.echo(f"wrote {count} grids to {output}")

    run(go)


def _read_points(path: Path) -> tuple[list[str], np.ndarray, np.ndarray]:
    try:
        fh = path.open(encoding="utf-8-sig", newline="")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    with fh:
        reader = csv.DictReader(fh)
        missing = {"id", "lon", "lat"} - set(reader.fieldnames or [])
        if missing:
            raise InputError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
        ids, lons, lats = [], [], []
        for line, row in enumerate(reader, start=2):
            try:
                lon, lat = float(row["lon"]), float(row["lat"])
            except (TypeError, ValueError):
                raise InputError(
                    f"{path}:{line}: lon/lat {row['lon']!r}, {row['lat']!r} are not numbers"
                ) from None
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                raise InputError(f"{path}:{line}: lon/lat {lon}, {lat} out of range")
            ids.append(row["id"])
            lons.append(lon)
            lats.append(lat)
    return ids, np.asarray(lons), np.asarray(lats)


@app.command("locate")
def locate_cmd(
    input: Annotated[Path, typer.Option("--input", "-i", help="CSV with id,lon,lat")],
    output: Annotated[Path, typer.Option("--output", "-o", help="CSV with id,grid_code")],
    crs: CrsOption = Crs.wgs84,
) -> None:
    """Find the comprehensive grid of every point (empty grid_code when outside)."""

    def go(p: Platform) -> None:
        ids, lon, lat = _read_points(input)
        lon, lat = to_wgs84(lon, lat, crs)
        with p.db.read() as session:
            try:
                locator = service.build_locator(session)
            except ValidationFailed as exc:
                raise InputError(exc.detail) from None
        codes = locator.codes_for(lon, lat) if ids else []

        def write(fh: Any) -> None:
            out = csv.writer(fh)
            out.writerow(["id", "grid_code"])
            out.writerows(zip(ids, (c or "" for c in codes), strict=True))

        _write_atomically(output, write)
        inside = sum(c is not None for c in codes)
        typer.echo(f"located {len(ids)} points: {inside} in a grid, {len(ids) - inside} outside")

    run(go)


@app.command("generate")
def generate_cmd(
    county: Annotated[str, typer.Option(help="County code; its stored boundary is used.")],
    towns: int = 11,
    villages_per_town: int = 22,
    grids_per_village: int = 3,
    dedicated: int = 84,
    micro_per_grid: int = 0,
    addresses_per_grid: int = 3,
    seed: int = 2026,
    people: Annotated[bool, typer.Option(help="Also town centres, units and grid workers.")] = (
        True
    ),
) -> None:
    """Generate towns, villages and grids tiling a county (its boundary, or a synthetic one)."""
    import shapely

    from gridgov.sim.county import CountySpec, generate, synthetic_county
    from gridgov.sim.people import populate
    from gridgov.store.models import Region

    def go(p: Platform) -> None:
        with p.db.write() as session:
            region = session.get(Region, county)
            if region is None:
                raise InputError(f"no region {county}; import it first (gridgov regions import)")
            shape = shapely.from_wkb(region.boundary) if region.boundary else synthetic_county()
            names = {
                r.code: r.name for r in session.query(Region).filter(Region.parent_code == county)
            }
            spec = CountySpec(
                county_code=county,
                county_name=region.name,
                towns=towns,
                villages_per_town=villages_per_town,
                grids_per_village=grids_per_village,
                dedicated=dedicated,
                micro_per_grid=micro_per_grid,
                addresses_per_grid=addresses_per_grid,
                seed=seed,
                town_names=names,
            )
            generated = generate(shape, spec)
            made = store_county(session, county=generated, now=utc_now())
            extra = populate(session, county=generated, now=utc_now()) if people else {}
        source = "its boundary" if region.boundary else "a synthetic outline"
        typer.echo(
            f"generated {made} grids in {county} on {source}"
            + "".join(f", {n} {what}" for what, n in extra.items())
        )

    run(go)


@app.command("assign")
def assign_cmd(
    grid: str,
    username: str,
    role: Annotated[
        str,
        typer.Option(
            help="grid_head, grid_worker, supervisor, informant, "
            "liaison, patroller, instructor or volunteer"
        ),
    ] = ("grid_worker"),
    remove: Annotated[bool, typer.Option("--remove", help="End the assignment.")] = False,
) -> None:
    """Put a person on a grid in a role (一长五员, instructor, volunteer), or take them off."""
    from gridgov.grids import staff

    def go(p: Platform) -> None:
        try:
            staff_role = staff.StaffRole(role)
        except ValueError:
            raise InputError(f"unknown role {role!r}") from None
        with p.db.write() as session:
            if remove:
                staff.unassign(session, grid_code=grid, username=username, role=staff_role)
            else:
                staff.assign(
                    session, grid_code=grid, username=username, role=staff_role, now=utc_now()
                )
        typer.echo(f"{username} {'removed from' if remove else 'is now'} {role} of {grid}")

    run(go)


@app.command("link")
def link_cmd(
    grid: str,
    username: str,
    kind: Annotated[str, typer.Option(help="leader, police or judicial")] = "leader",
) -> None:
    """Link a leader or a police/judicial officer to a grid (挂联)."""
    from gridgov.grids import staff

    def go(p: Platform) -> None:
        try:
            link_kind = staff.LinkKind(kind)
        except ValueError:
            raise InputError(f"unknown link kind {kind!r}") from None
        with p.db.write() as session:
            staff.link(session, grid_code=grid, username=username, kind=link_kind, now=utc_now())
        typer.echo(f"{username} linked to {grid} as {kind}")

    run(go)


@app.command("coverage")
def coverage_cmd(
    county: Annotated[str | None, typer.Option()] = None,
    max_grids: Annotated[int, typer.Option(min=1, help="More grids than this is too many.")] = 1,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Grids with no grid worker and grid workers with too many grids."""
    from gridgov.grids import staff

    def go(p: Platform) -> None:
        with p.db.read() as session:
            report = staff.coverage(session, county_code=county, max_grids=max_grids)
        if as_json:
            typer.echo(
                json.dumps(
                    {**report.__dict__, "covered_share": report.covered_share},
                    ensure_ascii=False,
                    indent=2,
                )
            )
            return
        share = report.covered_share
        typer.echo(
            f"{report.grids} comprehensive grids, "
            f"{len(report.without_worker)} without a grid worker"
            + (f" ({share:.1%} covered)" if share is not None else "")
        )
        for code in report.without_worker[:50]:
            typer.echo(f"  no grid worker: {code}")
        if len(report.without_worker) > 50:
            typer.echo(f"  … and {len(report.without_worker) - 50} more (--json for all)")
        for username, codes in report.over_assigned.items():
            typer.echo(f"  over-assigned: {username} on {len(codes)} grids")

    run(go)
