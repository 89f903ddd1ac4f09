"""Orders after checkout: ``created → paid → partially_fulfilled → fulfilled → delivered``;
``canceled`` (before fulfilment; a paid order is refunded in full), ``returned`` (every unit
came back). Each change is one transaction with its ``order.*`` event and audit entry; refunds
go through payments (``create_refund``), never around it.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from digiplus import payments
from digiplus.commerce.models import Cart, Fulfillment, Order, OrderLine, OrderReturn, Reservation, StockLevel, Store
from digiplus.commerce.service import discounts, stock
from digiplus.core import audit
from digiplus.core.context import Caller
from digiplus.core.db import utcnow
from digiplus.core.errors import InvalidRequest, ValidationFailed
from digiplus.core.events import emit, register_event_type
from digiplus.core.ids import id_for
from digiplus.core.tenancy import get_owned, object_base, scoped

CREATED = register_event_type("order.created", "A buyer checked out; stock is held until payment.")
PAID = register_event_type("order.paid", "An order's payment succeeded; its stock left the shelf.")
PAYMENT_FAILED = register_event_type(
    "order.payment_failed", "A payment was declined; the order was canceled and its stock released."
)
CANCELED = register_event_type("order.canceled", "An order was canceled (by the merchant, the buyer, or a timeout).")
PARTIALLY_FULFILLED = register_event_type("order.partially_fulfilled", "Some of an order's units were shipped.")
FULFILLED = register_event_type("order.fulfilled", "All of an order's units were shipped.")
DELIVERED = register_event_type("order.delivered", "An order was delivered.")
RETURNED = register_event_type("order.return_created", "Units of an order came back and were refunded.")
REFUNDED = register_event_type("order.refunded", "Money of an order went back to the buyer through payments.")

FULFILLABLE = ("paid", "partially_fulfilled")
RETURNABLE = ("partially_fulfilled", "fulfilled", "delivered")


def as_store(store: Store, acting: Caller | None) -> Caller:
    """The merchant org's system caller, keeping the request id of whoever acts."""
    base = Caller.system(store.org_id, store.livemode)
    return replace(base, request_id=acting.request_id) if acting else base


def lines_of(session: Session, order_id: str) -> list[OrderLine]:
    return list(session.scalars(select(OrderLine).where(OrderLine.order_id == order_id).order_by(OrderLine.id)))


def mark_paid(session: Session, store: Store, order: Order, merchant: Caller) -> None:
    stock.commit(session, order.id)
    order.status, order.paid_at, order.reserved_until = "paid", utcnow(), None
    session.flush()
    emit(session, merchant, PAID, order_data(session, order))


def cancel_unpaid(
    session: Session, store: Store, order: Order, merchant: Caller, *, reason: str, event: str = CANCELED
) -> None:
    """Cancel an unpaid order: its intent canceled (if still payable), its stock released."""
    if order.payment_intent_id:
        intent = payments.get_intent(session, merchant, order.payment_intent_id, lock=True)
        if intent.status in ("requires_payment_method", "requires_confirmation", "requires_action"):
            payments.cancel_intent(session, merchant, intent.id, "abandoned")
    stock.release(session, order.id)
    for applied in order.discounts or []:  # the code's use comes back; the points come back with the intent
        if applied.get("discount_code"):
            discounts.give_back_use(session, applied["discount_code"])
    order.status, order.canceled_at, order.cancellation_reason, order.reserved_until = (
        "canceled",
        utcnow(),
        reason,
        None,
    )
    if reason == "payment_failed" and order.cart_id:  # the buyer may try again with the same cart
        cart = session.get(Cart, order.cart_id)
        if cart is not None and cart.status == "ordered":
            cart.status = "open"
    session.flush()
    emit(session, merchant, event, order_data(session, order))


def get_order(session: Session, caller: Caller, order_id: str, *, lock: bool = False) -> Order:
    return get_owned(session, Order, order_id, caller, for_update=lock)


def orders_query(caller: Caller, status: str | None = None) -> Any:
    stmt = scoped(Order, caller)
    return stmt if status is None else stmt.where(Order.status == status)


def _check_lines(
    lines: list[OrderLine], wanted: dict[str, int] | None, room: dict[int, int], what: str
) -> dict[int, int]:
    """``wanted`` (line id → units; None = everything there is room for) checked against ``room``."""
    if wanted is None:
        chosen = {line_id: n for line_id, n in room.items() if n > 0}
    else:
        known = {str(line.id): line.id for line in lines}
        chosen = {}
        for key, units in wanted.items():
            if key not in known:
                raise ValidationFailed(f"No line {key!r} in this order", param=f"lines[{key}]")
            if isinstance(units, bool) or not isinstance(units, int) or units < 1:
                raise ValidationFailed("a quantity is a positive integer", param=f"lines[{key}]")
            if units > room[known[key]]:
                raise InvalidRequest(
                    f"Line {key} has {room[known[key]]} units left to {what}, not {units}.",
                    param=f"lines[{key}]",
                    code="quantity_too_large",
                )
            chosen[known[key]] = units
    if not chosen:
        raise InvalidRequest(f"Nothing left to {what} in this order.", param="lines", code="nothing_to_do")
    return chosen


def fulfil(
    session: Session,
    caller: Caller,
    order_id: str,
    *,
    lines: dict[str, int] | None,
    carrier: str,
    tracking_number: str | None,
) -> Fulfillment:
    order = get_order(session, caller, order_id, lock=True)
    if order.status not in FULFILLABLE:
        raise InvalidRequest(
            f"This order is {order.status}; only a paid order is fulfilled.", param="id", code="order_unexpected_state"
        )
    order_lines = lines_of(session, order.id)
    chosen = _check_lines(
        order_lines, lines, {ln.id: ln.quantity - ln.fulfilled_quantity for ln in order_lines}, "ship"
    )
    for line in order_lines:
        line.fulfilled_quantity += chosen.get(line.id, 0)
    shipment = Fulfillment(
        id=id_for("fulfillment"),
        org_id=order.org_id,
        livemode=order.livemode,
        order_id=order.id,
        lines={str(k): v for k, v in chosen.items()},
        carrier=carrier,
        tracking_number=tracking_number,
        status="shipped",
    )
    session.add(shipment)
    before = order.status
    done = all(ln.fulfilled_quantity == ln.quantity for ln in order_lines)
    order.status = "fulfilled" if done else "partially_fulfilled"
    session.flush()
    emit(session, caller, FULFILLED if done else PARTIALLY_FULFILLED, order_data(session, order))
    audit.record(
        session,
        caller,
        "order.fulfilled",
        "order",
        order.id,
        before={"status": before},
        after={"status": order.status, "fulfillment": shipment.id},
    )
    return shipment


def mark_delivered(session: Session, caller: Caller, order_id: str) -> Order:
    order = get_order(session, caller, order_id, lock=True)
    if order.status != "fulfilled":
        raise InvalidRequest(
            f"This order is {order.status}; only a fully shipped order is delivered.",
            param="id",
            code="order_unexpected_state",
        )
    now = utcnow()
    for shipment in session.scalars(select(Fulfillment).where(Fulfillment.order_id == order.id)):
        shipment.status, shipment.delivered_at = "delivered", shipment.delivered_at or now
    order.status, order.delivered_at = "delivered", now
    session.flush()
    emit(session, caller, DELIVERED, order_data(session, order))
    audit.record(
        session,
        caller,
        "order.delivered",
        "order",
        order.id,
        before={"status": "fulfilled"},
        after={"status": "delivered"},
    )
    return order


def _refund(session: Session, caller: Caller, order: Order, amount: int, *, final: bool) -> tuple[int, Any]:
    """Refund ``amount`` (order currency) through payments, in the settlement currency:
    ``round_half_up(settlement_amount × amount / total)``, or everything left when ``final``."""
    if order.payment_intent_id is None:
        raise InvalidRequest(
            "This order was never paid; there is nothing to refund.", param="order", code="order_unexpected_state"
        )
    intent = payments.get_intent(session, caller, order.payment_intent_id)
    left = intent.amount_received - intent.amount_refunded
    if final:
        settle = left
    else:
        share = Decimal(order.settlement_amount) * amount / Decimal(order.total)
        settle = min(left, int(share.quantize(Decimal(1), rounding=ROUND_HALF_UP)))
    refund = payments.create_refund(
        session, caller, payment_intent_id=intent.id, amount=settle, reason="requested_by_customer"
    )
    if refund.status == "succeeded":
        order.amount_refunded += amount
    return settle, refund


def cancel_order(session: Session, caller: Caller, order_id: str, reason: str | None) -> Order:
    """Merchant cancels: unpaid → intent canceled, stock released; paid and unshipped → refunded in full, restocked."""
    order = get_order(session, caller, order_id, lock=True)
    store = session.scalars(select(Store).where(Store.org_id == order.org_id, Store.livemode == order.livemode)).one()
    before = order.status
    if order.status == "created":
        cancel_unpaid(session, store, order, caller, reason=reason or "requested_by_merchant")
    elif order.status == "paid":
        settle, refund = _refund(session, caller, order, order.total, final=True)
        if refund.status != "succeeded":
            raise InvalidRequest(
                "The refund failed (the merchant balance does not cover it); nothing was canceled.",
                param="id",
                code="refund_failed",
            )
        for r in session.scalars(
            select(Reservation).where(Reservation.order_id == order.id, Reservation.status == "committed")
        ):
            stock.restock(session, r.stock_level_id, r.quantity)
        order.status, order.canceled_at, order.cancellation_reason = (
            "canceled",
            utcnow(),
            reason or "requested_by_merchant",
        )
        session.flush()
        emit(session, caller, REFUNDED, {**order_data(session, order), "refund": refund.id, "refund_amount": settle})
        emit(session, caller, CANCELED, order_data(session, order))
    else:
        raise InvalidRequest(
            f"This order is {order.status}; shipped units come back through a return.",
            param="id",
            code="order_unexpected_state",
        )
    audit.record(
        session, caller, "order.canceled", "order", order.id, before={"status": before}, after={"status": "canceled"}
    )
    return order


def create_return(
    session: Session, caller: Caller, order_id: str, *, lines: dict[str, int] | None, reason: str | None, restock: bool
) -> OrderReturn:
    """Units come back and are refunded: their price; the last return refunds everything left
    (shipping, duty and tax included) so a fully returned order is refunded in full."""
    order = get_order(session, caller, order_id, lock=True)
    if order.status not in RETURNABLE:
        raise InvalidRequest(
            f"This order is {order.status}; only shipped units are returned.", param="id", code="order_unexpected_state"
        )
    order_lines = lines_of(session, order.id)
    chosen = _check_lines(
        order_lines, lines, {ln.id: ln.fulfilled_quantity - ln.returned_quantity for ln in order_lines}, "return"
    )
    amount = 0
    for line in order_lines:
        units = chosen.get(line.id, 0)
        line.returned_quantity += units
        amount += paid_for_units(line, units)
    final = all(ln.returned_quantity == ln.quantity for ln in order_lines)
    if final:
        amount = order.total - order.amount_refunded
    settle, refund = _refund(session, caller, order, amount, final=final)
    if restock:
        for line in order_lines:
            if chosen.get(line.id):
                level = session.scalar(
                    select(Reservation.stock_level_id)
                    .join(StockLevel, StockLevel.id == Reservation.stock_level_id)
                    .where(
                        Reservation.order_id == order.id,
                        Reservation.status == "committed",
                        StockLevel.variant_id == line.variant_id,
                    )
                    .order_by(Reservation.id)
                    .limit(1)
                )
                if level is not None:
                    stock.restock(session, level, chosen[line.id])
    record = OrderReturn(
        id=id_for("order_return"),
        org_id=order.org_id,
        livemode=order.livemode,
        order_id=order.id,
        lines={str(k): v for k, v in chosen.items()},
        amount=amount,
        refund_amount=settle,
        refund_id=refund.id,
        refund_status=refund.status,
        reason=reason,
    )
    session.add(record)
    if final and refund.status == "succeeded":
        order.status = "returned"
    session.flush()
    emit(session, caller, RETURNED, {**order_data(session, order), "return": record.id})
    if refund.status == "succeeded":
        emit(session, caller, REFUNDED, {**order_data(session, order), "refund": refund.id, "refund_amount": settle})
    audit.record(
        session,
        caller,
        "order.return_created",
        "order",
        order.id,
        after={"return": record.id, "amount": amount, "refund": refund.id, "refund_status": refund.status},
    )
    return record


def paid_for_units(line: OrderLine, units: int) -> int:
    """What the buyer paid for ``units`` of a line: its price less its share of the discount, half up."""
    if not line.discount:
        return line.unit_price * units
    paid = Decimal(line.line_total - line.discount) * units / line.quantity
    return int(paid.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def order_data(session: Session, o: Order) -> dict[str, Any]:
    return {
        **object_base(o, "order"),
        "number": o.number,
        "status": o.status,
        "currency": o.currency,
        "language": o.language,
        "email": o.email,
        "address": dict(o.address),
        "duties_mode": o.duties_mode,
        "subtotal": o.subtotal,
        "discount": o.discount,
        "discounts": [dict(d) for d in o.discounts or []],
        "shipping": o.shipping,
        "duty": o.duty,
        "tax": o.tax,
        "total": o.total,
        "amount_refunded": o.amount_refunded,
        "due_on_delivery": (o.pricing or {}).get("due_on_delivery", 0),
        "pricing": dict(o.pricing or {}),
        "settlement_currency": o.settlement_currency,
        "settlement_amount": o.settlement_amount,
        "payment_intent": o.payment_intent_id,
        "reserved_until": int(o.reserved_until.timestamp()) if o.reserved_until else None,
        "paid_at": int(o.paid_at.timestamp()) if o.paid_at else None,
        "cancellation_reason": o.cancellation_reason,
        "lines": [
            {
                "id": str(ln.id),
                "variant": ln.variant_id,
                "sku": ln.sku,
                "title": ln.title,
                "quantity": ln.quantity,
                "unit_price": ln.unit_price,
                "line_total": ln.line_total,
                "discount": ln.discount,
                "price_source": ln.price_source,
                "fulfilled_quantity": ln.fulfilled_quantity,
                "returned_quantity": ln.returned_quantity,
            }
            for ln in lines_of(session, o.id)
        ],
    }
