"""Discounts on a payment intent before it is paid (a loyalty reward at the counter or in the wallet).

``amount`` stays what the payer is charged: a discount lowers it and is kept in
``discount_amount`` (with the caller's reference, e.g. the loyalty redemption), so the
paying, capture, fee and refund code needs no change: everything after works on the
discounted amount. One discount per intent, only while it is payable, never the whole
amount (a payment of nothing is not a payment). A dynamic QR already shown is drawn again
with the new amount. The caller's own writes (the points) and this change commit together:
the intent row is locked here, first, in the payments lock order (intent, wallet, ledger).

``intent_view`` is what another module may know of an intent (loyalty earns on it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from digiplus.core import audit
from digiplus.core.context import Caller
from digiplus.core.errors import Conflict, InvalidRequest, NotFound
from digiplus.core.events import emit, register_event_type
from digiplus.payments import qr
from digiplus.payments.models import PaymentIntent
from digiplus.payments.service.errors import UnexpectedState
from digiplus.payments.service.intents import PAYABLE, as_merchant, intent_data
from digiplus.payments.service.merchants import profile_of

DISCOUNT_APPLIED = register_event_type(
    "payment_intent.discount_applied", "A reward was taken off a payment intent before payment."
)
DISCOUNT_REMOVED = register_event_type(
    "payment_intent.discount_removed", "A discount was taken back from an unpaid payment intent."
)


@dataclass(frozen=True, slots=True)
class IntentView:
    """An intent as another module may see it (no payer wallet, no ledger detail)."""

    id: str
    org_id: str
    livemode: bool
    status: str
    amount: int
    currency: str
    amount_received: int
    amount_refunded: int
    discount_amount: int
    discount_reference: str | None
    payer_org_id: str | None
    captured_at: datetime | None


def _view(p: PaymentIntent) -> IntentView:
    return IntentView(
        id=p.id,
        org_id=p.org_id,
        livemode=p.livemode,
        status=p.status,
        amount=p.amount,
        currency=p.currency,
        amount_received=p.amount_received,
        amount_refunded=p.amount_refunded,
        discount_amount=p.discount_amount or 0,
        discount_reference=p.discount_reference,
        payer_org_id=p.payer_org_id,
        captured_at=p.captured_at,
    )


def _intent(
    session: Session, intent_id: str, livemode: bool, merchant_org_id: str | None, *, lock: bool
) -> PaymentIntent:
    stmt = select(PaymentIntent).where(PaymentIntent.id == intent_id, PaymentIntent.livemode == livemode)
    if merchant_org_id is not None:
        stmt = stmt.where(PaymentIntent.org_id == merchant_org_id)
    found = session.scalars(stmt.with_for_update() if lock else stmt).one_or_none()
    if found is None:
        raise NotFound(f"No such payment_intent: '{intent_id}'", param="payment_intent")
    return found


def intent_view(
    session: Session, intent_id: str, livemode: bool, *, merchant_org_id: str | None = None, lock: bool = False
) -> IntentView:
    """The intent (of ``merchant_org_id`` when given); ``NotFound`` otherwise. ``lock`` takes the row lock."""
    return _view(_intent(session, intent_id, livemode, merchant_org_id, lock=lock))


def _redraw_qr(session: Session, intent: PaymentIntent) -> None:
    if intent.status != "requires_action":
        return
    profile = profile_of(session, intent.org_id, intent.livemode)
    if profile is None:
        return
    payload = qr.merchant_qr(
        merchant_id=intent.org_id,
        merchant_name=profile.display_name,
        merchant_city=profile.city,
        mcc=profile.mcc,
        currency=intent.currency,
        amount_minor=intent.amount,
        reference=intent.id,
    )
    intent.next_action = {"type": "display_qr_code", "display_qr_code": {"data": payload}}


def apply_discount(
    session: Session,
    acting: Caller,
    intent_id: str,
    *,
    amount: int,
    reference: str,
    merchant_org_id: str | None = None,
) -> IntentView:
    """Take ``amount`` off the unpaid intent (locked). ``merchant_org_id`` limits it to that merchant's."""
    intent = _intent(session, intent_id, acting.livemode, merchant_org_id, lock=True)
    if intent.status not in PAYABLE:
        raise UnexpectedState(
            f"This payment is {intent.status}; a reward can only be used before it is paid.", param="payment_intent"
        )
    if intent.discount_amount:
        raise Conflict(
            "A reward is already used on this payment; one per payment.",
            param="payment_intent",
            code="discount_already_applied",
        )
    if amount <= 0:
        raise InvalidRequest("The discount must be positive.", param="amount", code="discount_invalid")
    if amount >= intent.amount:
        raise InvalidRequest(
            f"The discount ({amount}) would cover the whole payment ({intent.amount}); "
            "hand the reward over without a payment instead.",
            param="payment_intent",
            code="discount_too_large",
        )
    before = intent.amount
    intent.amount -= amount
    intent.discount_amount, intent.discount_reference = amount, reference
    _redraw_qr(session, intent)
    session.flush()
    emit(session, as_merchant(intent, acting), DISCOUNT_APPLIED, intent_data(intent))
    audit.record(
        session,
        acting,
        "payment_intent.discount_applied",
        "payment_intent",
        intent.id,
        before={"amount": before},
        after={"amount": intent.amount, "discount_amount": amount, "reference": reference},
    )
    return _view(intent)


def remove_discount(session: Session, acting: Caller, intent_id: str, *, reference: str) -> bool:
    """Give the discount back to an intent still unpaid; False when it is paid, canceled or not this discount."""
    intent = _intent(session, intent_id, acting.livemode, None, lock=True)
    if intent.discount_reference != reference or intent.status not in PAYABLE or not intent.discount_amount:
        return False
    given = intent.discount_amount
    intent.amount += given
    intent.discount_amount, intent.discount_reference = 0, None
    _redraw_qr(session, intent)
    session.flush()
    emit(session, as_merchant(intent, acting), DISCOUNT_REMOVED, intent_data(intent))
    audit.record(
        session,
        acting,
        "payment_intent.discount_removed",
        "payment_intent",
        intent.id,
        before={"discount_amount": given},
        after={"amount": intent.amount, "reference": reference},
    )
    return True
