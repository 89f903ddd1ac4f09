"""Cart → checkout → payment through payments' intents; tampering, bad addresses, failures, timeouts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from commerce_helpers import JP_ADDRESS, cart_with, check_out, error, funded_wallet, ok, tea_store
from sqlalchemy import select, update

from digiplus.commerce.models import Order, StockLevel, Store
from digiplus.commerce.service import checkout, sync
from digiplus.core.context import Caller
from digiplus.core.db import Database, utcnow


def stock(db: Database, variant: str) -> tuple[int, int]:
    with db.read_session() as s:
        level = s.scalars(select(StockLevel).where(StockLevel.variant_id == variant)).one()
        return level.on_hand, level.reserved


def order_status(db: Database, order_id: str) -> tuple[str, str | None]:
    with db.read_session() as s:
        o = s.get(Order, order_id)
        assert o is not None
        return o.status, o.cancellation_reason


def test_japan_buyer_checks_out_and_pays_from_a_wallet(
    api_for: Callable[..., Any], make_org: Callable[..., str], db: Database
) -> None:
    s = tea_store(api_for, make_org)
    api = s["api"]
    cart = cart_with(api, "JP", [(s["oolong"]["id"], 3), (s["cup"]["id"], 1)])
    assert cart["quote"]["total"] == 17540
    order = ok(check_out(api, cart))
    assert (order["status"], order["currency"], order["total"]) == ("created", "JPY", 17540)
    assert (order["subtotal"], order["shipping"], order["duty"], order["tax"]) == (12590, 2222, 1133, 1595)
    # JPY 17,540 × 0.2025 = TWD 3,551.85 → 355185 minor units
    assert (order["settlement_currency"], order["settlement_amount"]) == ("TWD", 355185)
    assert stock(db, s["cup"]["id"]) == (1, 1)
    intent = ok(api.get(f"/v1/payment_intents/{order['payment_intent']}"))
    assert (intent["amount"], intent["status"]) == (355185, "requires_action")

    buyer = api_for(make_org("Yamada", kind="consumer"))
    wallet = funded_wallet(buyer, 500000)
    paid = ok(buyer.post(f"/v1/wallets/{wallet['id']}/payments", json={"payment_intent": order["payment_intent"]}))
    assert paid["status"] == "succeeded"
    with db.session() as session:  # the consumer's handler, as the worker would run it
        sync._sync(session, order["id"])
    got = ok(api.get(f"/v1/commerce/orders/{order['id']}"))
    assert got["status"] == "paid"
    assert stock(db, s["cup"]["id"]) == (0, 0)
    assert stock(db, s["oolong"]["id"]) == (7, 0)
    types = [e["type"] for e in ok(api.get("/v1/events", params={"limit": 50}))["data"]]
    assert "order.created" in types and "order.paid" in types


def test_tampered_total_refused_and_nothing_held(
    api_for: Callable[..., Any], make_org: Callable[..., str], db: Database
) -> None:
    s = tea_store(api_for, make_org)
    cart = cart_with(s["api"], "JP", [(s["cup"]["id"], 1)])
    cart["quote"]["total"] -= 1
    body = error(check_out(s["api"], cart), 409, "totals_mismatch")
    assert body["param"] == "expected_total"
    cart["quote"]["total"] += 1
    cart["quote"]["currency"] = "USD"
    error(check_out(s["api"], cart), 409, "totals_mismatch")
    assert stock(db, s["cup"]["id"]) == (1, 0)
    assert ok(s["api"].get(f"/v1/commerce/carts/{cart['id']}"))["status"] == "open"


def test_addresses_checked_per_country(api_for: Callable[..., Any], make_org: Callable[..., str]) -> None:
    s = tea_store(api_for, make_org)
    cart = cart_with(s["api"], "JP", [(s["cup"]["id"], 1)])
    body = error(check_out(s["api"], cart, {**JP_ADDRESS, "postal_code": "15000"}), 422, "postal_code_invalid")
    assert body["param"] == "address[postal_code]"
    error(check_out(s["api"], cart, {**JP_ADDRESS, "country": "XX"}), 422, "country_unsupported")
    error(check_out(s["api"], cart, {**JP_ADDRESS, "name": " "}), 422, "parameter_invalid")
    # a valid US address changes the market: the JPY total no longer matches
    us = {"name": "Ann", "line1": "1 Main St", "city": "Boston", "postal_code": "02108", "country": "US"}
    error(check_out(s["api"], cart, us), 409, "totals_mismatch")
    error(
        s["api"].post(f"/v1/commerce/carts/{cart['id']}/lines", json={"variant": s["cup"]["id"], "quantity": 2}),
        400,
        "out_of_stock",
    )
    error(
        s["api"].post(f"/v1/commerce/carts/{cart['id']}/lines", json={"variant": s["cup"]["id"], "quantity": -1}),
        422,
        "parameter_invalid",
    )


def test_declined_payment_cancels_and_releases(
    api_for: Callable[..., Any], make_org: Callable[..., str], db: Database
) -> None:
    s = tea_store(api_for, make_org)
    cart = cart_with(s["api"], "JP", [(s["cup"]["id"], 1)])
    order = ok(check_out(s["api"], cart))
    buyer_org = make_org("Poor buyer", kind="consumer")
    wallet = funded_wallet(api_for(buyer_org), 100)
    with db.session() as session:
        store = session.scalars(select(Store).where(Store.org_id == s["org"])).one()
        locked = session.scalars(select(Order).where(Order.id == order["id"]).with_for_update()).one()
        _, declined = checkout.pay_from_wallet(session, store, locked, Caller.system(buyer_org, False), wallet["id"])
        assert declined is not None and declined.code == "insufficient_funds"
    assert order_status(db, order["id"]) == ("canceled", "payment_failed")
    assert stock(db, s["cup"]["id"]) == (1, 0)
    assert ok(s["api"].get(f"/v1/payment_intents/{order['payment_intent']}"))["status"] == "canceled"
    assert ok(s["api"].get(f"/v1/commerce/carts/{cart['id']}"))["status"] == "open"  # try again


def test_unpaid_checkout_times_out(api_for: Callable[..., Any], make_org: Callable[..., str], db: Database) -> None:
    s = tea_store(api_for, make_org)
    order = ok(check_out(s["api"], cart_with(s["api"], "JP", [(s["cup"]["id"], 1)])))
    assert sync.expire_checkouts(db) == 0
    with db.session() as session:
        session.execute(
            update(Order).where(Order.id == order["id"]).values(reserved_until=utcnow() - timedelta(seconds=1))
        )
    assert sync.expire_checkouts(db) == 1
    assert order_status(db, order["id"]) == ("canceled", "expired")
    assert stock(db, s["cup"]["id"]) == (1, 0)
    assert ok(s["api"].get(f"/v1/payment_intents/{order['payment_intent']}"))["status"] == "canceled"
    buyer = api_for(make_org("Late", kind="consumer"))
    wallet = funded_wallet(buyer, 500000)
    late = buyer.post(f"/v1/wallets/{wallet['id']}/payments", json={"payment_intent": order["payment_intent"]})
    assert late.status_code == 400  # a late scan cannot pay a released order
