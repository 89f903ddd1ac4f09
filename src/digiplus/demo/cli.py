"""``digiplus demo``: migrate, build the demo world, print how to get in, then serve it."""

from __future__ import annotations

import typer

from digiplus.core import migrate
from digiplus.core.db import get_database
from digiplus.demo.data import build_demo_data
from digiplus.demo.service import DEMO_PASSWORD, DemoWorld, build_demo_world, create_demo_key
from digiplus.settings import get_settings


def demo(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    serve: bool = typer.Option(True, help="Serve the pages and API after building (--no-serve: build and print only)."),
) -> None:
    """Create the demo world (safe to re-run), print the logins and a test key, and serve it."""
    settings = get_settings()
    if settings.env == "production":
        typer.secho("error: `digiplus demo` creates users with a published password; refused in production.", err=True)
        raise typer.Exit(1)
    migrate.upgrade()
    with get_database().session() as session:
        world = build_demo_world(session)
        secret = create_demo_key(session, world.merchant)
    print_welcome(world, secret, f"http://{host}:{port}", settings.database_url)
    typer.echo(build_demo_data(get_database()).summary(f"http://{host}:{port}"))
    if serve:
        from digiplus.cli import serve as serve_command

        serve_command(host=host, port=port, worker=True)


def print_welcome(world: DemoWorld, secret: str, address: str, database_url: str) -> None:
    books = world.books
    if not world.created_anything:
        state = "it existed already, nothing duplicated"
    else:
        state = f"created {world.created} organisations, users and memberships"
        if books:
            state += f", {books.created_accounts} ledger accounts and {books.created_transfers} transfers"
    lines = [
        f"digiplus demo world ready ({state}; database {database_url})",
        "",
        f"  Open      {address}/",
        f"  API docs  {address}/docs",
        f"  Password  {DEMO_PASSWORD}  (the same for every demo login; for the demo only)",
        "",
    ]
    if books:
        lines += [
            f"  Ledger    {books.accounts} accounts and {books.transfers} transfers of {world.merchant.name}",
            f"            (test mode, four weeks of sales): {address}/ledger/accounts",
        ]
    lines += [
        "",
        "  Logins:",
    ]
    width = max(len(login.email) for login in world.logins)
    lines += [f"    {login.email:<{width}}  {login.role:<9}  {login.org_name}" for login in world.logins]
    lines += [
        "",
        f"  Test API key of {world.merchant.name} (a new one on every run; shown only now):",
        f"    {secret}",
        "",
        "  Try it:",
        f'    curl -H "Authorization: Bearer {secret}" {address}/v1/account',
        "",
    ]
    typer.echo("\n".join(lines))


COMMANDS = {"demo": demo}
