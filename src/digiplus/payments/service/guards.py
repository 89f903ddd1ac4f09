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

A guard may also *park* a payment instead of refusing it, by raising ``PaymentParked``:
``requires_action`` (the payer must approve in the wallet first: nothing is booked; the approval
runs the guards again with ``context.payer_authenticated``) or ``processing`` (the amount is held
on the wallet and the payment settles later, to ``succeeded`` or to a decline, after
``settles_after`` seconds: ``service/processing.py``). A park does not stop the other guards: a
later refusal still wins, and the first park is raised once every guard has accepted.

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


PARK_KINDS = ("requires_action", "processing")


class PaymentParked(Exception):
    """A guard parks the payment rather than booking it now (not an error: the request answers 200).

    ``kind``: ``requires_action`` (the payer approves in the wallet, then the payment is booked as
    usual) or ``processing`` (the amount is held now; after ``settles_after`` seconds the hold is
    posted, or voided with ``fails_with`` as the intent's ``last_payment_error`` when it is given).
    ``code`` names the reason (``payer_authentication_required``, ``processing``…).
    """

    def __init__(
        self,
        kind: str,
        *,
        code: str,
        message: str,
        settles_after: float = 0.0,
        fails_with: PaymentDeclined | None = None,
    ) -> None:
        if kind not in PARK_KINDS:
            raise ValueError(f"PaymentParked kind is one of {', '.join(PARK_KINDS)}, not {kind!r}")
        super().__init__(message)
        self.kind, self.code, self.message = kind, code, message
        self.settles_after, self.fails_with = settles_after, fails_with


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
    payer_authenticated: bool = False  # the payer approved in the wallet (after a requires_action park)

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


def payment_context(
    intent: PaymentIntent, wallet: Wallet, wallet_amount: int, *, payer_authenticated: bool = False
) -> PaymentContext:
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
        payer_authenticated=payer_authenticated,
    )


def run_payment_guards(session: Session, context: PaymentContext) -> None:
    """Every registered guard, in registration order; the first refusal propagates, then the first park."""
    parked: PaymentParked | None = None
    for guard in _GUARDS:
        try:
            guard(session, context)
        except PaymentParked as park:
            parked = parked or park
    if parked is not None:
        raise parked


def undo_payment_guards(session: Session, context: PaymentContext) -> None:
    """The ledger declined a payment the guards accepted: give back what they reserved (last first)."""
    while context.undo:
        context.undo.pop()(session)
