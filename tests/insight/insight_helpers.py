"""Small fact tables written through the lake exactly as the lake sync writes them (facts.py)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pyarrow as pa

from digiplus.lake import Lake
from digiplus.lake.facts import FACT_TABLES

MERCHANT = "org_merchant_a"
OTHER = "org_merchant_b"


def taipei(text: str) -> datetime:
    """'2026-03-05 09:30' in Taipei as a UTC instant."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC) - timedelta(hours=8)


@dataclass
class FactsBuilder:
    payments: list[dict[str, Any]] = field(default_factory=list)
    refunds: list[dict[str, Any]] = field(default_factory=list)

    def pay(
        self,
        customer: str | None,
        at: str,
        amount: int,
        *,
        merchant: str = MERCHANT,
        livemode: bool = False,
        currency: str = "TWD",
        country: str | None = "TW",
        payer_currency: str | None = None,
        payer_amount: int | None = None,
        scenario: str | None = "livelihood_consumption",
        method: str = "wallet",
        items: list[str] | None = None,
        payment_id: str | None = None,
    ) -> str:
        pid = payment_id or f"pi_{len(self.payments) + 1:05d}"
        self.payments.append(
            {
                "payment_id": pid,
                "merchant_id": merchant,
                "livemode": livemode,
                "source": "sync",
                "customer_ref": customer,
                "paid_at": taipei(at),
                "amount": amount,
                "currency": currency,
                "payer_currency": payer_currency or currency,
                "payer_amount": payer_amount if payer_amount is not None else amount,
                "payer_country": country,
                "scenario": scenario,
                "mcc": "5812",
                "payment_method": method,
                "items": None
                if items is None
                else [{"sku": i, "name": i.title(), "quantity": 1, "unit_amount": 100} for i in items],
            }
        )
        return pid

    def refund(self, payment_id: str, at: str, amount: int) -> None:
        paid = next(p for p in self.payments if p["payment_id"] == payment_id)
        self.refunds.append(
            {
                "refund_id": f"re_{len(self.refunds) + 1:05d}",
                "payment_id": payment_id,
                "merchant_id": paid["merchant_id"],
                "livemode": paid["livemode"],
                "source": "sync",
                "refunded_at": taipei(at),
                "amount": amount,
                "currency": paid["currency"],
            }
        )

    def write(self, lake: Lake) -> Lake:
        for name, records, id_col in (
            ("payments", self.payments, "payment_id"),
            ("refunds", self.refunds, "refund_id"),
        ):
            table = FACT_TABLES[name]
            by_day: dict[Any, list[dict[str, Any]]] = defaultdict(list)
            for r in records:
                by_day[(r[table.time_column] + timedelta(hours=8)).date()].append(r)
            for day, batch in sorted(by_day.items()):
                key = table.key(day, "sync", batch[0][id_col], batch[-1][id_col])
                with lake.parquet_writer(key, table.schema) as sink:
                    sink.write_batch(pa.Table.from_pylist(batch, schema=table.schema))
        return lake
