"""One CSV row of a history import → a ``payments`` fact, or the reasons it is refused.

The format (docs/lake.md, "History import"): UTF-8 (a BOM is fine), a header row, comma
separated, with the columns

============== ======== ====================================================================
column         required what it holds
============== ======== ====================================================================
customer       no       the old point of sale's customer reference (member number, phone…);
                        empty for an anonymous sale. Stored only as a per-merchant pseudonym.
time           yes      ISO 8601 (``2025-03-01 18:30:05``, ``2025-03-01T18:30+08:00``, ``/`` as the
                        date separator too); without an offset it is Asia/Taipei time
amount         yes      what the sale came to, in major units (``120``, ``120.50``), at most the
                        currency's decimals, more than zero
currency       yes      ISO 4217 code (``TWD``)
items          no       item lines ``sku:quantity:unit_amount[:name];…`` (``digiplus.lake.items``)
transaction_id no       the sale's id in the old system; when given, it alone identifies the sale
============== ======== ====================================================================

``customer_ref`` is also accepted for ``customer``. A row's ``payment_id`` is ``imp_`` and a hash
of the merchant with the transaction id, or, without one, with the row's content and how many
identical rows came before it in the file; so importing the same export again (or a later
export that repeats it) gives the same ids, and rows already in the lake are skipped.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from digiplus.core.errors import ValidationFailed
from digiplus.core.money import currency, to_minor
from digiplus.lake.fact_writer import TAIPEI, business_day
from digiplus.lake.items import ItemsInvalid, parse_items
from digiplus.lake.pseudonyms import customer_ref, pos_identity

REQUIRED = ("time", "amount", "currency")
OPTIONAL = ("customer", "items", "transaction_id")
ALIASES = {"customer_ref": "customer", "customer_reference": "customer"}
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
MAX_REFERENCE = 200


def canonical_columns(header: list[str]) -> tuple[dict[str, int], list[str]]:
    """Column name → position, and the problems of the header (missing or repeated columns)."""
    positions: dict[str, int] = {}
    problems = []
    for n, raw in enumerate(header):
        name = raw.strip().lstrip("\ufeff").lower()
        name = ALIASES.get(name, name)
        if name in REQUIRED or name in OPTIONAL:
            if name in positions:
                problems.append(f"the column '{name}' appears twice")
            positions[name] = n
    problems += [f"the required column '{name}' is missing" for name in REQUIRED if name not in positions]
    return positions, problems


def parse_time(text: str) -> datetime:
    value = text.strip()
    if len(value) >= 10 and value[4] == "/" and value[7] == "/":
        value = value[:10].replace("/", "-") + value[10:]
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=TAIPEI)
    return moment.astimezone(UTC)


@dataclass
class RowChecker:
    """Checks rows of one file for one merchant; remembers what it needs to find repeats."""

    merchant_id: str
    livemode: bool
    now: datetime
    seen_transactions: dict[str, int] = field(default_factory=dict)  # transaction id → first row
    seen_content: dict[str, int] = field(default_factory=dict)  # content hash → occurrences

    def check(self, row_number: int, cells: dict[str, str]) -> tuple[dict[str, Any], date] | list[dict[str, Any]]:
        """The fact row and its day, or the row's errors (``row``, ``column``, ``code``, ``reason``)."""
        errors: list[dict[str, Any]] = []

        def refuse(column: str, code: str, reason: str) -> None:
            errors.append({"row": row_number, "column": column, "code": code, "reason": reason})

        raw_time = cells.get("time", "").strip()
        moment: datetime | None = None
        if not raw_time:
            refuse("time", "missing_value", "the time is empty")
        else:
            try:
                moment = parse_time(raw_time)
            except ValueError:
                refuse("time", "bad_time", f"'{raw_time}' is not an ISO 8601 time (2025-03-01 18:30:05)")
            else:
                if moment > self.now:
                    refuse("time", "time_in_future", f"'{raw_time}' is in the future")
                    moment = None
                elif moment < EARLIEST:
                    refuse("time", "time_too_early", f"'{raw_time}' is before 1990")
                    moment = None
        code = cells.get("currency", "").strip().upper()
        if not code:
            refuse("currency", "missing_value", "the currency is empty")
        else:
            try:
                code = currency(code).code
            except ValidationFailed:
                refuse("currency", "unknown_currency", f"'{code}' is not an ISO 4217 currency code")
                code = ""
        raw_amount = cells.get("amount", "").strip()
        amount: int | None = None
        if not raw_amount:
            refuse("amount", "missing_value", "the amount is empty")
        elif code:
            try:
                amount = to_minor(raw_amount, code)
            except ValidationFailed as exc:
                refuse("amount", exc.code, exc.message)
            else:
                if amount < 0:
                    refuse("amount", "negative_amount", f"{raw_amount} is negative (import sales, not refunds)")
                    amount = None
                elif amount == 0:
                    refuse("amount", "zero_amount", "the amount is zero")
                    amount = None
        items = None
        raw_items = cells.get("items", "").strip()
        if raw_items and code:
            try:
                items = parse_items(raw_items, code) or None
            except ItemsInvalid as exc:
                refuse("items", "bad_items", str(exc))
        reference = cells.get("customer", "").strip()
        if len(reference) > MAX_REFERENCE:
            refuse("customer", "too_long", f"the customer reference is longer than {MAX_REFERENCE} characters")
        transaction = cells.get("transaction_id", "").strip()
        if len(transaction) > MAX_REFERENCE:
            refuse("transaction_id", "too_long", f"the transaction id is longer than {MAX_REFERENCE} characters")
        elif transaction and transaction in self.seen_transactions:
            first = self.seen_transactions[transaction]
            refuse("transaction_id", "duplicate_transaction", f"'{transaction}' was already used on row {first}")
        if errors or moment is None or amount is None:
            return errors
        if transaction:
            self.seen_transactions[transaction] = row_number
            identity = f"txn\x1f{transaction}"
        else:
            content = "\x1f".join((reference, moment.isoformat(), str(amount), code, raw_items))
            occurrence = self.seen_content.get(content, 0)
            self.seen_content[content] = occurrence + 1
            identity = f"row\x1f{content}\x1f{occurrence}"
        digest = hashlib.sha256(f"{self.merchant_id}\x1f{int(self.livemode)}\x1f{identity}".encode()).hexdigest()
        fact = {
            "payment_id": "imp_" + digest[:24],
            "merchant_id": self.merchant_id,
            "livemode": self.livemode,
            "source": "import",
            "customer_ref": customer_ref(self.merchant_id, pos_identity(reference)) if reference else None,
            "paid_at": moment,
            "amount": amount,
            "currency": code,
            "payer_currency": code,
            "payer_amount": amount,
            "payer_country": None,
            "scenario": None,
            "mcc": None,
            "payment_method": "imported",
            "items": items,
        }
        return fact, business_day(moment)
