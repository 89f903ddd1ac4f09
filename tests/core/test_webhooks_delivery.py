"""Webhook delivery by the worker: a real local receiver, Standard Webhooks
signatures, retries with back-off, the delivery log, event filtering and the
SSRF guard at delivery time."""

from __future__ import annotations

import ipaddress
import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import select, update
from standardwebhooks import Webhook

from digiplus.core import worker
from digiplus.core.api.idempotency import IdempotencyKey
from digiplus.core.db import Database, utcnow
from digiplus.core.events.models import Event
from digiplus.core.webhooks import delivery
from digiplus.core.webhooks.models import WebhookAttempt, WebhookDelivery
from digiplus.settings import get_settings


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # the default listen backlog (5) refuses bursts from several senders


class Receiver:
    """An HTTP server on 127.0.0.1 that records every request and answers ``status``."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.status = 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(receiver.status)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"ok" if receiver.status < 300 else b"receiver broke")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body in self.requests]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def create(api: Any, url: str, events: list[str]) -> dict[str, Any]:
    response = api.post("/v1/webhook_endpoints", json={"url": url, "enabled_events": events})
    assert response.status_code == 200, response.text
    return dict(response.json())


def run_worker_until_idle(db: Database, rounds: int = 10) -> None:
    for _ in range(rounds):
        if not any(worker.run_once(db).values()):
            return
    raise AssertionError("the worker did not go idle")


def make_due_now(db: Database) -> None:
    """Pretend the back-off has passed for every pending delivery."""
    with db.session() as session:
        session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.status == "pending")
            .values(next_attempt_at=utcnow() - timedelta(seconds=1))
        )


def test_the_tasks_are_registered_when_the_app_is_imported() -> None:
    import digiplus.app  # noqa: F401

    assert {"dispatch_outbox", "deliver_webhooks", "purge_idempotency_keys"} <= set(worker.registered_tasks())


def test_ping_reaches_the_receiver_signed_per_standard_webhooks(api: Any, db: Database, receiver: Receiver) -> None:
    endpoint = create(api, receiver.url, ["ping"])
    ping = api.post(f"/v1/webhook_endpoints/{endpoint['id']}/ping")
    assert ping.status_code == 200
    event = ping.json()
    assert event["object"] == "event"
    assert event["type"] == "ping"
    assert event["id"].startswith("evt_")
    assert event["data"]["object"]["id"] == endpoint["id"]

    run_worker_until_idle(db)

    assert len(receiver.requests) == 1
    headers, body = receiver.requests[0]
    assert Webhook(endpoint["secret"]).verify(body, headers) == event
    assert headers["webhook-id"] == event["id"]
    assert headers["webhook-signature"].startswith("v1,")
    assert headers["content-type"] == "application/json"

    log = api.get(f"/v1/webhook_endpoints/{endpoint['id']}/deliveries")
    assert log.status_code == 200
    [entry] = log.json()["data"]
    assert entry["object"] == "webhook_delivery"
    assert (entry["event"], entry["event_type"], entry["status"], entry["attempt_count"]) == (
        event["id"],
        "ping",
        "succeeded",
        1,
    )
    assert entry["next_attempt_at"] is None
    assert entry["completed_at"] is not None
    [attempt] = entry["attempts"]
    assert (attempt["number"], attempt["status_code"], attempt["error"], attempt["response_body"]) == (
        1,
        200,
        None,
        "ok",
    )
    assert attempt["url"] == receiver.url
    assert attempt["duration_ms"] >= 0


def test_a_ping_goes_only_to_its_endpoint(api: Any, db: Database, receiver: Receiver) -> None:
    other = Receiver()
    try:
        target = create(api, receiver.url, ["webhook_endpoint.deleted"])
        create(api, other.url, ["*"])
        run_worker_until_idle(db)
        other.requests.clear()  # it received the second endpoint's creation
        api.post(f"/v1/webhook_endpoints/{target['id']}/ping")
        run_worker_until_idle(db)
        assert [e["type"] for e in receiver.events()] == ["ping"]
        assert other.requests == []
    finally:
        other.close()


def test_enabled_events_filter_what_each_endpoint_receives(api: Any, db: Database, receiver: Receiver) -> None:
    everything = Receiver()
    try:
        create(api, receiver.url, ["webhook_endpoint.deleted"])
        create(api, everything.url, ["*"])
        throwaway = create(api, "http://127.0.0.1:9/unused", ["ping"])
        assert api.delete(f"/v1/webhook_endpoints/{throwaway['id']}").status_code == 200
        run_worker_until_idle(db)
        # The filtered endpoint gets only the deletion; '*' gets its own creation, the third's, and the deletion.
        assert [(e["type"], e["data"]["object"]["id"]) for e in receiver.events()] == [
            ("webhook_endpoint.deleted", throwaway["id"])
        ]
        # (sent in parallel, so in no guaranteed order — as with Stripe and Svix)
        assert sorted(e["type"] for e in everything.events()) == [
            "webhook_endpoint.created",
            "webhook_endpoint.created",
            "webhook_endpoint.deleted",
        ]
    finally:
        everything.close()


def test_events_of_another_org_or_mode_are_not_delivered(
    api_for: Any, make_org: Any, db: Database, receiver: Receiver
) -> None:
    org = make_org()
    create(api_for(org, live=True), receiver.url, ["*"])
    run_worker_until_idle(db)
    receiver.requests.clear()
    create(api_for(org), "http://127.0.0.1:9/test-mode", ["*"])  # a test-mode event in the same org
    create(api_for(), "http://127.0.0.1:9/other-org", ["*"])  # an event in another org
    run_worker_until_idle(db)
    assert receiver.requests == []


def test_failures_are_retried_with_growing_back_off_then_succeed(api: Any, db: Database, receiver: Receiver) -> None:
    receiver.status = 500
    endpoint = create(api, receiver.url, ["ping"])
    event_id = api.post(f"/v1/webhook_endpoints/{endpoint['id']}/ping").json()["id"]
    delays = []
    for attempt in (1, 2, 3):
        before = utcnow()
        run_worker_until_idle(db)
        assert len(receiver.requests) == attempt
        with db.session() as session:
            pending = session.scalars(select(WebhookDelivery)).one()
            assert (pending.status, pending.attempt_count, pending.last_status_code) == ("pending", attempt, 500)
            assert pending.next_attempt_at is not None
            delays.append((pending.next_attempt_at - before).total_seconds())
        make_due_now(db)
    # 30 s · 2^(n-1), ±20 % jitter
    assert 24 - 1 <= delays[0] <= 36 + 1
    assert 48 - 1 <= delays[1] <= 72 + 1
    assert 96 - 1 <= delays[2] <= 144 + 1
    assert delays[0] < delays[1] < delays[2]

    receiver.status = 204
    run_worker_until_idle(db)
    assert [h["webhook-id"] for h, _ in receiver.requests] == [event_id] * 4  # stable id for dedupe
    log = api.get(f"/v1/webhook_endpoints/{endpoint['id']}/deliveries").json()
    [entry] = log["data"]
    assert (entry["status"], entry["attempt_count"]) == ("succeeded", 4)
    assert [(a["number"], a["status_code"]) for a in entry["attempts"]] == [(1, 500), (2, 500), (3, 500), (4, 204)]
    assert [a["response_body"] for a in entry["attempts"]] == ["receiver broke"] * 3 + [None]


def test_a_delivery_fails_for_good_after_max_attempts(
    api: Any, db: Database, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DIGIPLUS_WEBHOOK_MAX_ATTEMPTS", "2")
    get_settings.cache_clear()
    try:
        receiver.status = 503
        endpoint = create(api, receiver.url, ["ping"])
        api.post(f"/v1/webhook_endpoints/{endpoint['id']}/ping")
        run_worker_until_idle(db)
        make_due_now(db)
        run_worker_until_idle(db)
        make_due_now(db)
        run_worker_until_idle(db)
        assert len(receiver.requests) == 2
        [entry] = api.get(f"/v1/webhook_endpoints/{endpoint['id']}/deliveries").json()["data"]
        assert (entry["status"], entry["attempt_count"], entry["next_attempt_at"]) == ("failed", 2, None)
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


def test_connection_errors_are_logged_as_attempts(api: Any, db: Database, receiver: Receiver) -> None:
    endpoint = create(api, receiver.url, ["ping"])
    receiver.close()  # nothing listens on that port now
    api.post(f"/v1/webhook_endpoints/{endpoint['id']}/ping")
    run_worker_until_idle(db)
    [entry] = api.get(f"/v1/webhook_endpoints/{endpoint['id']}/deliveries").json()["data"]
    [attempt] = entry["attempts"]
    assert entry["status"] == "pending"
    assert attempt["status_code"] is None
    assert attempt["error"].startswith("ConnectError")
    receiver.server = _Server(("127.0.0.1", 0), receiver.server.RequestHandlerClass)  # for close()
    receiver.thread = threading.Thread(target=receiver.server.serve_forever, daemon=True)
    receiver.thread.start()


def test_production_live_delivery_to_a_private_address_is_refused_without_connecting(
    api_for: Any, db: Database, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    live = api_for(live=True)
    endpoint = create(live, receiver.url, ["ping"])  # allowed in dev
    run_worker_until_idle(db)
    monkeypatch.setenv("DIGIPLUS_ENV", "production")
    monkeypatch.setenv("DIGIPLUS_SECRET_KEY_FALLBACKS", json.dumps([get_settings().secret_key]))  # sealed under it
    monkeypatch.setenv("DIGIPLUS_SECRET_KEY", "y" * 40)
    get_settings.cache_clear()
    try:
        assert live.post(f"/v1/webhook_endpoints/{endpoint['id']}/ping").status_code == 200
        run_worker_until_idle(db)
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert receiver.requests == []
    [entry] = live.get(f"/v1/webhook_endpoints/{endpoint['id']}/deliveries").json()["data"]
    [attempt] = entry["attempts"]
    assert attempt["status_code"] is None
    assert attempt["error"] == (
        "refused before connecting: url host '127.0.0.1' resolves to a non-public "
        "address (127.0.0.1), which is refused in live mode"
    )


def test_deleting_an_endpoint_stops_its_pending_deliveries(api: Any, db: Database, receiver: Receiver) -> None:
    endpoint = create(api, receiver.url, ["ping"])
    api.post(f"/v1/webhook_endpoints/{endpoint['id']}/ping")
    worker.registered_tasks()["dispatch_outbox"](db)
    api.delete(f"/v1/webhook_endpoints/{endpoint['id']}")
    run_worker_until_idle(db)
    assert receiver.requests == []
    with db.session() as session:
        assert session.scalars(select(WebhookDelivery)).all() == []
        assert session.scalars(select(WebhookAttempt)).all() == []


def test_dispatch_creates_one_delivery_per_endpoint_even_when_run_twice(api: Any, db: Database) -> None:
    create(api, "http://127.0.0.1:9/a", ["*"])
    create(api, "http://127.0.0.1:9/b", ["*"])
    assert delivery.dispatch_outbox(db) == 2  # two creation events
    assert delivery.dispatch_outbox(db) == 0
    with db.session() as session:
        rows = session.execute(select(WebhookDelivery.endpoint_id, WebhookDelivery.event_type)).all()
        assert len(rows) == 3  # a: both creations (it existed before b's); b: its own
        assert session.scalars(select(Event).where(Event.dispatched_at.is_(None))).all() == []


def test_an_expired_lease_lets_another_worker_send_again_and_the_first_result_is_not_applied(
    api: Any, db: Database, receiver: Receiver
) -> None:
    endpoint = create(api, receiver.url, ["ping"])
    api.post(f"/v1/webhook_endpoints/{endpoint['id']}/ping")
    delivery.dispatch_outbox(db)
    [stale_job] = delivery._claim_due(db)
    make_due_now(db)  # the first worker's lease runs out
    delivery.deliver_webhooks(db)  # a second worker sends and records success
    outcome = delivery._send(stale_job)  # the first worker finishes late
    delivery._record(db, stale_job, outcome)
    with db.session() as session:
        row = session.scalars(select(WebhookDelivery)).one()
        assert (row.status, row.attempt_count) == ("succeeded", 1)
        assert len(row.attempts) == 2  # both requests happened and are logged


def test_retry_delay_is_capped_at_six_hours() -> None:
    assert delivery.retry_delay(30) == timedelta(hours=6)
    assert delivery.retry_delay(100) == timedelta(hours=6)


def test_the_purge_task_removes_expired_idempotency_keys(db: Database) -> None:
    from digiplus.core.api import idempotency

    with db.session() as session:
        session.add(
            IdempotencyKey(
                id="idk_old",
                scope="s",
                key="old",
                fingerprint="f",
                status="done",
                created=utcnow() - timedelta(hours=25),
            )
        )
        session.add(IdempotencyKey(id="idk_new", scope="s", key="new", fingerprint="f", status="done"))
    idempotency._next_purge.clear()
    assert worker.registered_tasks()["purge_idempotency_keys"](db) == 1
    assert worker.registered_tasks()["purge_idempotency_keys"](db) == 0  # throttled
    with db.session() as session:
        assert session.scalars(select(IdempotencyKey.id)).all() == ["idk_new"]


def test_two_workers_at_once_dispatch_and_send_each_delivery_once(api: Any, db: Database, receiver: Receiver) -> None:
    endpoint = create(api, receiver.url, ["ping"])
    for _ in range(30):
        assert api.post(f"/v1/webhook_endpoints/{endpoint['id']}/ping").status_code == 200
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(6):
                delivery.dispatch_outbox(db)
                delivery.deliver_webhooks(db)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    run_worker_until_idle(db)
    assert errors == []
    webhook_ids = [h["webhook-id"] for h, _ in receiver.requests]
    assert len(webhook_ids) == 30
    assert len(set(webhook_ids)) == 30
    with db.session() as session:
        statuses = session.scalars(select(WebhookDelivery.status)).all()
        assert statuses == ["succeeded"] * 30
        assert session.scalars(select(WebhookAttempt.number)).all() == [1] * 30


def test_production_live_delivery_connects_to_the_checked_address_with_the_original_host(
    api_for: Any, db: Database, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = receiver.server.server_address[1]
    live = api_for(live=True)
    endpoint = create(live, f"http://hooks.example.test:{port}/hooks", ["ping"])  # dev: not resolved
    run_worker_until_idle(db)
    checked: list[str] = []

    def resolve(url: str) -> list[ipaddress.IPv4Address]:
        checked.append(url)
        return [ipaddress.IPv4Address("127.0.0.1")]  # as if the name had resolved to a public address

    monkeypatch.setattr(delivery, "resolve_public", resolve)
    monkeypatch.setenv("DIGIPLUS_ENV", "production")
    monkeypatch.setenv("DIGIPLUS_SECRET_KEY_FALLBACKS", json.dumps([get_settings().secret_key]))  # sealed under it
    monkeypatch.setenv("DIGIPLUS_SECRET_KEY", "z" * 40)
    get_settings.cache_clear()
    try:
        event = live.post(f"/v1/webhook_endpoints/{endpoint['id']}/ping").json()
        run_worker_until_idle(db)
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert checked == [endpoint["url"]]
    [(headers, body)] = receiver.requests
    assert headers["host"] == f"hooks.example.test:{port}"
    assert Webhook(endpoint["secret"]).verify(body, headers) == event
