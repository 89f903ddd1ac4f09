"""``digiplus ledger verify`` and ``digiplus ledger balance ACCOUNT_ID``."""

from __future__ import annotations

import json

import typer

from digiplus.core.context import Caller
from digiplus.core.db import get_database
from digiplus.core.errors import DigiplusError
from digiplus.ledger.schemas import account_public, balance_public
from digiplus.ledger.service import accounts, reads
from digiplus.ledger.service.verify import verify_ledger

ledger_app = typer.Typer(help="The double-entry ledger.", no_args_is_help=True)


@ledger_app.command("verify")
def verify() -> None:
    """Recompute every balance from the transfers; check debits = credits per ledger and every
    account's flags. Exits 1 on any drift, naming the account."""
    with get_database().session() as session:
        report = verify_ledger(session)
    typer.echo(
        f"checked {report.accounts} accounts and {report.transfers} transfers "
        f"in {len(report.ledgers)} ledgers (per org and mode)"
    )
    for (org, live, ledger), t in sorted(report.ledgers.items()):
        typer.echo(
            f"  {org} {'live' if live else 'test'} {ledger}: {t.accounts} accounts, "
            f"posted debits {t.debits_posted} = credits {t.credits_posted}, "
            f"pending debits {t.debits_pending} = credits {t.credits_pending}"
            + (
                ""
                if (t.debits_posted, t.debits_pending) == (t.credits_posted, t.credits_pending)
                else "  <- UNBALANCED"
            )
        )
    if report.ok:
        typer.echo("ledger verify: OK (stored balances match the transfers; flags hold; books balance)")
        return
    for problem in report.problems:
        typer.secho(f"DRIFT: {problem}", err=True, fg="red")
    typer.secho(f"ledger verify: {len(report.problems)} problem(s)", err=True, fg="red")
    raise typer.Exit(1)


@ledger_app.command("balance")
def balance(
    account_id: str = typer.Argument(..., help="The account's id."),
    org: str = typer.Option(..., help="The organisation (org_…)."),
    mode: str = typer.Option("test", help="test or live."),
    at_transfer: str | None = typer.Option(None, "--at", help="As of (right after) this past transfer."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Print an account's balance, now or as of one of its past transfers."""
    if mode not in ("test", "live"):
        typer.secho("error: --mode must be test or live", err=True, fg="red")
        raise typer.Exit(2)
    caller = Caller.system(org, livemode=mode == "live")
    try:
        with get_database().session() as session:
            account = accounts.get_account(session, caller, account_id)
            b = (
                reads.balance_at(session, caller, account_id, at_transfer)
                if at_transfer
                else reads.account_balance(account)
            )
            shown = account_public(account)
    except DigiplusError as exc:
        typer.secho(f"error: {exc.message}", err=True, fg="red")
        raise typer.Exit(1) from None
    if as_json:
        typer.echo(json.dumps(balance_public(account_id, b, at_transfer).model_dump()))
        return
    typer.echo(
        f"{account_id} ({shown.ledger}, code {shown.code}{', ' + ' '.join(shown.flags) if shown.flags else ''})"
        + (f" as of transfer {at_transfer}" if at_transfer else "")
    )
    typer.echo(f"  debits   posted {b.debits_posted:>20}   pending {b.debits_pending:>20}")
    typer.echo(f"  credits  posted {b.credits_posted:>20}   pending {b.credits_pending:>20}")
    typer.echo(f"  net credit (credits_posted - debits_posted): {b.net_credit}")


COMMANDS = {"ledger": ledger_app}
