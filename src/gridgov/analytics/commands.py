"""``gridgov kpi``: a centre's KPIs for a period, in total and per group."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import func, select

from gridgov.analytics import rollups, service
from gridgov.bootstrap import Platform
from gridgov.cli_runtime import InputError, print_value, run
from gridgov.store.models import KpiRollup


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{option} {value!r} is not a date (YYYY-MM-DD)") from None


def _rollups_for(p: Platform, center: str) -> bool:
    """Whether the rollups answer for the centre (caught up first when they do)."""
    with p.db.read() as session:
        zone = service.center_and_tz(session, center)[0].timezone
    return rollups.ready(p.db, p.settings, zone)


def kpi_cmd(
    center: Annotated[str, typer.Option("--center", help="Centre code")],
    first: Annotated[str, typer.Option("--from", help="First day (YYYY-MM-DD, local)")],
    last: Annotated[str, typer.Option("--to", help="Last day, inclusive")],
    by: Annotated[service.By | None, typer.Option("--by", help="Also one row per group")] = None,
    level: Annotated[
        str | None,
        typer.Option("--level", help="With --by region: county, town or village (default town)"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """KPIs as DESIGN §8 defines them; rates are fractions 0–1, null without a denominator."""

    def go(p: Platform) -> None:
        start, end = _day(first, "--from"), _day(last, "--to")
        use_rollups = _rollups_for(p, center)
        with p.db.read() as session:
            document = service.report(
                session,
                center_code=center,
                first=start,
                last=end,
                by=by,
                level=level,
                office_hours=p.settings.office_hours,
                rollups=use_rollups,
            )
        print_value(document, as_json)

    run(go)


app = typer.Typer(help="KPI rollups: keep, rebuild and check them.", no_args_is_help=True)


@app.command("process")
def process_cmd() -> None:
    """Read the new events into the rollups (the server does this every few seconds)."""

    def go(p: Platform) -> None:
        n = rollups.catch_up(
            p.db, timezone=p.settings.timezone, office_hours=p.settings.office_hours, rounds=1000
        )
        typer.echo(f"{n} cases brought up to date")

    run(go)


@app.command("rebuild")
def rebuild_cmd() -> None:
    """Drop the rollups and count every case again from its events (one transaction)."""

    def go(p: Platform) -> None:
        with p.db.write() as session:
            rows = rollups.rebuild(
                session, timezone=p.settings.timezone, office_hours=p.settings.office_hours
            )
        typer.echo(f"rollups rebuilt: {rows} rows")

    run(go)


@app.command("check")
def check_cmd() -> None:
    """Prove the rollups equal a full recomputation from the events; exit 1 on any
    difference, listing it."""

    def go(p: Platform) -> None:
        settings = p.settings
        rollups.catch_up(p.db, timezone=settings.timezone, office_hours=settings.office_hours)
        with p.db.read() as session:
            wrong = rollups.differences(
                session, timezone=settings.timezone, office_hours=settings.office_hours
            )
            rows = session.scalar(select(func.count()).select_from(KpiRollup))
        if wrong:
            for line in wrong[:50]:
                typer.echo(line, err=True)
            typer.echo(f"error: {len(wrong)} rollup rows differ from the events", err=True)
            raise typer.Exit(1)
        typer.echo(f"rollups agree with the events ({rows} rows)")

    run(go)


export_app = typer.Typer(help="Exports for analysts.", no_args_is_help=True)


@export_app.command("cases")
def export_cases_cmd(
    fmt: Annotated[str, typer.Option("--format", help="csv, xlsx or parquet")] = "csv",
    first: Annotated[str | None, typer.Option("--from", help="Created on or after (local)")] = None,
    last: Annotated[str | None, typer.Option("--to", help="Created on or before")] = None,
    center: Annotated[str | None, typer.Option("--center", help="Only its region")] = None,
    output: Annotated[
        Path | None, typer.Option("--output", help="File (csv: default stdout)")
    ] = None,
) -> None:
    """One row per case: status, each step's time, due times, colour, unit, region, grid,
    category, channel, satisfaction; personal data masked."""
    from zoneinfo import ZoneInfo

    from gridgov.analytics import export

    def go(p: Platform) -> None:
        start = _day(first, "--from") if first else None
        end = _day(last, "--to") if last else None
        if fmt not in export.FORMATS:
            raise InputError(f"--format {fmt!r}: one of {', '.join(export.FORMATS)}")
        if fmt != "csv" and output is None:
            raise InputError(f"--format {fmt} needs --output FILE")
        tz = ZoneInfo(p.settings.timezone)
        with p.db.read() as session:
            rows = export.cases(session, first=start, last=end, tz=tz, center=center)
            n = export.write(rows, fmt=fmt, out=output or sys.stdout, tz=tz)
        if output is not None:
            typer.echo(f"{n} cases written to {output}")

    run(go)


def hot_topics_cmd(
    input: Annotated[Path, typer.Option("--input", help="Messages (CSV, UTF-8)")],
    top: Annotated[int, typer.Option("--top", min=1, max=100)] = 5,
    window_days: Annotated[float, typer.Option("--window-days", min=1)] = 60,
    min_similarity: Annotated[float, typer.Option("--min-similarity", min=0.05, max=1.0)] = 0.3,
    id_column: Annotated[str, typer.Option("--id-column")] = "留言编号",
    subject_column: Annotated[str, typer.Option("--subject-column")] = "留言主题",
    time_column: Annotated[str, typer.Option("--time-column")] = "留言时间",
    text_column: Annotated[str, typer.Option("--text-column")] = "留言详情",
    likes_column: Annotated[str, typer.Option("--likes-column")] = "点赞数",
    dislikes_column: Annotated[str, typer.Option("--dislikes-column")] = "反对数",
    user_column: Annotated[str, typer.Option("--user-column")] = "留言用户",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The matters many people raise about one place in one period, hottest first
    (heat = people + 2·ln(1 + supporters)); a Markdown table, or JSON."""
    import csv as csv_module
    import json

    from gridgov.analytics import hot

    try:
        with input.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv_module.DictReader(handle))
    except (OSError, UnicodeDecodeError) as exc:
        typer.echo(f"error: cannot read {input}: {exc}", err=True)
        raise typer.Exit(2) from None
    columns = {
        "id": id_column,
        "subject": subject_column,
        "time": time_column,
        "text": text_column,
        "likes": likes_column,
        "dislikes": dislikes_column,
        "user": user_column,
    }
    messages, problems = hot.read_messages(rows, columns)
    if rows and not messages:
        typer.echo(f"error: no message could be read ({problems[0]})", err=True)
        raise typer.Exit(2)
    found = hot.topics(messages, window_days=window_days, min_similarity=min_similarity, top=top)
    if as_json:
        typer.echo(
            json.dumps(
                [
                    {
                        "topic": " ".join(t.words),
                        "subject": t.subject,
                        "place": t.place,
                        "first": t.first.isoformat(sep=" "),
                        "last": t.last.isoformat(sep=" "),
                        "messages": t.reports,
                        "people": t.people,
                        "votes": t.supporters,
                        "heat": t.heat,
                        "ids": t.ids,
                    }
                    for t in found
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    typer.echo("| # | topic | place | time span | messages | people | votes | heat | message ids |")
    typer.echo("|---|---|---|---|---|---|---|---|---|")
    for n, t in enumerate(found, start=1):
        span = f"{t.first:%Y-%m-%d} – {t.last:%Y-%m-%d}"
        topic = f"{t.subject} ({' '.join(t.words)})"
        typer.echo(
            f"| {n} | {topic} | {t.place} | {span} | {t.reports} | {t.people} | {t.supporters} "
            f"| {t.heat} "
            f"| {', '.join(t.ids)} |"
        )
    if problems:
        typer.echo(f"({len(problems)} rows could not be read, e.g. {problems[0]})", err=True)


assess_app = typer.Typer(
    help="Assessment: scoring schemes and monthly rankings.", no_args_is_help=True
)


@assess_app.command("scheme")
def scheme_cmd(
    code: Annotated[str, typer.Option("--code")],
    file: Annotated[Path, typer.Option("--file", help="JSON: name, target, weights, …")],
) -> None:
    """Create or replace a scoring scheme from a JSON file (checked as a whole)."""
    import json

    from gridgov.analytics import assessment
    from gridgov.kit.clock import utc_now

    def go(p: Platform) -> None:
        try:
            spec = json.loads(file.read_text(encoding="utf-8"))
            fields = {
                "name": spec["name"],
                "target": spec["target"],
                "weights": spec["weights"],
                "adjustments": spec.get("adjustments", []),
                "red_at": spec.get("red_at"),
                "black_below": spec.get("black_below"),
            }
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise InputError(f"{file}: {exc!r}") from None
        with p.db.write() as session:
            assessment.set_scheme(session, code=code, now=utc_now(), **fields)
        typer.echo(f"scheme {code} saved")

    run(go)


@assess_app.command("rank")
def rank_cmd(
    scheme: Annotated[str, typer.Option("--scheme")],
    center: Annotated[str, typer.Option("--center")],
    month: Annotated[str, typer.Option("--month", help="YYYY-MM")],
    output: Annotated[Path | None, typer.Option("--output", help="CSV or XLSX file")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The month's ranking (score, rank, red/black list, points per item)."""
    from gridgov.analytics import assessment

    def go(p: Platform) -> None:
        settings = p.settings
        use = _rollups_for(p, center)
        with p.db.read() as session:
            document = assessment.monthly(
                session,
                code=scheme,
                center_code=center,
                month=month,
                office_hours=settings.office_hours,
                rollups=use,
            )
        if output is not None:
            _write_ranking(document, output)
            typer.echo(f"{len(document['rows'])} rows written to {output}")
        elif as_json:
            print_value(document, True)
        else:
            for row in document["rows"]:
                mark = {"red": "红榜", "black": "黑榜"}.get(row["list"], "")
                typer.echo(f"{row['rank'] or '-':>3} {row['score']!s:>7} {mark:4} {row['name']}")

    run(go)


def _write_ranking(document: dict[str, object], output: Path) -> None:
    import csv as csv_module

    rows = document["rows"]
    assert isinstance(rows, list)
    header = ["rank", "key", "name", "score", "list"]
    extra = sorted({k for r in rows for k in r["figures"]})
    table = [
        [r["rank"], r["key"], r["name"], r["score"], r["list"], *[r["figures"][k] for k in extra]]
        for r in rows
    ]
    if output.suffix.lower() == ".xlsx":
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.title = str(document["month"])
        sheet.append(header + extra)
        for line in table:
            sheet.append(line)
        book.save(output)
    elif output.suffix.lower() == ".csv":
        with output.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv_module.writer(handle)
            writer.writerow(header + extra)
            writer.writerows(table)
    else:
        raise InputError(f"{output}: write .csv or .xlsx")


report_app = typer.Typer(help="Daily, weekly and monthly reports.", no_args_is_help=True)


@report_app.command("make")
def report_make_cmd(
    center: Annotated[str, typer.Option("--center")],
    kind: Annotated[str, typer.Option("--kind", help="daily, weekly or monthly")],
    day: Annotated[str, typer.Option("--day", help="Any day of the period (YYYY-MM-DD)")],
) -> None:
    """Make (or make again) a report: HTML, XLSX and PDF under data_dir/reports."""
    from gridgov.analytics import reports
    from gridgov.kit.clock import utc_now

    def go(p: Platform) -> None:
        settings = p.settings
        when = _day(day, "--day")
        use = _rollups_for(p, center)
        with p.db.write() as session:
            row = reports.make(
                session,
                center_code=center,
                kind=kind,
                day=when,
                directory=settings.report_dir,
                office_hours=settings.office_hours,
                rollups=use,
                now=utc_now(),
                made_by="cli",
            )
            stem, note = row.stem, row.note
        typer.echo(f"{stem}.html, .xlsx" + ("" if note else ", .pdf"))
        if note:
            typer.echo(note, err=True)

    run(go)


@report_app.command("due")
def report_due_cmd() -> None:
    """Make every report that is due now (the server does this on its own)."""
    from gridgov.analytics import reports
    from gridgov.kit.clock import utc_now

    def go(p: Platform) -> None:
        made = reports.make_due(p.db, p.settings, now=utc_now())
        typer.echo("\n".join(made) if made else "no report is due")

    run(go)
