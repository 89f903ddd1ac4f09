"""Payment guards: checks other modules plug into the transaction that books a payment.

A guard is ``fn(session, context)``. It runs after the wallet limits are checked and before
the ledger is written, in the same transaction, with the intent and wallet rows locked. It
refuses a payment by raising ``PaymentRefused`` (a ``PaymentDeclined``: 402, nothing booked,
the intent keeps ``last_payment_error``); anything it wrote (a counter, a refusal row) commits
with the declined attempt. A guard that accepts may reserve (e.g. add to an exposure counter):
that write commits with the booking or, if the booking fails, with the decline — so a guard that
reserves also says how to give it back (``context.on_decline``): should the ledger then decline
the payment (the wallet lacks the money), payments runs those in the same transaction, before it
commits the decline — so a reservation never outlives a payment that did not happen.

The sandbox module registers one (experiments' limits; test-mode magic amounts).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from digiplus.payments.models import PaymentIntent, Wallet
from digiplus.payments.service.errors import PaymentDeclined
from digiplus.payments.service.fx import twd_equivalent


class PaymentRefused(PaymentDeclined):
    """A guard refused the payment; ``code`` says why (``experiment_limit_exceeded``, …)."""


@dataclass(frozen=True, slots=True)
class PaymentContext:
    intent_id: str
    merchant_org_id: str
    payer_org_id: str
    payer_wallet_id: str
    wallet: Wallet
    amount: int  # the intent's amount, in ``currency``
    currency: str
    wallet_amount: int  # what leaves the wallet, in ``wallet_currency``
    wallet_currency: str
    amount_twd: int
    livemode: bool

    undo: list[Callable[[Session], None]] = field(default_factory=list)

    def on_decline(self, give_back: Callable[[Session], None]) -> None:
        """Run ``give_back(session)`` if the payment is declined after the guards accepted it."""
        self.undo.append(give_back)


PaymentGuard = Callable[[Session, PaymentContext], None]
_GUARDS: list[PaymentGuard] = []


def register_payment_guard(fn: PaymentGuard) -> PaymentGuard:
    """Add a guard (idempotent: registering the same function twice keeps one)."""
    if fn not in _GUARDS:
        _GUARDS.append(fn)
    return fn


def payment_context(intent: PaymentIntent, wallet: Wallet, wallet_amount: int) -> PaymentContext:
    return PaymentContext(
        intent_id=intent.id,
        merchant_org_id=intent.org_id,
        payer_org_id=wallet.org_id,
        payer_wallet_id=wallet.id,
        wallet=wallet,
        amount=intent.amount,
        currency=intent.currency,
        wallet_amount=wallet_amount,
        wallet_currency=wallet.currency,
        amount_twd=twd_equivalent(wallet_amount, wallet.currency),
        livemode=intent.livemode,
    )


def run_payment_guards(session: Session, context: PaymentContext) -> None:
    """Every registered guard, in registration order; the first refusal propagates."""
    for guard in _GUARDS:
        guard(session, context)


def undo_payment_guards(session: Session, context: PaymentContext) -> None:
    """The ledger declined a payment the guards accepted: give back what they reserved (last first)."""
    while context.undo:
        context.undo.pop()(session)
