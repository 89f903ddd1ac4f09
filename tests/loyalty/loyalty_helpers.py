"""Helpers of the loyalty tests: a merchant and consumers with API clients, paying and running the consumer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from digiplus.core.db import Database
from digiplus.core.events import run_consumer
from digiplus.ledger import verify_ledger
from digiplus.loyalty.service.consumer import CONSUMER


def ok(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()["error"]
    assert body["code"] == code, body
    return body  # type: ignore[no-any-return]


def shop(api_for: Callable[..., Any], make_org: Callable[..., str], name: str = "Bubble Tea Corner") -> tuple[str, Any]:
    org = make_org(name, kind="merchant")
    api = api_for(org)
    bank = ok(
        api.post("/v1/bank_accounts", json={"bank_code": "004", "account_number": "123456789012", "holder_name": name})
    )
    ok(
        api.post(
            "/v1/merchant_profile",
            json={"display_name": name, "city": "Taipei", "mcc": "5812", "bank_account": bank["id"]},
        )
    )
    return org, api


def consumer(
    api_for: Callable[..., Any], make_org: Callable[..., str], name: str, amount: int = 50_000_00
) -> tuple[str, Any, str]:
    org = make_org(name, kind="consumer")
    api = api_for(org)
    wallet = ok(api.post("/v1/wallets", json={"currency": "TWD"}))
    ok(api.post("/v1/wallet_profile", json={"verification_level": 2}))
    bank = ok(
        api.post("/v1/bank_accounts", json={"bank_code": "812", "account_number": "000123456789", "holder_name": name})
    )
    if amount:
        ok(api.post(f"/v1/wallets/{wallet['id']}/topups", json={"bank_account": bank["id"], "amount": amount}))
    return org, api, wallet["id"]


def new_intent(merchant_api: Any, amount: int) -> dict[str, Any]:
    return ok(merchant_api.post("/v1/payment_intents", json={"amount": amount, "currency": "TWD"}))


def pay(merchant_api: Any, payer_api: Any, wallet_id: str, amount: int) -> dict[str, Any]:
    """The merchant makes an intent, the wallet pays it; returns the intent as the merchant sees it."""
    intent = new_intent(merchant_api, amount)
    paid = ok(payer_api.post(f"/v1/wallets/{wallet_id}/payments", json={"payment_intent": intent["id"]}))
    assert paid["status"] == "succeeded", paid
    return ok(merchant_api.get(f"/v1/payment_intents/{intent['id']}"))


def sync(db: Database) -> int:
    return run_consumer(db, CONSUMER)


def assert_books_clean(db: Database) -> None:
    with db.session() as session:
        report = verify_ledger(session)
    assert report.ok, report
