"""``digiplus payouts run [--date] [--mode]``: settle due funds and make the day's payouts (joined into ``cli.COMMANDS``)."""

from __future__ import annotations

import io
import json
from datetime import date, datetime, timedelta

import typer

from digiplus.core.db import get_database, utcnow
from digiplus.payments.service import payouts, settlement

payouts_app = typer.Typer(help="Merchant settlement and payouts.", no_args_is_help=True)


@payouts_app.command("run")
def run_command(
    on: str | None = typer.Option(None, "--date", help="Payout date YYYY-MM-DD (Taipei); default today."),
    mode: str = typer.Option("all", help="test, live or all."),
    as_json: bool = typer.Option(False, "--json", help="Print the run's summary as JSON."),
) -> None:
    """Settle every merchant's due funds, mark arrived payouts paid, then pay out each merchant's
    available balance to its bank account (once a day: re-running books nothing twice)."""
    if mode not in ("test", "live", "all"):
        typer.secho("error: --mode must be test, live or all", err=True, fg="red")
        raise typer.Exit(2)
    livemode = None if mode == "all" else mode == "live"
    now = utcnow()
    payout_date: date | None = None
    if on is not None:
        try:
            payout_date = date.fromisoformat(on)
        except ValueError:
            typer.secho(f"error: --date {on!r} is not YYYY-MM-DD", err=True, fg="red")
            raise typer.Exit(2) from None
        if payout_date > settlement.taipei_date(now) and livemode is not False:
            typer.secho("error: a --date after today needs --mode test", err=True, fg="red")
            raise typer.Exit(2)
        if payout_date != settlement.taipei_date(now):
            now = _noon(payout_date)
    db = get_database()
    with db.session() as session:
        count = len(settlement.merchants(session, livemode))
    sink = io.StringIO() if as_json else None  # --json prints only the summary
    with typer.progressbar(length=count, label="merchants", file=sink) as bar:
        run = payouts.run_daily(
            db, now, payout_date=payout_date, livemode=livemode, progress=lambda _org: bar.update(1)
        )
    summary = run.summary()
    if as_json:
        typer.echo(json.dumps(summary))
        return
    typer.echo(
        f"{summary['payout_date']}: {summary['settlements_created']} settlement batch(es); "
        f"{summary['payouts_created']} payout(s): {summary['in_transit']} in transit, {summary['failed']} failed; "
        f"{summary['paid']} arrived (paid)"
    )
    for p in run.created:
        line = f"  {p.id} {p.org_id} {p.amount} {p.currency} {p.status}"
        typer.echo(line + (f" ({p.failure_code})" if p.failure_code else ""))
    if run.retry_later:
        typer.echo(f"  retry later (balance changed during the run): {', '.join(run.retry_later)}")


def _noon(day: date) -> datetime:
    return settlement.taipei_midnight(day) + timedelta(hours=12)
