"""``digiplus payments intents list|show`` and ``digiplus wallets list|show|topup|approve``: an operator's
view of one organisation's intents and wallets (joined into ``cli.COMMANDS``)."""

from __future__ import annotations

import json
from datetime import datetime

import typer

from digiplus.core.context import Caller
from digiplus.core.db import get_database
from digiplus.core.errors import DigiplusError
from digiplus.core.money import format_minor, to_minor
from digiplus.payments.service import approval, banks, intents, paying, settlement, topups, wallets

payments_app = typer.Typer(help="Payment intents of a merchant organisation.", no_args_is_help=True)
intents_app = typer.Typer(help="List and show a merchant's payment intents.", no_args_is_help=True)
payments_app.add_typer(intents_app, name="intents")
wallets_app = typer.Typer(help="A consumer organisation's wallets: balances and top-ups.", no_args_is_help=True)

_ORG = typer.Option(..., "--org", help="The organisation (org_…).")
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


def _money(amount: int, cur: str) -> str:
    return f"{cur} {format_minor(amount, cur)}"


@intents_app.command("list")
def intents_list(
    org: str = _ORG,
    mode: str = _MODE,
    status: str | None = typer.Option(None, "--status", help="Only intents in this status (e.g. succeeded)."),
    limit: int = typer.Option(20, "--limit", min=1, max=1000, help="How many, newest first."),
    as_json: bool = _JSON,
) -> None:
    """The merchant's newest payment intents: id, time, amount, status, payer's wallet currency, refunded."""
    caller = _caller(org, mode)
    with get_database().session() as session:
        shown = [intents.intent_data(p) for p in intents.recent_intents(session, caller, status=status, limit=limit)]
    if as_json:
        typer.echo(json.dumps({"object": "list", "data": shown}, ensure_ascii=False))
        return
    if not shown:
        typer.echo("no payment intents")
    for p in shown:
        when = datetime.fromtimestamp(p["created"], tz=settlement.TAIPEI).strftime("%Y-%m-%d %H:%M")
        paid = f" paid in {p['wallet_currency']}" if p["wallet_currency"] not in (None, p["currency"]) else ""
        refunded = f" refunded {format_minor(p['amount_refunded'], p['currency'])}" if p["amount_refunded"] else ""
        typer.echo(f"{p['id']}  {when}  {_money(p['amount'], p['currency']):>14}  {p['status']}{paid}{refunded}")


@intents_app.command("show")
def intents_show(
    intent_id: str = typer.Argument(..., help="pi_…"), org: str = _ORG, mode: str = _MODE, as_json: bool = _JSON
) -> None:
    """One payment intent with its amounts, fee, payer and ledger transfers. Exits 1 when not found."""
    caller = _caller(org, mode)
    try:
        with get_database().session() as session:
            p = intents.intent_data(intents.get_intent(session, caller, intent_id))
    except DigiplusError as exc:
        raise _fail(exc) from None
    if as_json:
        typer.echo(json.dumps(p, ensure_ascii=False))
        return
    cur = p["currency"]
    lines = [
        f"{p['id']}  {p['status']}  ({p['capture_method']} capture, {p['scenario']}, MCC {p['mcc']})",
        f"  amount     {_money(p['amount'], cur)}",
        f"  received   {_money(p['amount_received'], cur)}   fee {_money(p['fee_amount'], cur)}"
        f"   refunded {_money(p['amount_refunded'], cur)}",
    ]
    if p["wallet_amount"] is not None:
        lines.append(f"  payer paid {_money(p['wallet_amount'], p['wallet_currency'])} ({p['payment_method_type']})")
    if p["last_payment_error"]:
        lines.append(f"  last error {p['last_payment_error'].get('code')}: {p['last_payment_error'].get('message')}")
    lines += [f"  ledger     {role}: {tid}" for role, tid in sorted(p["ledger_transfers"].items())]
    typer.echo("\n".join(lines))


def _wallet_line(w: dict[str, object]) -> str:
    cur = str(w["currency"])
    held = f"  held {format_minor(int(str(w['held'])), cur)}" if w["held"] else ""
    return f"{w['id']}  {cur}  available {format_minor(int(str(w['available'])), cur)}{held}  level {w['verification_level']}"


@wallets_app.command("list")
def wallets_list(org: str = _ORG, mode: str = _MODE, as_json: bool = _JSON) -> None:
    """The consumer's wallets with their balances (from the ledger)."""
    caller = _caller(org, mode)
    with get_database().session() as session:
        shown = [wallets.wallet_data(session, w) for w in session.scalars(wallets.wallets_query(caller))]
    if as_json:
        typer.echo(json.dumps({"object": "list", "data": shown}))
        return
    typer.echo("\n".join(_wallet_line(w) for w in shown) if shown else "no wallets")


@wallets_app.command("show")
def wallets_show(
    wallet_id: str = typer.Argument(..., help="wal_…"), org: str = _ORG, mode: str = _MODE, as_json: bool = _JSON
) -> None:
    """One wallet: balance, holds, verification level and limits. Exits 1 when not found."""
    caller = _caller(org, mode)
    try:
        with get_database().session() as session:
            w = wallets.wallet_data(session, wallets.get_wallet(session, caller, wallet_id))
    except DigiplusError as exc:
        raise _fail(exc) from None
    if as_json:
        typer.echo(json.dumps(w))
        return
    limits = w["limits"]
    typer.echo(_wallet_line(w))
    typer.echo("  limits (TWD): " + ", ".join(f"{name} {format_minor(value, 'TWD')}" for name, value in limits.items()))


@wallets_app.command("topup")
def wallets_topup(
    wallet_id: str = typer.Argument(..., help="wal_…"),
    amount: str = typer.Option(..., "--amount", help="In major units of the wallet's currency, e.g. 500 or 12.50."),
    org: str = _ORG,
    mode: str = _MODE,
    bank_account: str | None = typer.Option(
        None, "--bank-account", help="ba_…; default: the organisation's only bank account in the wallet's currency."
    ),
    as_json: bool = _JSON,
) -> None:
    """Top a wallet up from a linked bank account (through the bank connector). Exits 1 when refused."""
    caller = _caller(org, mode)
    try:
        with get_database().session() as session:
            wallet = wallets.get_wallet(session, caller, wallet_id)
            minor = to_minor(amount, wallet.currency)
            if bank_account is None:
                linked = [
                    a.id for a in session.scalars(banks.bank_accounts_query(caller)) if a.currency == wallet.currency
                ]
                if len(linked) != 1:
                    raise DigiplusError(
                        f"{len(linked)} bank accounts in {wallet.currency} are linked; name one with --bank-account",
                        param="bank_account",
                    )
                bank_account = linked[0]
            movement = topups.movement_data(
                topups.top_up(session, caller, wallet.id, bank_account_id=bank_account, amount=minor)
            )
    except DigiplusError as exc:
        raise _fail(exc) from None
    if as_json:
        typer.echo(json.dumps(movement))
    else:
        line = (
            f"{movement['id']}  {movement['status']}  {_money(movement['amount'], movement['currency'])} -> {wallet_id}"
        )
        typer.echo(
            line + (f" ({movement['failure_code']}: {movement['failure_message']})" if movement["failure_code"] else "")
        )
    if movement["status"] != "succeeded":
        raise typer.Exit(1)


@wallets_app.command("approve")
def wallets_approve(
    wallet_id: str = typer.Argument(..., help="wal_…"),
    intent_id: str = typer.Argument(
        ..., help="pi_… waiting for the payer's approval (next_action payer_authentication)"
    ),
    org: str = _ORG,
    mode: str = _MODE,
    as_json: bool = _JSON,
) -> None:
    """Approve, as the payer, a payment that waits for it; it is booked as any wallet payment.
    Exits 1 when it is declined or there is nothing to approve."""
    caller = _caller(org, mode)
    try:
        with get_database().session() as session:
            attempt = approval.approve_payment(session, caller, wallet_id, intent_id)
            receipt = paying.receipt(attempt)
            declined = attempt.declined
    except DigiplusError as exc:
        raise _fail(exc) from None
    if as_json:
        typer.echo(json.dumps(receipt if declined is None else {"error": declined.to_dict()}, ensure_ascii=False))
    elif declined is None:
        typer.echo(f"{intent_id}  {receipt['status']}  {_money(receipt['amount'], receipt['currency'])}")
    else:
        typer.secho(f"declined: {declined.code}: {declined.message}", err=True, fg="red")
    if declined is not None:
        raise typer.Exit(1)
