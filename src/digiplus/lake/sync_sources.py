"""From outbox events to fact rows: what each event says, completed from the payment tables.

An event carries what its webhook needs; the lake also wants the payer (for the per-merchant
pseudonym), the payer's country and the exact capture time, which are read here from the
payment tables in the sync's own transaction (one query per batch and table, never per event).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from digiplus.core.events import Event
from digiplus.identity.models import Organization
from digiplus.lake.fact_writer import Fact
from digiplus.lake.items import ItemsInvalid, parse_items
from digiplus.lake.pseudonyms import customer_ref, holder_ref, payer_identity
from digiplus.payments.models import BankTransfer, PaymentIntent, Refund, WalletTransfer
from digiplus.payments.service.intents import SUCCEEDED as PAYMENT_SUCCEEDED
from digiplus.payments.service.refunds import SUCCEEDED as REFUND_SUCCEEDED
from digiplus.payments.service.topups import TOPPED_UP, WITHDRAWN
from digiplus.payments.service.wallets import TRANSFER_SENT

_CHUNK = 500  # ids per IN (…) query

Extractor = Callable[[Session, Sequence[Event]], list[Fact]]


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _chunks(ids: list[str]) -> list[list[str]]:
    return [ids[i : i + _CHUNK] for i in range(0, len(ids), _CHUNK)]


def _items(metadata: dict[str, Any] | None, currency_code: str) -> list[dict[str, Any]] | None:
    text = (metadata or {}).get("items")
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        return parse_items(text, currency_code) or None
    except ItemsInvalid:
        return None  # a merchant's free-form metadata never stops the sync; the lines are left out


def payment_facts(session: Session, events: Sequence[Event]) -> list[Fact]:
    """``payment_intent.succeeded`` → ``payments`` rows."""
    ids = [e.data["object"]["id"] for e in events]
    payers: dict[str, tuple[str | None, datetime | None, str | None]] = {}
    for chunk in _chunks(ids):
        stmt = (
            select(PaymentIntent.id, PaymentIntent.payer_org_id, PaymentIntent.captured_at, Organization.country)
            .outerjoin(Organization, Organization.id == PaymentIntent.payer_org_id)
            .where(PaymentIntent.id.in_(chunk))
        )
        for found in session.execute(stmt):
            payers[found[0]] = (found[1], found[2], found[3])
    facts = []
    for event in events:
        obj = event.data["object"]
        payer_org, captured_at, country = payers.get(obj["id"], (None, None, None))
        paid_at = _aware(captured_at) if captured_at is not None else _aware(event.created)
        currency_code = obj["currency"]
        wallet_currency = obj.get("wallet_currency") or currency_code
        row = {
            "payment_id": obj["id"],
            "merchant_id": event.org_id,
            "livemode": bool(obj["livemode"]),
            "source": "sync",
            "customer_ref": customer_ref(event.org_id, payer_identity(payer_org)) if payer_org else None,
            "paid_at": paid_at,
            "amount": int(obj["amount_received"]),
            "currency": currency_code,
            "payer_currency": wallet_currency,
            "payer_amount": int(
                obj["wallet_amount"] if obj.get("wallet_amount") is not None else obj["amount_received"]
            ),
            "payer_country": country,
            "scenario": obj.get("scenario"),
            "mcc": obj.get("mcc"),
            "payment_method": obj.get("payment_method_type"),
            "items": _items(obj.get("metadata"), currency_code),
        }
        facts.append(Fact("payments", event.id, paid_at, row))
    return facts


def refund_facts(session: Session, events: Sequence[Event]) -> list[Fact]:
    """``refund.succeeded`` → ``refunds`` rows, dated by the refund row's own time."""
    ids = [e.data["object"]["id"] for e in events]
    created: dict[str, datetime] = {}
    for chunk in _chunks(ids):
        for refund_id, when in session.execute(select(Refund.id, Refund.created).where(Refund.id.in_(chunk))):
            created[refund_id] = when
    facts = []
    for event in events:
        obj = event.data["object"]
        refunded_at = _aware(created.get(obj["id"], event.created))
        row = {
            "refund_id": obj["id"],
            "payment_id": obj["payment_intent"],
            "merchant_id": event.org_id,
            "livemode": bool(obj["livemode"]),
            "source": "sync",
            "refunded_at": refunded_at,
            "amount": int(obj["amount"]),
            "currency": obj["currency"],
        }
        facts.append(Fact("refunds", event.id, refunded_at, row))
    return facts


def _countries(session: Session, org_ids: set[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for chunk in _chunks(sorted(org_ids)):
        for org in session.execute(select(Organization.id, Organization.country).where(Organization.id.in_(chunk))):
            found[org[0]] = org[1]
    return found


def bank_movement_facts(session: Session, events: Sequence[Event]) -> list[Fact]:
    """``wallet.topped_up`` / ``wallet.withdrawn`` → ``wallet_movements`` rows (succeeded ones only)."""
    ids = [e.data["object"]["id"] for e in events]
    created: dict[str, datetime] = {}
    for chunk in _chunks(ids):
        stmt = select(BankTransfer.id, BankTransfer.created).where(BankTransfer.id.in_(chunk))
        for movement in session.execute(stmt):
            created[movement[0]] = movement[1]
    countries = _countries(session, {e.org_id for e in events})
    facts = []
    for event in events:
        obj = event.data["object"]
        at = _aware(created.get(obj["id"], event.created))
        row = {
            "movement_id": obj["id"],
            "kind": "topup" if event.type == TOPPED_UP else "withdrawal",
            "livemode": bool(obj["livemode"]),
            "source": "sync",
            "holder_ref": holder_ref(event.org_id),
            "holder_country": countries.get(event.org_id),
            "counterparty_ref": None,
            "occurred_at": at,
            "amount": int(obj["amount"]),
            "currency": obj["currency"],
        }
        facts.append(Fact("wallet_movements", event.id, at, row))
    return facts


def wallet_transfer_facts(session: Session, events: Sequence[Event]) -> list[Fact]:
    """``wallet.transfer_sent`` → one ``wallet_movements`` row per transfer (the received event is its mirror)."""
    ids = [e.data["object"]["id"] for e in events]
    found: dict[str, tuple[datetime, str]] = {}
    for chunk in _chunks(ids):
        stmt = select(WalletTransfer.id, WalletTransfer.created, WalletTransfer.to_org_id).where(
            WalletTransfer.id.in_(chunk)
        )
        for transfer in session.execute(stmt):
            found[transfer[0]] = (transfer[1], transfer[2])
    countries = _countries(session, {e.org_id for e in events})
    facts = []
    for event in events:
        obj = event.data["object"]
        when, to_org = found.get(obj["id"], (event.created, None))
        at = _aware(when)
        row = {
            "movement_id": obj["id"],
            "kind": "transfer",
            "livemode": bool(obj["livemode"]),
            "source": "sync",
            "holder_ref": holder_ref(event.org_id),
            "holder_country": countries.get(event.org_id),
            "counterparty_ref": holder_ref(to_org) if to_org else None,
            "occurred_at": at,
            "amount": int(obj["amount"]),
            "currency": obj["currency"],
        }
        facts.append(Fact("wallet_movements", event.id, at, row))
    return facts


EXTRACTORS: dict[str, Extractor] = {
    PAYMENT_SUCCEEDED: payment_facts,
    REFUND_SUCCEEDED: refund_facts,
    TOPPED_UP: bank_movement_facts,
    WITHDRAWN: bank_movement_facts,
    TRANSFER_SENT: wallet_transfer_facts,
}


def facts_for_events(session: Session, events: Sequence[Event]) -> list[Fact]:
    """Every fact of a batch, in event order."""
    by_extractor: dict[Extractor, list[Event]] = {}
    for event in events:
        extractor = EXTRACTORS.get(event.type)
        if extractor is not None:
            by_extractor.setdefault(extractor, []).append(event)
    position = {e.id: n for n, e in enumerate(events)}
    facts: list[Fact] = []
    for extractor, group in by_extractor.items():
        facts += extractor(session, group)
    facts.sort(key=lambda f: position[f.record_id])
    return facts
