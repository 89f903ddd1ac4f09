"""Payments' commands: ``digiplus qr decode|encode``, ``digiplus payouts run``,
``digiplus payments intents list|show`` and ``digiplus wallets list|show|topup``."""

from __future__ import annotations

import io
import json
from datetime import date, datetime, timedelta
from pathlib import Path

import typer

from digiplus.core.context import Caller
from digiplus.core.db import get_database, utcnow
from digiplus.core.errors import DigiplusError
from digiplus.core.money import format_minor, to_minor
from digiplus.payments.qr import decode, encode_twqr, merchant_qr, render_png, render_svg
from digiplus.payments.service import banks, intents, payouts, settlement, topups, wallets

qr_app = typer.Typer(help="Payment QR codes: EMVCo merchant-presented and TWQR.", no_args_is_help=True)

_SUMMARY = (
    "format",
    "valid",
    "errors",
    "scheme",
    "scheme_name",
    "point_of_initiation",
    "merchant_name",
    "merchant_city",
    "country",
    "currency",
    "amount",
    "amount_minor",
    "mcc",
    "crc",
    "reference",
    "digiplus_merchant_id",
)


@qr_app.command("decode")
def decode_command(
    payload: str = typer.Argument(..., help="The code's text (quote it: EMVCo names hold spaces)."),
    as_json: bool = typer.Option(False, "--json", help="Print the decoded object as JSON."),
) -> None:
    """Decode an EMVCo or TWQR payload: its fields, scheme and every tag. Exits 1 when the code is invalid."""
    decoded = decode(payload)
    shown = decoded.to_dict()
    if as_json:
        typer.echo(json.dumps(shown, ensure_ascii=False))
    else:
        for key in _SUMMARY:
            value = shown[key]
            if key == "errors":
                value = "; ".join(value) if value else "-"
            typer.echo(f"{key:21} {value if isinstance(value, str) else json.dumps(value)}")
        for account in shown["merchant_accounts"]:
            typer.echo(
                f"account {account['tag']:13} {account['scheme'] or '?'} {account['guid'] or ''} {account['fields']}"
            )
        for tag, value in shown["tags"].items():
            if isinstance(value, dict):
                typer.echo(f"tag {tag}")
                for sub, inner in value.items():
                    typer.echo(f"  {sub} {inner}")
            else:
                typer.echo(f"tag {tag} {value}")
    if not decoded.valid:
        raise typer.Exit(1)


@qr_app.command("encode")
def encode_command(
    merchant_id: str | None = typer.Option(None, "--merchant-id", help="EMVCo: the merchant's org id (our template)."),
    name: str = typer.Option(..., "--name", help="Merchant name (EMVCo 59) or TWQR service name."),
    city: str | None = typer.Option(None, "--city", help="EMVCo: merchant city (60)."),
    mcc: str | None = typer.Option(None, "--mcc", help="EMVCo: merchant category code, four digits."),
    amount: str | None = typer.Option(
        None, "--amount", help="Amount in major units, e.g. 23.72 (makes the code dynamic)."
    ),
    currency: str = typer.Option("TWD", "--currency", help="ISO 4217 alpha code."),
    reference: str | None = typer.Option(None, "--reference", help="EMVCo 62/05 (e.g. a payment intent id); TWQR D2."),
    terminal: str | None = typer.Option(None, "--terminal", help="EMVCo 62/07 terminal label."),
    bill_number: str | None = typer.Option(None, "--bill-number", help="EMVCo 62/01; TWQR D7."),
    country: str = typer.Option("TW", "--country", help="EMVCo: ISO 3166-1 alpha-2 country."),
    fmt: str = typer.Option("emvco", "--format", help="emvco or twqr."),
    kind: str = typer.Option("transfer", "--kind", help="TWQR: purchase, transfer or bill."),
    bank_code: str | None = typer.Option(None, "--bank-code", help="TWQR D5: three-digit bank code."),
    account: str | None = typer.Option(None, "--account", help="TWQR D6: account, up to 16 digits."),
    memo: str | None = typer.Option(None, "--memo", help="TWQR D9: memo."),
    png: Path | None = typer.Option(None, "--png", help="Also write the code as a PNG here."),
    svg: Path | None = typer.Option(None, "--svg", help="Also write the code as an SVG here."),
) -> None:
    """Build a payment code and print its payload (and write PNG/SVG when asked). Exits 1 on bad input."""
    try:
        minor = to_minor(amount, currency) if amount is not None else None
        if fmt == "emvco":
            missing = [
                flag for flag, value in (("--merchant-id", merchant_id), ("--city", city), ("--mcc", mcc)) if not value
            ]
            if missing:
                raise DigiplusError(f"--format emvco needs {', '.join(missing)}")
            payload = merchant_qr(
                merchant_id=merchant_id or "",
                merchant_name=name,
                merchant_city=city or "",
                mcc=mcc or "",
                currency=currency,
                amount_minor=minor,
                reference=reference,
                terminal=terminal,
                country=country,
                bill_number=bill_number,
            )
        elif fmt == "twqr":
            payload = encode_twqr(
                kind=kind,
                service_name=name,
                bank_code=bank_code,
                account=account,
                amount_minor=minor,
                currency=currency,
                order_number=reference,
                bill_number=bill_number,
                memo=memo,
            )
        else:
            raise DigiplusError(f"--format must be emvco or twqr, got {fmt!r}")
    except DigiplusError as exc:
        typer.secho(f"error: {exc.message}", err=True, fg="red")
        raise typer.Exit(1) from None
    typer.echo(payload)
    if png is not None:
        png.write_bytes(render_png(payload))
    if svg is not None:
        svg.write_text(render_svg(payload), encoding="utf-8")


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


# --- payment intents and wallets (an operator's view of one organisation) ------------------

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


COMMANDS = {"qr": qr_app, "payouts": payouts_app, "payments": payments_app, "wallets": wallets_app}
