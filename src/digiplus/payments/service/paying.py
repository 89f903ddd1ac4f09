"""Paying an intent from a wallet, the three ways:

1. the merchant shows a dynamic QR (``confirm`` with ``{"type": "qr"}`` → ``requires_action``),
   the consumer's wallet scans it and pays (``pay_from_wallet`` with the payload or the id);
2. the consumer scans the merchant's static QR and enters the amount (``pay_from_wallet``
   creates the intent on the merchant's side, then pays it);
3. the merchant's terminal scans the consumer's payment code (``confirm`` with
   ``{"type": "payment_code", "code": …}``).

The payer's side reaches across orgs once, on purpose: it finds the merchant's intent by id
(same mode) and learns only what a payer needs. Lock order everywhere: intent row, wallet
row, then the ledger accounts, then the acting org's audit head. A payment's ledger batch
writes no audit entry of its own in the operator's chain (which would serialise every
payment of the platform): the acting org's entry names the transfers (ADR 0011).

The hot path reads the intent, the merchant's profile and the books' org in one statement,
and writes the intent with one Core ``UPDATE`` (``write_intent``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, bindparam, select
from sqlalchemy.orm import Session

from digiplus.core import audit
from digiplus.core.context import Caller
from digiplus.core.db import utcnow
from digiplus.core.errors import InvalidRequest, NotFound
from digiplus.core.events import emit
from digiplus.core.money import format_minor
from digiplus.ledger import create_transfers
from digiplus.payments import qr
from digiplus.payments.models import FxQuote, MerchantProfile, PaymentIntent, Wallet
from digiplus.payments.service import books, charging, codes, fx, processing
from digiplus.payments.service.errors import PaymentDeclined, UnexpectedState
from digiplus.payments.service.guards import (
    PaymentParked,
    payment_context,
    run_payment_guards,
    undo_payment_guards,
)
from digiplus.payments.service.intents import (
    CAPTURABLE,
    FAILED,
    PAYABLE,
    PROCESSING,
    REQUIRES_ACTION,
    SUCCEEDED,
    as_merchant,
    get_intent,
    intent_data,
    new_intent,
    write_intent,
)
from digiplus.payments.service.limits import check_limits
from digiplus.payments.service.merchants import get_profile, profile_of
from digiplus.payments.service.wallets import debit_declined, get_wallet, lock_wallet
from digiplus.settings import get_settings


@dataclass(frozen=True, slots=True)
class Attempt:
    intent: PaymentIntent
    declined: PaymentDeclined | None = None
    quote: FxQuote | None = None
    merchant_name: str = ""


def _authorize(
    session: Session,
    intent: PaymentIntent,
    wallet: Wallet,
    acting: Caller,
    method: str,
    quote_id: str | None,
    *,
    profile: MerchantProfile | None = None,
    wallet_locked: bool = False,
    books_org: str | None = None,
    payer_authenticated: bool = False,
) -> Attempt:
    """Hold (and for automatic capture, post) the intent's amount on the wallet. The intent row is locked.

    A decline (balance, limit) books nothing and leaves the intent in ``requires_payment_method``
    with ``last_payment_error``; the caller commits that and answers 402. A guard may park the
    payment instead (``PaymentParked``): ``requires_action`` books nothing and waits for the payer's
    approval (``approval.approve_payment``, which comes back here with ``payer_authenticated``);
    ``processing`` holds the amount until the worker settles it (``service/processing.py``).
    ``profile`` (the merchant's, when the caller has it), ``wallet_locked`` and ``books_org`` save a
    statement each.
    """
    profile = profile or profile_of(session, intent.org_id, intent.livemode)
    if profile is None:  # an intent is only made for a merchant with a profile
        raise NotFound(f"No such payment_intent: '{intent.id}'", param="payment_intent")
    if intent.transfer_ids:  # an earlier attempt was held then voided (a failed processing payment)
        raise UnexpectedState(
            "This payment's earlier attempt was held and released; it cannot be paid again. "
            "Create a new payment intent.",
            param="payment_intent",
        )
    quote = None
    if wallet.currency != intent.currency:
        payer = Caller.system(wallet.org_id, wallet.livemode)
        if quote_id is None:
            quote = fx.build_quote(session, payer, wallet.currency, intent.currency, intent.amount, now=None)
        else:
            quote = fx.usable_quote(
                session,
                payer,
                quote_id,
                sell_currency=wallet.currency,
                buy_currency=intent.currency,
                buy_amount=intent.amount,
            )
    elif quote_id is not None:
        raise InvalidRequest(
            "The wallet and the payment have the same currency; no FX quote is needed.", param="fx_quote"
        )
    wallet_amount = quote.sell_amount if quote else intent.amount
    if not wallet_locked:
        lock_wallet(session, wallet)
    guarded = payment_context(intent, wallet, wallet_amount, payer_authenticated=payer_authenticated)
    parked: PaymentParked | None = None
    try:
        check_limits(session, wallet, wallet_amount)
        run_payment_guards(session, guarded)  # e.g. sandbox experiment limits, test mode's magic amounts
    except PaymentDeclined as declined:
        return _declined(session, intent, acting, method, declined, profile)
    except PaymentParked as park:
        parked = park
    if parked is not None and parked.kind == "requires_action":
        undo_payment_guards(session, guarded)  # nothing is booked yet: no reservation outlives this answer
        return _awaiting_payer(session, intent, wallet, acting, method, parked, profile)
    manual = intent.capture_method == "manual"
    hold = manual or parked is not None  # a processing payment is held until it settles
    meta = {"payment_intent": intent.id, "merchant": profile.display_name}
    items = charging.hold_items(
        intent, wallet, quote, timeout=get_settings().payment_capture_window_seconds, meta=meta, hold=hold
    )
    fee = 0
    if not hold:
        fee_items, fee = charging.fee_item(intent, intent.amount, profile.fee_plan)
        items += fee_items
    ledger_books = books.platform_books(session, intent.livemode, on_behalf_of=acting, org_id=books_org)
    outcomes = create_transfers(session, ledger_books, charging.chain(items), audit_action=None)
    broke = charging.failure(outcomes)
    if broke is not None:
        refused = debit_declined(outcomes[0].result)
        if refused is None:
            raise RuntimeError(f"authorisation of {intent.id}: {broke}")
        undo_payment_guards(session, guarded)
        return _declined(session, intent, acting, method, refused, profile)
    now = utcnow()
    changes: dict[str, Any] = {
        "payment_method_type": method,
        "payer_org_id": wallet.org_id,
        "payer_wallet_id": wallet.id,
        "wallet_currency": wallet.currency,
        "wallet_amount": wallet_amount,
        "confirmed_at": now,
        "fx_quote_id": quote.id if quote else None,
        "last_payment_error": None,
        "next_action": None,
        "transfer_ids": charging.transfer_ids(items),
    }
    if quote is not None:
        quote.payment_intent_id = intent.id
    if parked is not None:
        changes["status"] = "processing"
        processing.park(session, intent, parked, now)
        event = PROCESSING
    elif manual:
        changes |= {"status": "requires_capture", "amount_capturable": intent.amount}
        event = CAPTURABLE
    else:
        changes |= {"status": "succeeded", "amount_received": intent.amount, "fee_amount": fee, "captured_at": now}
        event = SUCCEEDED
    write_intent(session, intent, **changes)
    emit(session, as_merchant(intent, acting), event, intent_data(intent))
    return Attempt(intent, quote=quote, merchant_name=profile.display_name)


def _awaiting_payer(
    session: Session,
    intent: PaymentIntent,
    wallet: Wallet,
    acting: Caller,
    method: str,
    parked: PaymentParked,
    profile: MerchantProfile,
) -> Attempt:
    """A guard asks the payer to approve in the wallet first: name the wallet, book nothing."""
    action = {
        "type": "payer_authentication",
        "payer_authentication": {"wallet": wallet.id, "reason": parked.code, "message": parked.message},
    }
    write_intent(
        session,
        intent,
        status="requires_action",
        next_action=action,
        last_payment_error=None,
        payment_method_type=method,
        payer_org_id=wallet.org_id,
        payer_wallet_id=wallet.id,
        wallet_currency=wallet.currency,
    )
    emit(session, as_merchant(intent, acting), REQUIRES_ACTION, intent_data(intent))
    return Attempt(intent, merchant_name=profile.display_name)


def _declined(
    session: Session,
    intent: PaymentIntent,
    acting: Caller,
    method: str,
    declined: PaymentDeclined,
    profile: MerchantProfile,
) -> Attempt:
    error = {**declined.as_last_payment_error(), "payment_method_type": method}
    write_intent(session, intent, status="requires_payment_method", next_action=None, last_payment_error=error)
    emit(session, as_merchant(intent, acting), FAILED, intent_data(intent))
    return Attempt(intent, declined=declined, merchant_name=profile.display_name)


_PARKED_ACTIONS = {"requires_action": "payment_intent.requires_action", "processing": "payment_intent.processing"}


def _record(session: Session, caller: Caller, attempt: Attempt, before: str) -> None:
    intent = attempt.intent
    action = _PARKED_ACTIONS.get(intent.status, "payment_intent.authorized")
    audit.record(
        session,
        caller,
        "payment_intent.payment_failed" if attempt.declined else action,
        "payment_intent",
        intent.id,
        before={"status": before},
        after={
            "status": intent.status,
            "amount": intent.amount,
            "decline": attempt.declined.code if attempt.declined else None,
            "ledger_transfers": None if attempt.declined else intent.transfer_ids,
            "next_action": (intent.next_action or {}).get("type"),
        },
    )


# --- the merchant's side ----------------------------------------------------------------


def confirm(session: Session, caller: Caller, intent_id: str, method: dict[str, Any]) -> Attempt:
    """Merchant: show a dynamic QR (``{"type": "qr"}``) or charge a payment code."""
    intent = get_intent(session, caller, intent_id, lock=True)
    if intent.status not in PAYABLE:
        raise UnexpectedState(f"This payment intent is {intent.status}; it cannot be confirmed again.", param="id")
    before = intent.status
    kind = method.get("type")
    if kind == "qr":
        profile = get_profile(session, caller)
        payload = qr.merchant_qr(
            merchant_id=intent.org_id,
            merchant_name=profile.display_name,
            merchant_city=profile.city,
            mcc=profile.mcc,
            currency=intent.currency,
            amount_minor=intent.amount,
            reference=intent.id,
        )
        intent.status = "requires_action"
        intent.next_action = {"type": "display_qr_code", "display_qr_code": {"data": payload}}
        session.flush()
        emit(session, as_merchant(intent, caller), REQUIRES_ACTION, intent_data(intent))
        attempt = Attempt(intent, merchant_name=profile.display_name)
    elif kind == "payment_code":
        code = str(method.get("code") or "")
        _, wallet = codes.redeem(session, caller.livemode, code, intent.id)
        attempt = _authorize(session, intent, wallet, caller, "payment_code", None)
    else:
        raise InvalidRequest("payment_method[type] is qr or payment_code", param="payment_method[type]")
    _record(session, caller, attempt, before)
    return attempt


# --- the payer's side -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Target:
    """What a scanned code points at: an existing intent, or a merchant's static code (+ amount)."""

    intent: PaymentIntent | None
    profile: MerchantProfile
    amount: int | None
    currency: str

    books_org: str | None = None  # the operator org keeping the books, when it was read with the intent


_INTENT_WITH_MERCHANT = (
    select(PaymentIntent, MerchantProfile, books.BOOKS_ORG_ID)
    .join(
        MerchantProfile,
        and_(MerchantProfile.org_id == PaymentIntent.org_id, MerchantProfile.livemode == PaymentIntent.livemode),
    )
    .where(PaymentIntent.id == bindparam("intent_id"), PaymentIntent.livemode == bindparam("livemode"))
)
_INTENT_WITH_MERCHANT_LOCKED = _INTENT_WITH_MERCHANT.with_for_update(of=PaymentIntent)


def _intent_target(session: Session, livemode: bool, intent_id: str, *, lock: bool) -> Target:
    """The intent (locked when ``lock``), its merchant's profile and the books' org, in one statement."""
    stmt = _INTENT_WITH_MERCHANT_LOCKED if lock else _INTENT_WITH_MERCHANT
    row = session.execute(stmt, {"intent_id": intent_id, "livemode": livemode}).first()
    if row is None:  # no such intent in this mode (an intent is only made for a merchant with a profile)
        raise NotFound(f"No such payment_intent: '{intent_id}'", param="payment_intent")
    intent, profile, books_org = row
    return Target(intent, profile, intent.amount, intent.currency, books_org)


def resolve(
    session: Session, caller: Caller, *, qr_payload: str | None, payment_intent: str | None, lock: bool
) -> Target:
    if (qr_payload is None) == (payment_intent is None):
        raise InvalidRequest("Give qr_payload or payment_intent (one of them).", param="qr_payload")
    merchant_id, amount, cur = None, None, "TWD"
    if qr_payload is not None:
        decoded = qr.parse(qr_payload)
        if decoded.reference and decoded.reference.startswith("pi_"):
            payment_intent = decoded.reference
        elif decoded.digiplus_merchant_id:
            merchant_id, amount = decoded.digiplus_merchant_id, decoded.amount_minor
            cur = decoded.currency or "TWD"
        else:
            scheme = decoded.scheme or decoded.format
            raise InvalidRequest(
                f"This is a {scheme} code of another payment network; a digiplus wallet pays digiplus merchants.",
                param="qr_payload",
                code="qr_not_payable",
            )
    if payment_intent is not None:
        return _intent_target(session, caller.livemode, payment_intent, lock=lock)
    profile = profile_of(session, merchant_id or "", caller.livemode)
    if profile is None:
        raise NotFound("The QR code names a merchant unknown to digiplus (in this mode).", param="qr_payload")
    return Target(None, profile, amount, cur)


def preview(
    session: Session, caller: Caller, wallet_id: str, *, qr_payload: str | None, payment_intent: str | None
) -> dict[str, Any]:
    """What the wallet shows before the payer confirms: merchant, amount, status (no other detail)."""
    wallet = get_wallet(session, caller, wallet_id, param="wallet")
    target = resolve(session, caller, qr_payload=qr_payload, payment_intent=payment_intent, lock=False)
    return {
        "object": "payment_preview",
        "payment_intent": target.intent.id if target.intent else None,
        "merchant_name": target.profile.display_name,
        "merchant_city": target.profile.city,
        "scenario": target.profile.scenario,
        "amount": target.amount,
        "currency": target.currency,
        "status": target.intent.status if target.intent else "requires_amount" if target.amount is None else "payable",
        "wallet_currency": wallet.currency,
        "needs_fx_quote": wallet.currency != target.currency,
    }


def pay_from_wallet(
    session: Session,
    caller: Caller,
    wallet_id: str,
    *,
    qr_payload: str | None,
    payment_intent: str | None,
    amount: int | None,
    fx_quote: str | None,
) -> Attempt:
    target = resolve(session, caller, qr_payload=qr_payload, payment_intent=payment_intent, lock=True)
    wallet = get_wallet(session, caller, wallet_id, lock=True, param="wallet")  # after the intent: the lock order
    if target.intent is not None:
        intent = target.intent
        if amount is not None and amount != intent.amount:
            raise InvalidRequest(
                f"The payment is for {format_minor(intent.amount, intent.currency)} {intent.currency}; amount differs.",
                param="amount",
                code="amount_mismatch",
            )
        if intent.status not in PAYABLE:
            raise UnexpectedState(f"This payment is {intent.status}; it cannot be paid.", param="payment_intent")
        before = intent.status
    else:
        if target.amount is not None and amount is not None and amount != target.amount:
            raise InvalidRequest(
                "The QR code fixes the amount; amount differs.", param="amount", code="amount_mismatch"
            )
        pay_amount = amount if amount is not None else target.amount
        if pay_amount is None:
            raise InvalidRequest("A static QR code has no amount; give amount.", param="amount", code="amount_required")
        intent = new_intent(
            session,
            target.profile,
            caller,
            amount=pay_amount,
            currency_code=target.currency,
            description="Static QR payment",
        )
        before = intent.status
    attempt = _authorize(
        session,
        intent,
        wallet,
        caller,
        "wallet",
        fx_quote,
        profile=target.profile,
        wallet_locked=True,
        books_org=target.books_org,
    )
    _record(session, caller, attempt, before)
    return attempt


def receipt(attempt: Attempt) -> dict[str, Any]:
    """The payer's receipt: both amounts and the rate for a cross-border payment."""
    p, q = attempt.intent, attempt.quote
    return {
        "object": "wallet_payment",
        "payment_intent": p.id,
        "status": p.status,
        "merchant_name": attempt.merchant_name,
        "scenario": p.scenario,
        "amount": p.amount,
        "currency": p.currency,
        "wallet": p.payer_wallet_id,
        "wallet_amount": p.wallet_amount,
        "wallet_currency": p.wallet_currency,
        "next_action": p.next_action if p.status == "requires_action" else None,
        "fx": None
        if q is None
        else {
            "quote": q.id,
            "rate": q.rate,
            "mid_rate": q.mid_rate,
            "spread_bps": q.spread_bps,
            "source": q.source,
            "rate_as_of": int(q.rate_as_of.timestamp()),
        },
    }
