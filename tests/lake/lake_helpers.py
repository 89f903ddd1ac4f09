"""Shared by the lake tests: a merchant, payers with wallets, payments and refunds through the API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyarrow as pa

from digiplus.lake import Lake
from digiplus.lake.facts import FACT_TABLES


def ok(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def merchant(api: Any, name: str = "阿明蚵仔煎", mcc: str = "5812") -> dict[str, Any]:
    bank = ok(
        api.post("/v1/bank_accounts", json={"bank_code": "004", "account_number": "123456789012", "holder_name": name})
    )
    return ok(
        api.post(
            "/v1/merchant_profile",
            json={"display_name": name, "city": "Taipei", "mcc": mcc, "bank_account": bank["id"]},
        )
    )


def wallet(api: Any, amount: int, currency: str = "TWD") -> dict[str, Any]:
    w = ok(api.post("/v1/wallets", json={"currency": currency}))
    bank = ok(
        api.post(
            "/v1/bank_accounts",
            json={"bank_code": "812", "account_number": "000123456789", "holder_name": "Holder", "currency": currency},
        )
    )
    ok(api.post("/v1/wallet_profile", json={"verification_level": 2}))
    ok(api.post(f"/v1/wallets/{w['id']}/topups", json={"bank_account": bank["id"], "amount": amount}))
    return w


def pay(shop: Any, payer: Any, wallet_id: str, amount: int, metadata: dict[str, str] | None = None) -> str:
    """The merchant asks for ``amount``; the payer's wallet pays it. Returns the intent id."""
    intent = ok(shop.post("/v1/payment_intents", json={"amount": amount, "currency": "TWD", "metadata": metadata}))
    paid = ok(payer.post(f"/v1/wallets/{wallet_id}/payments", json={"payment_intent": intent["id"]}))
    assert paid["status"] == "succeeded", paid
    return str(intent["id"])


def refund(shop: Any, intent_id: str, amount: int | None = None) -> str:
    body: dict[str, Any] = {"payment_intent": intent_id}
    if amount is not None:
        body["amount"] = amount
    r = ok(shop.post("/v1/refunds", json=body))
    assert r["status"] == "succeeded", r
    return str(r["id"])


def read_facts(lake: Lake, table: str) -> pa.Table:
    fact = FACT_TABLES[table]
    keys = [k for k in lake.keys(fact.prefix) if k.endswith(".parquet")]
    if not keys:
        return fact.schema.empty_table()
    return pa.concat_tables([lake.read_table(k) for k in keys])


def parties(api_for: Callable[..., Any], make_org: Callable[..., str]) -> dict[str, Any]:
    shop_org = make_org("Oyster Stall", kind="merchant")
    shop = api_for(shop_org)
    merchant(shop)
    alice_org = make_org("Alice", kind="consumer")
    alice = api_for(alice_org)
    a_wallet = wallet(alice, 50_000_00)
    return {"shop_org": shop_org, "shop": shop, "alice_org": alice_org, "alice": alice, "alice_wallet": a_wallet["id"]}
