"""Payouts through the HTTP API: an operator runs them; capture → settle after the delay → payout
in transit → paid; a failing bank account gets its funds back; re-running books nothing twice."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from payments_helpers import error, ok, party
from settlement_helpers import balances, consumer, event_types, pay, shop
from sqlalchemy import func, select

from digiplus.core.db import Database, utcnow
from digiplus.ledger import verify_ledger
from digiplus.payments.models import Payout, Settlement
from digiplus.payments.service.settlement import add_business_days, available_on, taipei_date


def _operator(api_for: Callable[..., Any], make_org: Callable[..., str]) -> Any:
    org = make_org("Platform operations", kind="operator")
    return api_for(org, role="admin")


def _ledger_transfers(db: Database) -> int:
    from digiplus.ledger.models import LedgerTransfer  # the count only; services use digiplus.ledger

    with db.session() as session:
        return int(session.scalar(select(func.count()).select_from(LedgerTransfer)) or 0)


def test_capture_settle_payout_paid_and_a_failed_payout_returns_the_funds(
    db: Database, api_for: Callable[..., Any], make_org: Callable[..., str]
) -> None:
    operator = _operator(api_for, make_org)
    stall = shop(api_for, make_org, "Shilin Fried Chicken")
    closed = shop(api_for, make_org, "Closed Account Tea", account_number="9990000002")
    payer = consumer(api_for, make_org)
    a = pay(stall, payer, 2_000_00)
    b = pay(stall, payer, 150_00)
    c = pay(closed, payer, 800_00)
    assert (a["fee_amount"], b["fee_amount"], c["fee_amount"]) == (36_00, 270, 14_40)

    today = taipei_date(utcnow())
    # today: nothing is due yet (T+1), so nothing is available and no payout is made
    run = ok(operator.post("/v1/payouts/run", json={}))
    assert (run["payout_date"], run["settlements_created"], run["payouts_created"]) == (today.isoformat(), 0, 0)
    assert balances(db, stall.org) == (2_150_00 - 38_70, 0)

    # the day the funds are available (test mode may run a later date): settle, then pay out
    day = available_on(utcnow())
    run = ok(operator.post("/v1/payouts/run", json={"date": day.isoformat()}))
    assert (run["settlements_created"], run["payouts_created"], run["in_transit"], run["failed"]) == (2, 2, 1, 1)
    assert run["amount"] == {"TWD": 2_111_30 + 785_60}

    [payout] = ok(stall.api.get("/v1/payouts"))["data"]
    assert (payout["amount"], payout["currency"], payout["status"], payout["payout_date"]) == (
        2_111_30,
        "TWD",
        "in_transit",
        day.isoformat(),
    )
    assert payout["arrival_date"] == add_business_days(day, 1).isoformat()
    assert payout["bank_reference"].startswith("SIM") and payout["ledger_transfers"] == {"hold": payout["id"]}
    assert balances(db, stall.org) == (0, 0)  # held for the payout

    [failed] = ok(closed.api.get("/v1/payouts"))["data"]
    assert (failed["status"], failed["failure_code"], failed["amount"]) == ("failed", "bank_account_closed", 785_60)
    assert failed["failure_message"] == "The bank account is closed."
    assert failed["ledger_transfers"] == {"hold": failed["id"], "resolved": f"{failed['id']}_void"}
    assert balances(db, closed.org) == (0, 785_60)  # the funds are available again
    assert event_types(db, closed.org, "payout.") == ["payout.created", "payout.failed"]

    # the same day again: nothing booked twice
    booked = _ledger_transfers(db)
    again = ok(operator.post("/v1/payouts/run", json={"date": day.isoformat()}))
    assert (again["settlements_created"], again["payouts_created"], again["paid"]) == (0, 0, 0)
    assert _ledger_transfers(db) == booked

    # the arrival date: the payout is paid; the failed merchant's funds go out again (and fail again)
    arrival = add_business_days(day, 1)
    later = ok(operator.post("/v1/payouts/run", json={"date": arrival.isoformat()}))
    assert (later["paid"], later["payouts_created"], later["failed"]) == (1, 1, 1)
    paid = ok(stall.api.get(f"/v1/payouts/{payout['id']}"))
    assert paid["status"] == "paid" and paid["paid_at"] is not None
    assert paid["ledger_transfers"] == {"hold": payout["id"], "resolved": f"{payout['id']}_post"}
    assert event_types(db, stall.org, "payout.") == ["payout.created", "payout.in_transit", "payout.paid"]
    assert ok(stall.api.get("/v1/payouts", params={"status": "paid"}))["data"][0]["id"] == payout["id"]
    assert [p["status"] for p in ok(closed.api.get("/v1/payouts"))["data"]] == ["failed", "failed"]
    assert balances(db, stall.org) == (0, 0)
    assert balances(db, closed.org) == (0, 785_60)

    with db.session() as session:
        assert verify_ledger(session).ok
        assert session.scalar(select(func.count()).select_from(Settlement)) == 2
        assert session.scalar(select(func.count()).select_from(Payout)) == 3


def test_refund_after_settlement_reduces_the_next_payout(
    db: Database, api_for: Callable[..., Any], make_org: Callable[..., str]
) -> None:
    operator = _operator(api_for, make_org)
    stall = shop(api_for, make_org, "Danshui Fish Balls")
    payer = consumer(api_for, make_org)
    first = pay(stall, payer, 1_000_00)
    day = available_on(utcnow())
    run = ok(operator.post("/v1/payouts/run", json={"date": (day - timedelta(days=0)).isoformat()}))
    assert run["payouts_created"] == 1  # 982.00 out
    # a refund of the paid-out payment: pending settlement is empty, so it comes out of available…
    # which is 0 while the payout is held: the refund fails and nothing moves (pay's rule)
    refused = ok(stall.api.post("/v1/refunds", json={"payment_intent": first["id"], "amount": 100_00}))
    assert (refused["status"], refused["failure_reason"]) == ("failed", "merchant_insufficient_funds")
    # new sales, then a refund of the first payment: taken from the new sales' pending settlement
    pay(stall, payer, 600_00)  # fee 10.80
    back = ok(stall.api.post("/v1/refunds", json={"payment_intent": first["id"], "amount": 100_00}))
    assert (back["status"], back["from_pending_settlement"], back["fee_refunded"]) == ("succeeded", 100_00, 1_80)
    next_day = add_business_days(day, 7)
    ok(operator.post("/v1/payouts/run", json={"date": next_day.isoformat()}))
    newest = ok(stall.api.get("/v1/payouts"))["data"][0]
    assert (newest["payout_date"], newest["amount"]) == (next_day.isoformat(), 600_00 - 10_80 - 100_00 + 1_80)
    with db.session() as session:
        assert verify_ledger(session).ok


def test_who_may_run_payouts_and_see_them(
    db: Database, api_for: Callable[..., Any], make_org: Callable[..., str]
) -> None:
    stall = shop(api_for, make_org, "Jiufen Taro Balls")
    other = shop(api_for, make_org, "Other Shop")
    payer = consumer(api_for, make_org)
    pay(stall, payer, 500_00)
    # a merchant's developer key, an operator's developer key: 403; a consumer org's admin: not an operator
    error(stall.api.post("/v1/payouts/run", json={}), 403, "insufficient_permissions")
    operator_org = make_org("Ops", kind="operator")
    error(api_for(operator_org).post("/v1/payouts/run", json={}), 403, "insufficient_permissions")
    consumer_org, _ = party(api_for, make_org, "Someone", "consumer")
    error(api_for(consumer_org, role="admin").post("/v1/payouts/run", json={}), 400, "org_not_operator")
    # a future date is for test mode only
    live_ops = api_for(operator_org, live=True, role="admin")
    future = (taipei_date(utcnow()) + timedelta(days=3)).isoformat()
    error(live_ops.post("/v1/payouts/run", json={"date": future}), 422, "parameter_invalid")
    error(
        api_for(operator_org, role="admin").post("/v1/payouts/run", json={"date": "2026-02-30"}),
        422,
        "parameter_invalid",
    )

    ok(api_for(operator_org, role="admin").post("/v1/payouts/run", json={"date": available_on(utcnow()).isoformat()}))
    [payout] = ok(stall.api.get("/v1/payouts"))["data"]
    # another merchant, or the same merchant in live mode, does not see it
    error(other.api.get(f"/v1/payouts/{payout['id']}"), 404, "resource_missing")
    error(other.api.get(f"/v1/payouts/{payout['id']}/reconciliation.csv"), 404, "resource_missing")
    error(api_for(stall.org, live=True).get(f"/v1/payouts/{payout['id']}"), 404, "resource_missing")
    assert ok(other.api.get("/v1/payouts"))["data"] == []
    error(stall.api.get("/v1/payouts", params={"status": "lost"}), 422, "parameter_invalid")
    assert date.fromisoformat(payout["payout_date"]) >= taipei_date(utcnow())
