"""``digiplus terminals create|list|show|disable|enable|pair-code|totals|supervisor-add``: an operator's
or a merchant's terminals from the command line (the same services as the API and the pages)."""

from __future__ import annotations

import json
from datetime import date

import typer

from digiplus.core.context import Caller
from digiplus.core.db import get_database
from digiplus.core.errors import DigiplusError
from digiplus.core.money import format_minor
from digiplus.terminals.models import Terminal
from digiplus.terminals.service import fleet, supervisors, totals

terminals_app = typer.Typer(help="POS terminals of a merchant organisation.", no_args_is_help=True)
_ORG = typer.Option(..., "--org", help="The merchant organisation (org_…).")
_MODE = typer.Option("test", "--mode", help="test or live.")
_JSON = typer.Option(False, "--json", help="Print the API's JSON object(s).")


def _caller(org: str, mode: str) -> Caller:
    if mode not in ("test", "live"):
        typer.secho("error: --mode must be test or live", err=True, fg="red")
        raise typer.Exit(2)
    return Caller.system(org, livemode=mode == "live")


def _fail(exc: DigiplusError) -> typer.Exit:
    typer.secho(f"error: {exc.message}" + (f" ({exc.param})" if exc.param else ""), err=True, fg="red")
    return typer.Exit(1)


def _line(data: dict[str, object]) -> str:
    return f"{data['id']}  {data['name']:<20} {data['connection']:<9} {data['location']}"


@terminals_app.command("create")
def create_command(
    name: str = typer.Option(..., "--name", help="What the merchant calls it (Counter 1)."),
    location: str = typer.Option("", "--location", help="Where it stands."),
    org: str = _ORG,
    mode: str = _MODE,
    as_json: bool = _JSON,
) -> None:
    """Add a terminal; then make a pairing code for it (`pair-code`)."""
    try:
        with get_database().session() as session:
            data = fleet.terminal_data(fleet.create_terminal(session, _caller(org, mode), name=name, location=location))
    except DigiplusError as exc:
        raise _fail(exc) from None
    typer.echo(json.dumps(data, ensure_ascii=False) if as_json else _line(data))


@terminals_app.command("list")
def list_command(org: str = _ORG, mode: str = _MODE, as_json: bool = _JSON) -> None:
    """The organisation's terminals with their connection (online, offline, unpaired, disabled)."""
    with get_database().read_session() as session:
        rows = [
            fleet.terminal_data(t)
            for t in session.scalars(fleet.terminals_query(_caller(org, mode)).order_by(Terminal.name))
        ]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False))
        return
    for data in rows:
        typer.echo(_line(data))
    if not rows:
        typer.echo("no terminals")


def _change(action: str, terminal_id: str, org: str, mode: str, as_json: bool) -> None:
    calls = {"disable": fleet.disable_terminal, "enable": fleet.enable_terminal}
    try:
        with get_database().session() as session:
            data = fleet.terminal_data(calls[action](session, _caller(org, mode), terminal_id))
    except DigiplusError as exc:
        raise _fail(exc) from None
    typer.echo(json.dumps(data, ensure_ascii=False) if as_json else _line(data))


@terminals_app.command("disable")
def disable_command(
    terminal_id: str = typer.Argument(..., help="term_…"), org: str = _ORG, mode: str = _MODE, as_json: bool = _JSON
) -> None:
    """Disable a terminal: its next request is refused."""
    _change("disable", terminal_id, org, mode, as_json)


@terminals_app.command("enable")
def enable_command(
    terminal_id: str = typer.Argument(..., help="term_…"), org: str = _ORG, mode: str = _MODE, as_json: bool = _JSON
) -> None:
    """Enable a disabled terminal again."""
    _change("enable", terminal_id, org, mode, as_json)


@terminals_app.command("pair-code")
def pair_code_command(
    terminal_id: str = typer.Argument(..., help="term_…"), org: str = _ORG, mode: str = _MODE
) -> None:
    """Print a one-time pairing code (type it on the terminal; pairing again replaces its credential)."""
    try:
        with get_database().session() as session:
            terminal, code = fleet.issue_pairing_code(session, _caller(org, mode), terminal_id)
            expires = terminal.pairing_code_expires_at
    except DigiplusError as exc:
        raise _fail(exc) from None
    typer.echo(f"{code}  (valid until {expires.isoformat() if expires else '?'})")


@terminals_app.command("totals")
def totals_command(
    terminal_id: str = typer.Argument(..., help="term_…"),
    day: str | None = typer.Option(None, "--date", help="YYYY-MM-DD (Taipei); default today."),
    org: str = _ORG,
    mode: str = _MODE,
    as_json: bool = _JSON,
) -> None:
    """A terminal's end-of-day totals, checked against the ledger (exits 1 when they do not match)."""
    try:
        on = date.fromisoformat(day) if day else None
    except ValueError:
        typer.secho(f"error: --date {day!r} is not YYYY-MM-DD", err=True, fg="red")
        raise typer.Exit(2) from None
    try:
        with get_database().read_session() as session:
            data = totals.terminal_totals(session, _caller(org, mode), terminal_id, on)
    except DigiplusError as exc:
        raise _fail(exc) from None
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False))
    else:
        typer.echo(f"{data['terminal_name']} {data['date']} ({data['timezone']})")
        for c in data["currencies"]:
            cur = str(c["currency"])
            typer.echo(
                f"  {c['count']} sale(s) {cur} {format_minor(int(c['gross']), cur)}; fees {format_minor(int(c['fees']), cur)}; "
                f"{c['refund_count']} refund(s) {format_minor(int(c['refunds']), cur)}; net {format_minor(int(c['net']), cur)}"
            )
        typer.echo(
            "  ledger: matches" if data["ledger"]["matches"] else f"  ledger: MISMATCH {data['ledger']['mismatches']}"
        )
    if not data["ledger"]["matches"]:
        raise typer.Exit(1)


@terminals_app.command("supervisor-add")
def supervisor_add_command(
    name: str = typer.Option(..., "--name"),
    pin: str = typer.Option(..., "--pin", prompt=True, hide_input=True, help="4 to 8 digits."),
    org: str = _ORG,
    mode: str = _MODE,
) -> None:
    """Add a supervisor whose PIN allows refunds at the terminals."""
    try:
        with get_database().session() as session:
            s = supervisors.create_supervisor(session, _caller(org, mode), name=name, pin=pin)
            shown = f"{s.id}  {s.name}"
    except DigiplusError as exc:
        raise _fail(exc) from None
    typer.echo(shown)


COMMANDS = {"terminals": terminals_app}
