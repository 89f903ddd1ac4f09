"""Payments parked in ``processing``: the amount is held on the wallet until the payment settles.

A payment guard parks a payment this way (``PaymentParked("processing", …)``; the sandbox does for
its magic amounts). ``_authorize`` then books the same pending transfers as a manual-capture hold
(``pi_…_auth``, or ``_fxin``/``_fxout``) — the wallet's available balance drops at once — and
``park`` records when it settles. The worker's ``payments.settle_processing`` task settles each
due payment in its own transaction (``settle``):

- success: the hold is posted and the fee booked (``succeeded``, ``payment_intent.succeeded``, as
  a payment answered at once); a manual-capture intent keeps its hold (``requires_capture``);
- failure: the hold is voided, the money is available again, and the intent returns to
  ``requires_payment_method`` with ``last_payment_error`` (``payment_intent.payment_failed``).

The intent's ledger ids are spent by the voided attempt, so such an intent cannot be paid again
(a new intent can); a hold that expired first (the worker was down longer than the capture
window) settles as a failure.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from digiplus.core import audit
from digiplus.core.context import Caller
from digiplus.core.db import Database, utcnow
from digiplus.core.events import emit
from digiplus.core.worker import task
from digiplus.ledger import TransferResult, create_transfers
from digiplus.payments.models import PaymentIntent, ProcessingPayment
from digiplus.payments.service import books, charging
from digiplus.payments.service.guards import PaymentParked
from digiplus.payments.service.intents import CAPTURABLE, FAILED, SUCCEEDED, intent_data, write_intent
from digiplus.payments.service.merchants import profile_of

HOLD_EXPIRED = "The held amount was released before the payment settled."


def park(session: Session, intent: PaymentIntent, parked: PaymentParked, now: datetime) -> None:
    """Record when the processing payment ``intent`` settles, and how (in the booking's transaction)."""
    failure = parked.fails_with
    session.add(
        ProcessingPayment(
            id=intent.id,
            org_id=intent.org_id,
            livemode=intent.livemode,
            created=now,
            settles_at=now + timedelta(seconds=parked.settles_after),
            failure_code=failure.code if failure else None,
            failure_message=failure.message if failure else None,
        )
    )


def due_payments(session: Session, now: datetime, limit: int = 500) -> list[str]:
    return list(
        session.scalars(
            select(ProcessingPayment.id)
            .where(ProcessingPayment.settled_at.is_(None), ProcessingPayment.settles_at <= now)
            .order_by(ProcessingPayment.settles_at)
            .limit(limit)
        )
    )


def settle(session: Session, intent_id: str, *, now: datetime | None = None) -> PaymentIntent | None:
    """Settle one processing payment: post its hold (success) or void it (failure). Returns the
    intent, or None when it was settled already (another worker came first)."""
    now = now or utcnow()
    # Lock order: the intent row, then its processing row, then the ledger's accounts.
    intent = session.scalars(select(PaymentIntent).where(PaymentIntent.id == intent_id).with_for_update()).one()
    row = session.get(ProcessingPayment, intent_id, with_for_update=True)
    if row is None or row.settled_at is not None or intent.status != "processing":
        return None
    merchant = Caller.system(intent.org_id, intent.livemode)
    ledger_books = books.platform_books(session, intent.livemode, on_behalf_of=merchant)
    failure = (row.failure_code, row.failure_message or "") if row.failure_code else None
    changes: dict[str, Any] = {}
    if failure is None and intent.capture_method == "manual":
        changes = {"status": "requires_capture", "amount_capturable": intent.amount}
    elif failure is None:
        profile = profile_of(session, intent.org_id, intent.livemode)
        fee_plan = profile.fee_plan if profile else "standard"
        items, fee, wallet_amount = charging.capture_items(intent, intent.amount, fee_plan)
        broke = charging.failure(create_transfers(session, ledger_books, charging.chain(items)))
        if broke is TransferResult.pending_transfer_expired:
            failure = ("processing_failed", HOLD_EXPIRED)
        elif broke is not None:
            raise RuntimeError(f"settling {intent.id}: {broke}")
        else:
            changes = {
                "status": "succeeded",
                "amount_received": intent.amount,
                "fee_amount": fee,
                "wallet_amount": wallet_amount,
                "captured_at": now,
                "transfer_ids": {**(intent.transfer_ids or {}), **charging.transfer_ids(items)},
            }
    if failure is not None:
        items = charging.void_items(intent)
        broke = charging.failure(create_transfers(session, ledger_books, charging.chain(items)))
        if broke not in (None, TransferResult.pending_transfer_expired):
            raise RuntimeError(f"voiding {intent.id}: {broke}")
        code, message = failure
        changes = {
            "status": "requires_payment_method",
            "wallet_amount": 0,  # nothing is committed any more (the wallet limits sum it)
            "last_payment_error": {
                "type": "payment_error",
                "code": code,
                "message": message,
                "payment_method_type": intent.payment_method_type,
            },
            "transfer_ids": {**(intent.transfer_ids or {}), **charging.transfer_ids(items)},
        }
    write_intent(session, intent, **changes)
    row.settled_at = now
    session.flush()
    event = FAILED if failure else CAPTURABLE if intent.status == "requires_capture" else SUCCEEDED
    emit(session, merchant, event, intent_data(intent))
    audit.record(
        session,
        merchant,
        "payment_intent.payment_failed" if failure else "payment_intent.processed",
        "payment_intent",
        intent.id,
        before={"status": "processing"},
        after={
            "status": intent.status,
            "amount": intent.amount,
            "decline": failure[0] if failure else None,
            "ledger_transfers": intent.transfer_ids,
        },
    )
    return intent


@task("payments.settle_processing")
def settle_processing_task(db: Database) -> int:
    """Settle the processing payments that are due, each in its own transaction."""
    now = utcnow()
    with db.read_session() as session:
        due = due_payments(session, now)
    settled = 0
    for intent_id in due:
        with db.session() as session:
            settled += settle(session, intent_id, now=now) is not None
    return settled
