"""``gridgov webhooks …``: subscriptions, the delivery log, re-sending and the worker."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from gridgov.bootstrap import Platform
from gridgov.cli_runtime import print_value, run
from gridgov.hooks import service
from gridgov.kit.clock import utc_now

app = typer.Typer(help="Webhooks for external systems.", no_args_is_help=True)
AsJson = Annotated[bool, typer.Option("--json")]


@app.command("create")
def create_cmd(
    name: Annotated[str, typer.Option("--name")],
    url: Annotated[str, typer.Option("--url")],
    event: Annotated[
        list[str] | None, typer.Option("--event", help="Event type (repeat); default: all")
    ] = None,
    region: Annotated[
        str | None, typer.Option("--region", help="Only cases in this region")
    ] = None,
    from_start: Annotated[
        bool, typer.Option("--from-start", help="Also send the events already on file")
    ] = False,
) -> None:
    """Subscribe a URL. The signing secret is printed alone on the last line, once."""

    def go(p: Platform) -> None:
        with p.db.write() as session:
            made = service.create(
                session,
                name=name,
                url=url,
                event_types=event or ["*"],
                region_code=region,
                from_now=not from_start,
                now=utc_now(),
            )
        typer.echo(f"webhook {name!r} → {url} ({', '.join(made.webhook.event_types)}); secret:")
        typer.echo(made.secret)

    run(go)


@app.command("list")
def list_cmd(as_json: AsJson = False) -> None:
    def go(p: Platform) -> None:
        with p.db.read() as session:
            rows = [
                {
                    "name": h.name,
                    "url": h.url,
                    "events": h.event_types,
                    "region": h.region_code,
                    "active": h.active,
                    "cursor": h.cursor,
                }
                for h in service.list_all(session)
            ]
        print_value(rows, as_json)

    run(go)


@app.command("deliveries")
def deliveries_cmd(
    name: Annotated[str | None, typer.Option("--name")] = None,
    state: Annotated[str | None, typer.Option("--state", help="pending, delivered or dead")] = None,
    limit: int = 50,
    as_json: AsJson = False,
) -> None:
    """The delivery log, newest first."""

    def go(p: Platform) -> None:
        with p.db.read() as session:
            rows = [
                {
                    "id": d.id,
                    "webhook": n,
                    "event": f"{d.event_type}#{d.event_id}",
                    "state": d.state,
                    "attempts": d.attempts,
                    "last_status": d.last_status,
                    "last_error": d.last_error,
                    "next_attempt_at": d.next_attempt_at.isoformat(),
                }
                for d, n in service.deliveries(session, name=name, state=state, limit=limit)
            ]
        print_value(rows, as_json)

    run(go)


@app.command("resend")
def resend_cmd(delivery: Annotated[int, typer.Option("--id", help="Delivery id")]) -> None:
    """Queue a delivery again (delivered, dead or waiting for its back-off)."""

    def go(p: Platform) -> None:
        with p.db.write() as session:
            service.resend(session, delivery_id=delivery, now=utc_now())
        typer.echo(f"delivery {delivery} queued")

    run(go)


@app.command("run")
def run_cmd(
    once: Annotated[bool, typer.Option("--once", help="One round, then exit")] = False,
    interval: Annotated[float, typer.Option(min=0.1)] = 5.0,
) -> None:
    """The delivery worker (the API server runs the same rounds by itself)."""

    def go(p: Platform) -> None:
        while True:
            r = service.run_once(p.db, now=utc_now)
            typer.echo(f"queued {r.enqueued}, delivered {r.delivered}, failed {r.failed}")
            if once:
                return
            time.sleep(interval)

    run(go)
