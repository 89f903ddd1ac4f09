"""A refund the merchant's balances cannot cover is kept as failed and moves nothing (the fee stays
with the platform, so a merchant's only payment cannot be refunded in full from its own funds)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from payments_helpers import funded_wallet, merchant, ok, party

from digiplus.core.db import Database
from digiplus.ledger import verify_ledger


def test_refund_beyond_merchant_funds_fails_and_moves_nothing(
    db: Database, api_for: Callable[..., Any], make_org: Callable[..., str]
) -> None:
    _, shop = party(api_for, make_org, "Clinic", "merchant")
    assert merchant(shop, "Happy Clinic", "8011")["scenario"] == "medical_institutions"
    _, payer = party(api_for, make_org, "Patient", "consumer")
    wallet = funded_wallet(payer, 500_00)
    intent = ok(shop.post("/v1/payment_intents", json={"amount": 100_00}))
    ok(payer.post(f"/v1/wallets/{wallet['id']}/payments", json={"payment_intent": intent["id"]}))
    assert ok(shop.get(f"/v1/payment_intents/{intent['id']}"))["fee_amount"] == 80  # 0.8 %
    failed = ok(shop.post("/v1/refunds", json={"payment_intent": intent["id"]}))
    assert (failed["status"], failed["failure_reason"], failed["wallet_amount"]) == (
        "failed",
        "merchant_insufficient_funds",
        0,
    )
    assert ok(payer.get(f"/v1/wallets/{wallet['id']}"))["available"] == 400_00
    assert ok(shop.get(f"/v1/payment_intents/{intent['id']}"))["amount_refunded"] == 0
    partial = ok(shop.post("/v1/refunds", json={"payment_intent": intent["id"], "amount": 99_20}))
    assert (partial["status"], partial["from_pending_settlement"], partial["from_available"]) == ("succeeded", 99_20, 0)
    assert ok(payer.get(f"/v1/wallets/{wallet['id']}"))["available"] == 499_20
    events = ok(shop.get("/v1/events", params={"type": "refund.*", "limit": 10}))
    assert [e["type"] for e in events["data"]] == [
        "refund.succeeded",
        "refund.created",
        "refund.failed",
        "refund.created",
    ]
    with db.session() as session:
        assert verify_ledger(session).ok
