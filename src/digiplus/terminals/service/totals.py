"""End-of-day totals per terminal, checked against the ledger.

A day is a Taipei calendar day (the merchant's business day). Sales are the terminal's payments
captured that day; refunds are the refunds given at the terminal that day (whatever terminal
took the payment). The figures are summed twice: from the payment and refund rows, and from
the ledger transfers those rows name (the money that actually moved: credited to and taken
from the merchant's balances). ``ledger.matches`` says the two agree; a mismatch is listed.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from digiplus.core.context import Caller
from digiplus.core.db import utcnow
from digiplus.payments import PaymentIntent, Refund, TransferCode, payment_transfers, taipei_date, taipei_midnight
from digiplus.terminals.models import TerminalPayment, TerminalRefund
from digiplus.terminals.service.fleet import get_terminal

_SALE_CODES = (int(TransferCode.payment), int(TransferCode.fx_payment_out))


def _zero() -> dict[str, int]:
    return {"count": 0, "gross": 0, "fees": 0, "refund_count": 0, "refunds": 0}


def terminal_totals(session: Session, caller: Caller, terminal_id: str, day: date | None = None) -> dict[str, Any]:
    terminal = get_terminal(session, caller, terminal_id)
    day = day or taipei_date(utcnow())
    start, end = taipei_midnight(day), taipei_midnight(day + timedelta(days=1))
    sales = list(
        session.scalars(
            select(PaymentIntent)
            .join(TerminalPayment, TerminalPayment.payment_intent_id == PaymentIntent.id)
            .where(
                TerminalPayment.terminal_id == terminal.id,
                PaymentIntent.org_id == caller.org_id,
                PaymentIntent.livemode == caller.livemode,
                PaymentIntent.status == "succeeded",
                PaymentIntent.captured_at >= start,
                PaymentIntent.captured_at < end,
            )
            .order_by(PaymentIntent.id)
        )
    )
    refunds: list[tuple[Refund, PaymentIntent]] = [
        (row[0], row[1])
        for row in session.execute(
            select(Refund, PaymentIntent)
            .join(TerminalRefund, TerminalRefund.refund_id == Refund.id)
            .join(PaymentIntent, PaymentIntent.id == Refund.payment_intent_id)
            .where(
                TerminalRefund.terminal_id == terminal.id,
                Refund.org_id == caller.org_id,
                Refund.livemode == caller.livemode,
                Refund.status == "succeeded",
                Refund.created >= start,
                Refund.created < end,
            )
            .order_by(Refund.id)
        )
    ]
    rows: dict[str, dict[str, int]] = defaultdict(_zero)
    ledger: dict[str, dict[str, int]] = defaultdict(_zero)
    methods: dict[str, dict[str, int]] = defaultdict(lambda: {"count": 0, "amount": 0})
    visitors: dict[str, int] = defaultdict(int)  # wallet currency -> what foreign wallets paid
    for intent in sales:
        r = rows[intent.currency]
        r["count"] += 1
        r["gross"] += intent.amount_received
        r["fees"] += intent.fee_amount
        method = methods[intent.payment_method_type or "qr"]
        method["count"] += 1
        method["amount"] += intent.amount_received
        if intent.wallet_currency and intent.wallet_currency != intent.currency:
            visitors[intent.wallet_currency] += intent.wallet_amount
        booked = ledger[intent.currency]
        booked["count"] += 1
        for t in payment_transfers(session, intent, []):
            if t.code in _SALE_CODES and t.pending_status is None and t.credit_account_id.startswith("mp_"):
                booked["gross"] += t.amount
            elif t.code == int(TransferCode.fee):
                booked["fees"] += t.amount
    for refund, intent in refunds:
        rows[refund.currency]["refund_count"] += 1
        rows[refund.currency]["refunds"] += refund.amount
        booked = ledger[refund.currency]
        booked["refund_count"] += 1
        for t in payment_transfers(session, intent, [refund]):
            if t.role == refund.id and t.code == int(TransferCode.refund):
                booked["refunds"] += t.amount
    currencies = sorted(set(rows) | set(ledger))
    mismatches = [
        {"currency": cur, "field": field, "payments": rows[cur][field], "ledger": ledger[cur][field]}
        for cur in currencies
        for field in ("count", "gross", "fees", "refund_count", "refunds")
        if rows[cur][field] != ledger[cur][field]
    ]
    return {
        "object": "terminal_totals",
        "terminal": terminal.id,
        "terminal_name": terminal.name,
        "date": day.isoformat(),
        "timezone": "Asia/Taipei",
        "livemode": caller.livemode,
        "currencies": [
            {"currency": cur, **rows[cur], "net": rows[cur]["gross"] - rows[cur]["fees"] - rows[cur]["refunds"]}
            for cur in currencies
        ],
        "by_method": [{"method": name, **values} for name, values in sorted(methods.items())],
        "visitor_wallets": [{"currency": cur, "amount": amount} for cur, amount in sorted(visitors.items())],
        "ledger": {
            "matches": not mismatches,
            "currencies": [{"currency": cur, **ledger[cur]} for cur in currencies],
            "mismatches": mismatches,
        },
    }


def fleet_today(session: Session, caller: Caller, day: date | None = None) -> dict[str, dict[str, int]]:
    """Each terminal's sales count and gross of the day (from the payment rows, two grouped queries)."""
    day = day or taipei_date(utcnow())
    start, end = taipei_midnight(day), taipei_midnight(day + timedelta(days=1))
    found: dict[str, dict[str, int]] = defaultdict(lambda: {"count": 0, "gross": 0, "refunds": 0})
    sales = session.execute(
        select(TerminalPayment.terminal_id, func.count(), func.coalesce(func.sum(PaymentIntent.amount_received), 0))
        .join(PaymentIntent, PaymentIntent.id == TerminalPayment.payment_intent_id)
        .where(
            TerminalPayment.org_id == caller.org_id,
            TerminalPayment.livemode == caller.livemode,
            PaymentIntent.status == "succeeded",
            PaymentIntent.captured_at >= start,
            PaymentIntent.captured_at < end,
        )
        .group_by(TerminalPayment.terminal_id)
    )
    for terminal_id, count, gross in sales:
        found[terminal_id]["count"], found[terminal_id]["gross"] = int(count), int(gross)
    given = session.execute(
        select(TerminalRefund.terminal_id, func.coalesce(func.sum(Refund.amount), 0))
        .join(Refund, Refund.id == TerminalRefund.refund_id)
        .where(
            TerminalRefund.org_id == caller.org_id,
            TerminalRefund.livemode == caller.livemode,
            Refund.status == "succeeded",
            Refund.created >= start,
            Refund.created < end,
        )
        .group_by(TerminalRefund.terminal_id)
    )
    for terminal_id, amount in given:
        found[terminal_id]["refunds"] = int(amount)
    return dict(found)
