"""Refunds give the payment's fee back pro rata, in the same ledger batch as the money they take
from pending settlement, so a merchant's only payment can be refunded in full from its own funds;
a refund the merchant's balances still cannot cover is kept as failed and moves nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from payments_helpers import funded_wallet, merchant, ok, party
from settlement_helpers import balances

from digiplus.core.db import Database
from digiplus.ledger import get_transfer, verify_ledger
from digiplus.payments.service import books


def _paid(api_for: Callable[..., Any], make_org: Callable[..., str], amount: int) -> tuple[str, Any, Any, str, str]:
    org, shop = party(api_for, make_org, "Clinic", "merchant")
    assert merchant(shop, "Happy Clinic", "8011")["scenario"] == "medical_institutions"
    _, payer = party(api_for, make_org, "Patient", "consumer")
    wallet = funded_wallet(payer, 500_00)
    intent = ok(shop.post("/v1/payment_intents", json={"amount": amount}))
    ok(payer.post(f"/v1/wallets/{wallet['id']}/payments", json={"payment_intent": intent["id"]}))
    return org, shop, payer, wallet["id"], intent["id"]


def test_a_full_refund_of_the_only_payment_returns_the_fee_and_succeeds(
    db: Database, api_for: Callable[..., Any], make_org: Callable[..., str]
) -> None:
    org, shop, payer, wallet, intent = _paid(api_for, make_org, 100_00)
    assert ok(shop.get(f"/v1/payment_intents/{intent}"))["fee_amount"] == 80  # 0.8 %
    assert balances(db, org) == (99_20, 0)
    refund = ok(shop.post("/v1/refunds", json={"payment_intent": intent}))
    assert (refund["status"], refund["amount"], refund["fee_refunded"]) == ("succeeded", 100_00, 80)
    assert (refund["from_pending_settlement"], refund["from_available"], refund["wallet_amount"]) == (100_00, 0, 100_00)
    assert ok(payer.get(f"/v1/wallets/{wallet}"))["available"] == 500_00
    assert balances(db, org) == (0, 0)
    assert ok(shop.get(f"/v1/payment_intents/{intent}"))["amount_refunded"] == 100_00
    with db.session() as session:
        ledger_books = books.platform_books(session, False)
        fee_back = get_transfer(session, ledger_books, f"{refund['id']}_fee")
        assert (fee_back.debit_account_id, fee_back.credit_account_id, fee_back.amount, fee_back.code) == (
            books.fee_revenue_account("TWD"),
            books.merchant_pending_account(org, "TWD"),
            80,
            int(books.TransferCode.fee_refund),
        )
        assert verify_ledger(session).ok


def test_partial_refunds_return_the_fee_pro_rata_and_add_up_to_it_exactly(
    db: Database, api_for: Callable[..., Any], make_org: Callable[..., str]
) -> None:
    _, shop, payer, wallet, intent = _paid(api_for, make_org, 123_45)
    fee = ok(shop.get(f"/v1/payment_intents/{intent}"))["fee_amount"]
    assert fee == 99  # 0.8 % of 123.45 = 0.9876, rounded
    parts = [33_33, 33_33, 50_00, 6_79]  # the whole payment, in four refunds
    returned = []
    for amount in parts:
        refund = ok(shop.post("/v1/refunds", json={"payment_intent": intent, "amount": amount}))
        assert refund["status"] == "succeeded", refund
        returned.append(refund["fee_refunded"])
    # cumulative, rounded half up: 99 × 33.33/123.45 = 26.73 → 27; 99 × 66.66/123.45 = 53.46 → 53;
    # 99 × 116.66/123.45 = 93.55 → 94; the whole: 99.
    assert returned == [27, 26, 41, 5]
    assert sum(returned) == fee
    assert ok(payer.get(f"/v1/wallets/{wallet}"))["available"] == 500_00
    with db.session() as session:
        assert verify_ledger(session).ok


def test_refund_beyond_merchant_funds_fails_and_moves_nothing(
    db: Database, api_for: Callable[..., Any], make_org: Callable[..., str]
) -> None:
    org, shop, payer, wallet, intent = _paid(api_for, make_org, 100_00)
    # The merchant's pending funds leave (as a payout of settled money would): nothing covers a refund.
    with db.session() as session:
        from digiplus.ledger import TransferInput, create_transfers

        [moved] = create_transfers(
            session,
            books.platform_books(session, False),
            [
                TransferInput(
                    id="drain",
                    debit_account_id=books.merchant_pending_account(org, "TWD"),
                    credit_account_id=books.bank_clearing_account("TWD"),
                    amount=99_20,
                    ledger="TWD",
                    code=int(books.TransferCode.payout),
                )
            ],
        )
        assert moved.result.name == "ok"
    failed = ok(shop.post("/v1/refunds", json={"payment_intent": intent, "amount": 50_00}))
    assert (failed["status"], failed["failure_reason"], failed["wallet_amount"], failed["fee_refunded"]) == (
        "failed",
        "merchant_insufficient_funds",
        0,
        0,
    )
    assert ok(payer.get(f"/v1/wallets/{wallet}"))["available"] == 400_00
    assert ok(shop.get(f"/v1/payment_intents/{intent}"))["amount_refunded"] == 0
    assert balances(db, org) == (0, 0)
    events = ok(shop.get("/v1/events", params={"type": "refund.*", "limit": 10}))
    assert [e["type"] for e in events["data"]] == ["refund.failed", "refund.created"]
    with db.session() as session:
        assert verify_ledger(session).ok
