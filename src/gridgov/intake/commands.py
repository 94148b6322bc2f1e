"""``gridgov intake …`` and ``gridgov routing …`` commands."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy import select

from gridgov.auth.actor import load_actor
from gridgov.bootstrap import Platform
from gridgov.cli_runtime import InputError, print_value, run
from gridgov.dispatch import rules as rules_db
from gridgov.intake import (
    batch,
    batches,
    bulk,
    deadletters,
    linkage,
    personal,
    service,
    withdraw,
)
from gridgov.kit.clock import utc_now
from gridgov.kit.errors import NotFound
from gridgov.regions import repository as regions
from gridgov.store.models import CatalogItem

app = typer.Typer(help="Intake: channels, dead letters, bulk import.", no_args_is_help=True)
routing_app = typer.Typer(help="Routing rules (catalogue × region → unit).", no_args_is_help=True)

User = Annotated[str, typer.Option("--user", help="Acting user")]
AsJson = Annotated[bool, typer.Option("--json")]


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not JSON ({exc})") from None


@app.command("receive")
def receive_cmd(
    channel: Annotated[str, typer.Option("--channel")],
    file: Annotated[Path, typer.Option("--file", help="A JSON object, or a list for a batch")],
    user: User,
    center: Annotated[str | None, typer.Option()] = None,
    as_json: AsJson = False,
) -> None:
    """Feed records of a channel through the door (a list = an offline batch). Records that
    cannot become cases are kept as dead letters; the exit code is 2 when any was."""

    def go(p: Platform) -> int:
        body = _read_json(file)
        records = body if isinstance(body, list) else [body]
        with p.db.write() as session:
            out = batch.receive_batch(
                session,
                channel=channel,
                records=records,
                actor=load_actor(session, username=user),
                now=utc_now(),
                rules=p.rules,
                triage=p.triage,
                center=center,
            )
        print_value(out, as_json)
        return 2 if any(o["outcome"] == "rejected" for o in out) else 0

    code = run(go)
    if code:
        raise typer.Exit(code)


dead_app = typer.Typer(help="Records that could not become cases.", no_args_is_help=True)
app.add_typer(dead_app, name="dead-letters")


@dead_app.command("list")
def dead_list(
    state: Annotated[str, typer.Option(help="pending, replayed, discarded or all")] = "pending",
    limit: Annotated[int, typer.Option(min=1, max=10000)] = 100,
    as_json: AsJson = False,
) -> None:
    def go(p: Platform) -> None:
        if state not in ("pending", "replayed", "discarded", "all"):
            raise InputError(f"--state {state!r}: pending, replayed, discarded or all")
        with p.db.read() as session:
            rows = deadletters.list_dead_letters(
                session, state=None if state == "all" else state, limit=limit
            )
            out = []
            for r, number in rows:
                view = deadletters.shown(r)
                out.append(
                    {
                        "id": r.id,
                        "channel": r.channel,
                        "external_id": r.external_id,
                        "received_at": r.received_at.isoformat(),
                        "state": r.state,
                        "attempts": r.attempts,
                        "reason": view.reason,
                        "case": number,
                        **({"payload": view.payload} if as_json else {}),
                    }
                )
        print_value(out, as_json)

    run(go)


@dead_app.command("reveal")
def dead_reveal(
    letter_id: int,
    user: User,
    reason: Annotated[str, typer.Option(help="Why the personal data is needed")],
) -> None:
    """Print a dead letter's record as delivered, personal data included (recorded)."""

    def go(p: Platform) -> None:
        with p.db.write() as session:
            letter = deadletters.reveal(
                session,
                letter_id=letter_id,
                actor=load_actor(session, username=user),
                reason=reason,
                now=utc_now(),
            )
            out = {"id": letter.id, "reason": letter.reason, "payload": letter.payload}
        print_value(out, True)

    run(go)


@dead_app.command("replay")
def dead_replay(
    letter_id: int,
    user: User,
    payload: Annotated[Path | None, typer.Option(help="Corrected record (JSON)")] = None,
    center: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Feed a dead letter through again (as stored, or corrected)."""

    def go(p: Platform) -> int:
        body = _read_json(payload) if payload else None
        if body is not None and not isinstance(body, dict):
            raise InputError("the corrected record must be a JSON object")
        with p.db.write() as session:
            got = service.replay(
                session,
                letter_id=letter_id,
                actor=load_actor(session, username=user),
                now=utc_now(),
                rules=p.rules,
                triage=p.triage,
                payload=body,
                center=center,
            )
            if got.case is None:
                assert got.dead_letter is not None
                typer.echo(f"still rejected: {got.dead_letter.reason}", err=True)
                return 2
            typer.echo(f"replayed: case {got.case.number} ({got.case.status})")
            return 0

    code = run(go)
    if code:
        raise typer.Exit(code)


@dead_app.command("discard")
def dead_discard(letter_id: int) -> None:
    def go(p: Platform) -> None:
        with p.db.write() as session:
            deadletters.discard(session, letter_id=letter_id, now=utc_now())
        typer.echo(f"discarded dead letter #{letter_id}")

    run(go)


def reveal_cmd(
    number: str,
    user: User,
    reason: Annotated[str, typer.Option(help="Why the personal data is needed")],
    as_json: AsJson = False,
) -> None:
    """Show a case's unmasked personal data (a permission; recorded on the case)."""

    def go(p: Platform) -> None:
        with p.db.write() as session:
            out = personal.reveal(
                session,
                number=number,
                actor=load_actor(session, username=user),
                reason=reason,
                now=utc_now(),
            )
        print_value(out, as_json)

    run(go)


# ---- routing rules -------------------------------------------------------------------------
ROUTING_COLUMNS = ("item", "region_level", "area", "lead_unit", "assisting", "note")


@routing_app.command("list")
def routing_list(as_json: AsJson = False) -> None:
    def go(p: Platform) -> None:
        with p.db.read() as session:
            out = [
                {
                    "id": r.id,
                    "item": item,
                    "region_level": r.region_level,
                    "area": r.area_code,
                    "lead_unit": r.lead_unit,
                    "assisting": r.assisting,
                    "note": r.note,
                }
                for r, item in rules_db.rule_rows(session)
            ]
        print_value(out, as_json)

    run(go)


@routing_app.command("import")
def routing_import(
    file: Path,
    replace: Annotated[bool, typer.Option(help="Delete every rule first")] = False,
) -> None:
    """Rules from CSV ``item,region_level,area,lead_unit,assisting,note`` (assisting: unit
    codes separated by ``;``). All rows are checked before any is written."""

    def go(p: Platform) -> None:
        try:
            text = file.read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise InputError(f"cannot read {file}: {exc.strerror}") from None
        reader = csv.DictReader(io.StringIO(text))
        missing = [c for c in ROUTING_COLUMNS[:4] if c not in (reader.fieldnames or [])]
        if missing:
            raise InputError(f"{file}: missing column(s) {', '.join(missing)}")
        rows = [dict(r) for r in reader]
        with p.db.write() as session:
            n = rules_db.import_rules(session, rows=rows, replace=replace, source=str(file))
        typer.echo(f"imported {n} routing rule(s)")

    run(go)


@routing_app.command("test")
def routing_test(
    item: Annotated[str, typer.Option(help="Catalogue item code")],
    region: Annotated[str, typer.Option(help="Region code")],
    level: Annotated[str, typer.Option(help="Level of the centre holding the case")] = "county",
) -> None:
    """Which rule routes this item in this region, and to whom."""

    def go(p: Platform) -> None:
        with p.db.read() as session:
            if session.scalar(select(CatalogItem.id).where(CatalogItem.code == item)) is None:
                raise NotFound(f"no catalogue item {item!r}")
            regions.get_region(session, code=region)
            found = rules_db.route_for(session, item=item, region_code=region, center_level=level)
        typer.echo(found.explain() if found else "no rule: the dispatcher chooses")
        if found is None:
            raise typer.Exit(1)

    run(go)


@app.command("import")
def import_cmd(
    file: Annotated[Path, typer.Argument(help="CSV or XLSX export of the old platform")],
    mapping: Annotated[Path, typer.Option("--mapping", help="Column mapping (TOML or JSON)")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check and report; write nothing")
    ] = False,
    as_json: AsJson = False,
) -> None:
    """Bulk import with a column mapping. ``--dry-run`` reports what would happen; the import
    writes valid rows as cases and rejected rows as dead letters, in one transaction."""

    def go(p: Platform) -> None:
        plan = bulk.Mapping.load(mapping)
        with p.db.write() as session:
            report = bulk.run(
                session,
                mapping=plan,
                path=file,
                suggester=p.triage.suggester,
                locate=p.triage.locator,
                dry_run=dry_run,
                now=utc_now(),
                actor="import",
            )
        out = report.as_dict()
        if not as_json:
            out["rejected"] = out["rejected"][:20] + (
                [f"… {len(report.rejected) - 20} more"] if len(report.rejected) > 20 else []
            )
        print_value(out, as_json)

    run(go)


@app.command("imports")
def imports_cmd(
    limit: Annotated[int, typer.Option(min=1, max=500)] = 20,
    as_json: AsJson = False,
) -> None:
    """The bulk imports written, newest first: when, by whom, which file, what came of it."""

    def go(p: Platform) -> None:
        with p.db.read() as session:
            found = batches.recent(session, limit=limit)
        if as_json:
            print_value(json.loads(json.dumps(found, default=str)), True)
            return
        if not found:
            typer.echo("no imports yet")
        for b in found:
            gone = b["withdrawn_at"]
            typer.echo(
                f"#{b['id']} {b['at']:%Y-%m-%d %H:%M} UTC {b['center']} {b['file_name']}"
                f" ({b['actor']}): {b['rows']} rows, {b['imported']} imported,"
                f" {b['already_on_file']} on file, {b['dead_letters']} refused"
                f" ({b['pending_letters']} still pending)"
                + (f"; withdrawn {gone:%Y-%m-%d %H:%M} UTC by {b['withdrawn_by']}" if gone else "")
            )

    run(go)


@app.command("withdraw")
def withdraw_cmd(
    batch_id: Annotated[int, typer.Argument(help="The import batch (gridgov intake imports)")],
    reason: Annotated[str, typer.Option("--reason", help="Why it is withdrawn")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say what would go and stay; write nothing")
    ] = False,
    as_json: AsJson = False,
) -> None:
    """Withdraw an import written by mistake, so that the file can be imported again: its
    cases that nothing has happened to since go (events, KPI facts and all), the others
    stay and are listed with why, its dead letters are discarded. One transaction."""

    def go(p: Platform) -> None:
        with p.db.write() as session:
            out = withdraw.withdraw(
                session,
                batch_id,
                reason=reason,
                now=utc_now(),
                actor=None,
                username="cli",
                timezone=p.settings.timezone,
                office_hours=p.settings.office_hours,
                dry_run=dry_run,
            )
        if as_json:
            print_value(json.loads(json.dumps(out.as_dict(), default=str)), True)
            return
        typer.echo(withdraw.words(out))
        for line in out.kept:
            typer.echo(f"  kept {line['case']}: {line['why']}")
        if out.kept_count > len(out.kept):
            typer.echo(f"  … {out.kept_count - len(out.kept)} more kept")

    run(go)


@app.command("push")
def push_cmd(
    url: Annotated[str, typer.Option("--url", help="Where the linked system takes updates")],
    target: Annotated[str, typer.Option(help="Linked channel")] = "police_110",
    limit: Annotated[int, typer.Option(min=1, max=100000)] = 500,
) -> None:
    """Send the linked system (110) every status change it has not yet had, in order."""

    def go(p: Platform) -> int:
        if not url.startswith(("http://", "https://")):
            raise InputError(f"--url {url!r} is not an http(s) address")
        with p.db.write() as session:
            result = linkage.deliver(
                session, target=target, send=linkage.http_sender(url), now=utc_now(), limit=limit
            )
        typer.echo(
            f"sent {result.sent}" + (f"; stopped: {result.last_error}" if result.failed else "")
        )
        return 1 if result.failed else 0

    code = run(go)
    if code:
        raise typer.Exit(code)


policy_app = typer.Typer(help="A centre's triage thresholds.", no_args_is_help=True)
app.add_typer(policy_app, name="policy")
Ratio = Annotated[float | None, typer.Option(min=0.0, max=1.0)]


@policy_app.command("show")
def policy_show(center: Annotated[str, typer.Option()], as_json: AsJson = False) -> None:
    """The thresholds a centre triages with (the defaults until it sets its own)."""

    def go(p: Platform) -> None:
        with p.db.read() as session:
            found = regions.get_center(session, code=center)
            print_value(
                service.policy_dict(service.policy_for(session, center_id=found.id)), as_json
            )

    run(go)


@policy_app.command("set")
def policy_set(
    center: Annotated[str, typer.Option()],
    classify: Ratio = None,
    locate: Ratio = None,
    duplicate: Ratio = None,
    auto_accept: Annotated[bool | None, typer.Option("--auto-accept/--no-auto-accept")] = None,
    auto_dispatch: Annotated[
        bool | None, typer.Option("--auto-dispatch/--no-auto-dispatch")
    ] = None,
    window_hours: Annotated[float | None, typer.Option(min=1, max=24 * 90)] = None,
    radius_m: Annotated[float | None, typer.Option(min=10, max=50_000)] = None,
) -> None:
    """Change a centre's thresholds: classification and location confidence for automatic
    acceptance, automatic acceptance and dispatch on/off, duplicate score, window, radius."""

    def go(p: Platform) -> None:
        with p.db.write() as session:
            found = regions.get_center(session, code=center)
            row = service.set_policy(
                session,
                center_id=found.id,
                changes={
                    "classify_threshold": classify,
                    "locate_threshold": locate,
                    "duplicate_threshold": duplicate,
                    "auto_accept": auto_accept,
                    "auto_dispatch": auto_dispatch,
                    "duplicate_window_hours": window_hours,
                    "duplicate_radius_m": radius_m,
                },
            )
            print_value(service.policy_dict(row), False)

    run(go)
