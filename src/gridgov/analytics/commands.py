"""``gridgov kpi``: a centre's KPIs for a period, in total and per group."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from gridgov.analytics import service
from gridgov.bootstrap import Platform
from gridgov.cli_runtime import InputError, print_value, run


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{option} {value!r} is not a date (YYYY-MM-DD)") from None


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
        with p.db.read() as session:
            document = service.report(
                session,
                center_code=center,
                first=start,
                last=end,
                by=by,
                level=level,
                office_hours=p.settings.office_hours,
            )
        print_value(document, as_json)

    run(go)
