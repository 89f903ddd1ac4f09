"""Test mode's magic amounts that park a payment: the payer's approval (900.10 approves, 900.11
fails) and processing (900.20 succeeds, 900.21 fails once the worker settles it), over HTTP."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sandbox_helpers import error, funded_wallet, merchant, ok
from sqlalchemy import select
from typer.testing import CliRunner

from digiplus.cli import app
from digiplus.core.audit.models import AuditEntry
from digiplus.core.db import Database
from digiplus.core.worker import run_once
from digiplus.ledger import verify_ledger
from digiplus.payments.qr import merchant_qr
from digiplus.settings import get_settings


@pytest.fixture(autouse=True)
def _settle_at_once(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("DIGIPLUS_SANDBOX_PROCESSING_SECONDS", "0")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _world(api_for: Callable[..., Any], make_org: Callable[..., str], *, live: bool = False) -> dict[str, Any]:
    shop_org = make_org("Fintech Startup", kind="merchant")
    shop = api_for(shop_org, live=live)
    merchant(shop)
    alice = api_for(make_org("Alice", kind="consumer"), live=live)
    wallet = funded_wallet(alice, 5_000_00)["id"]
    return {"shop_org": shop_org, "shop": shop, "alice": alice, "wallet": wallet}


def _pay(w: dict[str, Any], amount: int, **headers: str) -> Any:
    static = merchant_qr(merchant_id=w["shop_org"], merchant_name="Fintech Startup", merchant_city="Taipei", mcc="5812")
    return w["alice"].post(
        f"/v1/wallets/{w['wallet']}/payments", json={"qr_payload": static, "amount": amount}, headers=headers
    )


def _approve(w: dict[str, Any], intent: str, **headers: str) -> Any:
    return w["alice"].post(f"/v1/wallets/{w['wallet']}/payments/{intent}/approve", headers=headers)


def _wallet(w: dict[str, Any]) -> dict[str, Any]:
    return ok(w["alice"].get(f"/v1/wallets/{w['wallet']}"))


def _intent(w: dict[str, Any], intent: str) -> dict[str, Any]:
    return ok(w["shop"].get(f"/v1/payment_intents/{intent}"))


def _event_types(w: dict[str, Any], intent: str) -> list[str]:
    events = ok(w["shop"].get("/v1/events", params={"limit": 100}))["data"]
    return sorted(e["type"] for e in events if (e["data"].get("object") or e["data"]).get("id") == intent)


def _ledger_ok(db: Database) -> None:
    with db.session() as session:
        assert verify_ledger(session).ok


def test_approval_books_the_payment_once(
    db: Database, api_for: Callable[..., Any], make_org: Callable[..., str]
) -> None:
    w = _world(api_for, make_org)
    parked = ok(_pay(w, 900_10))
    pi = parked["payment_intent"]
    assert parked["status"] == "requires_action"
    assert parked["next_action"]["type"] == "payer_authentication"
    assert parked["next_action"]["payer_authentication"]["wallet"] == w["wallet"]
    assert _wallet(w)["available"] == 5_000_00  # nothing booked yet
    intent = _intent(w, pi)
    assert (intent["status"], intent["ledger_transfers"], intent["amount_received"]) == ("requires_action", {}, 0)

    # Another wallet of another payer cannot approve it (404, not a hint).
    bob = api_for(make_org("Bob", kind="consumer"))
    bob_wallet = funded_wallet(bob, 100_00)["id"]
    error(bob.post(f"/v1/wallets/{bob_wallet}/payments/{pi}/approve"), 404, "resource_missing")

    approved = ok(_approve(w, pi))
    assert approved["status"] == "succeeded" and approved["next_action"] is None
    intent = _intent(w, pi)
    assert intent["amount_received"] == 900_10 and intent["fee_amount"] > 0
    assert set(intent["ledger_transfers"]) == {"charge", "fee"}
    assert _wallet(w)["available"] == 5_000_00 - 900_10

    # Approving again answers the same payment and books nothing more.
    again = ok(_approve(w, pi))
    assert (again["payment_intent"], again["status"]) == (pi, "succeeded")
    # And through the API's Idempotency-Key too.
    assert ok(_approve(w, pi, **{"Idempotency-Key": "approve-1"}))["status"] == "succeeded"
    assert ok(_approve(w, pi, **{"Idempotency-Key": "approve-1"}))["status"] == "succeeded"
    assert _wallet(w)["available"] == 5_000_00 - 900_10
    assert _event_types(w, pi) == [
        "payment_intent.created",
        "payment_intent.requires_action",
        "payment_intent.succeeded",
    ]
    with db.session() as session:
        actions = session.scalars(
            select(AuditEntry.action).where(AuditEntry.target_id == pi).order_by(AuditEntry.created, AuditEntry.seq)
        ).all()
    assert list(actions) == ["payment_intent.requires_action", "payment_intent.authorized"]
    _ledger_ok(db)


def test_a_failed_approval_declines_and_books_nothing(
    db: Database, api_for: Callable[..., Any], make_org: Callable[..., str]
) -> None:
    w = _world(api_for, make_org)
    pi = ok(_pay(w, 900_11))["payment_intent"]
    declined = error(_approve(w, pi), 402, "payer_authentication_failed")
    assert declined["type"] == "payment_error"
    intent = _intent(w, pi)
    assert intent["status"] == "requires_payment_method"
    assert intent["last_payment_error"]["code"] == "payer_authentication_failed"
    assert intent["next_action"] is None and intent["ledger_transfers"] == {}
    assert _wallet(w)["available"] == 5_000_00
    # Nothing waits for approval any more.
    error(_approve(w, pi), 400, "payment_intent_unexpected_state")
    assert "payment_intent.payment_failed" in _event_types(w, pi)
    _ledger_ok(db)


def test_processing_holds_then_succeeds_after_the_worker(
    db: Database, api_for: Callable[..., Any], make_org: Callable[..., str]
) -> None:
    w = _world(api_for, make_org)
    paid = ok(_pay(w, 900_20))
    pi = paid["payment_intent"]
    assert paid["status"] == "processing"
    assert _wallet(w)["available"] == 5_000_00 - 900_20  # held
    assert _wallet(w)["held"] == 900_20
    assert _intent(w, pi)["ledger_transfers"] == {"auth": f"{pi}_auth"}
    error(w["shop"].post(f"/v1/payment_intents/{pi}/cancel"), 400, "payment_intent_unexpected_state")

    assert run_once(db)["payments.settle_processing"] == 1
    intent = _intent(w, pi)
    assert intent["status"] == "succeeded" and intent["amount_received"] == 900_20 and intent["fee_amount"] > 0
    assert set(intent["ledger_transfers"]) == {"auth", "cap", "fee"}
    assert _wallet(w)["available"] == 5_000_00 - 900_20 and _wallet(w)["held"] == 0
    assert run_once(db)["payments.settle_processing"] == 0  # settled once
    assert _event_types(w, pi) == [
        "payment_intent.created",
        "payment_intent.processing",
        "payment_intent.succeeded",
    ]

    # A manual-capture intent keeps its hold when processing succeeds: requires_capture, then captured.
    manual = ok(
        w["shop"].post("/v1/payment_intents", json={"amount": 900_20, "currency": "TWD", "capture_method": "manual"})
    )
    paid = ok(w["alice"].post(f"/v1/wallets/{w['wallet']}/payments", json={"payment_intent": manual["id"]}))
    assert paid["status"] == "processing"
    assert run_once(db)["payments.settle_processing"] == 1
    held = _intent(w, manual["id"])
    assert (held["status"], held["amount_capturable"], held["fee_amount"]) == ("requires_capture", 900_20, 0)
    assert _wallet(w)["held"] == 900_20
    captured = ok(w["shop"].post(f"/v1/payment_intents/{manual['id']}/capture", json={}))
    assert captured["status"] == "succeeded" and captured["amount_received"] == 900_20
    assert _wallet(w)["available"] == 5_000_00 - 2 * 900_20 and _wallet(w)["held"] == 0
    _ledger_ok(db)


def test_processing_that_fails_releases_the_hold(
    db: Database, api_for: Callable[..., Any], make_org: Callable[..., str]
) -> None:
    w = _world(api_for, make_org)
    pi = ok(_pay(w, 900_21))["payment_intent"]
    assert _wallet(w)["available"] == 5_000_00 - 900_21
    assert run_once(db)["payments.settle_processing"] == 1
    intent = _intent(w, pi)
    assert intent["status"] == "requires_payment_method"
    assert intent["last_payment_error"]["code"] == "processing_failed"
    assert set(intent["ledger_transfers"]) == {"auth", "void"} and intent["amount_received"] == 0
    assert _wallet(w)["available"] == 5_000_00 and _wallet(w)["held"] == 0
    assert "payment_intent.payment_failed" in _event_types(w, pi)
    # Its ledger ids are spent: paying it again is refused clearly, nothing is booked.
    again = w["alice"].post(f"/v1/wallets/{w['wallet']}/payments", json={"payment_intent": pi})
    error(again, 400, "payment_intent_unexpected_state")
    assert _wallet(w)["available"] == 5_000_00
    _ledger_ok(db)


def test_processing_waits_for_its_time(
    db: Database, api_for: Callable[..., Any], make_org: Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DIGIPLUS_SANDBOX_PROCESSING_SECONDS", "600")
    get_settings.cache_clear()
    w = _world(api_for, make_org)
    pi = ok(_pay(w, 900_20))["payment_intent"]
    assert run_once(db)["payments.settle_processing"] == 0
    assert _intent(w, pi)["status"] == "processing"


def test_live_mode_ignores_magic_amounts(
    db: Database, api_for: Callable[..., Any], make_org: Callable[..., str]
) -> None:
    w = _world(api_for, make_org, live=True)
    for amount in (900_11, 900_20, 900_21):  # one of each parking kind (the daily limit is TWD 3,000)
        assert ok(_pay(w, amount))["status"] == "succeeded"
    assert _wallet(w)["available"] == 5_000_00 - (900_11 + 900_20 + 900_21)
    assert run_once(db)["payments.settle_processing"] == 0
    _ledger_ok(db)


def test_magic_values_name_every_outcome(api_for: Callable[..., Any], make_org: Callable[..., str]) -> None:
    alice = api_for(make_org("Alice", kind="consumer"))
    amounts = ok(alice.get("/v1/sandbox/magic_values"))["amounts"]
    assert [(a["amount"], a["outcome"], a["code"]) for a in amounts] == [
        (900_02, "declined", "generic_decline"),
        (900_05, "declined", "insufficient_funds"),
        (900_06, "declined", "wallet_limit_exceeded"),
        (900_07, "declined", "experiment_exposure_limit_exceeded"),
        (900_10, "requires_action", "payer_authentication_required"),
        (900_11, "requires_action", "payer_authentication_failed"),
        (900_20, "processing", "processing"),
        (900_21, "processing", "processing_failed"),
    ]


def test_the_cli_approves_as_the_payer(db: Database, api_for: Callable[..., Any], make_org: Callable[..., str]) -> None:
    alice_org = make_org("Alice", kind="consumer")
    shop_org = make_org("Fintech Startup", kind="merchant")
    shop = api_for(shop_org)
    merchant(shop)
    alice = api_for(alice_org)
    w = {"shop_org": shop_org, "shop": shop, "alice": alice, "wallet": funded_wallet(alice, 5_000_00)["id"]}
    runner = CliRunner()

    def approve(intent: str, *extra: str) -> Any:
        return runner.invoke(app, ["wallets", "approve", w["wallet"], intent, "--org", alice_org, *extra])

    pi = ok(_pay(w, 900_10))["payment_intent"]
    done = approve(pi)
    assert done.exit_code == 0, done.output
    assert done.output.split()[:2] == [pi, "succeeded"]
    assert _wallet(w)["available"] == 5_000_00 - 900_10
    assert approve(pi, "--json").exit_code == 0  # again: the same payment, nothing booked
    assert _wallet(w)["available"] == 5_000_00 - 900_10

    failing = ok(_pay(w, 900_11))["payment_intent"]
    refused = approve(failing)
    assert refused.exit_code == 1 and "payer_authentication_failed" in refused.output
    assert approve(failing).exit_code == 1  # nothing to approve any more
    assert runner.invoke(app, ["wallets", "approve", w["wallet"], pi, "--org", shop_org]).exit_code == 1
    _ledger_ok(db)
