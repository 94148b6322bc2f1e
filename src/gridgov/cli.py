"""The ``gridgov`` command line. Every command runs in one transaction on GRIDGOV_DATABASE_URL."""

from __future__ import annotations

import json
import sys
from datetime import date
from typing import Annotated, Any

import typer

from gridgov.addresses.commands import app as addresses_app
from gridgov.addresses.commands import buildings_app
from gridgov.analytics.commands import app as analytics_app
from gridgov.analytics.commands import (
    assess_app,
    export_app,
    hot_topics_cmd,
    kpi_cmd,
    report_app,
)
from gridgov.auth.actor import SYSTEM, load_actor
from gridgov.auth.commands import app as users_app
from gridgov.bootstrap import Platform, bootstrap
from gridgov.cli_runtime import now_arg as _now
from gridgov.cli_runtime import print_value as _print
from gridgov.cli_runtime import run as _run
from gridgov.config import Settings
from gridgov.grids.commands import app as grids_app
from gridgov.hooks.commands import app as webhooks_app
from gridgov.intake.commands import app as intake_app
from gridgov.intake.commands import reveal_cmd, routing_app
from gridgov.kit.clock import utc_now
from gridgov.kit.errors import AppError
from gridgov.kit.pagination import PageParams
from gridgov.nlp.commands import app as nlp_app
from gridgov.regions.commands import app as regions_app
from gridgov.sim.commands import app as sim_app

app = typer.Typer(
    help="gridgov — integrated command platform for grid-based governance.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
seed_app = typer.Typer(help="Demo data.", no_args_is_help=True)
case_app = typer.Typer(help="Cases: create, show, act, list.", no_args_is_help=True)
sla_app = typer.Typer(help="Time limits.", no_args_is_help=True)
audit_app = typer.Typer(help="Tamper evidence.", no_args_is_help=True)
calendar_app = typer.Typer(help="Working calendar.", no_args_is_help=True)

for sub, name in [
    (grids_app, "grids"),
    (regions_app, "regions"),
    (addresses_app, "addresses"),
    (buildings_app, "buildings"),
    (db_app, "db"),
    (seed_app, "seed"),
    (case_app, "case"),
    (sla_app, "sla"),
    (audit_app, "audit"),
    (calendar_app, "calendar"),
    (intake_app, "intake"),
    (routing_app, "routing"),
    (nlp_app, "nlp"),
    (users_app, "users"),
    (webhooks_app, "webhooks"),
    (sim_app, "sim"),
    (analytics_app, "analytics"),
    (export_app, "export"),
    (assess_app, "assess"),
    (report_app, "report"),
]:
    app.add_typer(sub, name=name)


# ---- db -----------------------------------------------------------------------------------
@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or upgrade the schema to the newest migration."""
    from gridgov.store import migrate

    def go(p: Platform) -> None:
        typer.echo(f"schema at {migrate.current_revision(p.db.engine)} ({p.db.engine.url!r})")

    _run(go, migrate_first=True)


@db_app.command("current")
def db_current() -> None:
    """Show the schema revision of the database."""
    from gridgov.store import migrate

    platform = bootstrap()
    current = migrate.current_revision(platform.db.engine)
    typer.echo(f"{current or 'empty'} (head {migrate.head_revision()})")


# ---- seed ---------------------------------------------------------------------------------
@seed_app.command("demo")
def seed_demo(cases: Annotated[int, typer.Option(min=0, max=2000)] = 40) -> None:
    """Load the demo county (Guannan) with units, catalogue, users and cases. Idempotent."""
    from gridgov.sim.seed import is_seeded
    from gridgov.sim.seed import seed_demo as seed

    def go(p: Platform) -> None:
        with p.db.write() as session:
            if is_seeded(session):
                typer.echo("demo data already present; nothing to do")
                return
            counts = seed(session, now=utc_now(), cases=cases)
        typer.echo("seeded: " + ", ".join(f"{k}={v}" for k, v in counts.items()))

    _run(go, migrate_first=True)


# ---- case ---------------------------------------------------------------------------------
AsUser = Annotated[str, typer.Option("--as", help="Username of the person acting.")]
JsonOut = Annotated[bool, typer.Option("--json", help="Print JSON.")]


@case_app.command("create")
def case_create(
    as_user: AsUser,
    channel: Annotated[str, typer.Option()],
    title: Annotated[str, typer.Option()],
    region: Annotated[str, typer.Option(help="Region code where the problem is.")],
    description: str = "",
    address: str = "",
    lon: float | None = None,
    lat: float | None = None,
    catalog_item: Annotated[str | None, typer.Option("--catalog-item")] = None,
    center: str | None = None,
    external_id: Annotated[str | None, typer.Option("--external-id")] = None,
    reporter_name: str | None = None,
    reporter_phone: str | None = None,
    now: Annotated[str | None, typer.Option(help="Pretend time (ISO-8601), for drills.")] = None,
    as_json: JsonOut = False,
) -> None:
    """Report a new case."""
    from gridgov.cases import service

    data = {
        k: v
        for k, v in {
            "channel": channel,
            "title": title,
            "region_code": region,
            "description": description,
            "address": address,
            "lon": lon,
            "lat": lat,
            "catalog_item": catalog_item,
            "center": center,
            "external_id": external_id,
            "reporter_name": reporter_name,
            "reporter_phone": reporter_phone,
        }.items()
        if v is not None
    }

    def go(p: Platform) -> None:
        at = _now(now)
        with p.db.write() as session:
            actor = load_actor(session, username=as_user)
            created = service.create_case(session, data=data, actor=actor, now=at)
            view = service.read(session, case=created.case, now=at, rules=p.rules)
        if not as_json:
            verb = "created" if created.created else "already on file as"
            typer.echo(f"{verb} {view.number} ({view.status})")
        else:
            _print(view, True)

    _run(go)


case_app.command("reveal")(reveal_cmd)
app.command("kpi")(kpi_cmd)
app.command("hot-topics")(hot_topics_cmd)


@case_app.command("show")
def case_show(
    number: str,
    events: Annotated[bool, typer.Option("--events", help="Include the event timeline.")] = False,
    as_user: Annotated[
        str | None, typer.Option("--as", help="Also list this user's actions.")
    ] = None,
    as_json: JsonOut = False,
) -> None:
    """Show a case, its deadlines with live colours, and optionally its timeline."""
    from gridgov.cases import repository, service

    def go(p: Platform) -> None:
        now = utc_now()
        with p.db.read() as session:
            case = repository.get_by_number(session, number=number)
            out: dict[str, Any] = service.read(
                session, case=case, now=now, rules=p.rules
            ).model_dump(mode="json")
            if as_user:
                actor = load_actor(session, username=as_user)
                out["allowed_actions"] = [
                    a.value for a in service.actions_for(session, case=case, actor=actor)
                ]
            if events:
                out["events"] = [
                    e.model_dump(mode="json") for e in service.read_events(session, case=case)
                ]
        _print(out, as_json)

    _run(go)


def _parse_params(params: list[str]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for item in params:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise AppError(f"--param {item!r} is not key=value")
        try:
            result[key] = json.loads(raw)
        except json.JSONDecodeError:
            result[key] = raw
    return result


@case_app.command("act")
def case_act(
    number: str,
    action: str,
    as_user: AsUser,
    data: Annotated[str | None, typer.Option(help="Action input as a JSON object.")] = None,
    param: Annotated[
        list[str] | None,
        typer.Option("--param", "-p", help="key=value (value parsed as JSON when it can be)"),
    ] = None,
    expected_version: Annotated[int | None, typer.Option("--expected-version")] = None,
    now: Annotated[str | None, typer.Option(help="Pretend time (ISO-8601), for drills.")] = None,
    as_json: JsonOut = False,
) -> None:
    """Apply a workflow action: `gridgov case act N dispatch --as dispatcher -p lead_unit=U`."""
    from gridgov.cases import service

    def go(p: Platform) -> None:
        try:
            payload = json.loads(data) if data else {}
        except json.JSONDecodeError as exc:
            raise AppError(f"--data is not JSON: {exc}") from None
        if not isinstance(payload, dict):
            raise AppError("--data must be a JSON object")
        payload.update(_parse_params(param or []))
        at = _now(now)
        with p.db.write() as session:
            actor = load_actor(session, username=as_user)
            case = service.act(
                session,
                number=number,
                action=action,
                actor=actor,
                payload=payload,
                now=at,
                rules=p.rules,
                expected_version=expected_version,
            )
            view = service.read(session, case=case, now=at, rules=p.rules)
        if as_json:
            _print(view, True)
        else:
            typer.echo(f"{view.number}: {action} → {view.status} (version {view.version})")

    _run(go)


@case_app.command("list")
def case_list(
    center: str | None = None,
    status: Annotated[list[str] | None, typer.Option()] = None,
    colour: str | None = None,
    import_batch: Annotated[
        int | None,
        typer.Option(min=1, max=2**31 - 1, help="Only the cases this bulk import wrote."),
    ] = None,
    caller_of: Annotated[
        str | None,
        typer.Option(help="Only the cases of this case's caller (the same callback number)."),
    ] = None,
    page: Annotated[int, typer.Option(min=1)] = 1,
    page_size: Annotated[int, typer.Option(min=1, max=500)] = 50,
    as_json: JsonOut = False,
) -> None:
    """List cases (a centre's queue includes cases it escalated, marked ↑)."""
    from gridgov.cases import service

    def go(p: Platform) -> None:
        with p.db.read() as session:
            result = service.list_cases(
                session,
                actor=SYSTEM,  # the operator's shell sees every case
                center_code=center,
                statuses=status or [],
                colour=colour,
                page=PageParams(page, page_size),
                query=service.CaseQuery(import_batch=import_batch, caller_of=caller_of),
            )
        if as_json:
            _print(result, True)
            return
        for c in result.items:
            mark = "↑" if c.escalated else " "
            typer.echo(
                f"{mark} {c.number}  {c.status:<11} {c.sla_colour or '-':<8} "
                f"{c.lead_unit or '-':<16} {c.title}"
            )
        typer.echo(f"{len(result.items)} of {result.total}")

    _run(go)


# ---- sla / audit / calendar --------------------------------------------------------------
@sla_app.command("sweep")
def sla_sweep(
    now: Annotated[str | None, typer.Option(help="Sweep as of this time (ISO-8601).")] = None,
) -> None:
    """Emit sla_warning / sla_overdue events that are due (idempotent)."""
    from gridgov.cases.tasks import sweep

    def go(p: Platform) -> None:
        with p.db.write() as session:
            result = sweep(session, now=_now(now), rules=p.rules)
        typer.echo(
            f"warnings={result.warnings} overdue={result.overdue} "
            f"skipped_busy={len(result.skipped)}"
        )

    _run(go)


@audit_app.command("verify")
def audit_verify(as_json: JsonOut = False) -> None:
    """Re-compute every case's hash chain; exit 1 and name each break if any."""
    from gridgov.audit.service import verify_all

    def go(p: Platform) -> None:
        with p.db.read() as session:
            report = verify_all(session)
        if as_json:
            _print(
                {
                    "ok": report.ok,
                    "cases": report.cases,
                    "events": report.events,
                    "findings": [f.__dict__ for f in report.findings],
                },
                True,
            )
        else:
            for f in report.findings:
                where = f"event {f.seq}" if f.seq is not None else "case anchor"
                typer.echo(f"BROKEN case {f.case_number} {where}: {f.reason}")
            verdict = "OK" if report.ok else f"{len(report.findings)} problem(s)"
            typer.echo(f"audit: {report.cases} cases, {report.events} events — {verdict}")
        if not report.ok:
            raise typer.Exit(1)

    _run(go)


@calendar_app.command("show")
def calendar_show(
    year: Annotated[int, typer.Option()],
    region: Annotated[str | None, typer.Option(help="County code for its local days.")] = None,
) -> None:
    """Show where the calendar of a year comes from and its non-standard days."""
    from gridgov.catalog import repository
    from gridgov.catalog.service import calendar_for

    def go(p: Platform) -> None:
        with p.db.read() as session:
            cal = calendar_for(
                session,
                tz=p.settings.timezone,
                office_hours=p.settings.office_hours,
                county_code=region,
            )
            local = [
                (row.day, "workday" if row.is_workday else "holiday", row.region_code, row.name)
                for row in repository.list_days(session, year=year)
            ]
        coverage = cal.coverage(year)
        typer.echo(f"{year}: {coverage}")
        if coverage == "fallback":
            typer.echo(
                "  statutory arrangement for this year is not in the installed "
                "chinese-calendar; weekdays work except 1 Jan, 1–2 May, 1–3 Oct. "
                "Add the State Council's days with `gridgov calendar set-day`."
            )
        day, workdays = date(year, 1, 1), 0
        while day.year == year:
            workdays += cal.is_workday(day)
            day = date.fromordinal(day.toordinal() + 1)
        typer.echo(f"  working days: {workdays}")
        for day_, kind, region_code, name in local:
            typer.echo(f"  local {day_} {kind} [{region_code}] {name}")

    _run(go)


@calendar_app.command("set-day")
def calendar_set_day(
    day: Annotated[str, typer.Argument(help="YYYY-MM-DD")],
    workday: Annotated[bool, typer.Option("--workday/--holiday")],
    name: str = "",
    region: Annotated[str, typer.Option(help="County code, or * for all.")] = "*",
) -> None:
    """Define a local holiday or make-up working day (overrides the statutory calendar)."""
    from gridgov.catalog import repository

    try:
        parsed = date.fromisoformat(day)
    except ValueError:
        typer.echo(f"error: {day!r} is not YYYY-MM-DD", err=True)
        raise typer.Exit(2) from None

    def go(p: Platform) -> None:
        with p.db.write() as session:
            repository.set_day(
                session, day=parsed, is_workday=workday, name=name, region_code=region
            )
        typer.echo(f"{parsed} is now a {'working day' if workday else 'holiday'} for {region}")

    _run(go)


# ---- server -------------------------------------------------------------------------------
@app.command("serve")
def serve(host: str | None = None, port: int | None = None) -> None:
    """Run the API server (and its periodic SLA sweep)."""
    import uvicorn

    from gridgov.api.app import create_app

    def go(p: Platform) -> None:
        uvicorn.run(create_app(p), host=host or p.settings.host, port=port or p.settings.port)

    _run(go)


@app.command("demo")
def demo(
    host: str = "127.0.0.1",
    port: int = 8000,
    db: Annotated[str | None, typer.Option(help="SQLite file for the demo.")] = None,
    no_sim: Annotated[
        bool, typer.Option("--no-sim", help="Serve the county without the live simulator.")
    ] = False,
    per_hour: Annotated[
        float,
        typer.Option("--per-hour", min=0.0, help="Simulated new cases per hour (daily mean)."),
    ] = 600.0,
) -> None:
    """Migrate, seed the demo county if needed, and serve it on HOST:PORT with the simulator
    reporting cases and acting on them in the background (unless --no-sim)."""
    import os
    import threading
    import time

    import uvicorn

    from gridgov.api.app import create_app
    from gridgov.sim import live
    from gridgov.sim.classifier import train_demo_model
    from gridgov.sim.seed import DEMO_ACCOUNTS, DEMO_PASSWORD, is_seeded
    from gridgov.sim.seed import seed_demo as seed

    if db:
        os.environ["GRIDGOV_DATABASE_URL"] = f"sqlite:///{os.path.abspath(db)}"

    def go(p: Platform) -> None:
        with p.db.write() as session:
            if not is_seeded(session):
                counts = seed(session, now=utc_now())
                typer.echo(
                    "seeded demo county: " + ", ".join(f"{k}={v}" for k, v in counts.items())
                )
            else:
                typer.echo("reusing the demo database")
        model = p.settings.classifier_path
        if not model.exists():  # no real messages were at hand (make model trains on them)
            n = train_demo_model(model, now=utc_now())
            typer.echo(f"trained the demo classifier on {n} phrasings of the demo catalogue")
        typer.echo(f"database: {p.db.engine.url!r}")
        typer.echo(f"demo accounts (password {DEMO_PASSWORD}):")
        for username, what in DEMO_ACCOUNTS:
            typer.echo(f"  {username:<22} {what}")
        typer.echo(f"console: http://{host}:{port}/console   big screen: /console/screen")
        typer.echo(f"API: http://{host}:{port}/api/v1   docs: http://{host}:{port}/docs")
        stop = threading.Event()
        if not no_sim:
            simulator = live.Simulator(p, per_hour=per_hour)
            threading.Thread(
                target=live.run,
                kwargs={
                    "simulator": simulator,
                    "seconds": 5.0,
                    "stop": stop.is_set,
                    "clock": utc_now,
                    "sleep": stop.wait,
                },
                name="gridgov-sim",
                daemon=True,
            ).start()
            typer.echo(f"simulator: about {per_hour:g} new cases an hour (--no-sim to stop it)")
        try:
            uvicorn.run(create_app(p), host=host, port=port)
        finally:
            stop.set()
            time.sleep(0.1)

    _run(go, migrate_first=True, settings=Settings())


def main() -> None:  # pragma: no cover
    sys.exit(app())
