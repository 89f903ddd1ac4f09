"""The ledger side of a payment intent: authorise (hold), capture (post + fee), release (void).

Transfer ids derive from the intent id (``pi_…_auth`` (or ``pi_…_charge``), ``pi_…_cap``, ``pi_…_fee``,
``pi_…_void``; ``pi_…_fxin`` / ``pi_…_fxout`` for a cross-border payment), so booking an
intent twice is impossible: the ledger answers ``exists``. Every batch is one linked chain —
all of it happens or none of it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy.orm import object_session

from digiplus.ledger import TransferFlags, TransferInput, TransferOutcome, TransferResult
from digiplus.payments.models import FxQuote, PaymentIntent, Wallet
from digiplus.payments.service import books
from digiplus.payments.service.books import TransferCode
from digiplus.payments.service.fee_plans import merchant_fee

PENDING = int(TransferFlags.pending)
POST = int(TransferFlags.post_pending_transfer)
VOID = int(TransferFlags.void_pending_transfer)
LINKED = int(TransferFlags.linked)


def chain(items: list[TransferInput]) -> list[TransferInput]:
    """Link every item to the next (the last closes the chain)."""
    return [replace(t, flags=t.flags | LINKED) if i < len(items) - 1 else t for i, t in enumerate(items)]


def failure(outcomes: list[TransferOutcome]) -> TransferResult | None:
    """The result that broke a linked chain (not the ``linked_event_failed`` of its companions)."""
    for o in outcomes:
        if o.result not in (TransferResult.ok, TransferResult.linked_event_failed):
            return o.result
    return None


def hold_items(
    intent: PaymentIntent, wallet: Wallet, quote: FxQuote | None, *, timeout: int, meta: dict[str, Any], hold: bool
) -> list[TransferInput]:
    """Manual capture: pending transfers (``_auth``, or ``_fxin``/``_fxout``) held for ``timeout`` s.
    Automatic capture: the same movements posted at once (``_charge``, or ``_fxin``/``_fxout``)."""
    pi, cur = intent.id, intent.currency
    flags = PENDING if hold else 0
    timeout = timeout if hold else 0
    merchant = books.merchant_pending_account(intent.org_id, cur)
    if quote is None:
        return [
            TransferInput(
                id=f"{pi}_auth" if hold else f"{pi}_charge",
                debit_account_id=wallet.ledger_account_id,
                credit_account_id=merchant,
                amount=intent.amount,
                ledger=cur,
                code=int(TransferCode.payment),
                flags=flags,
                timeout=timeout,
                metadata=meta,
            )
        ]
    fx_meta = {**meta, "fx_quote": quote.id, "rate": quote.rate}
    return [
        TransferInput(
            id=f"{pi}_fxin",
            debit_account_id=wallet.ledger_account_id,
            credit_account_id=books.fx_liquidity_account(wallet.currency),
            amount=quote.sell_amount,
            ledger=wallet.currency,
            code=int(TransferCode.fx_payment_in),
            flags=flags,
            timeout=timeout,
            metadata=fx_meta,
        ),
        TransferInput(
            id=f"{pi}_fxout",
            debit_account_id=books.fx_liquidity_account(cur),
            credit_account_id=merchant,
            amount=intent.amount,
            ledger=cur,
            code=int(TransferCode.fx_payment_out),
            flags=flags,
            timeout=timeout,
            metadata=fx_meta,
        ),
    ]


def proportional_share(total: int, part: int, whole: int) -> int:
    """``total × part / whole``, rounded half up; exact (``total``) when ``part == whole``. Taken on
    cumulative amounts (share after minus share before), the parts of a whole add up to ``total``."""
    return (total * part * 2 + whole) // (whole * 2)


def wallet_share(wallet_amount: int, part: int, whole: int) -> int:
    """The wallet-currency amount matching ``part`` of ``whole`` (merchant currency), rounded half up;
    exact when ``part == whole``."""
    return (wallet_amount * part * 2 + whole) // (whole * 2)


def capture_items(intent: PaymentIntent, amount: int, fee_plan: str) -> tuple[list[TransferInput], int, int]:
    """Post ``amount`` of the hold (the rest is released) and book the fee: (items, fee, wallet amount)."""
    pi = intent.id
    if intent.fx_quote_id is None:
        items = [TransferInput(id=f"{pi}_cap", pending_id=f"{pi}_auth", amount=amount, flags=POST)]
        wallet_amount = amount
    else:
        wallet_amount = wallet_share(intent.wallet_amount, amount, intent.amount)
        items = [
            TransferInput(id=f"{pi}_fxincap", pending_id=f"{pi}_fxin", amount=wallet_amount, flags=POST),
            TransferInput(id=f"{pi}_fxoutcap", pending_id=f"{pi}_fxout", amount=amount, flags=POST),
        ]
    fee_items, fee = fee_item(intent, amount, fee_plan)
    return items + fee_items, fee, wallet_amount


def fee_item(intent: PaymentIntent, amount: int, fee_plan: str) -> tuple[list[TransferInput], int]:
    """The fee on ``amount`` captured, from the merchant's pending settlement (none when it is 0)."""
    pi, cur = intent.id, intent.currency
    fee = merchant_fee(object_session(intent), intent.livemode, fee_plan, intent.scenario, amount)
    items = []
    if fee:
        items.append(
            TransferInput(
                id=f"{pi}_fee",
                debit_account_id=books.merchant_pending_account(intent.org_id, cur),
                credit_account_id=books.fee_revenue_account(cur),
                amount=fee,
                ledger=cur,
                code=int(TransferCode.fee),
                metadata={"payment_intent": pi},
            )
        )
    return items, fee


def void_items(intent: PaymentIntent) -> list[TransferInput]:
    pi = intent.id
    if intent.fx_quote_id is None:
        return [TransferInput(id=f"{pi}_void", pending_id=f"{pi}_auth", flags=VOID)]
    return [
        TransferInput(id=f"{pi}_fxinvoid", pending_id=f"{pi}_fxin", flags=VOID),
        TransferInput(id=f"{pi}_fxoutvoid", pending_id=f"{pi}_fxout", flags=VOID),
    ]


def transfer_ids(items: list[TransferInput]) -> dict[str, str]:
    return {t.id.split("_", 2)[2]: t.id for t in items}
