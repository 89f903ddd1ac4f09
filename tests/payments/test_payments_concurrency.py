"""Races: two wallets confirm one intent at once (exactly one pays); two refunds of one payment
at once (never more than captured). Threads over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from payments_helpers import funded_wallet, merchant, ok, party

from digiplus.core.db import Database
from digiplus.ledger import verify_ledger


def _race(calls: list[Callable[[], Any]]) -> list[Any]:
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        results[i] = calls[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_two_wallets_one_intent_exactly_one_pays(
    db: Database, api_for: Callable[..., Any], make_org: Callable[..., str]
) -> None:
    _, shop = party(api_for, make_org, "Campus Cafe", "merchant")
    merchant(shop, "Campus Cafe", "5814")
    payers = [party(api_for, make_org, f"Student {i}", "consumer")[1] for i in range(2)]
    wallets = [funded_wallet(p, 500_00) for p in payers]
    for _ in range(3):
        intent = ok(shop.post("/v1/payment_intents", json={"amount": 120_00}))
        answers = _race(
            [
                lambda p=p, w=w, i=intent["id"]: p.post(f"/v1/wallets/{w['id']}/payments", json={"payment_intent": i})
                for p, w in zip(payers, wallets, strict=True)
            ]
        )
        assert sorted(r.status_code for r in answers) == [200, 400], [r.text for r in answers]
        loser = next(r for r in answers if r.status_code == 400)
        assert loser.json()["error"]["code"] == "payment_intent_unexpected_state"
    balances = [ok(p.get(f"/v1/wallets/{w['id']}"))["available"] for p, w in zip(payers, wallets, strict=True)]
    assert sum(balances) == 2 * 500_00 - 3 * 120_00
    with db.session() as session:
        assert verify_ledger(session).ok


def test_same_idempotency_key_pays_once(
    db: Database, api_for: Callable[..., Any], make_org: Callable[..., str]
) -> None:
    _, shop = party(api_for, make_org, "Night Market", "merchant")
    merchant(shop)
    _, payer = party(api_for, make_org, "Payer", "consumer")
    wallet = funded_wallet(payer, 300_00)
    intent = ok(shop.post("/v1/payment_intents", json={"amount": 100_00}))
    body = {"payment_intent": intent["id"]}
    first = payer.post(f"/v1/wallets/{wallet['id']}/payments", json=body, headers={"Idempotency-Key": "pay-1"})
    second = payer.post(f"/v1/wallets/{wallet['id']}/payments", json=body, headers={"Idempotency-Key": "pay-1"})
    assert (first.status_code, second.status_code) == (200, 200)
    assert second.headers.get("Idempotent-Replayed") == "true" and second.json() == first.json()
    assert ok(payer.get(f"/v1/wallets/{wallet['id']}"))["available"] == 200_00


def test_concurrent_refunds_never_exceed_captured(
    db: Database, api_for: Callable[..., Any], make_org: Callable[..., str]
) -> None:
    _, shop = party(api_for, make_org, "Museum Shop", "merchant")
    merchant(shop, "Museum Shop", "5971")
    _, payer = party(api_for, make_org, "Visitor", "consumer")
    wallet = funded_wallet(payer, 1_000_00)
    intent = ok(shop.post("/v1/payment_intents", json={"amount": 300_00}))
    ok(payer.post(f"/v1/wallets/{wallet['id']}/payments", json={"payment_intent": intent["id"]}))
    answers = _race([lambda: shop.post("/v1/refunds", json={"payment_intent": intent["id"], "amount": 200_00})] * 3)
    assert sorted(r.status_code for r in answers) == [200, 400, 400], [r.text for r in answers]
    after = ok(shop.get(f"/v1/payment_intents/{intent['id']}"))
    assert after["amount_refunded"] == 200_00
    assert ok(payer.get(f"/v1/wallets/{wallet['id']}"))["available"] == 1_000_00 - 300_00 + 200_00
    with db.session() as session:
        assert verify_ledger(session).ok


def test_two_approvals_at_once_book_once(
    db: Database, api_for: Callable[..., Any], make_org: Callable[..., str]
) -> None:
    """Test mode's 900.10 waits for the payer's approval; the payer's two devices approve at the same
    moment: the intent row's lock orders them, the second answers the booked payment again."""
    _, shop = party(api_for, make_org, "Campus Cafe", "merchant")
    merchant(shop, "Campus Cafe", "5814")
    _, payer = party(api_for, make_org, "Student", "consumer")
    wallet = funded_wallet(payer, 2_000_00)["id"]
    intent = ok(shop.post("/v1/payment_intents", json={"amount": 900_10}))
    parked = ok(payer.post(f"/v1/wallets/{wallet}/payments", json={"payment_intent": intent["id"]}))
    assert parked["status"] == "requires_action"
    url = f"/v1/wallets/{wallet}/payments/{intent['id']}/approve"
    answers = _race([lambda: payer.post(url), lambda: payer.post(url)])
    assert [r.status_code for r in answers] == [200, 200], [r.text for r in answers]
    assert [r.json()["status"] for r in answers] == ["succeeded", "succeeded"]
    assert ok(payer.get(f"/v1/wallets/{wallet}"))["available"] == 2_000_00 - 900_10
    with db.session() as session:
        assert verify_ledger(session).ok
