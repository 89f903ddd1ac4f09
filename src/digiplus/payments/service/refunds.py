"""Refunds: full or partial, several per payment, never more than captured less refunded.

The intent row is locked first, so two refunds of one payment are serialised and the
second sees the first's ``amount_refunded``. Money comes back from the merchant's pending
settlement (the payment's funds, unless already settled), and whatever that does not hold
from the merchant's available balance; to the wallet, or for a cross-border payment
through FX liquidity at the original payment's rate (the wallet gets back the same share
of what it paid: cumulative, so a payment refunded in parts returns exactly what was paid).
The fee is returned pro rata, in the same ledger batch as the refund's take from pending
settlement (platform fee revenue → merchant pending, before the take): the share of the fee for
the amount refunded so far, less what earlier refunds returned, so a full refund returns the
whole fee (the merchant's pending balance then covers a full refund of its only payment) and
partial refunds add up to the fee exactly. If the merchant's balances do not cover the refund,
the refund is kept with ``status: failed`` (``merchant_insufficient_funds``) and nothing moved.
The refund's audit entry (in the merchant's chain) names its ledger transfers; the batches write
no entry of their own in the operator's chain.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session

from digiplus.core import audit
from digiplus.core.context import Caller
from digiplus.core.errors import InvalidRequest
from digiplus.core.events import emit, register_event_type
from digiplus.core.ids import id_for
from digiplus.core.money import check_minor
from digiplus.core.tenancy import get_owned, scoped
from digiplus.ledger import TransferFlags, TransferInput, TransferResult, create_transfers
from digiplus.payments.models import PaymentIntent, Refund
from digiplus.payments.service import books, charging
from digiplus.payments.service.books import TransferCode
from digiplus.payments.service.errors import UnexpectedState
from digiplus.payments.service.intents import as_merchant, get_intent

CREATED = register_event_type("refund.created", "A refund was asked for.")
SUCCEEDED = register_event_type("refund.succeeded", "A refund reached the payer's wallet.")
FAILED = register_event_type("refund.failed", "A refund failed; nothing moved.")
REASONS = ("duplicate", "fraudulent", "requested_by_customer")
_SWEEP = int(TransferFlags.balancing_debit)


class _Short(Exception):
    """The merchant's balances do not cover the refund (rolls back the savepoint)."""


def create_refund(
    session: Session, caller: Caller, *, payment_intent_id: str, amount: int | None, reason: str | None
) -> Refund:
    intent = get_intent(session, caller, payment_intent_id, lock=True)
    if intent.status != "succeeded":
        raise UnexpectedState(
            f"Only a succeeded payment can be refunded; this one is {intent.status}.", param="payment_intent"
        )
    refundable = intent.amount_received - intent.amount_refunded
    amount = refundable if amount is None else check_minor(amount)
    if refundable == 0:
        raise InvalidRequest(
            "This payment is fully refunded already.", param="payment_intent", code="charge_already_refunded"
        )
    if amount > refundable:
        raise InvalidRequest(
            f"amount ({amount}) is more than what is left to refund ({refundable}).",
            param="amount",
            code="amount_too_large",
        )
    if reason is not None and reason not in REASONS:
        raise InvalidRequest(f"reason is one of {', '.join(REASONS)}", param="reason")
    refund = Refund(
        id=id_for("refund"),
        org_id=caller.org_id,
        livemode=caller.livemode,
        payment_intent_id=intent.id,
        amount=amount,
        currency=intent.currency,
        status="pending",
        reason=reason,
        wallet_amount=0,
        from_pending=0,
        from_available=0,
        fee_refunded=0,
    )
    session.add(refund)
    session.flush()
    merchant = as_merchant(intent, caller)
    emit(session, merchant, CREATED, refund_data(refund))
    try:
        with session.begin_nested():
            _book(session, caller, intent, refund)
    except _Short:
        refund.status, refund.failure_reason = "failed", "merchant_insufficient_funds"
        refund.wallet_amount = refund.from_pending = refund.from_available = refund.fee_refunded = 0
        refund.transfer_ids = None
    else:
        refund.status = "succeeded"
        intent.amount_refunded += amount
        intent.wallet_amount_refunded += refund.wallet_amount
    session.flush()
    emit(session, merchant, SUCCEEDED if refund.status == "succeeded" else FAILED, refund_data(refund))
    audit.record(
        session,
        caller,
        f"refund.{refund.status}",
        "refund",
        refund.id,
        after={
            "payment_intent": intent.id,
            "amount": amount,
            "status": refund.status,
            "fee_refunded": refund.fee_refunded,
            "ledger_transfers": refund.transfer_ids,
        },
    )
    return refund


def _book(session: Session, caller: Caller, intent: PaymentIntent, refund: Refund) -> None:
    ledger_books = books.platform_books(session, caller.livemode, on_behalf_of=caller)
    cur, org = intent.currency, intent.org_id
    fx = intent.fx_quote_id is not None and intent.wallet_currency is not None
    wallet_account = books.wallet_account(intent.payer_org_id or "", intent.wallet_currency or cur)
    target = books.fx_liquidity_account(cur) if fx else wallet_account
    meta = {"refund": refund.id, "payment_intent": intent.id}
    # 1. the fee's share back to pending settlement, then from pending settlement as much as it holds
    #    (a balancing debit moves at most that): one linked batch
    refunded_after = intent.amount_refunded + refund.amount
    refund.fee_refunded = charging.proportional_share(
        intent.fee_amount, refunded_after, intent.amount_received
    ) - charging.proportional_share(intent.fee_amount, intent.amount_refunded, intent.amount_received)
    first: list[TransferInput] = []
    if refund.fee_refunded:
        first.append(
            TransferInput(
                id=f"{refund.id}_fee",
                debit_account_id=books.fee_revenue_account(cur),
                credit_account_id=books.merchant_pending_account(org, cur),
                amount=refund.fee_refunded,
                ledger=cur,
                code=int(TransferCode.fee_refund),
                metadata=meta,
            )
        )
    first.append(
        TransferInput(
            id=f"{refund.id}_pend",
            debit_account_id=books.merchant_pending_account(org, cur),
            credit_account_id=target,
            amount=refund.amount,
            ledger=cur,
            code=int(TransferCode.refund),
            flags=_SWEEP,
            metadata=meta,
        )
    )
    outcomes = create_transfers(session, ledger_books, charging.chain(first), audit_action=None)
    swept = outcomes[-1]
    transfer = swept.transfer
    if charging.failure(outcomes) is not None or transfer is None:
        raise RuntimeError(f"refund {refund.id}: {[o.result for o in outcomes]}")
    refund.from_pending = transfer.amount
    refund.transfer_ids = [o.id for o in outcomes]
    rest = refund.amount - refund.from_pending
    # 2. the rest from the available balance (the payment was settled already)
    items = []
    if rest:
        items.append(
            TransferInput(
                id=f"{refund.id}_avail",
                debit_account_id=books.merchant_available_account(org, cur),
                credit_account_id=target,
                amount=rest,
                ledger=cur,
                code=int(TransferCode.refund),
                metadata=meta,
            )
        )
    # 3. a cross-border payment: the wallet's currency back out of FX liquidity, at the original rate
    if fx:
        refunded_after = intent.amount_refunded + refund.amount
        wallet_total = charging.wallet_share(intent.wallet_amount, refunded_after, intent.amount_received)
        refund.wallet_amount = wallet_total - intent.wallet_amount_refunded
        if refund.wallet_amount:
            items.append(
                TransferInput(
                    id=f"{refund.id}_fx",
                    debit_account_id=books.fx_liquidity_account(intent.wallet_currency or ""),
                    credit_account_id=wallet_account,
                    amount=refund.wallet_amount,
                    ledger=intent.wallet_currency,
                    code=int(TransferCode.fx_refund),
                    metadata=meta,
                )
            )
    else:
        refund.wallet_amount = refund.amount
    if items:
        rest_outcomes = create_transfers(session, ledger_books, charging.chain(items), audit_action=None)
        broke = charging.failure(rest_outcomes)
        if broke is TransferResult.exceeds_credits:
            raise _Short
        if broke is not None:
            raise RuntimeError(f"refund {refund.id}: {broke}")
        refund.transfer_ids = [*(o.id for o in outcomes), *(o.id for o in rest_outcomes)]
    refund.from_available = rest


def get_refund(session: Session, caller: Caller, refund_id: str) -> Refund:
    return get_owned(session, Refund, refund_id, caller)


def refunds_query(caller: Caller, payment_intent: str | None = None) -> Select[Refund]:
    stmt = scoped(Refund, caller)
    return stmt if payment_intent is None else stmt.where(Refund.payment_intent_id == payment_intent)


def refund_data(r: Refund) -> dict[str, Any]:
    return {
        "id": r.id,
        "object": "refund",
        "created": int(r.created.timestamp()),
        "livemode": r.livemode,
        "payment_intent": r.payment_intent_id,
        "amount": r.amount,
        "currency": r.currency,
        "status": r.status,
        "reason": r.reason,
        "failure_reason": r.failure_reason,
        "wallet_amount": r.wallet_amount,
        "from_pending_settlement": r.from_pending,
        "from_available": r.from_available,
        "fee_refunded": r.fee_refunded,
    }
