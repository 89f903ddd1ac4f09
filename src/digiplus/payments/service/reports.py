"""What the merchant's pages read: today's sales, sales by hour and by day, the payments list with
filters and search, one payment's ledger transfers and refunds; and the payer's own receipt.

Days are Taipei days (the platform serves Taiwan first). A sale counts on the day it was captured;
a refund on the day it was made. Amounts are minor units of the merchant's settlement currency.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.orm import Session

from digiplus.core.api.pagination import ListParams, paginate
from digiplus.core.context import Caller
from digiplus.core.db import utcnow
from digiplus.core.errors import NotFound
from digiplus.core.tenancy import scoped
from digiplus.ledger import get_transfer
from digiplus.payments.models import FxQuote, MerchantProfile, PaymentIntent, Payout, Refund
from digiplus.payments.service import books, payouts
from digiplus.payments.service.merchants import profile_of
from digiplus.payments.service.settlement import TAIPEI, taipei_date, taipei_midnight

STATUSES = (
    "requires_payment_method",
    "requires_confirmation",
    "requires_action",
    "requires_capture",
    "succeeded",
    "canceled",
)
METHODS = ("wallet", "payment_code")


@dataclass(frozen=True, slots=True)
class SalesSummary:
    day: date
    currency: str
    count: int  # payments captured that day
    gross: int  # what they captured
    fees: int  # the platform's fees on them
    refund_count: int  # refunds that succeeded that day (of any day's payments)
    refunds: int
    net: int  # gross − fees − refunds


@dataclass(frozen=True, slots=True)
class Bucket:
    label: str  # "09" (an hour) or "2026-11-30" (a day)
    count: int
    gross: int


def merchant_profile(session: Session, caller: Caller) -> MerchantProfile | None:
    """The caller's merchant profile, or None before it is set up."""
    return session.scalars(scoped(MerchantProfile, caller)).one_or_none()


def _captured_between(caller: Caller, start: datetime, end: datetime) -> Any:
    return scoped(PaymentIntent, caller).where(
        PaymentIntent.status == "succeeded", PaymentIntent.captured_at >= start, PaymentIntent.captured_at < end
    )


def sales_on(session: Session, caller: Caller, currency: str, day: date | None = None) -> SalesSummary:
    """The day's sales (today in Taipei by default)."""
    day = day or taipei_date(utcnow())
    start, end = taipei_midnight(day), taipei_midnight(day + timedelta(days=1))
    captured = _captured_between(caller, start, end).subquery()
    count, gross, fees = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(captured.c.amount_received), 0),
            func.coalesce(func.sum(captured.c.fee_amount), 0),
        )
    ).one()
    refund_count, refunded = session.execute(
        select(func.count(), func.coalesce(func.sum(Refund.amount), 0)).where(
            Refund.org_id == caller.org_id,
            Refund.livemode == caller.livemode,
            Refund.status == "succeeded",
            Refund.created >= start,
            Refund.created < end,
        )
    ).one()
    gross, fees, refunded = int(gross), int(fees), int(refunded)
    return SalesSummary(day, currency, int(count), gross, fees, int(refund_count), refunded, gross - fees - refunded)


def _captures(session: Session, caller: Caller, start: datetime, end: datetime) -> list[tuple[datetime, int]]:
    stmt = _captured_between(caller, start, end).with_only_columns(
        PaymentIntent.captured_at, PaymentIntent.amount_received
    )
    return [(at, amount) for at, amount in session.execute(stmt).all() if at is not None]


def sales_by_hour(session: Session, caller: Caller, day: date | None = None) -> list[Bucket]:
    """The day's captures in 24 Taipei hours (hours without sales are zero)."""
    day = day or taipei_date(utcnow())
    counts, sums = [0] * 24, [0] * 24
    for at, amount in _captures(session, caller, taipei_midnight(day), taipei_midnight(day + timedelta(days=1))):
        hour = at.astimezone(TAIPEI).hour
        counts[hour] += 1
        sums[hour] += amount
    return [Bucket(f"{h:02d}", counts[h], sums[h]) for h in range(24)]


def sales_by_day(session: Session, caller: Caller, days: int = 30, until: date | None = None) -> list[Bucket]:
    """The last ``days`` Taipei days up to ``until`` (today), oldest first."""
    last = until or taipei_date(utcnow())
    first = last - timedelta(days=days - 1)
    totals = {first + timedelta(days=i): [0, 0] for i in range(days)}
    for at, amount in _captures(session, caller, taipei_midnight(first), taipei_midnight(last + timedelta(days=1))):
        entry = totals[taipei_date(at)]
        entry[0] += 1
        entry[1] += amount
    return [Bucket(day.isoformat(), c, g) for day, (c, g) in totals.items()]


@dataclass(frozen=True, slots=True)
class PaymentFilters:
    status: str | None = None
    scenario: str | None = None
    currency: str | None = None
    method: str | None = None
    created_from: date | None = None  # Taipei dates, inclusive
    created_to: date | None = None
    query: str | None = None  # an intent id, or words of its description or metadata (an order reference)

    @property
    def active(self) -> bool:
        return any(v is not None for v in (self.status, self.scenario, self.currency, self.method, self.query)) or (
            self.created_from is not None or self.created_to is not None
        )


def payments_query(caller: Caller, filters: PaymentFilters) -> Any:
    stmt = scoped(PaymentIntent, caller)
    if filters.status:
        stmt = stmt.where(PaymentIntent.status == filters.status)
    if filters.scenario:
        stmt = stmt.where(PaymentIntent.scenario == filters.scenario)
    if filters.currency:
        stmt = stmt.where(PaymentIntent.currency == filters.currency.upper())
    if filters.method:
        stmt = stmt.where(PaymentIntent.payment_method_type == filters.method)
    if filters.created_from:
        stmt = stmt.where(PaymentIntent.created >= taipei_midnight(filters.created_from))
    if filters.created_to:
        stmt = stmt.where(PaymentIntent.created < taipei_midnight(filters.created_to + timedelta(days=1)))
    if filters.query:
        words = filters.query.strip()
        stmt = stmt.where(
            or_(
                PaymentIntent.id == words,
                PaymentIntent.description.icontains(words, autoescape=True),
                cast(PaymentIntent.meta, String).icontains(words, autoescape=True),
            )
        )
    return stmt


def search_payments(session: Session, caller: Caller, filters: PaymentFilters, params: ListParams) -> dict[str, Any]:
    """A page of the caller's payment intents (objects, newest first) matching ``filters``."""
    return paginate(session, payments_query(caller, filters), PaymentIntent.id, params, lambda p: p, "/payments/list")


def recent_payments(session: Session, caller: Caller, limit: int = 8) -> list[PaymentIntent]:
    stmt = scoped(PaymentIntent, caller).order_by(PaymentIntent.created.desc(), PaymentIntent.id.desc()).limit(limit)
    return list(session.scalars(stmt))


def payment_refunds(session: Session, caller: Caller, intent_id: str) -> list[Refund]:
    stmt = scoped(Refund, caller).where(Refund.payment_intent_id == intent_id).order_by(Refund.id)
    return list(session.scalars(stmt))


@dataclass(frozen=True, slots=True)
class BookedTransfer:
    role: str  # charge, fee, auth, cap, … or the refund's id
    id: str
    created: datetime
    debit_account_id: str
    credit_account_id: str
    amount: int
    ledger: str
    code: int
    pending_status: str | None


def payment_transfers(session: Session, intent: PaymentIntent, refunds: list[Refund]) -> list[BookedTransfer]:
    """The ledger transfers behind a payment and its refunds (they live in the platform's books)."""
    named = list((intent.transfer_ids or {}).items())
    for refund in refunds:
        named += [(refund.id, transfer_id) for transfer_id in refund.transfer_ids or []]
    if not named:
        return []
    ledger_books = books.platform_books(session, intent.livemode)
    shown = []
    for role, transfer_id in named:
        t = get_transfer(session, ledger_books, transfer_id)
        shown.append(
            BookedTransfer(
                role,
                t.id,
                t.created,
                t.debit_account_id,
                t.credit_account_id,
                t.amount,
                t.ledger,
                t.code,
                t.pending_status,
            )
        )
    return sorted(shown, key=lambda b: b.created)


def payer_receipt(session: Session, caller: Caller, intent_id: str) -> dict[str, Any]:
    """The payer's view of a payment their wallet made: merchant, both amounts, the rate. Only the
    paying org may read it (another org, or an unknown id: 404)."""
    intent = session.scalars(
        select(PaymentIntent).where(
            PaymentIntent.id == intent_id,
            PaymentIntent.livemode == caller.livemode,
            PaymentIntent.payer_org_id == caller.org_id,
        )
    ).one_or_none()
    if intent is None:
        raise NotFound(f"No such payment: '{intent_id}'", param="payment_intent")
    profile = profile_of(session, intent.org_id, intent.livemode)
    quote = None
    if intent.fx_quote_id:  # the quote is the payer's own
        quote = session.scalars(scoped(FxQuote, caller).where(FxQuote.id == intent.fx_quote_id)).one_or_none()
    return {
        "payment_intent": intent.id,
        "status": intent.status,
        "merchant_name": profile.display_name if profile else "",
        "merchant_city": profile.city if profile else "",
        "scenario": intent.scenario,
        "amount": intent.amount,
        "currency": intent.currency,
        "wallet_amount": intent.wallet_amount,
        "wallet_currency": intent.wallet_currency,
        "amount_refunded": intent.amount_refunded,
        "paid_at": intent.captured_at or intent.confirmed_at,
        "rate": quote.rate if quote else None,
        "fx_source": quote.source if quote else None,
        "livemode": intent.livemode,
        "wallet": intent.payer_wallet_id,
        # requires_action with a payer_authentication next action: the wallet's holder approves it
        "awaits_approval": intent.status == "requires_action"
        and (intent.next_action or {}).get("type") == "payer_authentication",
        "last_payment_error": intent.last_payment_error,
    }


def list_payouts(session: Session, caller: Caller, params: ListParams) -> dict[str, Any]:
    """A page of the merchant's payouts (objects, newest first)."""
    return paginate(session, payouts.payouts_query(caller), Payout.id, params, lambda p: p, "/payments/payouts")
