"""A tea merchant with a store, markets, shipping and two products, through the HTTP API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def ok(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()["error"]
    assert body["code"] == code, body
    return body  # type: ignore[no-any-return]


def merchant(api: Any, name: str, mcc: str = "5499") -> dict[str, Any]:
    bank = ok(
        api.post("/v1/bank_accounts", json={"bank_code": "004", "account_number": "123456789012", "holder_name": name})
    )
    return ok(
        api.post(
            "/v1/merchant_profile",
            json={"display_name": name, "city": "Chiayi", "mcc": mcc, "bank_account": bank["id"]},
        )
    )


def tea_store(api_for: Callable[..., Any], make_org: Callable[..., str], *, duties_mode: str = "DDP") -> dict[str, Any]:
    org = make_org("Alishan Tea", kind="merchant")
    api = api_for(org)
    merchant(api, "Alishan Tea", mcc="5499")
    ok(
        api.post(
            "/v1/commerce/store",
            json={"slug": "alishan-tea", "name": "Alishan Tea", "duties_mode": duties_mode, "clusters": ["western"]},
        )
    )
    jp = ok(
        api.post(
            "/v1/commerce/markets",
            json={
                "code": "jp",
                "countries": ["JP"],
                "currency": "JPY",
                "languages": ["ja", "en"],
                "rounding": "nearest_10",
            },
        )
    )
    west = ok(
        api.post(
            "/v1/commerce/markets",
            json={
                "code": "west",
                "cluster": "western",
                "currency": "USD",
                "languages": ["en"],
                "rounding": "ends_99",
                "adjustment_bps": 500,
            },
        )
    )
    kr = ok(
        api.post(
            "/v1/commerce/markets",
            json={"code": "kr", "countries": ["KR"], "currency": "KRW", "languages": ["ko", "en"]},
        )
    )
    ok(
        api.post(
            "/v1/commerce/shipping_zones",
            json={
                "name": "Asia",
                "countries": ["JP", "KR"],
                "rates": [
                    {"name": "Chunghwa Post EMS", "basis": "weight", "min": 0, "max": 2000, "amount": 45000},
                    {"name": "Chunghwa Post EMS heavy", "basis": "weight", "min": 2000, "amount": 90000},
                ],
            },
        )
    )
    ok(
        api.post(
            "/v1/commerce/shipping_zones",
            json={
                "name": "Rest of world",
                "rest_of_world": True,
                "rates": [
                    {"name": "Air parcel", "basis": "price", "min": 0, "max": 300000, "amount": 60000},
                    {"name": "Free over TWD 3,000", "basis": "price", "min": 300000, "amount": 0},
                ],
            },
        )
    )
    oolong = ok(
        api.post(
            "/v1/commerce/products",
            json={
                "handle": "high-mountain-oolong",
                "title": "高山烏龍茶",
                "hs_code": "090230",
                "description": "阿里山高山茶",
                "translations": {"ja": {"title": "高山烏龍茶（日本語）"}, "en": {"title": "High-mountain oolong"}},
                "images": [{"url": "https://example.com/oolong.jpg", "alt": "oolong"}],
            },
        )
    )
    o150 = ok(
        api.post(
            f"/v1/commerce/products/{oolong['id']}/variants",
            json={"sku": "OOL-150", "title": "150 g", "price": "450", "weight_grams": 200},
        )
    )
    cup = ok(api.post("/v1/commerce/products", json={"handle": "celadon-cup", "title": "青瓷杯", "hs_code": "691200"}))
    c1 = ok(
        api.post(
            f"/v1/commerce/products/{cup['id']}/variants",
            json={"sku": "CUP-1", "title": "one cup", "price": "1200", "weight_grams": 400},
        )
    )
    ok(api.post(f"/v1/commerce/variants/{o150['id']}/stock", json={"location": "Chiayi", "on_hand": 10}))
    ok(api.post(f"/v1/commerce/variants/{c1['id']}/stock", json={"location": "Yingge", "on_hand": 1}))
    return {
        "org": org,
        "api": api,
        "jp": jp,
        "west": west,
        "kr": kr,
        "oolong": o150,
        "cup": c1,
        "oolong_product": oolong,
        "cup_product": cup,
    }


def funded_wallet(api: Any, amount: int, currency: str = "TWD") -> dict[str, Any]:
    wallet = ok(api.post("/v1/wallets", json={"currency": currency}))
    bank = ok(
        api.post(
            "/v1/bank_accounts",
            json={"bank_code": "812", "account_number": "000123456789", "holder_name": "Buyer", "currency": currency},
        )
    )
    ok(api.post("/v1/wallet_profile", json={"verification_level": 2}))
    if amount:
        ok(api.post(f"/v1/wallets/{wallet['id']}/topups", json={"bank_account": bank["id"], "amount": amount}))
    return wallet


JP_ADDRESS = {
    "name": "Yamada Hanako",
    "line1": "1-2-3 Shibuya",
    "city": "Tokyo",
    "postal_code": "150-0002",
    "country": "JP",
}


def cart_with(api: Any, country: str, lines: list[tuple[str, int]]) -> dict[str, Any]:
    cart = ok(api.post("/v1/commerce/carts", json={"country": country}))
    for variant, quantity in lines:
        ok(api.post(f"/v1/commerce/carts/{cart['id']}/lines", json={"variant": variant, "quantity": quantity}))
    return ok(api.get(f"/v1/commerce/carts/{cart['id']}"))


def check_out(api: Any, cart: dict[str, Any], address: dict[str, str] | None = None, **extra: Any) -> Any:
    quote = cart["quote"]
    body = {
        "email": "buyer@example.jp",
        "address": address or JP_ADDRESS,
        "expected_total": quote["total"],
        "currency": quote["currency"],
        **extra,
    }
    return api.post(f"/v1/commerce/carts/{cart['id']}/checkout", json=body)
