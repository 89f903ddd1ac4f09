"""The payer approves a payment that waits for them (``requires_action`` with a
``payer_authentication`` next action — a guard asked for it, e.g. the sandbox's magic amounts,
as 3-D Secure asks a card holder).

The approval books exactly as an ordinary wallet payment (``paying._authorize``, the guards run
again knowing the payer approved) and may still be declined (the guard judges the approval:
``payer_authentication_failed``; the balance; the limits). Approving a payment this wallet has
approved already answers it again without booking anything (idempotent); another wallet, org or
mode answers 404.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from digiplus.core.context import Caller
from digiplus.core.errors import NotFound
from digiplus.payments.models import FxQuote, PaymentIntent
from digiplus.payments.service.errors import UnexpectedState
from digiplus.payments.service.paying import Attempt, _authorize, _intent_target, _record
from digiplus.payments.service.wallets import get_wallet

APPROVED = ("processing", "requires_capture", "succeeded")
ACTION = "payer_authentication"


def awaits_approval(intent: PaymentIntent) -> bool:
    return intent.status == "requires_action" and (intent.next_action or {}).get("type") == ACTION


def approve_payment(session: Session, caller: Caller, wallet_id: str, intent_id: str) -> Attempt:
    """The payer's approval of ``intent_id`` from ``wallet_id`` (the wallet the payment named)."""
    target = _intent_target(session, caller.livemode, intent_id, lock=True)
    wallet = get_wallet(session, caller, wallet_id, lock=True, param="wallet")  # after the intent: the lock order
    intent = target.intent
    if intent is None or intent.payer_wallet_id != wallet.id:
        raise NotFound(f"No payment of this wallet: '{intent_id}'", param="payment_intent")
    merchant_name = target.profile.display_name
    if intent.status in APPROVED:  # approved before: the same answer, nothing booked again
        quote = None
        if intent.fx_quote_id:
            quote = session.scalars(select(FxQuote).where(FxQuote.id == intent.fx_quote_id)).one_or_none()
        return Attempt(intent, quote=quote, merchant_name=merchant_name)
    if not awaits_approval(intent):
        raise UnexpectedState(
            f"This payment is {intent.status}; it does not wait for the payer's approval.", param="payment_intent"
        )
    attempt = _authorize(
        session,
        intent,
        wallet,
        caller,
        intent.payment_method_type or "wallet",
        None,  # a cross-border payment is priced again: the rate seen before approval may have expired
        profile=target.profile,
        wallet_locked=True,
        books_org=target.books_org,
        payer_authenticated=True,
    )
    _record(session, caller, attempt, "requires_action")
    return attempt


def awaiting_approval(session: Session, caller: Caller, wallet_id: str) -> list[PaymentIntent]:
    """The payments waiting for this wallet's approval, newest first (the wallet is the caller's)."""
    wallet = get_wallet(session, caller, wallet_id, param="wallet")
    rows = session.scalars(
        select(PaymentIntent)
        .where(
            PaymentIntent.payer_wallet_id == wallet.id,
            PaymentIntent.livemode == caller.livemode,
            PaymentIntent.status == "requires_action",
        )
        .order_by(PaymentIntent.id.desc())
        .limit(20)
    )
    return [p for p in rows if awaits_approval(p)]
