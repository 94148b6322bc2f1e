"""``gridgov users …``: accounts, passwords and API keys from the command line."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Annotated

import typer
from sqlalchemy import select

from gridgov.auth import credentials
from gridgov.bootstrap import Platform
from gridgov.cli_runtime import InputError, print_value, run
from gridgov.kit.clock import ensure_utc, utc_now
from gridgov.store.models import User

app = typer.Typer(help="User accounts, passwords and API keys.", no_args_is_help=True)
keys_app = typer.Typer(help="API keys for other systems.", no_args_is_help=True)
app.add_typer(keys_app, name="api-key")

AsJson = Annotated[bool, typer.Option("--json")]
PasswordStdin = Annotated[
    bool,
    typer.Option("--password-stdin", help="Read the password from standard input (scripts)."),
]


def _password(from_stdin: bool) -> str:
    if from_stdin:
        value = sys.stdin.readline().rstrip("\r\n")
        if not value:
            raise InputError("no password on standard input")
        return value
    value = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return str(value)


@app.command("create")
def create_cmd(
    username: Annotated[str, typer.Option("--username")],
    role: Annotated[list[str], typer.Option("--role", help="Repeat for several roles")],
    region: Annotated[str | None, typer.Option(help="Region code of the data scope")] = None,
    center: Annotated[str | None, typer.Option(help="Centre code")] = None,
    unit: Annotated[str | None, typer.Option(help="Unit code")] = None,
    display_name: Annotated[str | None, typer.Option("--display-name")] = None,
    catalog: Annotated[
        list[str] | None, typer.Option("--catalog", help="Limit the scope to these items")
    ] = None,
    no_password: Annotated[
        bool, typer.Option("--no-password", help="An account that cannot sign in")
    ] = False,
    password_stdin: PasswordStdin = False,
) -> None:
    """Create a user (asks for the password unless --no-password or --password-stdin)."""
    password = None if no_password else _password(password_stdin)

    def go(p: Platform) -> None:
        with p.db.write() as session:
            user = credentials.create_user(
                session,
                username=username,
                roles=role,
                password=password,
                display_name=display_name,
                region=region,
                center=center,
                unit=unit,
                catalog_scope=catalog,
                now=utc_now(),
            )
            typer.echo(f"created user {user.username} ({', '.join(user.role_names)})")

    run(go)


@app.command("reset-password")
def reset_password_cmd(
    username: Annotated[str, typer.Option("--username")],
    password_stdin: PasswordStdin = False,
) -> None:
    """Set a new password; unlocks the account and ends its open sessions."""
    password = _password(password_stdin)

    def go(p: Platform) -> None:
        with p.db.write() as session:
            credentials.set_password(session, username=username, password=password, now=utc_now())
        typer.echo(f"password of {username} changed; its sessions were ended")

    run(go)


@app.command("list")
def list_cmd(as_json: AsJson = False) -> None:
    def go(p: Platform) -> None:
        with p.db.read() as session:
            rows = [
                {
                    "username": u.username,
                    "roles": u.role_names,
                    "region": u.region_code,
                    "active": u.active,
                    "can_sign_in": u.password_hash is not None,
                    "locked_until": u.locked_until.isoformat() if u.locked_until else None,
                }
                for u in session.scalars(select(User).order_by(User.username))
            ]
        print_value(rows, as_json)

    run(go)


@keys_app.command("create")
def key_create_cmd(
    name: Annotated[str, typer.Option("--name")],
    role: Annotated[
        str | None, typer.Option("--role", help="Role of a new system account for the key")
    ] = None,
    region: Annotated[str | None, typer.Option("--region", help="Region of its data scope")] = None,
    user: Annotated[
        str | None, typer.Option("--user", help="Act as this existing user instead")
    ] = None,
    expires: Annotated[datetime | None, typer.Option("--expires", help="Expiry (ISO 8601)")] = None,
) -> None:
    """Issue an API key. The key is printed alone on the last line, once."""

    def go(p: Platform) -> None:
        with p.db.write() as session:
            issued = credentials.create_api_key(
                session,
                name=name,
                role=role,
                region=region,
                username=user,
                expires_at=ensure_utc(expires) if expires else None,
                now=utc_now(),
            )
        typer.echo(f"API key {name!r} created; it is shown once — store it now:")
        typer.echo(issued.key)

    run(go)


@keys_app.command("list")
def key_list_cmd(as_json: AsJson = False) -> None:
    def go(p: Platform) -> None:
        with p.db.read() as session:
            rows = [
                {
                    "name": k.name,
                    "prefix": k.prefix,
                    "created_at": k.created_at.isoformat(),
                    "last_used_at": k.last_used_at.isoformat() if k.last_used_at else None,
                    "revoked": k.revoked_at is not None,
                }
                for k in credentials.list_api_keys(session)
            ]
        print_value(rows, as_json)

    run(go)


@keys_app.command("revoke")
def key_revoke_cmd(name: Annotated[str, typer.Option("--name")]) -> None:
    def go(p: Platform) -> None:
        with p.db.write() as session:
            credentials.revoke_api_key(session, name=name, now=utc_now())
        typer.echo(f"API key {name!r} revoked")

    run(go)
