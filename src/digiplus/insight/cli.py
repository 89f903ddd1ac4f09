"""``digiplus insight …``: every figure of one merchant as a table (``--csv`` for the CSV export,
``--json`` for the API's object). An operator's tool: it reads the lake for the org given.

The history import (``digiplus insight import FILE --merchant ORG``) joins ``insight_app`` here;
it is the lake's (see the coordinator's note in docs/insight.md)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from digiplus.core.context import Caller
from digiplus.core.errors import DigiplusError
from digiplus.insight.service import figures
from digiplus.lake.cli import import_command

insight_app = typer.Typer(help="Consumer insight of a merchant's payments (from the lake).", no_args_is_help=True)

_MERCHANT = typer.Option(..., "--merchant", help="The merchant organisation (org_…).")
_MODE = typer.Option("test", "--mode", help="test or live.")
_AS_OF = typer.Option(None, "--as-of", help="Last Taipei day included, YYYY-MM-DD (default: today).")
_SINCE = typer.Option(None, "--since", help="First Taipei day of period figures (default: a year before).")
_CURRENCY = typer.Option(None, "--currency", help="ISO 4217 code (default: the merchant's usual).")
_CSV = typer.Option(False, "--csv", help="Print the figure's table as CSV.")
_JSON = typer.Option(False, "--json", help="Print the API's JSON object.")


def _day(text: str | None, name: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        typer.secho(f"error: {name} must be a date YYYY-MM-DD", err=True, fg="red")
        raise typer.Exit(2) from None


def _show(name: str, merchant: str, mode: str, as_csv: bool, as_json: bool, **options: Any) -> None:
    if mode not in ("test", "live"):
        typer.secho("error: --mode must be test or live", err=True, fg="red")
        raise typer.Exit(2)
    options["as_of"] = _day(options.get("as_of"), "--as-of")
    options["since"] = _day(options.get("since"), "--since")
    options["previous"] = _day(options.get("previous"), "--previous")
    caller = Caller.system(merchant, livemode=mode == "live")
    try:
        found = figures.figure(name, caller, figures.Options(**options))
    except DigiplusError as exc:
        typer.secho(f"error: {exc.message}" + (f" ({exc.param})" if exc.param else ""), err=True, fg="red")
        raise typer.Exit(1) from None
    if as_csv:
        typer.echo(found.to_csv(), nl=False)
        return
    shown = found.to_dict()
    if as_json:
        typer.echo(json.dumps(shown, ensure_ascii=False))
        return
    extra = {k: v for k, v in shown.items() if k not in ("data", "object") and not isinstance(v, dict | list)}
    title = f"{name} · {merchant} · " + " · ".join(f"{k} {v}" for k, v in extra.items() if v is not None)
    table = Table(title=title, title_justify="left")
    rows = shown["data"]
    columns = list(rows[0]) if rows else []
    for column in columns:
        table.add_column(column, justify="right" if rows and isinstance(rows[0][column], int | float) else "left")
    for r in rows:
        table.add_row(*(" + ".join(v) if isinstance(v, list) else ("" if v is None else str(v)) for v in r.values()))
    Console().print(table)
    for key in ("bgnbd", "gamma_gamma"):
        if shown.get(key):
            typer.echo(f"{key}: " + ", ".join(f"{k}={v:.6g}" for k, v in shown[key].items() if isinstance(v, float)))
    if not rows:
        typer.echo(shown.get("reason") or "no data")


def _figure_command(command: str, name: str, help_text: str) -> None:
    """Registers ``digiplus insight <command>`` for a figure that takes only the common options."""

    def run(
        merchant: str = _MERCHANT,
        mode: str = _MODE,
        as_of: str | None = _AS_OF,
        since: str | None = _SINCE,
        currency: str | None = _CURRENCY,
        as_csv: bool = _CSV,
        as_json: bool = _JSON,
    ) -> None:
        _show(name, merchant, mode, as_csv, as_json, as_of=as_of, since=since, currency=currency)

    run.__doc__ = help_text
    insight_app.command(command)(run)


_figure_command("summary", "summary", "Totals: payments, gross, refunded, net, customers, average ticket.")
_figure_command("peak-hours", "peak_hours", "Payments per weekday × hour (Asia/Taipei).")
_figure_command("foreign", "foreign_visitors", "Foreign visitors by wallet country and currency.")
_figure_command("segments", "rfm_segments", "Customers per RFM segment (the 11 named segments).")
_figure_command("cohorts", "cohorts", "Monthly cohort retention matrix.")


def _per_period_command(command: str, name: str, help_text: str) -> None:
    """Registers ``digiplus insight <command>`` for a figure per period (the common options and ``--grain``)."""

    def run(
        merchant: str = _MERCHANT,
        mode: str = _MODE,
        as_of: str | None = _AS_OF,
        since: str | None = _SINCE,
        currency: str | None = _CURRENCY,
        grain: str = typer.Option("month", "--grain", help="day, week or month."),
        as_csv: bool = _CSV,
        as_json: bool = _JSON,
    ) -> None:
        _show(name, merchant, mode, as_csv, as_json, as_of=as_of, since=since, currency=currency, grain=grain)

    run.__doc__ = help_text
    insight_app.command(command)(run)


_per_period_command(
    "sales", "sales", "Sales over time: payments, gross, refunds, net, customers, average ticket per period."
)
_per_period_command("new-vs-returning", "new_vs_returning", "New and returning customers per period.")


@insight_app.command("mix")
def mix_command(
    merchant: str = _MERCHANT,
    mode: str = _MODE,
    as_of: str | None = _AS_OF,
    since: str | None = _SINCE,
    currency: str | None = _CURRENCY,
    by: str = typer.Option("scenario", "--by", help="scenario or payment_method."),
    as_csv: bool = _CSV,
    as_json: bool = _JSON,
) -> None:
    """The scenario or payment-method mix."""
    _show("mix", merchant, mode, as_csv, as_json, as_of=as_of, since=since, currency=currency, by=by)


@insight_app.command("customers")
def customers_command(
    merchant: str = _MERCHANT,
    mode: str = _MODE,
    as_of: str | None = _AS_OF,
    currency: str | None = _CURRENCY,
    segment: str = typer.Option("champions", "--segment", help="champions, loyal, …, lost."),
    limit: int = typer.Option(100, "--limit", min=1, max=100_000),
    as_csv: bool = _CSV,
    as_json: bool = _JSON,
) -> None:
    """The customers of one RFM segment with their scores."""
    _show(
        "segment_customers",
        merchant,
        mode,
        as_csv,
        as_json,
        as_of=as_of,
        currency=currency,
        segment=segment,
        limit=limit,
    )


@insight_app.command("movement")
def movement_command(
    merchant: str = _MERCHANT,
    mode: str = _MODE,
    as_of: str | None = _AS_OF,
    currency: str | None = _CURRENCY,
    previous: str | None = typer.Option(None, "--previous", help="Compare with this day (default: a month before)."),
    as_csv: bool = _CSV,
    as_json: bool = _JSON,
) -> None:
    """Movement between RFM segments from a month earlier."""
    _show("rfm_movement", merchant, mode, as_csv, as_json, as_of=as_of, currency=currency, previous=previous)


@insight_app.command("clv")
def clv_command(
    merchant: str = _MERCHANT,
    mode: str = _MODE,
    as_of: str | None = _AS_OF,
    currency: str | None = _CURRENCY,
    limit: int = typer.Option(20, "--limit", min=1, max=100_000),
    as_csv: bool = _CSV,
    as_json: bool = _JSON,
) -> None:
    """Customer lifetime value (BG/NBD + Gamma-Gamma): the models and the most valuable customers."""
    _show("clv", merchant, mode, as_csv, as_json, as_of=as_of, currency=currency, limit=limit)


@insight_app.command("basket")
def basket_command(
    merchant: str = _MERCHANT,
    mode: str = _MODE,
    as_of: str | None = _AS_OF,
    since: str | None = _SINCE,
    min_support: float = typer.Option(0.01, "--min-support"),
    min_confidence: float = typer.Option(0.2, "--min-confidence"),
    itemsets: bool = typer.Option(False, "--itemsets", help="Show the frequent itemsets instead of the rules."),
    as_csv: bool = _CSV,
    as_json: bool = _JSON,
) -> None:
    """Association rules (support, confidence, lift) of the payments' item lines."""
    name = "basket_itemsets" if itemsets else "basket_rules"
    _show(
        name,
        merchant,
        mode,
        as_csv,
        as_json,
        as_of=as_of,
        since=since,
        min_support=min_support,
        min_confidence=min_confidence,
    )


# The history import the issue names `digiplus insight import FILE --merchant ORG`: the lake's own
# command (it writes the lake, never insight), under the name merchants look for.
insight_app.command("import")(import_command)

COMMANDS = {"insight": insight_app}
