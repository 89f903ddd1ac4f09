"""``/v1/commerce/carts`` and ``/v1/commerce/orders``: a headless storefront (the merchant's key)
and the merchant's order desk."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from digiplus.commerce.api.deps import Writer
from digiplus.commerce.models import Cart, Order, Store
from digiplus.commerce.schemas import (
    CartCreate,
    CartDiscountSet,
    CartLineSet,
    CartLoyaltySet,
    CheckoutRequest,
    FulfillmentCreate,
    List,
    OrderCancel,
    Public,
    ReturnCreate,
)
from digiplus.commerce.service import baskets, carts, checkout, documents, orders, stores
from digiplus.core.api.auth import ApiCaller
from digiplus.core.api.deps import SessionDep
from digiplus.core.api.pagination import ListParamsDep, paginate
from digiplus.core.api.responses import ERROR_RESPONSES
from digiplus.core.tenancy import get_owned

router = APIRouter(prefix="/v1/commerce", tags=["commerce orders"], responses=ERROR_RESPONSES)
ObjectId = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_]+$")]
Status = Annotated[
    str | None,
    Query(pattern=r"^(created|paid|partially_fulfilled|fulfilled|delivered|canceled|returned)$"),
]


@router.post("/carts", response_model=Public, summary="Start a cart for a destination country (token returned once)")
def create_cart(body: CartCreate, session: SessionDep, caller: Writer) -> dict[str, Any]:
    store = stores.get_store(session, caller)
    cart, token = carts.create_cart(session, store, body.country, body.language)
    return {**carts.cart_data(cart), "token": token}


@router.get("/carts/{cart_id}", response_model=Public, summary="A cart with its server-side price")
def get_cart(
    cart_id: ObjectId,
    session: SessionDep,
    caller: ApiCaller,
    shipping_option: Annotated[str | None, Query(max_length=100)] = None,
) -> dict[str, Any]:
    cart = get_owned(session, Cart, cart_id, caller)
    data = carts.cart_data(cart)
    if cart.lines:
        store = stores.get_store(session, caller)
        priced = carts.quote_cart(session, store, cart, shipping_option=shipping_option)
        data["quote"] = baskets.quote_data(priced, cart.language)
    return data


@router.post("/carts/{cart_id}/lines", response_model=Public, summary="Set a line's quantity (0 removes it)")
def set_line(cart_id: ObjectId, body: CartLineSet, session: SessionDep, caller: Writer) -> dict[str, Any]:
    store, cart = carts.cart_for_change(session, caller, cart_id)
    return carts.cart_data(carts.set_line(session, store, cart, body.variant, body.quantity))


@router.post(
    "/carts/{cart_id}/discount_code",
    response_model=Public,
    summary="Apply a discount code to a cart (checked against the basket now), or remove it (null)",
)
def set_discount_code(cart_id: ObjectId, body: CartDiscountSet, session: SessionDep, caller: Writer) -> dict[str, Any]:
    store, cart = carts.cart_for_change(session, caller, cart_id)
    return _with_quote(session, store, carts.set_discount_code(session, store, cart, body.code))


@router.post(
    "/carts/{cart_id}/loyalty",
    response_model=Public,
    summary="Use a loyalty member's reward on a cart (points reserved at checkout), or stop (reward null)",
)
def set_loyalty(cart_id: ObjectId, body: CartLoyaltySet, session: SessionDep, caller: Writer) -> dict[str, Any]:
    store, cart = carts.cart_for_change(session, caller, cart_id)
    return _with_quote(session, store, carts.set_loyalty_reward(session, store, cart, body.member, body.reward))


def _with_quote(session: SessionDep, store: Store, cart: Cart) -> dict[str, Any]:
    data = carts.cart_data(cart)
    if cart.lines:
        data["quote"] = baskets.quote_data(carts.quote_cart(session, store, cart), cart.language)
    return data


@router.post(
    "/carts/{cart_id}/checkout", response_model=Public, summary="Check out: the order, its stock held, a payment intent"
)
def check_out(cart_id: ObjectId, body: CheckoutRequest, session: SessionDep, caller: Writer) -> dict[str, Any]:
    store, cart = carts.cart_for_change(session, caller, cart_id)
    order, token = checkout.checkout(
        session,
        store,
        cart,
        caller,
        email=body.email,
        address=body.address.model_dump(exclude_none=True),
        expected_total=body.expected_total,
        expected_currency=body.currency,
        shipping_option=body.shipping_option,
    )
    return {**orders.order_data(session, order), "token": token}


@router.get("/orders", response_model=List, summary="Orders, newest first")
def list_orders(session: SessionDep, caller: ApiCaller, params: ListParamsDep, status: Status = None) -> dict[str, Any]:
    stmt = orders.orders_query(caller, status)
    return paginate(session, stmt, Order.id, params, lambda o: orders.order_data(session, o), "/v1/commerce/orders")


@router.get("/orders/{order_id}", response_model=Public, summary="Retrieve an order")
def get_order(order_id: ObjectId, session: SessionDep, caller: ApiCaller) -> dict[str, Any]:
    return orders.order_data(session, orders.get_order(session, caller, order_id))


@router.post("/orders/{order_id}/fulfillments", response_model=Public, summary="Ship all or some of an order's units")
def fulfil(order_id: ObjectId, body: FulfillmentCreate, session: SessionDep, caller: Writer) -> dict[str, Any]:
    shipment = orders.fulfil(
        session, caller, order_id, lines=body.lines, carrier=body.carrier, tracking_number=body.tracking_number
    )
    return {
        "object": "fulfillment",
        "id": shipment.id,
        "lines": shipment.lines,
        "carrier": shipment.carrier,
        "tracking_number": shipment.tracking_number,
        "order": orders.order_data(session, orders.get_order(session, caller, order_id)),
    }


@router.post("/orders/{order_id}/deliver", response_model=Public, summary="Mark a fully shipped order delivered")
def deliver(order_id: ObjectId, session: SessionDep, caller: Writer) -> dict[str, Any]:
    return orders.order_data(session, orders.mark_delivered(session, caller, order_id))


@router.post("/orders/{order_id}/cancel", response_model=Public, summary="Cancel (a paid order is refunded in full)")
def cancel(order_id: ObjectId, body: OrderCancel, session: SessionDep, caller: Writer) -> dict[str, Any]:
    return orders.order_data(session, orders.cancel_order(session, caller, order_id, body.reason))


@router.post(
    "/orders/{order_id}/returns", response_model=Public, summary="Take units back and refund them through payments"
)
def create_return(order_id: ObjectId, body: ReturnCreate, session: SessionDep, caller: Writer) -> dict[str, Any]:
    record = orders.create_return(session, caller, order_id, lines=body.lines, reason=body.reason, restock=body.restock)
    return {
        "object": "order_return",
        "id": record.id,
        "lines": record.lines,
        "amount": record.amount,
        "refund": record.refund_id,
        "refund_amount": record.refund_amount,
        "refund_status": record.refund_status,
        "order": orders.order_data(session, orders.get_order(session, caller, order_id)),
    }


@router.get("/orders/{order_id}/packing_slip", response_model=Public, summary="The packing slip")
def packing_slip(order_id: ObjectId, session: SessionDep, caller: ApiCaller) -> dict[str, Any]:
    return documents.packing_slip(session, caller, order_id)


@router.get(
    "/orders/{order_id}/commercial_invoice", response_model=Public, summary="Commercial-invoice data for customs"
)
def commercial_invoice(order_id: ObjectId, session: SessionDep, caller: ApiCaller) -> dict[str, Any]:
    return documents.commercial_invoice(session, caller, order_id)
