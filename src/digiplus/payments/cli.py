"""``digiplus qr decode PAYLOAD`` and ``digiplus qr encode …`` (payments' commands; more join ``COMMANDS``)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from digiplus.core.errors import DigiplusError
from digiplus.core.money import to_minor
from digiplus.payments.cli_payouts import payouts_app
from digiplus.payments.cli_wallets import payments_app, wallets_app
from digiplus.payments.qr import decode, encode_twqr, merchant_qr, render_png, render_svg

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


COMMANDS = {"qr": qr_app, "payouts": payouts_app, "payments": payments_app, "wallets": wallets_app}
