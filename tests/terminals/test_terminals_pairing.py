"""Pairing, the terminal's credential, request signatures and replay protection, disabling."""

from __future__ import annotations

import hashlib
import time
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select, update
from terminal_helpers import Shop, TerminalClient, error, ok, pair_terminal

from digiplus.core.audit.models import AuditEntry
from digiplus.core.db import Database, utcnow
from digiplus.terminals.models import Terminal, TerminalNonce
from digiplus.terminals.tasks import purge_terminal_nonces


def _refusals(db: Database) -> list[tuple[str | None, str]]:
    with db.session() as s:
        rows = s.scalars(
            select(AuditEntry).where(AuditEntry.action == "terminal.request_refused").order_by(AuditEntry.created)
        ).all()
        return [(r.org_id, (r.after or {})["reason"]) for r in rows]


def test_pairing_gives_a_credential_stored_only_as_a_digest(client: TestClient, shop: Shop, db: Database) -> None:
    created = ok(shop.api.post("/v1/terminals", json={"name": "Counter 1", "location": "Front"}))
    assert (created["status"], created["connection"], created["paired"]) == ("active", "unpaired", False)
    code = ok(shop.api.post(f"/v1/terminals/{created['id']}/pairing_code"))
    assert len(code["code"]) == 9 and code["code"][4] == "-"
    # typed in lower case with a space: still the code
    paired = ok(client.post("/v1/terminal/pair", json={"code": code["code"].lower().replace("-", " ")}))
    secret = paired["secret"]
    assert secret.startswith("tsk_test_") and paired["terminal"]["paired"] is True
    assert paired["terminal"]["connection"] == "online"
    with db.session() as s:
        row = s.get(Terminal, created["id"])
        assert row is not None
        assert row.credential_hash == hashlib.sha256(secret.encode()).hexdigest()
        assert row.pairing_code_hash is None and row.credential_generation == 1
        stored = " ".join(str(v) for v in row.__dict__.values())
        assert secret not in stored
    # the code works once, and its answer is never stored to be replayed
    error(client.post("/v1/terminal/pair", json={"code": code["code"]}), 401, "pairing_code_invalid")
    replay = client.post("/v1/terminal/pair", json={"code": code["code"]}, headers={"Idempotency-Key": "k1"})
    error(replay, 400, "idempotency_key_not_allowed")
    device = TerminalClient(client, created["id"], secret)
    me = ok(device.get("/v1/terminal/me"))
    assert (me["merchant_name"], me["currency"], me["currency_exponent"]) == ("阿明蚵仔煎", "TWD", 2)
    assert me["terminal"]["id"] == created["id"]


def test_an_expired_code_is_refused_and_pairing_again_retires_the_old_credential(
    client: TestClient, shop: Shop, db: Database
) -> None:
    old, _ = pair_terminal(client, shop.api)
    code = ok(shop.api.post(f"/v1/terminals/{old.id}/pairing_code"))["code"]
    with db.session() as s:
        s.execute(
            update(Terminal)
            .where(Terminal.id == old.id)
            .values(pairing_code_expires_at=utcnow() - timedelta(seconds=1))
        )
    error(client.post("/v1/terminal/pair", json={"code": code}), 401, "pairing_code_expired")
    assert ok(old.get("/v1/terminal/me"))["terminal"]["id"] == old.id  # still the old credential
    code = ok(shop.api.post(f"/v1/terminals/{old.id}/pairing_code"))["code"]
    new = TerminalClient(client, old.id, ok(client.post("/v1/terminal/pair", json={"code": code}))["secret"])
    assert new.secret != old.secret
    error(old.get("/v1/terminal/me"), 401, "terminal_signature_invalid")
    ok(new.get("/v1/terminal/me"))


def test_signatures_timestamps_and_nonces(
    client: TestClient, terminal: TerminalClient, shop: Shop, db: Database
) -> None:
    error(client.get("/v1/terminal/me"), 401, "terminal_signature_missing")
    error(shop.api.get("/v1/terminal/me"), 401, "terminal_signature_malformed")  # an API key is not a terminal
    # a terminal's secret is not an API key either
    error(client.get("/v1/account", headers={"Authorization": f"Bearer {terminal.secret}"}), 401, "invalid_api_key")
    # a signature of another body
    body = b'{"app_version":"x"}'
    headers = terminal.headers("POST", "/v1/terminal/heartbeat", b'{"app_version":"y"}')
    response = client.post(
        "/v1/terminal/heartbeat", content=body, headers={**headers, "Content-Type": "application/json"}
    )
    error(response, 401, "terminal_signature_invalid")
    # another path, another method, a query string added
    headers = terminal.headers("GET", "/v1/terminal/totals")
    error(client.get("/v1/terminal/me", headers=headers), 401, "terminal_signature_invalid")
    headers = terminal.headers("GET", "/v1/terminal/me")
    error(client.get("/v1/terminal/me?x=1", headers=headers), 401, "terminal_signature_invalid")
    # too old and too far ahead: refused, with the server's clock to set the terminal's by
    stale = terminal.get("/v1/terminal/me", timestamp=int(time.time()) - 301)
    error(stale, 401, "terminal_timestamp_out_of_window")
    assert abs(int(stale.headers["Digiplus-Server-Time"]) - int(time.time())) <= 2
    error(terminal.get("/v1/terminal/me", timestamp=int(time.time()) + 301), 401, "terminal_timestamp_out_of_window")
    ok(terminal.get("/v1/terminal/me", timestamp=int(time.time()) - 250))
    # the same signed request twice: the second is a replay
    replayed = terminal.headers("GET", "/v1/terminal/me", nonce="replay-nonce-0001")
    ok(client.get("/v1/terminal/me", headers=replayed))
    error(client.get("/v1/terminal/me", headers=replayed), 401, "terminal_nonce_reused")
    # an unknown terminal id, and a garbled header
    unknown = TerminalClient(client, "term_" + "0" * 26, terminal.secret)
    error(unknown.get("/v1/terminal/me"), 401, "terminal_unknown")
    error(
        client.get("/v1/terminal/me", headers={"Authorization": "DPT1-HMAC-SHA256 terminal=x"}),
        401,
        "terminal_signature_malformed",
    )
    # every refusal that named a terminal is audited: in the merchant's chain, the unknown one in the platform's
    assert _refusals(db) == [
        (shop.org, "terminal_signature_invalid"),
        (shop.org, "terminal_signature_invalid"),
        (shop.org, "terminal_signature_invalid"),
        (shop.org, "terminal_timestamp_out_of_window"),
        (shop.org, "terminal_timestamp_out_of_window"),
        (shop.org, "terminal_nonce_reused"),
        (None, "terminal_unknown"),
    ]


def test_nonces_are_kept_in_the_database_and_purged_after_the_window(terminal: TerminalClient, db: Database) -> None:
    ok(terminal.get("/v1/terminal/me", nonce="kept-nonce-00000001"))
    with db.session() as s:
        assert s.get(TerminalNonce, (terminal.id, "kept-nonce-00000001")) is not None
    assert purge_terminal_nonces(db) == 0
    with db.session() as s:
        s.execute(update(TerminalNonce).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert purge_terminal_nonces(db) == 1
    with db.session() as s:
        assert s.scalars(select(TerminalNonce)).all() == []


def test_disabling_refuses_the_next_request_and_enabling_lets_it_back(
    client: TestClient, terminal: TerminalClient, shop: Shop, db: Database
) -> None:
    ok(terminal.get("/v1/terminal/me"))
    disabled = ok(shop.api.post(f"/v1/terminals/{terminal.id}/disable"))
    assert (disabled["status"], disabled["connection"]) == ("disabled", "disabled")
    error(terminal.get("/v1/terminal/me"), 401, "terminal_disabled")
    error(terminal.post("/v1/terminal/payments", {"client_reference": "r1", "amount": 100}), 401, "terminal_disabled")
    error(shop.api.post(f"/v1/terminals/{terminal.id}/pairing_code"), 400, "terminal_disabled")
    assert _refusals(db) == [(shop.org, "terminal_disabled"), (shop.org, "terminal_disabled")]
    ok(shop.api.post(f"/v1/terminals/{terminal.id}/enable"))
    ok(terminal.get("/v1/terminal/me"))


def test_heartbeats_and_silence_make_the_connection(terminal: TerminalClient, shop: Shop, db: Database) -> None:
    beat = ok(terminal.post("/v1/terminal/heartbeat", {"app_version": "soft/2"}))
    assert (beat["terminal"]["connection"], beat["terminal"]["app_version"], beat["offline_after_seconds"]) == (
        "online",
        "soft/2",
        90,
    )
    with db.session() as s:
        s.execute(update(Terminal).values(last_seen_at=utcnow() - timedelta(seconds=91)))
    assert ok(shop.api.get(f"/v1/terminals/{terminal.id}"))["connection"] == "offline"
    ok(terminal.post("/v1/terminal/heartbeat", {}))
    assert ok(shop.api.get(f"/v1/terminals/{terminal.id}"))["connection"] == "online"


def test_another_merchant_sees_none_of_it(
    client: TestClient, terminal: TerminalClient, api_for: Any, make_org: Any
) -> None:
    other = api_for(make_org("Other shop", kind="merchant"))
    error(other.get(f"/v1/terminals/{terminal.id}"), 404, "resource_missing")
    error(other.post(f"/v1/terminals/{terminal.id}/disable"), 404, "resource_missing")
    assert ok(other.get("/v1/terminals"))["data"] == []
    error(other.post("/v1/terminals", json={"name": "x"}), 404, "resource_missing")  # no merchant profile
