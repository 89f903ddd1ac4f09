"""Carts, orders and what happens to them: stock reservations, fulfilments, returns."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from digiplus.core.db import Base
from digiplus.core.tenancy import OrgOwned


class Cart(OrgOwned, Base):
    """A buyer's cart at one store (owned by the merchant org); a guest proves it is theirs by the token."""

    __tablename__ = "commerce_carts"
    __object_name__ = "cart"

    token_hash: Mapped[str] = mapped_column(String(64), index=True)
    buyer_org_id: Mapped[str | None] = mapped_column(ForeignKey("organizations.id"))
    country: Mapped[str] = mapped_column(String(2))
    language: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(12), default="open")  # open | ordered
    lines: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)  # variant id → quantity
    discount_code: Mapped[str | None] = mapped_column(String(40))  # as the buyer typed it (upper case)
    loyalty_member: Mapped[str | None] = mapped_column(String(40))  # the buyer's membership of the shop's programme
    loyalty_reward: Mapped[str | None] = mapped_column(String(40))  # a reward that member chose to use


class Order(OrgOwned, Base):
    __tablename__ = "commerce_orders"
    __object_name__ = "order"
    __table_args__ = (
        Index("ix_commerce_orders_org_status", "org_id", "livemode", "status"),
        Index("ix_commerce_orders_reserved_until", "status", "reserved_until"),
    )

    number: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(24))
    # created | paid | partially_fulfilled | fulfilled | delivered | canceled | expired | returned
    cart_id: Mapped[str | None] = mapped_column(String(40))
    market_id: Mapped[str] = mapped_column(ForeignKey("commerce_markets.id"))
    currency: Mapped[str] = mapped_column(String(3))
    language: Mapped[str] = mapped_column(String(8))
    email: Mapped[str] = mapped_column(String(200))
    buyer_org_id: Mapped[str | None] = mapped_column(ForeignKey("organizations.id"))
    access_token_hash: Mapped[str] = mapped_column(String(64))
    address: Mapped[dict[str, str]] = mapped_column(JSON)
    duties_mode: Mapped[str] = mapped_column(String(3))
    subtotal: Mapped[int] = mapped_column(BigInteger)
    discount: Mapped[int] = mapped_column(BigInteger, default=0)  # Σ discounts (code + loyalty), off the items
    # [{"kind": "code"|"loyalty", "amount", "code"?, "discount_code"?, "reward"?, "points"?, "redemption"?}]
    discounts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    shipping: Mapped[int] = mapped_column(BigInteger)
    duty: Mapped[int] = mapped_column(BigInteger)
    tax: Mapped[int] = mapped_column(BigInteger)
    total: Mapped[int] = mapped_column(BigInteger)  # what the buyer pays now (duty and tax only when DDP)
    amount_refunded: Mapped[int] = mapped_column(BigInteger, default=0)  # order currency
    pricing: Mapped[dict[str, Any]] = mapped_column(JSON)  # rate, source, as_of, rounding, shipping option
    settlement_currency: Mapped[str] = mapped_column(String(3))
    settlement_amount: Mapped[int] = mapped_column(BigInteger)  # what the payment intent asks for
    payment_intent_id: Mapped[str | None] = mapped_column(String(40))
    reserved_until: Mapped[datetime | None]
    paid_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    canceled_at: Mapped[datetime | None]
    cancellation_reason: Mapped[str | None] = mapped_column(String(40))


class OrderLine(Base):
    __tablename__ = "commerce_order_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("commerce_orders.id", ondelete="CASCADE"), index=True)
    variant_id: Mapped[str] = mapped_column(ForeignKey("commerce_variants.id"))
    sku: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(330))
    hs_code: Mapped[str] = mapped_column(String(10))
    origin_country: Mapped[str] = mapped_column(String(2))
    weight_grams: Mapped[int] = mapped_column(Integer)
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[int] = mapped_column(BigInteger)
    line_total: Mapped[int] = mapped_column(BigInteger)
    discount: Mapped[int] = mapped_column(BigInteger, default=0)  # its share of the order's discount
    price_source: Mapped[str] = mapped_column(String(10))  # fixed | converted
    fulfilled_quantity: Mapped[int] = mapped_column(Integer, default=0)
    returned_quantity: Mapped[int] = mapped_column(Integer, default=0)


class Reservation(Base):
    """Units held for an unpaid order at one stock level: held → committed (paid) or released."""

    __tablename__ = "commerce_reservations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("commerce_orders.id", ondelete="CASCADE"), index=True)
    stock_level_id: Mapped[int] = mapped_column(ForeignKey("commerce_stock_levels.id", ondelete="CASCADE"))
    quantity: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="held")  # held | committed | released


class Fulfillment(OrgOwned, Base):
    __tablename__ = "commerce_fulfillments"
    __object_name__ = "fulfillment"

    order_id: Mapped[str] = mapped_column(ForeignKey("commerce_orders.id", ondelete="CASCADE"), index=True)
    lines: Mapped[dict[str, int]] = mapped_column(JSON)  # order line id → quantity
    carrier: Mapped[str] = mapped_column(String(60))
    tracking_number: Mapped[str | None] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(12), default="shipped")  # shipped | delivered
    delivered_at: Mapped[datetime | None]


class OrderReturn(OrgOwned, Base):
    __tablename__ = "commerce_returns"
    __object_name__ = "order_return"

    order_id: Mapped[str] = mapped_column(ForeignKey("commerce_orders.id", ondelete="CASCADE"), index=True)
    lines: Mapped[dict[str, int]] = mapped_column(JSON)
    amount: Mapped[int] = mapped_column(BigInteger)  # order currency
    refund_amount: Mapped[int] = mapped_column(BigInteger)  # settlement currency
    refund_id: Mapped[str | None] = mapped_column(String(40))
    refund_status: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str | None] = mapped_column(String(200))
