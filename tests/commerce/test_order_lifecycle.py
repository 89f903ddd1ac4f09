"""Each order transition, with refunds through payments and the events they emit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from commerce_helpers import cart_with, check_out, error, funded_wallet, ok, tea_store
from sqlalchemy import select

from digiplus.commerce.models import StockLevel
from digiplus.commerce.service import sync
from digiplus.core.db import Database
from digiplus.ledger import verify_ledger


def paid_order(
    api_for: Callable[..., Any], make_org: Callable[..., str], db: Database, s: dict[str, Any]
) -> dict[str, Any]:
    order = ok(check_out(s["api"], cart_with(s["api"], "JP", [(s["oolong"]["id"], 3), (s["cup"]["id"], 1)])))
    buyer = api_for(make_org("Yamada", kind="consumer"))
    wallet = funded_wallet(buyer, 500000)
    ok(buyer.post(f"/v1/wallets/{wallet['id']}/payments", json={"payment_intent": order["payment_intent"]}))
    with db.session() as session:
        sync._sync(session, order["id"])
    # another sale, so the merchant's balance also covers the payment fee a full refund gives back
    other = api_for(make_org("Walk-in", kind="consumer"))
    other_wallet = funded_wallet(other, 200000)
    extra = ok(s["api"].post("/v1/payment_intents", json={"amount": 100000, "currency": "TWD"}))
    ok(other.post(f"/v1/wallets/{other_wallet['id']}/payments", json={"payment_intent": extra["id"]}))
    return {**ok(s["api"].get(f"/v1/commerce/orders/{order['id']}")), "buyer": buyer, "wallet": wallet}


def test_paid_partially_fulfilled_fulfilled_delivered_returned(
    api_for: Callable[..., Any], make_org: Callable[..., str], db: Database
) -> None:
    s = tea_store(api_for, make_org)
    api = s["api"]
    order = paid_order(api_for, make_org, db, s)
    oid, (tea, cup) = order["id"], order["lines"]
    error(api.post(f"/v1/commerce/orders/{oid}/deliver"), 400, "order_unexpected_state")
    first = ok(
        api.post(
            f"/v1/commerce/orders/{oid}/fulfillments",
            json={"lines": {tea["id"]: 2}, "carrier": "EMS", "tracking_number": "EE1"},
        )
    )
    assert first["order"]["status"] == "partially_fulfilled"
    error(
        api.post(f"/v1/commerce/orders/{oid}/fulfillments", json={"lines": {tea["id"]: 2}, "carrier": "EMS"}),
        400,
        "quantity_too_large",
    )
    rest = ok(api.post(f"/v1/commerce/orders/{oid}/fulfillments", json={"carrier": "EMS"}))
    assert rest["lines"] == {tea["id"]: 1, cup["id"]: 1} and rest["order"]["status"] == "fulfilled"
    assert ok(api.post(f"/v1/commerce/orders/{oid}/deliver"))["status"] == "delivered"
    error(api.post(f"/v1/commerce/orders/{oid}/cancel", json={}), 400, "order_unexpected_state")

    # one tea back: JPY 2220 of 17540 → TWD 355185 × 2220 / 17540 = 44955.0… → 44955
    back = ok(api.post(f"/v1/commerce/orders/{oid}/returns", json={"lines": {tea["id"]: 1}, "reason": "damaged"}))
    assert (back["amount"], back["refund_amount"], back["refund_status"]) == (2220, 44955, "succeeded")
    assert back["order"]["status"] == "delivered" and back["order"]["amount_refunded"] == 2220
    # the rest back: everything left is refunded (shipping, duty and tax included)
    last = ok(api.post(f"/v1/commerce/orders/{oid}/returns", json={"reason": "changed mind"}))
    assert (last["amount"], last["refund_amount"], last["refund_status"]) == (17540 - 2220, 355185 - 44955, "succeeded")
    assert last["order"]["status"] == "returned" and last["order"]["amount_refunded"] == 17540
    intent = ok(api.get(f"/v1/payment_intents/{order['payment_intent']}"))
    assert intent["amount_refunded"] == 355185
    with db.read_session() as session:  # restocked where the units left
        levels = {lv.variant_id: lv.on_hand for lv in session.scalars(select(StockLevel))}
    assert levels == {s["oolong"]["id"]: 10, s["cup"]["id"]: 1}
    types = {e["type"] for e in ok(api.get("/v1/events", params={"limit": 100}))["data"]}
    assert {
        "order.created",
        "order.paid",
        "order.partially_fulfilled",
        "order.fulfilled",
        "order.delivered",
        "order.return_created",
        "order.refunded",
    } <= types
    with db.read_session() as session:
        assert verify_ledger(session).ok


def test_cancel_paid_order_refunds_in_full_and_restocks(
    api_for: Callable[..., Any], make_org: Callable[..., str], db: Database
) -> None:
    s = tea_store(api_for, make_org)
    order = paid_order(api_for, make_org, db, s)
    canceled = ok(s["api"].post(f"/v1/commerce/orders/{order['id']}/cancel", json={"reason": "out of season"}))
    assert (canceled["status"], canceled["amount_refunded"]) == ("canceled", 17540)
    assert ok(s["api"].get(f"/v1/payment_intents/{order['payment_intent']}"))["amount_refunded"] == 355185
    assert ok(order["buyer"].get(f"/v1/wallets/{order['wallet']['id']}"))["available"] == 500000
    with db.read_session() as session:
        levels = {lv.variant_id: (lv.on_hand, lv.reserved) for lv in session.scalars(select(StockLevel))}
    assert levels == {s["oolong"]["id"]: (10, 0), s["cup"]["id"]: (1, 0)}


def test_cancel_unpaid_order_releases(api_for: Callable[..., Any], make_org: Callable[..., str], db: Database) -> None:
    s = tea_store(api_for, make_org)
    order = ok(check_out(s["api"], cart_with(s["api"], "JP", [(s["cup"]["id"], 1)])))
    assert ok(s["api"].post(f"/v1/commerce/orders/{order['id']}/cancel", json={}))["status"] == "canceled"
    assert ok(s["api"].get(f"/v1/payment_intents/{order['payment_intent']}"))["status"] == "canceled"
    error(
        s["api"].post(f"/v1/commerce/orders/{order['id']}/fulfillments", json={"carrier": "EMS"}),
        400,
        "order_unexpected_state",
    )


def test_packing_slip_and_commercial_invoice(
    api_for: Callable[..., Any], make_org: Callable[..., str], db: Database
) -> None:
    s = tea_store(api_for, make_org)
    order = paid_order(api_for, make_org, db, s)
    slip = ok(s["api"].get(f"/v1/commerce/orders/{order['id']}/packing_slip"))
    assert [(ln["sku"], ln["to_ship"]) for ln in slip["lines"]] == [("OOL-150", 3), ("CUP-1", 1)]
    ci = ok(s["api"].get(f"/v1/commerce/orders/{order['id']}/commercial_invoice"))
    assert ci["incoterm"] == "DDP" and ci["currency"] == "JPY"
    assert [(ln["hs_code"], ln["origin_country"], ln["unit_value"]) for ln in ci["lines"]] == [
        ("090230", "TW", "2220"),
        ("691200", "TW", "5930"),
    ]
    assert (ci["goods_value"], ci["duty"], ci["tax"], ci["total_weight_grams"]) == ("12590", "1133", "1595", 1000)
    other = api_for(make_org("Other shop"))
    error(other.get(f"/v1/commerce/orders/{order['id']}/commercial_invoice"), 404, "resource_missing")
