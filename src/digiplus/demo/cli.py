"""``digiplus demo``: migrate, build the demo world, print how to get in, then serve it."""

from __future__ import annotations

import typer

from digiplus.core import migrate
from digiplus.core.db import get_database
from digiplus.demo.commerce import build_demo_commerce
from digiplus.demo.data import build_demo_data
from digiplus.demo.lake import build_demo_lake
from digiplus.demo.loyalty import DemoLoyalty, build_demo_loyalty, end_of
from digiplus.demo.payments import DemoPayments, build_demo_payments
from digiplus.demo.sandbox import build_demo_sandbox
from digiplus.demo.service import DEMO_PASSWORD, DemoWorld, build_demo_world, create_demo_key
from digiplus.demo.terminals import SUPERVISOR_PIN, build_demo_terminals
from digiplus.settings import get_settings


def demo(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    serve: bool = typer.Option(True, help="Serve the pages and API after building (--no-serve: build and print only)."),
    scale: float = typer.Option(
        1.0, min=0.001, max=10.0, help="Size of the year of payments (1: about 30,000 payments; 0.05 for a quick look)."
    ),
) -> None:
    """Create the demo world (safe to re-run), print the logins and a test key, and serve it."""
    settings = get_settings()
    if settings.env == "production":
        typer.secho("error: `digiplus demo` creates users with a published password; refused in production.", err=True)
        raise typer.Exit(1)
    migrate.upgrade()
    with get_database().session() as session:
        world = build_demo_world(session)
        world_payments = build_demo_payments(session, world.orgs, scale=scale)
        shops = build_demo_commerce(session)
        world_loyalty = build_demo_loyalty(session, end_of(world_payments.last_day))
        world_terminals = build_demo_terminals(session)
        build_demo_sandbox(session, world.orgs)
        secret = create_demo_key(session, world.merchant)
    print_welcome(world, secret, f"http://{host}:{port}", settings.database_url, world_payments, world_loyalty)
    typer.echo(
        f"  Terminals: {world_terminals.terminals} at {world_terminals.merchants} merchants "
        f"(http://{host}:{port}/terminals; supervisor PIN {SUPERVISOR_PIN}; the software terminal at /terminal)"
    )
    typer.echo(build_demo_data(get_database()).summary(f"http://{host}:{port}"))
    typer.echo(
        f"  Shops     {', '.join(f'http://{host}:{port}/shop/{slug}' for slug in shops.stores)} "
        f"({shops.orders} orders from abroad made now); showcase http://{host}:{port}/clusters/western"
    )
    typer.echo(build_demo_lake(get_database()).summary())
    if serve:
        from digiplus.cli import serve as serve_command

        serve_command(host=host, port=port, worker=True, workers=1)


def print_welcome(
    world: DemoWorld,
    secret: str,
    address: str,
    database_url: str,
    pay: DemoPayments | None = None,
    loyalty: DemoLoyalty | None = None,
) -> None:
    books = world.books
    if not world.created_anything and not (pay and pay.created_anything):
        state = "it existed already, nothing duplicated"
    else:
        state = f"created {world.created} organisations, users and memberships"
        if books:
            state += f", {books.created_accounts} ledger accounts and {books.created_transfers} transfers"
        if pay and pay.created_anything:
            state += f", {pay.created_payments:,} payments"
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
    if pay:
        lines += [
            f"  Payments  {pay.payments:,} payments ({pay.refunds} refunded, {pay.payouts} payouts) from "
            f"{pay.first_day} to {pay.last_day} at {pay.merchants} merchants,",
            f"            by {pay.consumers} local wallets and {pay.visitors} visitors' wallets (test mode; "
            f"built in {pay.seconds:.1f} s)",
        ]
    if loyalty:
        lines += [
            f"  Loyalty   {loyalty.programmes} programmes, one per merchant ({loyalty.earned_payments:,} payments of the "
            f"last weeks earned points): {address}/loyalty",
        ]
    lines += [
        "",
        "  Logins:",
    ]
    width = max(len(login.email) for login in world.logins)
    lines += [f"    {login.email:<{width}}  {login.role:<9}  {login.org_name}" for login in world.logins]
    if pay:
        lines += [
            f"    {email:<{width}}  {'owner':<9}  {what}"
            for email, what in pay.logins
            if email not in {login.email for login in world.logins}
        ]
        lines += [
            f"    ({email}: {what})" for email, what in pay.logins if email in {login.email for login in world.logins}
        ]
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
