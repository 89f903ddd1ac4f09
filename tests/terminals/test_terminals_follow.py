"""Following a payment: the event stream turns to paid when the wallet pays, the long poll answers
at the change, and the watcher reads the outbox (not this process's memory)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from terminal_helpers import Payer, TerminalClient, error, ok

from digiplus.core.context import Caller
from digiplus.core.db import Database
from digiplus.core.events import emit
from digiplus.core.worker import run_once
from digiplus.settings import get_settings
from digiplus.terminals.service.watch import PaymentWatch


def _events(client: TestClient, terminal: TerminalClient, intent_id: str, out: list[dict[str, Any]]) -> None:
    path = f"/v1/terminal/payments/{intent_id}/events"
    with client.stream("GET", path, headers=terminal.headers("GET", path)) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if line.startswith("data:"):
                out.append(json.loads(line[5:]))


def test_the_event_stream_turns_to_paid(client: TestClient, terminal: TerminalClient, payer: Payer) -> None:
    sale = ok(terminal.post("/v1/terminal/payments", {"client_reference": "f-1", "amount": 85_00}))
    seen: list[dict[str, Any]] = []
    reader = threading.Thread(target=_events, args=(client, terminal, sale["id"], seen))
    reader.start()
    deadline = time.monotonic() + 10
    while not seen and time.monotonic() < deadline:
        time.sleep(0.02)
    assert [s["status"] for s in seen] == ["requires_action"]
    ok(payer.api.post(f"/v1/wallets/{payer.wallet['id']}/payments", json={"qr_payload": sale["qr_payload"]}))
    reader.join(timeout=10)
    assert not reader.is_alive(), "the stream did not end at the final state"
    assert [s["status"] for s in seen] == ["requires_action", "succeeded"]
    assert seen[-1]["amount_received"] == 85_00


def test_a_stream_of_a_finished_payment_ends_at_once(client: TestClient, terminal: TerminalClient) -> None:
    sale = ok(terminal.post("/v1/terminal/payments", {"client_reference": "f-2", "amount": 10_00}))
    ok(terminal.post(f"/v1/terminal/payments/{sale['id']}/cancel", {}))
    seen: list[dict[str, Any]] = []
    _events(client, terminal, sale["id"], seen)
    assert [s["status"] for s in seen] == ["canceled"]
    path = "/v1/terminal/payments/pi_unknown/events"
    error(client.get(path, headers=terminal.headers("GET", path)), 404, "resource_missing")


def test_the_long_poll_answers_when_the_status_changes(
    client: TestClient, terminal: TerminalClient, payer: Payer
) -> None:
    sale = ok(terminal.post("/v1/terminal/payments", {"client_reference": "f-3", "amount": 20_00}))
    # already different from what the terminal saw: answered at once
    assert (
        ok(terminal.get(f"/v1/terminal/payments/{sale['id']}/wait?status=requires_payment_method"))["status"]
        == "requires_action"
    )
    # nothing happens: answered after the timeout, unchanged
    started = time.monotonic()
    same = ok(terminal.get(f"/v1/terminal/payments/{sale['id']}/wait?status=requires_action&timeout=0.3"))
    assert same["status"] == "requires_action" and time.monotonic() - started >= 0.3
    answer: list[dict[str, Any]] = []
    waiter = threading.Thread(
        target=lambda: answer.append(
            ok(terminal.get(f"/v1/terminal/payments/{sale['id']}/wait?status=requires_action&timeout=20"))
        )
    )
    waiter.start()
    time.sleep(0.3)
    ok(payer.api.post(f"/v1/wallets/{payer.wallet['id']}/payments", json={"qr_payload": sale["qr_payload"]}))
    waiter.join(timeout=10)
    assert answer and answer[0]["status"] == "succeeded"


@pytest.mark.anyio
async def test_the_watcher_wakes_on_an_event_written_by_any_process(db: Database, make_org: Any) -> None:
    """The notification is the outbox row: an event committed through any connection wakes the waiter."""
    org = make_org("Watched shop")
    watch = PaymentWatch()
    with watch.subscribe("pi_TESTWATCH") as sub:
        assert await sub.changed(0.25) is False
        with db.session() as s:  # as another server process would: a plain committed transaction
            emit(s, Caller.system(org, False), "payment_intent.succeeded", {"id": "pi_TESTWATCH"})
        assert await sub.changed(5) is True
        with db.session() as s:
            emit(s, Caller.system(org, False), "payment_intent.succeeded", {"id": "pi_OTHER"})
        assert await sub.changed(0.4) is False  # someone else's payment
    assert watch.waiting == 0


@pytest.fixture
def settle_at_once(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("DIGIPLUS_SANDBOX_PROCESSING_SECONDS", "0")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_a_processing_payment_keeps_the_terminal_waiting_until_it_settles(
    client: TestClient, terminal: TerminalClient, payer: Payer, db: Database, settle_at_once: None
) -> None:
    """Test mode's 900.20 processes (held) before it succeeds: the stream shows processing at once
    (the watcher wakes on payment_intent.processing), stays open, and ends when the worker settles."""
    sale = ok(terminal.post("/v1/terminal/payments", {"client_reference": "f-5", "amount": 900_20}))
    seen: list[dict[str, Any]] = []
    reader = threading.Thread(target=_events, args=(client, terminal, sale["id"], seen))
    reader.start()
    deadline = time.monotonic() + 10
    while not seen and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(2.5)  # past the watcher's look-back (OVERLAP, 2 s): the sale's own event woke it already
    paid = ok(payer.api.post(f"/v1/wallets/{payer.wallet['id']}/payments", json={"qr_payload": sale["qr_payload"]}))
    assert paid["status"] == "processing"
    deadline = time.monotonic() + 5  # well before the waiters' 15 s re-check
    while len(seen) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert [s["status"] for s in seen] == ["requires_action", "processing"]
    assert reader.is_alive(), "processing is not final"
    assert run_once(db)["payments.settle_processing"] == 1
    reader.join(timeout=10)
    assert not reader.is_alive(), "the stream did not end when the payment settled"
    assert [s["status"] for s in seen] == ["requires_action", "processing", "succeeded"]
