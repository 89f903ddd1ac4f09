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
from digiplus.lake.pseudonyms import customer_ref, payer_identity
from digiplus.payments.models import PaymentIntent, Refund
from digiplus.payments.service.intents import SUCCEEDED as PAYMENT_SUCCEEDED
from digiplus.payments.service.refunds import SUCCEEDED as REFUND_SUCCEEDED

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


EXTRACTORS: dict[str, Extractor] = {
    PAYMENT_SUCCEEDED: payment_facts,
    REFUND_SUCCEEDED: refund_facts,
}


def facts_for_events(session: Session, events: Sequence[Event]) -> list[Fact]:
    """Every fact of a batch, in event order."""
    by_type: dict[str, list[Event]] = {}
    for event in events:
        by_type.setdefault(event.type, []).append(event)
    position = {e.id: n for n, e in enumerate(events)}
    facts: list[Fact] = []
    for event_type, group in by_type.items():
        extractor = EXTRACTORS.get(event_type)
        if extractor is not None:
            facts += extractor(session, group)
    facts.sort(key=lambda f: position[f.record_id])
    return facts
