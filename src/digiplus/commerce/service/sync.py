"""Keeping unpaid orders in line with their payment intents, in the background.

- a consumer of ``payment_intent.succeeded`` / ``payment_intent.canceled`` marks the order paid
  (a guest who scanned the QR code with a wallet) or canceled;
- a periodic task cancels orders whose stock hold ran out (``DIGIPLUS_COMMERCE_RESERVATION_SECONDS``)
  and releases their stock, canceling the intent so a late scan cannot pay.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from digiplus.commerce.models import Order, Store
from digiplus.commerce.service.checkout import sync_payment
from digiplus.core.db import Database, utcnow
from digiplus.core.events.consumers import register_consumer
from digiplus.core.events.models import Event
from digiplus.core.worker import task


def _sync(session: Session, order_id: str) -> None:
    order = session.scalars(select(Order).where(Order.id == order_id).with_for_update()).one_or_none()
    if order is None or order.status != "created":
        return
    store = session.scalars(select(Store).where(Store.org_id == order.org_id, Store.livemode == order.livemode)).one()
    sync_payment(session, store, order)


def on_payment_events(session: Session, events: Sequence[Event]) -> None:
    for event in events:
        obj = (event.data or {}).get("object") or {}
        order_id = (obj.get("metadata") or {}).get("order")
        if isinstance(order_id, str):
            _sync(session, order_id)


register_consumer("commerce.orders", ["payment_intent.succeeded", "payment_intent.canceled"], on_payment_events)


@task("commerce_expire_checkouts")
def expire_checkouts(db: Database) -> int:
    """Cancel the unpaid orders whose hold ran out; each in its own transaction."""
    with db.read_session() as session:
        due = list(
            session.scalars(
                select(Order.id).where(Order.status == "created", Order.reserved_until <= utcnow()).limit(500)
            )
        )
    for order_id in due:
        with db.session() as session:
            _sync(session, order_id)
    return len(due)
