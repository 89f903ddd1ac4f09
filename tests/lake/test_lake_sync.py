"""``lake sync``: payments and refunds from the outbox into the fact tables, exactly once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from lake_helpers import ok, parties, pay, read_facts, refund, wallet
from sqlalchemy import select

from digiplus.core.db import Database
from digiplus.lake import Lake
from digiplus.lake.fact_writer import business_day
from digiplus.lake.pseudonyms import customer_ref, holder_ref, payer_identity
from digiplus.lake.sync import pending_events, sync_lake
from digiplus.payments.models import PaymentIntent


def test_payments_and_refunds_land_once_with_what_the_events_lack(
    db: Database, lake: Lake, api_for: Callable[..., Any], make_org: Callable[..., str]
) -> None:
    p = parties(api_for, make_org)
    yuki_org = make_org("Yuki", kind="consumer")
    with db.session() as session:  # a visitor from Japan
        from digiplus.identity.models import Organization

        session.get(Organization, yuki_org).country = "JP"  # type: ignore[union-attr]
    yuki = api_for(yuki_org)
    y_wallet = wallet(yuki, 100_000, currency="JPY")

    first = pay(p["shop"], p["alice"], p["alice_wallet"], 150_00, {"items": "OYS-01:2:60:蚵仔煎;TEA:1:30"})
    second = pay(p["shop"], yuki, y_wallet["id"], 500_00)
    third = pay(p["shop"], p["alice"], p["alice_wallet"], 80_00, {"items": "not an item list"})
    back = refund(p["shop"], first, 60_00)

    assert pending_events(db) == 6  # the two wallets' top-ups, three payments, a refund
    seen: list[int] = []
    assert sync_lake(db, batch_size=3, progress=seen.append) == 6
    assert seen == [3, 3]
    assert pending_events(db) == 0

    payments = read_facts(lake, "payments").sort_by("paid_at").to_pylist()
    assert [r["payment_id"] for r in payments] == [first, second, third]
    alice_ref = customer_ref(p["shop_org"], payer_identity(p["alice_org"]))
    a = payments[0]
    with db.session() as session:
        captured = session.scalar(select(PaymentIntent.captured_at).where(PaymentIntent.id == first))
    assert a == {
        "payment_id": first,
        "merchant_id": p["shop_org"],
        "livemode": False,
        "source": "sync",
        "customer_ref": alice_ref,
        "paid_at": captured,
        "amount": 150_00,
        "currency": "TWD",
        "payer_currency": "TWD",
        "payer_amount": 150_00,
        "payer_country": "TW",
        "scenario": "livelihood_consumption",
        "mcc": "5812",
        "payment_method": "wallet",
        "items": [
            {"sku": "OYS-01", "name": "蚵仔煎", "quantity": 2, "unit_amount": 60_00},
            {"sku": "TEA", "name": None, "quantity": 1, "unit_amount": 30_00},
        ],
    }
    # the visitor: paid in JPY through a quote, seen as from JP, another pseudonym
    v = payments[1]
    assert (v["payer_currency"], v["payer_country"], v["amount"], v["currency"]) == ("JPY", "JP", 500_00, "TWD")
    assert v["payer_amount"] > 2000 and v["customer_ref"] not in (None, alice_ref)
    # the same payer, the same reference; item text that is not the format is left out, not fatal
    assert (payments[2]["customer_ref"], payments[2]["items"]) == (alice_ref, None)

    refunds = read_facts(lake, "refunds").to_pylist()
    assert [(r["refund_id"], r["payment_id"], r["amount"], r["currency"], r["source"]) for r in refunds] == [
        (back, first, 60_00, "TWD", "sync")
    ]
    # one file per batch and business day (Asia/Taipei), named after its first and last event
    day = business_day(payments[0]["paid_at"]).isoformat()
    keys = lake.keys("facts/")
    assert all(f"/date={day}/sync-evt_" in k for k in keys)
    assert len([k for k in keys if k.startswith("facts/payments/")]) == 2  # one per batch that had payments
    assert sync_lake(db) == 0  # nothing new: nothing written twice
    assert read_facts(lake, "payments").num_rows == 3


def test_a_crash_between_the_file_and_the_commit_leaves_no_duplicate_and_no_gap(
    db: Database, lake: Lake, api_for: Callable[..., Any], make_org: Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> None:
    p = parties(api_for, make_org)
    ids = [pay(p["shop"], p["alice"], p["alice_wallet"], (n + 1) * 10_00) for n in range(3)]

    from digiplus.core.events import consumers

    real = consumers._CONSUMERS["lake.sync"]

    def crash_after_write(session: Any, events: Any) -> None:
        real.handler(session, events)  # the Parquet file is in place…
        raise RuntimeError("power cut before the commit")  # …the cursor never moves

    monkeypatch.setitem(
        consumers._CONSUMERS, "lake.sync", consumers.Consumer("lake.sync", real.event_types, crash_after_write)
    )
    with pytest.raises(RuntimeError, match="power cut"):
        sync_lake(db)
    assert read_facts(lake, "payments").num_rows == 3  # written, but not committed
    monkeypatch.setitem(consumers._CONSUMERS, "lake.sync", real)

    # more sales arrive before the re-run: its first batch is longer than the one that crashed
    ids += [pay(p["shop"], p["alice"], p["alice_wallet"], 99_00)]
    assert pending_events(db) == 5  # the top-up and four payments
    assert sync_lake(db) == 5
    rows = read_facts(lake, "payments")
    assert sorted(rows["payment_id"].to_pylist()) == sorted(ids)
    assert len(lake.keys("facts/payments/")) == 1  # the crashed attempt's file is gone

    # and with a smaller batch on the re-run than at the crash
    more = [pay(p["shop"], p["alice"], p["alice_wallet"], 5_00) for _ in range(3)]
    monkeypatch.setitem(
        consumers._CONSUMERS, "lake.sync", consumers.Consumer("lake.sync", real.event_types, crash_after_write)
    )
    with pytest.raises(RuntimeError):
        sync_lake(db)
    monkeypatch.setitem(consumers._CONSUMERS, "lake.sync", real)
    assert sync_lake(db, batch_size=2) == 3
    rows = read_facts(lake, "payments")
    assert sorted(rows["payment_id"].to_pylist()) == sorted(ids + more)
    assert rows.num_rows == 7


def test_the_worker_runs_the_sync(
    db: Database, lake: Lake, api_for: Callable[..., Any], make_org: Callable[..., str]
) -> None:
    from digiplus.core.worker import run_once

    p = parties(api_for, make_org)
    paid = pay(p["shop"], p["alice"], p["alice_wallet"], 42_00)
    run_once(db)
    assert read_facts(lake, "payments")["payment_id"].to_pylist() == [paid]
    assert datetime.now(UTC) >= read_facts(lake, "payments")["paid_at"][0].as_py()


def test_wallet_movements_land_with_platform_wide_pseudonyms(
    db: Database, lake: Lake, api_for: Callable[..., Any], make_org: Callable[..., str]
) -> None:
    alice_org, bob_org = make_org("Alice", kind="consumer"), make_org("Bob", kind="consumer")
    alice, bob = api_for(alice_org), api_for(bob_org)
    a = wallet(alice, 1_000_00)
    b = wallet(bob, 0 + 1)
    bank = ok(
        alice.post("/v1/bank_accounts", json={"bank_code": "004", "account_number": "111122223333", "holder_name": "A"})
    )
    sent = ok(alice.post(f"/v1/wallets/{a['id']}/transfers", json={"to_wallet": b["id"], "amount": 200_00}))
    out = ok(alice.post(f"/v1/wallets/{a['id']}/withdrawals", json={"bank_account": bank["id"], "amount": 50_00}))
    assert out["status"] == "succeeded"
    assert sync_lake(db) == 4  # two top-ups, the transfer (once: the received event is its mirror), the withdrawal
    rows = read_facts(lake, "wallet_movements").sort_by("occurred_at").to_pylist()
    alice_ref, bob_ref = holder_ref(alice_org), holder_ref(bob_org)
    assert [(r["kind"], r["holder_ref"], r["counterparty_ref"], r["amount"], r["currency"]) for r in rows] == [
        ("topup", alice_ref, None, 1_000_00, "TWD"),
        ("topup", bob_ref, None, 1, "TWD"),
        ("transfer", alice_ref, bob_ref, 200_00, "TWD"),
        ("withdrawal", alice_ref, None, 50_00, "TWD"),
    ]
    assert rows[2]["movement_id"] == sent["id"] and {r["holder_country"] for r in rows} == {"TW"}
    assert alice_ref != customer_ref(alice_org, payer_identity(alice_org))  # unrelated to any merchant's reference
