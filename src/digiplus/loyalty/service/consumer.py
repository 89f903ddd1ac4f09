"""The outbox consumer ``loyalty.payments``: payments' events in, points out.

Runs in the cursor's transaction (``core.events.consumers``), so what it writes happens once per
event; each step is idempotent on its own as well (entries are unique per programme and source,
ledger transfer ids are deterministic), so a replay of the same events books nothing twice.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from digiplus.core.errors import NotFound
from digiplus.core.events import Event, register_consumer
from digiplus.loyalty.service import earning, redemption
from digiplus.payments import intent_view

CONSUMER = "loyalty.payments"
EVENT_TYPES = (
    "payment_intent.succeeded",
    "payment_intent.canceled",
    "payment_intent.payment_failed",
    "refund.succeeded",
)


def handle_payment_events(session: Session, events: Sequence[Event]) -> None:
    for event in events:
        data = event.data.get("object") or {}
        intent_id = data.get("payment_intent") if event.type.startswith("refund.") else data.get("id")
        if not intent_id:
            continue
        try:
            intent = intent_view(session, str(intent_id), event.livemode, merchant_org_id=event.org_id, lock=True)
        except NotFound:
            continue
        if event.type == "payment_intent.succeeded":
            redemption.complete_for_payment(session, intent)
            earning.earn_for_payment(session, intent)
        elif event.type == "payment_intent.canceled":
            redemption.release_for_intent(session, intent, "payment_canceled")
        elif event.type == "payment_intent.payment_failed":
            redemption.release_for_intent(session, intent, "payment_failed")
        elif event.type == "refund.succeeded":
            earning.clawback_for_refund(session, intent, str(data["id"]), int(data["amount"]))


register_consumer(CONSUMER, EVENT_TYPES, handle_payment_events)
