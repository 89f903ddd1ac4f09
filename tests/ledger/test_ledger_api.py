"""The ledger over HTTP: batches with per-item results, reads, balances, statements, scoping, audit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from digiplus.core.audit.models import AuditEntry
from digiplus.core.db import Database
from digiplus.core.events.models import Event

ACCOUNTS = {
    "accounts": [
        {"id": "bank", "ledger": "TWD", "code": 1},
        {"id": "wallet_alice", "ledger": "TWD", "code": 10, "flags": ["debits_must_not_exceed_credits"]},
        {"id": "shop", "ledger": "TWD", "code": 20, "metadata": {"name": "Shilin"}},
    ]
}


def setup_books(api: Any) -> None:
    r = api.post("/v1/ledger/accounts", json=ACCOUNTS)
    assert r.status_code == 200, r.text
    assert r.json()["created"] == 3


def test_account_batch_results_and_retrieve(api: Any) -> None:
    setup_books(api)
    again = api.post(
        "/v1/ledger/accounts",
        json={
            "accounts": [
                {"id": "bank", "ledger": "TWD", "code": 1},
                {"id": "bank", "ledger": "TWD", "code": 2},
                {"ledger": "TWD", "code": 0},
            ]
        },
    )
    body = again.json()
    assert [x["result"] for x in body["results"]] == ["exists", "exists_with_different_code", "code_must_not_be_zero"]
    assert (body["created"], body["failed"]) == (0, 3)
    shop = api.get("/v1/ledger/accounts/shop").json()
    assert shop == {
        "id": "shop",
        "object": "ledger_account",
        "created": shop["created"],
        "livemode": False,
        "ledger": "TWD",
        "code": 20,
        "flags": [],
        "metadata": {"name": "Shilin"},
        "debits_pending": 0,
        "debits_posted": 0,
        "credits_pending": 0,
        "credits_posted": 0,
    }
    listed = api.get("/v1/ledger/accounts", params={"limit": 2}).json()
    assert [a["id"] for a in listed["data"]] == ["wallet_alice", "shop"] and listed["has_more"] is True


def test_transfer_batch_two_phase_and_balances(api: Any) -> None:
    setup_books(api)
    r = api.post(
        "/v1/ledger/transfers",
        json={
            "transfers": [
                {
                    "id": "topup",
                    "debit_account_id": "bank",
                    "credit_account_id": "wallet_alice",
                    "amount": 50000,
                    "ledger": "TWD",
                    "code": 1,
                },
                {
                    "id": "hold",
                    "debit_account_id": "wallet_alice",
                    "credit_account_id": "shop",
                    "amount": 12000,
                    "ledger": "TWD",
                    "code": 2,
                    "flags": ["pending"],
                    "timeout": 3600,
                },
                {
                    "id": "too_much",
                    "debit_account_id": "wallet_alice",
                    "credit_account_id": "shop",
                    "amount": 40000,
                    "ledger": "TWD",
                    "code": 2,
                },
                {"id": "capture", "pending_id": "hold", "flags": ["post_pending_transfer"], "amount": 10000},
            ]
        },
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert [x["result"] for x in body["results"]] == ["ok", "ok", "exceeds_credits", "ok"]
    assert (body["created"], body["failed"]) == (3, 1)
    capture = body["results"][3]["transfer"]
    assert capture["amount"] == 10000 and capture["debit_account_id"] == "wallet_alice"
    assert capture["debit_account_balance"] == {
        "debits_pending": 0,
        "debits_posted": 10000,
        "credits_pending": 0,
        "credits_posted": 50000,
    }
    assert api.get("/v1/ledger/transfers/hold").json()["pending_status"] == "posted"
    alice = api.get("/v1/ledger/accounts/wallet_alice").json()
    assert (alice["debits_posted"], alice["credits_posted"], alice["debits_pending"]) == (10000, 50000, 0)
    at = api.get("/v1/ledger/accounts/wallet_alice/balance", params={"at_transfer": "hold"}).json()
    assert at["debits_pending"] == 12000 and at["credits_posted"] == 50000 and at["at_transfer"] == "hold"
    page = api.get("/v1/ledger/accounts/wallet_alice/transfers", params={"limit": 2}).json()
    assert [t["id"] for t in page["data"]] == ["capture", "hold"] and page["has_more"] is True
    rest = api.get("/v1/ledger/accounts/wallet_alice/transfers", params={"limit": 2, "starting_after": "hold"}).json()
    assert [t["id"] for t in rest["data"]] == ["topup"] and rest["has_more"] is False
    future = api.get("/v1/ledger/transfers", params={"created_gte": 4_000_000_000}).json()
    assert future["data"] == []


def test_statement_csv(api: Any) -> None:
    setup_books(api)
    api.post(
        "/v1/ledger/transfers",
        json={
            "transfers": [
                {
                    "id": "t1",
                    "debit_account_id": "bank",
                    "credit_account_id": "wallet_alice",
                    "amount": 700,
                    "ledger": "TWD",
                    "code": 1,
                },
                {
                    "id": "t2",
                    "debit_account_id": "wallet_alice",
                    "credit_account_id": "shop",
                    "amount": 200,
                    "ledger": "TWD",
                    "code": 1,
                },
            ]
        },
    )
    r = api.get("/v1/ledger/accounts/wallet_alice/statement.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    lines = r.text.strip().split("\n")
    assert lines[0] == (
        "created,transfer_id,side,counterparty_account_id,amount,ledger,code,flags,pending_id,"
        "pending_status,debits_pending,debits_posted,credits_pending,credits_posted"
    )
    assert [line.split(",")[1:] for line in lines[1:]] == [
        ["t1", "credit", "bank", "700", "TWD", "1", "", "", "", "0", "0", "0", "700"],
        ["t2", "debit", "shop", "200", "TWD", "1", "", "", "", "0", "200", "0", "700"],
    ]


def test_other_org_and_mode_see_nothing(api: Any, api_for: Callable[..., Any]) -> None:
    setup_books(api)
    other = api_for()
    assert other.get("/v1/ledger/accounts/bank").status_code == 404
    assert other.get("/v1/ledger/accounts/bank/statement.csv").status_code == 404
    r = other.post(
        "/v1/ledger/transfers",
        json={
            "transfers": [
                {
                    "id": "x",
                    "debit_account_id": "bank",
                    "credit_account_id": "shop",
                    "amount": 1,
                    "ledger": "TWD",
                    "code": 1,
                }
            ]
        },
    )
    assert r.json()["results"][0]["result"] == "debit_account_not_found"


def test_viewer_cannot_write(api_for: Callable[..., Any]) -> None:
    viewer = api_for(role="viewer")
    r = viewer.post("/v1/ledger/accounts", json=ACCOUNTS)
    assert r.status_code == 403 and r.json()["error"]["type"] == "permission_error"
    assert viewer.get("/v1/ledger/accounts").status_code == 200


def test_one_audit_entry_and_one_event_per_batch(api: Any, db: Database) -> None:
    setup_books(api)
    items = [
        {
            "id": f"t{i}",
            "debit_account_id": "bank",
            "credit_account_id": "shop",
            "amount": 5,
            "ledger": "TWD",
            "code": 1,
        }
        for i in range(20)
    ]
    api.post("/v1/ledger/transfers", json={"transfers": [*items, {**items[0], "amount": 6}]})
    with db.session() as s:
        audits = s.scalars(select(AuditEntry).where(AuditEntry.action == "ledger.transfers.create")).all()
        events = s.scalars(select(Event).where(Event.type == "ledger.transfers.created")).all()
    assert len(audits) == 1 and len(events) == 1
    assert audits[0].after == {
        "submitted": 21,
        "created": 20,
        "failed": 1,
        "failures": {"exists_with_different_amount": 1},
        "amount_by_ledger": {"TWD": 100},
        "first_id": "t0",
        "last_id": "t19",
    }
    assert events[0].data["object"]["created"] == 20


def test_bad_input_is_a_422_naming_the_field(api: Any) -> None:
    r = api.post("/v1/ledger/transfers", json={"transfers": [{"id": "a b", "amount": 1}]})
    assert r.status_code == 422 and r.json()["error"]["param"] == "transfers[0][id]"
    r = api.post("/v1/ledger/transfers", json={"transfers": []})
    assert r.status_code == 422
