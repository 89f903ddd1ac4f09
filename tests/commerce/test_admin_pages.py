"""A signed-in buyer pays an order from their wallet on the shop; the merchant ships it from the admin pages."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from commerce_helpers import funded_wallet, tea_store
from commerce_web import Web


def test_wallet_payment_on_the_shop_then_merchant_fulfils(
    api_for: Callable[..., Any], make_org: Callable[..., str], web_for: Callable[..., Web]
) -> None:
    s = tea_store(api_for, make_org)
    buyer_org = make_org("Yamada Hanako", kind="consumer")
    wallet = funded_wallet(api_for(buyer_org), 500000)
    buyer = web_for(buyer_org)
    page = buyer.get("/shop/alishan-tea/p/celadon-cup", params={"lang": "ja", "country": "JP"})
    buyer.post("/shop/alishan-tea/cart/add", {"variant": s["cup"]["id"], "quantity": "1"})
    checkout = buyer.get("/shop/alishan-tea/checkout").text
    total = re.search(r'name="expected_total" value="(\d+)"', checkout).group(1)  # type: ignore[union-attr]
    placed = buyer.post(
        "/shop/alishan-tea/checkout",
        {
            "email": "h@example.jp",
            "name": "Hanako",
            "line1": "1-2-3",
            "city": "Tokyo",
            "postal_code": "1500002",
            "expected_total": total,
            "currency": "JPY",
        },
    )
    assert placed.status_code == 303, placed.text
    order_url = placed.headers["location"]
    assert wallet["id"] in buyer.get(order_url).text
    paid = buyer.post(f"{order_url}/pay", {"wallet": wallet["id"]})
    assert paid.headers["location"] == order_url
    assert 'data-status="paid"' in buyer.get(order_url).text
    assert page.status_code == 200

    merchant = web_for(s["org"])
    admin = merchant.get("/commerce")
    assert admin.status_code == 200 and "Alishan Tea" in admin.text
    order_id = order_url.rsplit("/", 1)[1]
    detail = merchant.get(f"/commerce/orders/{order_id}")
    assert "691200" in detail.text and 'data-status="paid"' in detail.text
    assert (
        merchant.post(f"/commerce/orders/{order_id}/fulfil", {"carrier": "EMS", "tracking_number": "EE123"}).status_code
        == 303
    )
    assert 'data-status="fulfilled"' in merchant.get(f"/commerce/orders/{order_id}").text
    merchant.post(f"/commerce/orders/{order_id}/deliver")
    assert 'data-status="delivered"' in merchant.get(f"/commerce/orders/{order_id}").text


def test_admin_forms_refuse_bad_input_and_add_things(
    api_for: Callable[..., Any], make_org: Callable[..., str], web_for: Callable[..., Web]
) -> None:
    org = make_org("New shop", kind="merchant")
    web = web_for(org)
    assert "store-form" in web.get("/commerce").text
    assert web.post("/commerce/store", {"slug": "my-shop", "name": "My shop", "duties_mode": "DAP"}).status_code == 303
    web.post(
        "/commerce/markets",
        {"code": "jp", "countries": "JP", "currency": "JPY", "languages": "ja,en", "rounding": "ends_99"},
    )
    assert "rounding" in web.get("/commerce").text  # the refusal is flashed, naming the field
    web.post(
        "/commerce/markets",
        {"code": "jp", "countries": "JP", "currency": "JPY", "languages": "ja,en", "rounding": "whole"},
    )
    web.post(
        "/commerce/products",
        {
            "handle": "pineapple-cake",
            "title": "鳳梨酥",
            "hs_code": "190590",
            "sku": "PC-10",
            "price": "350",
            "weight_grams": "500",
            "on_hand": "20",
            "title_ja": "パイナップルケーキ",
        },
    )
    page = web.get("/commerce").text
    assert "PC-10" in page and "JPY" in page
