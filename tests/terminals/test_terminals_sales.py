"""Taking payments at a terminal: a dynamic QR, a payment code, a decline and a retry, cancel, and
the offline case: a terminal that lost its connection learns the true outcome, never charges twice."""

from __future__ import annotations

import threading

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from terminal_helpers import Payer, Shop, TerminalClient, balance, error, funded_wallet, ok

from digiplus.core.db import Database
from digiplus.ledger import verify_ledger
from digiplus.payments import PaymentIntent
from digiplus.terminals.models import TerminalPayment


def _code(payer: Payer) -> str:
    return str(ok(payer.api.post("/v1/payment_codes", json={"wallet": payer.wallet["id"]}))["code"])


def test_a_dynamic_qr_is_paid_from_the_wallet(terminal: TerminalClient, payer: Payer, db: Database) -> None:
    sale = ok(terminal.post("/v1/terminal/payments", {"client_reference": "c1-0001", "amount": 85_00}))
    assert (sale["status"], sale["method"], sale["amount"], sale["currency"]) == ("requires_action", "qr", 85_00, "TWD")
    assert sale["qr_payload"].startswith("000201") and sale["replayed"] is False
    svg = terminal.get(f"/v1/terminal/payments/{sale['id']}/qr.svg")
    assert svg.status_code == 200 and svg.headers["content-type"] == "image/svg+xml" and "<svg" in svg.text
    paid = ok(payer.api.post(f"/v1/wallets/{payer.wallet['id']}/payments", json={"qr_payload": sale["qr_payload"]}))
    assert paid["status"] == "succeeded"
    now = ok(terminal.get(f"/v1/terminal/payments/{sale['id']}"))
    assert (now["status"], now["amount_received"], now["qr_payload"]) == ("succeeded", 85_00, None)
    assert balance(payer.api, payer.wallet["id"]) == 5_000_00 - 85_00
    error(terminal.get(f"/v1/terminal/payments/{sale['id']}/qr.svg"), 400, "payment_not_waiting")
    with db.session() as s:
        assert verify_ledger(s).ok


def test_a_payment_code_is_charged_at_once_and_a_decline_can_be_retried(
    terminal: TerminalClient, payer: Payer, api_for: object, make_org: object
) -> None:
    sale = ok(
        terminal.post(
            "/v1/terminal/payments",
            {"client_reference": "c1-0002", "amount": 120_00, "method": "payment_code", "payment_code": _code(payer)},
        )
    )
    assert (sale["status"], sale["method"], sale["amount_received"]) == ("succeeded", "payment_code", 120_00)
    assert balance(payer.api, payer.wallet["id"]) == 5_000_00 - 120_00
    # a wallet short of money: 402, the payment waits with the decline; another code pays it
    poor_org = make_org("Poor", kind="consumer")  # type: ignore[operator]
    poor = Payer(poor_org, api_for(poor_org), {})  # type: ignore[operator]
    poor.wallet = funded_wallet(poor.api, 10_00)
    declined = terminal.post(
        "/v1/terminal/payments",
        {"client_reference": "c1-0003", "amount": 300_00, "method": "payment_code", "payment_code": _code(poor)},
    )
    body = error(declined, 402, "insufficient_funds")
    assert body["payment"]["status"] == "requires_payment_method"
    retried = ok(
        terminal.post(f"/v1/terminal/payments/{body['payment']['id']}/payment_code", {"payment_code": _code(payer)})
    )
    assert (retried["id"], retried["status"]) == (body["payment"]["id"], "succeeded")
    assert balance(poor.api, poor.wallet["id"]) == 10_00
    assert balance(payer.api, payer.wallet["id"]) == 5_000_00 - 120_00 - 300_00
    # bad input names the field
    error(
        terminal.post("/v1/terminal/payments", {"client_reference": "c1-0004", "amount": 0}), 422, "parameter_invalid"
    )
    error(
        terminal.post("/v1/terminal/payments", {"client_reference": "c1-0004", "amount": 5, "method": "payment_code"}),
        400,
        "invalid_request",
    )
    error(
        terminal.post("/v1/terminal/payments", {"client_reference": "bad ref", "amount": 5}), 422, "parameter_invalid"
    )


def test_the_same_reference_answers_the_same_payment_never_a_second_charge(
    client: TestClient, terminal: TerminalClient, payer: Payer, db: Database
) -> None:
    request = {"client_reference": "c1-0010", "amount": 65_00, "method": "payment_code", "payment_code": _code(payer)}
    first = ok(terminal.post("/v1/terminal/payments", request))
    # the terminal never saw that answer (lost connection); it signs the same sale again (a new nonce)
    again = ok(terminal.post("/v1/terminal/payments", request))
    assert (again["id"], again["status"], again["replayed"]) == (first["id"], "succeeded", True)
    assert ok(terminal.get("/v1/terminal/payments/by_reference/c1-0010"))["id"] == first["id"]
    assert balance(payer.api, payer.wallet["id"]) == 5_000_00 - 65_00
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(PaymentIntent)) == 1
    # the same reference for another sale is refused, and nothing is made
    clash = terminal.post("/v1/terminal/payments", {**request, "amount": 66_00})
    error(clash, 409, "client_reference_reused")
    error(terminal.get("/v1/terminal/payments/by_reference/c1-0099"), 404, "resource_missing")


def test_a_terminal_offline_while_waiting_learns_the_outcome_when_it_comes_back(
    terminal: TerminalClient, payer: Payer
) -> None:
    sale = ok(terminal.post("/v1/terminal/payments", {"client_reference": "c1-0020", "amount": 42_00}))
    # ...the terminal's connection drops; meanwhile the customer pays the QR on the screen
    ok(payer.api.post(f"/v1/wallets/{payer.wallet['id']}/payments", json={"qr_payload": sale["qr_payload"]}))
    # back online: it asks by its reference, then (not knowing whether its request went through) re-sends it
    back = ok(terminal.get("/v1/terminal/payments/by_reference/c1-0020"))
    assert (back["id"], back["status"], back["amount_received"]) == (sale["id"], "succeeded", 42_00)
    resent = ok(terminal.post("/v1/terminal/payments", {"client_reference": "c1-0020", "amount": 42_00}))
    assert (resent["id"], resent["status"], resent["replayed"]) == (sale["id"], "succeeded", True)
    assert balance(payer.api, payer.wallet["id"]) == 5_000_00 - 42_00


def test_two_retries_at_once_make_one_payment(client: TestClient, terminal: TerminalClient, db: Database) -> None:
    answers: list[int] = []
    ids: list[str] = []

    def send() -> None:
        response = terminal.post("/v1/terminal/payments", {"client_reference": "c1-0030", "amount": 10_00})
        answers.append(response.status_code)
        if response.status_code == 200:
            ids.append(response.json()["id"])

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert answers == [200, 200, 200, 200] and len(set(ids)) == 1
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(TerminalPayment)) == 1
        assert s.scalar(select(func.count()).select_from(PaymentIntent)) == 1


def test_cancel_and_scoping(client: TestClient, terminal: TerminalClient, payer: Payer, shop: Shop) -> None:
    sale = ok(terminal.post("/v1/terminal/payments", {"client_reference": "c1-0040", "amount": 30_00}))
    canceled = ok(terminal.post(f"/v1/terminal/payments/{sale['id']}/cancel", {}))
    assert canceled["status"] == "canceled" and canceled["canceled_at"] is not None
    late = payer.api.post(f"/v1/wallets/{payer.wallet['id']}/payments", json={"qr_payload": sale["qr_payload"]})
    error(late, 400, "payment_intent_unexpected_state")
    error(terminal.post(f"/v1/terminal/payments/{sale['id']}/cancel", {}), 400, "payment_intent_unexpected_state")
    # a payment made by the merchant's API is not this terminal's to follow or cancel
    other = ok(shop.api.post("/v1/payment_intents", json={"amount": 5_00, "currency": "TWD"}))
    error(terminal.get(f"/v1/terminal/payments/{other['id']}"), 404, "resource_missing")
    error(terminal.post(f"/v1/terminal/payments/{other['id']}/cancel", {}), 404, "resource_missing")
