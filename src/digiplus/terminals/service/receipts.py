"""Print-ready receipt data: the facts as fields, and the same as lines for a thermal printer.

``width`` is the printer's columns (32 for 58 mm paper, 42 or 48 for 80 mm); CJK characters
take two columns, so the lines line up on the paper whatever the language. A cross-border
payment shows both currencies and the rate the payer got.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from digiplus.core.errors import ValidationFailed
from digiplus.core.money import display_amount
from digiplus.payments import FxQuote, get_intent, get_merchant_profile, payment_refunds, taipei_date
from digiplus.terminals.models import Terminal, TerminalPayment
from digiplus.terminals.service.access import TerminalIdentity

TAIPEI = ZoneInfo("Asia/Taipei")
WIDTHS = (32, 42, 48)
LANGUAGES = ("en", "zh-TW")
_LABELS = {
    "en": {
        "terminal": "Terminal",
        "payment": "Payment",
        "time": "Time",
        "method": "Method",
        "total": "TOTAL",
        "wallet": "Payer paid",
        "rate": "Rate",
        "refunded": "Refunded",
        "net": "Net",
        "qr": "QR code",
        "payment_code": "Payment code",
        "wallet_method": "Wallet",
        "succeeded": "PAID",
        "canceled": "CANCELED",
        "waiting": "NOT PAID",
        "requires_capture": "AUTHORISED",
        "thanks": "Thank you",
    },
    "zh-TW": {
        "terminal": "收銀機",
        "payment": "交易編號",
        "time": "時間",
        "method": "付款方式",
        "total": "總計",
        "wallet": "付款人支付",
        "rate": "匯率",
        "refunded": "已退款",
        "net": "淨額",
        "qr": "QR 碼",
        "payment_code": "付款碼",
        "wallet_method": "錢包",
        "succeeded": "已付款",
        "canceled": "已取消",
        "waiting": "未付款",
        "requires_capture": "已授權",
        "thanks": "謝謝光臨",
    },
}


def columns(text: str) -> int:
    """Printer columns ``text`` takes: East Asian wide and full-width characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _fit(text: str, width: int) -> str:
    out, used = "", 0
    for ch in text:
        w = columns(ch)
        if used + w > width:
            break
        out, used = out + ch, used + w
    return out


def _pair(left: str, right: str, width: int) -> str:
    right = _fit(right, width)
    left = _fit(left, max(0, width - columns(right) - 1))
    return left + " " * (width - columns(left) - columns(right)) + right


def _center(text: str, width: int) -> str:
    text = _fit(text, width)
    pad = (width - columns(text)) // 2
    return " " * pad + text


def _taipei(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return f"{taipei_date(moment).isoformat()} {moment.astimezone(TAIPEI):%H:%M:%S}"


def receipt(
    session: Session, terminal: TerminalIdentity, intent_id: str, *, width: int, language: str
) -> dict[str, Any]:
    if width not in WIDTHS:
        raise ValidationFailed("width is 32, 42 or 48 (printer columns)", param="width")
    if language not in LANGUAGES:
        raise ValidationFailed("lang is en or zh-TW", param="lang")
    caller = terminal.caller
    intent = get_intent(session, caller, intent_id)
    profile = get_merchant_profile(session, caller)
    link = session.scalars(select(TerminalPayment).where(TerminalPayment.payment_intent_id == intent.id)).one_or_none()
    taken_by = session.get(Terminal, link.terminal_id) if link is not None else None
    # The quote belongs to the payer's org; the merchant's own intent names it, and a receipt states the rate.
    quote = (
        session.scalars(
            select(FxQuote).where(FxQuote.id == intent.fx_quote_id, FxQuote.livemode == intent.livemode)
        ).one_or_none()
        if intent.fx_quote_id
        else None
    )
    refunds = [r for r in payment_refunds(session, caller, intent.id) if r.status == "succeeded"]
    locale = "zh_TW" if language == "zh-TW" else "en"
    labels = _LABELS[language]

    def money(minor: int, cur: str) -> str:
        return display_amount(minor, cur, locale=locale)

    paid_at = intent.captured_at or intent.confirmed_at or intent.created
    cross_border = bool(intent.wallet_currency and intent.wallet_currency != intent.currency)
    status_key = intent.status if intent.status in ("succeeded", "canceled", "requires_capture") else "waiting"
    method_key = {"qr": "qr", "payment_code": "payment_code", "wallet": "wallet_method"}.get(
        link.method if link is not None else (intent.payment_method_type or ""), "qr"
    )
    where = taken_by
    rule = "-" * width
    lines = [_center(profile.display_name, width), _center(profile.city, width), rule]
    if where is not None:
        lines.append(_pair(labels["terminal"], f"{where.name}", width))
    lines += [
        _pair(labels["payment"], intent.id[-12:], width),
        _pair(labels["time"], _taipei(paid_at) or "", width),
        _pair(labels["method"], labels[method_key], width),
        rule,
        _pair(labels["total"], money(intent.amount, intent.currency), width),
    ]
    if cross_border and intent.wallet_currency:
        lines.append(_pair(labels["wallet"], money(intent.wallet_amount, intent.wallet_currency), width))
        if quote is not None:
            lines.append(_pair(labels["rate"], f"1 {quote.sell_currency} = {quote.rate} {quote.buy_currency}", width))
    refunded = sum(r.amount for r in refunds)
    if refunded:
        lines.append(_pair(labels["refunded"], money(-refunded, intent.currency), width))
        lines.append(_pair(labels["net"], money(intent.amount_received - refunded, intent.currency), width))
    lines += [rule, _center(labels[status_key], width), _center(labels["thanks"], width)]
    return {
        "object": "terminal_receipt",
        "payment_intent": intent.id,
        "status": intent.status,
        "language": language,
        "width": width,
        "merchant": {"name": profile.display_name, "city": profile.city},
        "terminal": None if where is None else {"id": where.id, "name": where.name, "location": where.location},
        "paid_at": int(paid_at.timestamp()),
        "paid_at_local": _taipei(paid_at),
        "method": link.method if link is not None else intent.payment_method_type,
        "amount": intent.amount,
        "currency": intent.currency,
        "amount_refunded": refunded,
        "wallet_amount": intent.wallet_amount if intent.payer_wallet_id else None,
        "wallet_currency": intent.wallet_currency,
        "fx": None
        if quote is None
        else {
            "rate": quote.rate,
            "mid_rate": quote.mid_rate,
            "spread_bps": quote.spread_bps,
            "source": quote.source,
            "rate_as_of": int(quote.rate_as_of.timestamp()),
            "sell_currency": quote.sell_currency,
            "buy_currency": quote.buy_currency,
        },
        "refunds": [{"id": r.id, "amount": r.amount, "created": int(r.created.timestamp())} for r in refunds],
        "lines": lines,
    }
