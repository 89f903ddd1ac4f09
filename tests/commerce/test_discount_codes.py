"""Merchant discount codes: created per shop, applied to a cart, counted atomically at checkout,
given back by an unpaid cancel; discounted values reach duty, the order, its papers and refunds."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from commerce_helpers import JP_ADDRESS, cart_with, check_out, error, funded_wallet, ok, tea_store

from digiplus.commerce.models import DiscountCode
from digiplus.commerce.service import discounts, sync
from digiplus.core.db import Database
from digiplus.core.errors import InvalidRequest


def code(api: Any, **fields: Any) -> dict[str, Any]:
    return ok(api.post("/v1/commerce/discount_codes", json=fields))


def jp_cart(s: dict[str, Any]) -> dict[str, Any]:
    return cart_with(s["api"], "JP", [(s["oolong"]["id"], 3), (s["cup"]["id"], 1)])


def apply(api: Any, cart: dict[str, Any], text: str | None) -> Any:
    return api.post(f"/v1/commerce/carts/{cart['id']}/discount_code", json={"code": text})


def test_percent_code_comes_off_the_items_before_duty_and_tax(
    api_for: Callable[..., Any], make_org: Callable[..., str]
) -> None:
    s = tea_store(api_for, make_org)
    api = s["api"]
    created = code(api, code="spring10", kind="percent", percent_off="10", min_subtotal={"JPY": "10000"}, usage_limit=1)
    assert (created["code"], created["times_used"]) == ("SPRING10", 0)
    cart = ok(apply(api, jp_cart(s), "Spring10"))
    q = cart["quote"]
    # 10 % of 12,590 = 1259, shared by value 6660:5930 → 666 / 593
    assert (q["subtotal"], q["discount"], [ln["discount"] for ln in q["lines"]]) == (12590, 1259, [666, 593])
    assert q["discounts"] == [
        {"kind": "code", "label": "SPRING10", "amount": 1259, "code": "SPRING10", "discount_code": created["id"]}
    ]
    # CIF on what is paid: 11,331 + 2222 = 13,553; freight 1175 / 1047; tea 10 % of 7169 = 716.9 → 717,
    # cup 5 % of 6384 = 319.2 → 319; tax 10 % of (11,331 + 2222 + 1036) = 1458.9 → 1459
    assert (q["customs_value"], q["duty"], q["tax"]) == (13553, 1036, 1459)
    assert q["total"] == 12590 - 1259 + 2222 + 1036 + 1459 == 16048

    order = ok(check_out(api, ok(api.get(f"/v1/commerce/carts/{cart['id']}"))))
    assert (order["discount"], order["total"], order["settlement_amount"]) == (1259, 16048, 324972)  # × 0.2025
    assert order["discounts"][0]["code"] == "SPRING10"
    assert [ln["discount"] for ln in order["lines"]] == [666, 593]
    assert ok(api.get(f"/v1/commerce/discount_codes/{created['id']}"))["times_used"] == 1
    slip = ok(api.get(f"/v1/commerce/orders/{order['id']}/packing_slip"))
    assert slip["discounts"] == [{"kind": "code", "label": "SPRING10", "amount": "1259"}]
    invoice = ok(api.get(f"/v1/commerce/orders/{order['id']}/commercial_invoice"))
    assert (invoice["goods_value"], invoice["valuation"], invoice["lines"][0]["discount"]) == ("11331", "CIF", "666")

    # the last use is gone: another cart is told so, by name
    other = cart_with(api, "JP", [(s["oolong"]["id"], 5)])
    body = error(apply(api, other, "SPRING10"), 400, "discount_code_used_up")
    assert "SPRING10" in body["message"] and body["param"] == "discount_code"

    # cancel before payment: the use comes back
    ok(api.post(f"/v1/commerce/orders/{order['id']}/cancel", json={}))
    assert ok(api.get(f"/v1/commerce/discount_codes/{created['id']}"))["times_used"] == 0
    assert ok(apply(api, other, "SPRING10"))["discount_code"] == "SPRING10"


def test_the_last_use_goes_to_one_checkout(
    api_for: Callable[..., Any], make_org: Callable[..., str], db: Database
) -> None:
    s = tea_store(api_for, make_org)
    api = s["api"]
    created = code(api, code="ONCE", kind="fixed", amounts_off={"JPY": "500"}, usage_limit=1)
    first, second = jp_cart(s), cart_with(api, "JP", [(s["oolong"]["id"], 2)])
    ok(apply(api, first, "ONCE"))
    ok(apply(api, second, "ONCE"))  # both carts hold it: uses are counted at checkout
    first = ok(api.get(f"/v1/commerce/carts/{first['id']}"))
    second = ok(api.get(f"/v1/commerce/carts/{second['id']}"))
    assert first["quote"]["discount"] == 500 and second["quote"]["discount"] == 500
    ok(check_out(api, first))
    error(check_out(api, second), 400, "discount_code_used_up")
    # the counter itself: one conditional UPDATE refuses the use past the limit
    with db.session() as session:
        with pytest.raises(InvalidRequest) as refused:
            discounts.take_use(session, created["id"])
        assert refused.value.code == "discount_code_used_up"
        assert session.get_one(DiscountCode, created["id"]).times_used == 1


def test_codes_refused_with_the_reason(api_for: Callable[..., Any], make_org: Callable[..., str]) -> None:
    s = tea_store(api_for, make_org)
    api = s["api"]
    cart = jp_cart(s)
    now = int(time.time())
    code(api, code="OLD", kind="percent", percent_off="5", starts_at=now - 86400, ends_at=now - 60)
    code(api, code="LATER", kind="percent", percent_off="5", starts_at=now + 86400)
    code(api, code="BIGBASKET", kind="percent", percent_off="5", min_subtotal={"JPY": "20000"})
    code(api, code="DOLLARS", kind="fixed", amounts_off={"USD": "5.00"})
    code(api_for(make_org("Other Tea", kind="merchant")), code="THEIRS", kind="percent", percent_off="50")
    assert "expired" in error(apply(api, cart, "old"), 400, "discount_code_expired")["message"]
    error(apply(api, cart, "LATER"), 400, "discount_code_not_started")
    assert "20000" in error(apply(api, cart, "BIGBASKET"), 400, "discount_code_minimum")["message"]
    assert "JPY" in error(apply(api, cart, "DOLLARS"), 400, "discount_code_currency")["message"]
    error(apply(api, cart, "THEIRS"), 400, "discount_code_unknown")  # another merchant's code
    error(apply(api, cart, "no spaces!"), 422, "discount_code_invalid")
    assert ok(api.get(f"/v1/commerce/carts/{cart['id']}"))["discount_code"] is None

    # creating: decimals the currency does not have, nonsense percentages, a window backwards
    assert (
        error(
            api.post(
                "/v1/commerce/discount_codes", json={"code": "YEN", "kind": "fixed", "amounts_off": {"JPY": "500.5"}}
            ),
            422,
            "amount_too_precise",
        )["param"]
        == "amounts_off[JPY]"
    )
    error(
        api.post(
            "/v1/commerce/discount_codes", json={"code": "CENT", "kind": "fixed", "amounts_off": {"USD": "4.999"}}
        ),
        422,
        "amount_too_precise",
    )
    error(
        api.post("/v1/commerce/discount_codes", json={"code": "HUGE", "kind": "percent", "percent_off": "120"}),
        422,
        "parameter_invalid",
    )
    error(api.post("/v1/commerce/discount_codes", json={"code": "NOPCT", "kind": "percent"}), 422, "parameter_invalid")
    error(
        api.post(
            "/v1/commerce/discount_codes",
            json={"code": "BACK", "kind": "percent", "percent_off": "5", "starts_at": now, "ends_at": now - 1},
        ),
        422,
        "parameter_invalid",
    )
    error(
        api.post("/v1/commerce/discount_codes", json={"code": "old", "kind": "percent", "percent_off": "5"}),
        409,
        "discount_code_exists",
    )


def test_a_code_expiring_after_it_was_applied_is_refused_at_checkout(
    api_for: Callable[..., Any], make_org: Callable[..., str]
) -> None:
    s = tea_store(api_for, make_org)
    api = s["api"]
    created = code(api, code="FLASH", kind="fixed", amounts_off={"JPY": "1000"})
    cart = ok(apply(api, jp_cart(s), "FLASH"))
    assert cart["quote"]["discount"] == 1000
    ok(api.post(f"/v1/commerce/discount_codes/{created['id']}", json={"ends_at": int(time.time()) - 1}))
    lenient = ok(api.get(f"/v1/commerce/carts/{cart['id']}"))["quote"]  # the cart shows it no longer applies
    assert (lenient["discount"], lenient["discount_notes"]) == (0, ["discount_code_expired"])
    error(check_out(api, cart), 400, "discount_code_expired")


def test_a_discounted_order_refunds_what_was_paid(
    api_for: Callable[..., Any], make_org: Callable[..., str], db: Database
) -> None:
    s = tea_store(api_for, make_org)
    api = s["api"]
    code(api, code="TENOFF", kind="percent", percent_off="10")
    cart = ok(apply(api, jp_cart(s), "TENOFF"))
    order = ok(check_out(api, cart))
    buyer = api_for(make_org("Buyer", kind="consumer"))
    wallet = funded_wallet(buyer, 10_000_00)
    paid = ok(buyer.post(f"/v1/wallets/{wallet['id']}/payments", json={"payment_intent": order["payment_intent"]}))
    assert paid["status"] == "succeeded"
    with db.session() as session:
        sync._sync(session, order["id"])
    # another sale, so the merchant's balance also covers the payment fee a full refund gives back
    other = api_for(make_org("Walk-in", kind="consumer"))
    other_wallet = funded_wallet(other, 200000)
    extra = ok(api.post("/v1/payment_intents", json={"amount": 100000, "currency": "TWD"}))
    ok(other.post(f"/v1/wallets/{other_wallet['id']}/payments", json={"payment_intent": extra["id"]}))
    oid = order["id"]
    tea = order["lines"][0]
    ok(api.post(f"/v1/commerce/orders/{oid}/fulfillments", json={"carrier": "EMS"}))
    # one tea back: what was paid for it, (6660 − 666) / 3 = 1998 — not its 2220 list price
    back = ok(api.post(f"/v1/commerce/orders/{oid}/returns", json={"lines": {tea["id"]: 1}}))
    assert back["amount"] == 1998
    last = ok(api.post(f"/v1/commerce/orders/{oid}/returns", json={}))
    assert last["order"]["amount_refunded"] == 16048 == order["total"]
    intent = ok(api.get(f"/v1/payment_intents/{order['payment_intent']}"))
    assert intent["amount_refunded"] == intent["amount_received"] == 324972


def test_checkout_page_address_is_unaffected_by_an_unused_code(
    api_for: Callable[..., Any], make_org: Callable[..., str]
) -> None:
    """A cart with no code prices as before (JP_ADDRESS checkout, no discount lines)."""
    s = tea_store(api_for, make_org)
    cart = jp_cart(s)
    assert (cart["quote"]["discount"], cart["quote"]["discounts"]) == (0, [])
    order = ok(check_out(s["api"], cart, JP_ADDRESS))
    assert order["discounts"] == [] and order["discount"] == 0
