"""The reconciliation report of a payout: every payment, fee, refund and settlement batch that make
up its amount, tying to the minor unit.

Lines (signed, in the payout's currency): each settlement batch's payments (+gross) and their fees
(-fee), the refunds taken from pending settlement (-) and their share of the fee given back (a
``fee`` line, +), a shortfall carried into a batch (-) or
carried forward from one (+), then the refunds taken from the available balance (-). A
``settlement`` line per batch shows its net as a subtotal (not summed). The lines add up to the
payout's amount; if they did not, the books would be wrong and the report refuses to be made.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from digiplus.core.context import Caller
from digiplus.core.money import currency
from digiplus.payments.models import PaymentIntent, Payout, PayoutItem, Refund, Settlement, SettlementItem
from digiplus.payments.service.payouts import get_payout

COLUMNS = (
    "type",
    "id",
    "payment_intent",
    "settlement",
    "ledger_transfer",
    "occurred_at",
    "description",
    "currency",
    "amount",
    "subtotal",
)
_PAYMENT_TRANSFER_ROLES = ("cap", "charge", "fxoutcap", "fxout")


@dataclass(frozen=True, slots=True)
class Line:
    type: str  # payment | fee | refund | carried_in | carried_forward | settlement
    id: str
    amount: int  # signed minor units; 0 for a settlement line (its net is the subtotal)
    payment_intent: str | None = None
    settlement: str | None = None
    ledger_transfer: str | None = None
    occurred_at: datetime | None = None
    description: str | None = None
    subtotal: int | None = None


@dataclass
class Reconciliation:
    payout: Payout
    lines: list[Line] = field(default_factory=list)

    def total(self, kind: str) -> int:
        return sum(line.amount for line in self.lines if line.type == kind)

    @property
    def gross(self) -> int:
        return self.total("payment")

    @property
    def fees(self) -> int:
        return -self.total("fee")

    @property
    def refunds(self) -> int:
        return -self.total("refund")

    @property
    def carried(self) -> int:
        return self.total("carried_in") + self.total("carried_forward")

    @property
    def net(self) -> int:
        return sum(line.amount for line in self.lines)


def payout_reconciliation(session: Session, caller: Caller, payout_id: str) -> Reconciliation:
    payout = get_payout(session, caller, payout_id)
    report = Reconciliation(payout)
    items = session.execute(
        select(PayoutItem.kind, PayoutItem.object_id, PayoutItem.amount)
        .where(PayoutItem.payout_id == payout.id)
        .order_by(PayoutItem.id)
    ).all()
    settlement_ids = [i.object_id for i in items if i.kind == "settlement"]
    batches = session.scalars(
        select(Settlement)
        .where(Settlement.id.in_(settlement_ids), Settlement.org_id == payout.org_id)
        .order_by(Settlement.settlement_date)
    ).all()
    for batch in batches:
        _settlement_lines(session, report, batch)
    available_refunds = [i.object_id for i in items if i.kind == "refund"]
    for refund, intent in _refunds(session, payout, available_refunds):
        report.lines.append(
            Line(
                "refund",
                refund.id,
                -refund.from_available,
                payment_intent=refund.payment_intent_id,
                ledger_transfer=next((t for t in refund.transfer_ids or [] if t.endswith("_avail")), None),
                occurred_at=refund.created,
                description=intent.description,
            )
        )
    if report.net != payout.amount:
        raise RuntimeError(f"payout {payout.id} does not reconcile: lines add up to {report.net}, not {payout.amount}")
    return report


def _settlement_lines(session: Session, report: Reconciliation, batch: Settlement) -> None:
    rows = session.execute(
        select(SettlementItem).where(SettlementItem.settlement_id == batch.id).order_by(SettlementItem.id)
    ).scalars()
    items = list(rows)
    intents = {
        p.id: p
        for p in session.scalars(
            select(PaymentIntent).where(
                PaymentIntent.id.in_([i.object_id for i in items if i.kind == "payment"]),
                PaymentIntent.org_id == batch.org_id,
            )
        )
    }
    refunds = {
        r.id: r
        for r in session.scalars(
            select(Refund).where(
                Refund.id.in_([i.object_id for i in items if i.kind == "refund"]), Refund.org_id == batch.org_id
            )
        )
    }
    report.lines.append(
        Line("settlement", batch.id, 0, settlement=batch.id, ledger_transfer=batch.transfer_id, subtotal=batch.amount)
    )
    if batch.carried_in:
        report.lines.append(Line("carried_in", batch.id, -batch.carried_in, settlement=batch.id))
    for item in items:
        if item.kind == "payment":
            intent = intents[item.object_id]
            roles = intent.transfer_ids or {}
            report.lines.append(
                Line(
                    "payment",
                    intent.id,
                    item.gross,
                    payment_intent=intent.id,
                    settlement=batch.id,
                    ledger_transfer=next((roles[r] for r in _PAYMENT_TRANSFER_ROLES if r in roles), None),
                    occurred_at=item.occurred_at,
                    description=intent.description,
                )
            )
            if item.fee:
                report.lines.append(
                    Line(
                        "fee",
                        f"{intent.id}_fee",
                        -item.fee,
                        payment_intent=intent.id,
                        settlement=batch.id,
                        ledger_transfer=roles.get("fee", f"{intent.id}_fee"),
                        occurred_at=item.occurred_at,
                    )
                )
        else:
            refund = refunds[item.object_id]
            report.lines.append(
                Line(
                    "refund",
                    refund.id,
                    -item.refunded,
                    payment_intent=refund.payment_intent_id,
                    settlement=batch.id,
                    ledger_transfer=next((t for t in refund.transfer_ids or [] if t.endswith("_pend")), None),
                    occurred_at=item.occurred_at,
                )
            )
            if item.fee:  # the refund's share of the payment's fee, given back (a negative fee)
                report.lines.append(
                    Line(
                        "fee",
                        f"{refund.id}_fee",
                        -item.fee,
                        payment_intent=refund.payment_intent_id,
                        settlement=batch.id,
                        ledger_transfer=f"{refund.id}_fee",
                        occurred_at=item.occurred_at,
                    )
                )
    if batch.carried_out:
        report.lines.append(Line("carried_forward", batch.id, batch.carried_out, settlement=batch.id))


def _refunds(session: Session, payout: Payout, refund_ids: list[str]) -> list[tuple[Refund, PaymentIntent]]:
    if not refund_ids:
        return []
    rows = session.execute(
        select(Refund, PaymentIntent)
        .join(PaymentIntent, PaymentIntent.id == Refund.payment_intent_id)
        .where(Refund.id.in_(refund_ids), Refund.org_id == payout.org_id)
        .order_by(Refund.created, Refund.id)
    ).all()
    return [(r, p) for r, p in rows]


# --- CSV ------------------------------------------------------------------------------------


def safe_cell(text: str | None) -> str:
    """A cell a spreadsheet will not run: text starting with = + - @ or a tab/CR gets a leading '
    (OWASP's advice against CSV formula injection). Amounts are written by us, never prefixed."""
    if not text:
        return ""
    return "'" + text if text[0] in "=+-@\t\r" else text


def major(amount: int, cur: str) -> str:
    """Minor units as a plain decimal in major units (``-2.70``; ``150`` for JPY), no grouping, so a
    spreadsheet sums the column exactly."""
    exponent = currency(cur).exponent
    return str((Decimal(amount) / (10**exponent)).quantize(Decimal(1).scaleb(-exponent)))


def reconciliation_csv(report: Reconciliation) -> str:
    cur = report.payout.currency
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for line in report.lines:
        writer.writerow(
            [
                line.type,
                safe_cell(line.id),
                safe_cell(line.payment_intent),
                safe_cell(line.settlement),
                safe_cell(line.ledger_transfer),
                line.occurred_at.isoformat() if line.occurred_at else "",
                safe_cell(line.description),
                cur,
                "" if line.type == "settlement" else major(line.amount, cur),
                major(line.subtotal, cur) if line.subtotal is not None else "",
            ]
        )
    for kind, amount in (
        ("total_gross", report.gross),
        ("total_fees", -report.fees),
        ("total_refunds", -report.refunds),
        ("total_carried", report.carried),
    ):
        writer.writerow([kind, "", "", "", "", "", "", cur, "", major(amount, cur)])
    writer.writerow(
        [
            "payout",
            report.payout.id,
            "",
            "",
            report.payout.transfer_id,
            "",
            report.payout.status,
            cur,
            "",
            major(report.payout.amount, cur),
        ]
    )
    return out.getvalue()


def reconciliation_data(report: Reconciliation) -> dict[str, Any]:
    return {
        "object": "payout_reconciliation",
        "payout": report.payout.id,
        "currency": report.payout.currency,
        "amount": report.payout.amount,
        "gross": report.gross,
        "fees": report.fees,
        "refunds": report.refunds,
        "carried": report.carried,
        "lines": [
            {
                "type": line.type,
                "id": line.id,
                "amount": line.amount,
                "payment_intent": line.payment_intent,
                "settlement": line.settlement,
                "ledger_transfer": line.ledger_transfer,
                "occurred_at": int(line.occurred_at.timestamp()) if line.occurred_at else None,
                "description": line.description,
                "subtotal": line.subtotal,
            }
            for line in report.lines
        ],
    }
