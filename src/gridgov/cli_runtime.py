"""What every CLI command shares: one platform, one transaction, errors as exit codes."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import typer
from pydantic import BaseModel

from gridgov.bootstrap import Platform, bootstrap, require_schema
from gridgov.config import Settings
from gridgov.kit.clock import ensure_utc, utc_now
from gridgov.kit.errors import AppError


class InputError(AppError):
    """A file or argument the command cannot use (exit code 2)."""

    exit_code = 2


T = TypeVar("T")


def run(
    fn: Callable[[Platform], T], *, migrate_first: bool = False, settings: Settings | None = None
) -> T:
    """Run one command; an AppError becomes a message on stderr and its exit code."""
    try:
        platform = bootstrap(settings, upgrade=migrate_first)
        if not migrate_first:
            require_schema(platform)
        return fn(platform)
    except AppError as err:
        typer.echo(f"error: {type(err).__name__}: {err.detail}", err=True)
        raise typer.Exit(err.exit_code) from None


def print_value(value: Any, as_json: bool) -> None:
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    if as_json:
        typer.echo(json.dumps(value, ensure_ascii=False, indent=2))
    else:
        print_plain(value)


def print_plain(value: Any, indent: int = 0) -> None:
    pad = "  " * indent
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, dict | list) and item:
                typer.echo(f"{pad}{key}:")
                print_plain(item, indent + 1)
            else:
                typer.echo(f"{pad}{key}: {item}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict):
                typer.echo(f"{pad}-")
                print_plain(item, indent + 1)
            else:
                typer.echo(f"{pad}- {item}")
    else:
        typer.echo(f"{pad}{value}")


def now_arg(value: str | None) -> datetime:
    if value is None:
        return utc_now()
    try:
        return ensure_utc(datetime.fromisoformat(value))
    except ValueError:
        raise AppError(f"--now {value!r} is not an ISO-8601 time") from None
