"""Checkout: an order from a cart, priced again on the server, its stock held and a payment
intent waiting; then payment from a wallet (or the intent's QR code), and what a failed or late
payment undoes.

Lock order everywhere: cart row → discount code row → order row → stock levels (variant id,
location) → payments' own locks (intent, wallet, ledger) → loyalty's points accounts. The hold lasts ``DIGIPLUS_COMMERCE_RESERVATION_SECONDS``.
"""

from __future__ import annotations

import hmac
import re
import secrets
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from digiplus import loyalty, payments
from digiplus.commerce.models import Cart, Order, OrderLine, Store
from digiplus.commerce.service import baskets, carts, catalogue, discounts, stock
from digiplus.commerce.service.addresses import validate_address
from digiplus.commerce.service.carts import token_hash
from digiplus.commerce.service.orders import (
    CREATED,
    PAYMENT_FAILED,
    as_store,
    cancel_unpaid,
    mark_paid,
    order_data,
)
from digiplus.core import audit
from digiplus.core.context import Caller
from digiplus.core.db import utcnow
from digiplus.core.errors import Conflict, InvalidRequest, NotFound, ValidationFailed
from digiplus.core.events import emit
from digiplus.core.ids import id_for
from digiplus.core.money import currency
from digiplus.settings import get_settings

EMAIL = r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,}$"


def settlement_amount(total: int, order_currency: str, settle_currency: str, rule_rate: Decimal, base: str) -> int:
    """The order total in the merchant's settlement currency, at the platform mid rate (half up);
    without a platform rate, at the inverse of the market's own rate when settling in the base currency."""
    if order_currency == settle_currency:
        return total
    try:
        rate = payments.rate_source().rate(order_currency, settle_currency).rate
    except ValidationFailed:
        if settle_currency != base:
            raise
        rate = 1 / rule_rate
    major = Decimal(total).scaleb(-currency(order_currency).exponent) * rate
    return int(major.scaleb(currency(settle_currency).exponent).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def checkout(
    session: Session,
    store: Store,
    cart: Cart,
    acting: Caller,
    *,
    email: str,
    address: dict[str, Any],
    expected_total: int,
    expected_currency: str,
    shipping_option: str | None = None,
    buyer_org_id: str | None = None,
) -> tuple[Order, str]:
    """Turn the (locked) cart into an order; returns it and the buyer's secret order token."""
    if cart.status != "open":
        raise InvalidRequest("This cart was checked out already.", param="cart", code="cart_closed")
    if len(email or "") > 200 or not re.fullmatch(EMAIL, email or ""):
        raise ValidationFailed("email is not an e-mail address", param="email")
    clean = validate_address(address)
    cart.country = clean["country"]
    quote = carts.quote_cart(session, store, cart, shipping_option=shipping_option, strict=True)
    if (expected_total, expected_currency.upper()) != (quote.total, quote.rule.currency):
        raise Conflict(
            f"The total is {quote.total} {quote.rule.currency} (minor units), not {expected_total} "
            f"{expected_currency}: prices, rates or stock changed, or the total was altered. Review the cart and "
            "confirm the new total.",
            param="expected_total",
            code="totals_mismatch",
        )
    profile = payments.merchant_profile_of(session, store.org_id, store.livemode)
    if profile is None:
        raise InvalidRequest(f"{store.name} cannot take payments yet.", param="store", code="merchant_not_ready")
    for applied in quote.discount_lines:  # the last use of a code goes to one checkout only
        if applied.discount_code_id:
            discounts.take_use(session, applied.discount_code_id)
    now = utcnow()
    token = "ot_" + secrets.token_urlsafe(24)
    order = Order(
        id=id_for("order"),
        org_id=store.org_id,
        livemode=store.livemode,
        status="created",
        cart_id=cart.id,
        market_id=quote.market.id,
        currency=quote.rule.currency,
        language=cart.language,
        email=email,
        buyer_org_id=buyer_org_id or cart.buyer_org_id,
        access_token_hash=token_hash(token),
        address=clean,
        duties_mode=quote.duties_mode,
        subtotal=quote.subtotal,
        discount=quote.discount,
        discounts=[baskets.discount_line_data(d) for d in quote.discount_lines],
        shipping=quote.shipping,
        duty=quote.duty,
        tax=quote.tax,
        total=quote.total,
        amount_refunded=0,
        pricing={
            **baskets.pricing_data(quote.rule),
            "shipping_option": quote.shipping_option.code,
            "shipping_name": quote.shipping_option.name,
            "tax_name": quote.tax_name,
            "due_on_delivery": quote.due_on_delivery,
            "valuation": quote.valuation or None,
            "customs_value": quote.customs_value,
        },
        settlement_currency=profile.settlement_currency,
        settlement_amount=settlement_amount(
            quote.total, quote.rule.currency, profile.settlement_currency, quote.rule.rate.value, store.base_currency
        ),
        reserved_until=now + timedelta(seconds=get_settings().commerce_reservation_seconds),
    )
    order.number = order.id[-8:]
    session.add(order)
    session.flush()
    for line, line_discount in zip(quote.lines, quote.line_discounts, strict=True):
        title = catalogue.localized(line.product, store.default_language, store.default_language)["title"]
        session.add(
            OrderLine(
                order_id=order.id,
                variant_id=line.variant.id,
                sku=line.variant.sku,
                title=f"{title} — {line.variant.title}",
                hs_code=line.product.hs_code,
                origin_country=line.product.origin_country,
                weight_grams=line.variant.weight_grams,
                quantity=line.quantity,
                unit_price=line.unit_price,
                line_total=line.line_total,
                discount=line_discount,
                price_source=line.price_source,
            )
        )
    stock.hold(
        session,
        order.id,
        {line.variant.id: line.quantity for line in quote.lines},
        {line.variant.id: line.variant.sku for line in quote.lines},
    )
    merchant = as_store(store, acting)
    intent = payments.create_intent(
        session,
        merchant,
        amount=order.settlement_amount,
        currency_code=order.settlement_currency,
        capture_method="automatic",
        description=f"{store.name} order {order.number}",
        metadata={"order": order.id},
    )
    payments.confirm_intent(session, merchant, intent.id, {"type": "qr"})  # a guest may scan it
    order.payment_intent_id = intent.id
    _reserve_points(session, merchant, store, order, quote)
    cart.status = "ordered"
    session.flush()
    emit(session, merchant, CREATED, order_data(session, order))
    audit.record(
        session, acting, "order.created", "order", order.id, after={"total": order.total, "currency": order.currency}
    )
    return order, token


def _reserve_points(session: Session, merchant: Caller, store: Store, order: Order, quote: baskets.BasketQuote) -> None:
    """Reserve the chosen reward's points against the order's intent (already discounted); too few
    points raise ``InsufficientPoints`` and the whole checkout rolls back."""
    for i, applied in enumerate(quote.discount_lines):
        if applied.kind != "loyalty" or applied.member is None or applied.reward is None:
            continue
        in_programme = settlement_amount(
            applied.amount,
            order.currency,
            applied.programme_currency or store.base_currency,
            quote.rule.rate.value,
            store.base_currency,
        )
        redemption = loyalty.reserve_for_payment(
            session,
            merchant,
            member_id=applied.member,
            reward_id=applied.reward,
            payment_intent_id=order.payment_intent_id or "",
            discount_amount=in_programme,
        )
        recorded = [dict(d) for d in order.discounts]
        recorded[i] = {**recorded[i], "redemption": redemption, "programme_amount": in_programme}
        order.discounts = recorded


def order_for_buyer(session: Session, store: Store, order_id: str, token: str, *, lock: bool = False) -> Order:
    stmt = select(Order).where(Order.id == order_id, Order.org_id == store.org_id, Order.livemode == store.livemode)
    order = session.scalars(stmt.with_for_update() if lock else stmt).one_or_none()
    if order is None or not hmac.compare_digest(order.access_token_hash, token_hash(token or "")):
        raise NotFound(f"No such order: '{order_id}'", param="order")
    return order


def pay_from_wallet(
    session: Session, store: Store, order: Order, payer: Caller, wallet_id: str
) -> tuple[Order, payments.PaymentDeclined | None]:
    """The buyer pays the order's intent from their wallet (the order row is locked by the caller).

    A decline cancels the order at once and gives its stock back; the caller commits that and answers 402.
    """
    if order.status != "created":
        raise InvalidRequest(
            f"This order is {order.status}; it cannot be paid.", param="order", code="order_not_payable"
        )
    if order.reserved_until is not None and order.reserved_until <= utcnow():
        expire_if_due(session, store, order)
        raise InvalidRequest(
            "This checkout timed out and its items were released; check out again.", param="order", code="order_expired"
        )
    if order.payment_intent_id is None:
        raise InvalidRequest("This order has no payment intent.", param="order", code="order_unexpected_state")
    attempt = payments.pay_from_wallet(
        session, payer, wallet_id, qr_payload=None, payment_intent=order.payment_intent_id, amount=None, fx_quote=None
    )
    merchant = as_store(store, payer)
    if attempt.declined is not None:
        cancel_unpaid(session, store, order, merchant, reason="payment_failed", event=PAYMENT_FAILED)
        return order, attempt.declined
    mark_paid(session, store, order, merchant)
    return order, None


def sync_payment(session: Session, store: Store, order: Order, acting: Caller | None = None) -> Order:
    """Bring an unpaid order (locked by the caller) in line with its intent: paid, canceled or timed out."""
    if order.status != "created" or order.payment_intent_id is None:
        return order
    merchant = as_store(store, acting)
    intent = payments.get_intent(session, merchant, order.payment_intent_id, lock=True)
    if intent.status == "succeeded":
        mark_paid(session, store, order, merchant)
    elif intent.status == "canceled":
        cancel_unpaid(session, store, order, merchant, reason="payment_canceled")
    elif intent.status != "processing":  # a processing payment holds the money: it settles first
        expire_if_due(session, store, order)
    return order


def expire_if_due(session: Session, store: Store, order: Order) -> bool:
    if order.status != "created" or order.reserved_until is None or order.reserved_until > utcnow():
        return False
    cancel_unpaid(session, store, order, as_store(store, None), reason="expired")
    return True
