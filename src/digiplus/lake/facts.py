"""The lake's fact tables: the one contract between what writes them (the lake sync from
the outbox, history imports) and what reads them (insight, the data exchange).

Layout, below the lake's root::

    facts/<table>/v<version>/date=<YYYY-MM-DD>/<source>-<first id>-<last id>.parquet

- ``table`` is a key of ``FACT_TABLES``; ``version`` its schema version (a new
  version is a new folder, written beside the old one until readers move over).
- ``date`` is the fact's own date in Asia/Taipei (the business day), so a day's
  partition holds that day's sales whatever time the sync ran.
- ``source`` is ``sync`` (the outbox) or ``import`` (a merchant's history); a file's
  name is fixed by the first and last record it holds, so writing the same batch
  again replaces the file instead of adding duplicates.

Amounts are integers in the currency's minor units (``digiplus.core.money``).
``customer_ref`` is pseudonymous *per merchant*: the same consumer has a different
reference at every merchant, and nothing in the lake leads back to the person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pyarrow as pa

UTC_MICROS = pa.timestamp("us", tz="UTC")

ITEM = pa.struct(
    [
        ("sku", pa.string()),
        ("name", pa.string()),
        ("quantity", pa.int32()),
        ("unit_amount", pa.int64()),
    ]
)

PAYMENTS_V1 = pa.schema(
    [
        ("payment_id", pa.string()),  # pi_… for synced payments; the merchant's own id for imported ones
        ("merchant_id", pa.string()),  # the merchant's org id
        ("livemode", pa.bool_()),
        ("source", pa.string()),  # "sync" | "import"
        ("customer_ref", pa.string()),  # per-merchant pseudonym; null for an anonymous payer
        ("paid_at", UTC_MICROS),
        ("amount", pa.int64()),  # what the merchant received, minor units of `currency`
        ("currency", pa.string()),  # ISO 4217 alpha code of the merchant's side
        ("payer_currency", pa.string()),  # the wallet's currency (differs for a foreign visitor)
        ("payer_amount", pa.int64()),  # minor units of payer_currency
        ("payer_country", pa.string()),  # ISO 3166-1 alpha-2 of the payer's wallet, null if unknown
        ("scenario", pa.string()),  # the plan's scenario (payments.service.scenarios), null if none
        ("mcc", pa.string()),
        ("payment_method", pa.string()),  # wallet | qr | card_present | imported …
        ("items", pa.list_(ITEM)),  # item lines when the payment carried them, else null
    ]
)

REFUNDS_V1 = pa.schema(
    [
        ("refund_id", pa.string()),
        ("payment_id", pa.string()),
        ("merchant_id", pa.string()),
        ("livemode", pa.bool_()),
        ("source", pa.string()),
        ("refunded_at", UTC_MICROS),
        ("amount", pa.int64()),  # minor units of `currency`
        ("currency", pa.string()),
    ]
)


WALLET_MOVEMENTS_V1 = pa.schema(
    [
        ("movement_id", pa.string()),  # tu_… top-up, wd_… withdrawal, wtr_… wallet-to-wallet transfer
        ("kind", pa.string()),  # "topup" | "withdrawal" | "transfer"
        ("livemode", pa.bool_()),
        ("source", pa.string()),  # "sync"
        ("holder_ref", pa.string()),  # the wallet holder's platform-wide pseudonym (not a merchant's customer_ref)
        ("holder_country", pa.string()),  # ISO 3166-1 alpha-2 of the holder's organisation
        ("counterparty_ref", pa.string()),  # a transfer's recipient (platform-wide pseudonym); null otherwise
        ("occurred_at", UTC_MICROS),
        ("amount", pa.int64()),  # minor units of `currency`, always positive; `kind` gives the direction
        ("currency", pa.string()),
    ]
)


@dataclass(frozen=True)
class FactTable:
    name: str
    version: int
    schema: pa.Schema
    time_column: str

    @property
    def prefix(self) -> str:
        return f"facts/{self.name}/v{self.version}/"

    def key(self, day: date, source: str, first_id: str, last_id: str) -> str:
        return f"{self.prefix}date={day.isoformat()}/{source}-{first_id}-{last_id}.parquet"


FACT_TABLES: dict[str, FactTable] = {
    "payments": FactTable("payments", 1, PAYMENTS_V1, "paid_at"),
    "refunds": FactTable("refunds", 1, REFUNDS_V1, "refunded_at"),
    "wallet_movements": FactTable("wallet_movements", 1, WALLET_MOVEMENTS_V1, "occurred_at"),
}


# The column that identifies a fact: compaction keeps one row per value.
FACT_ID_COLUMNS: dict[str, str] = {
    "payments": "payment_id",
    "refunds": "refund_id",
    "wallet_movements": "movement_id",
}
