"""The reconciliation report of a payout ties to the cent: gross - fees - refunds (± a carried
shortfall) = the payout's amount, in the service, the JSON and the CSV; cells are formula-safe."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from payments_helpers import ok
from settlement_helpers import balances, captured_at, consumer, days, pay, refund, shop

from digiplus.core.context import Caller
from digiplus.core.db import Database, utcnow
from digiplus.ledger import verify_ledger
from digiplus.payments.service.payouts import run_payouts
from digiplus.payments.service.reconciliation import payout_reconciliation, safe_cell
from digiplus.payments.service.settlement import settle_merchant_funds


def test_reconciliation_ties_exactly(db: Database, api_for: Callable[..., Any], make_org: Callable[..., str]) -> None:
    merchant = shop(api_for, make_org, "Hsinchu Rice Noodles")
    payer = consumer(api_for, make_org)
    now = utcnow()
    old = pay(merchant, payer, 1_000_00, description='=HYPERLINK("http://evil","x")')
    captured_at(db, old["id"], now - days(12))
    with db.session() as session:
        [first] = settle_merchant_funds(session, now - days(5)).settlements  # 982.00 available
    new = pay(merchant, payer, 500_00, description="+2 bowls")  # fee 9.00; pending 491.00
    r1 = refund(merchant, old["id"], 400_00)  # 7.20 of the fee back, then all from pending (the new sale's money)
    with db.session() as session:
        [carry] = settle_merchant_funds(session, utcnow()).settlements  # refunds only: 392.80 carried
    r2 = refund(merchant, old["id"], 200_00)  # 3.60 fee back; 101.80 from pending, 98.20 from available
    with db.session() as session:
        [last] = settle_merchant_funds(session, now + days(7)).settlements
    assert (r1["fee_refunded"], r2["fee_refunded"]) == (7_20, 3_60)
    assert (first.amount, carry.carried_out, last.carried_in, last.amount) == (982_00, 392_80, 392_80, 0)
    assert balances(db, merchant.org) == (0, 883_80)

    with db.session() as session:
        run = run_payouts(session, now + days(7))
        [payout] = run.created
        payout_id = payout.id
        assert (payout.amount, payout.status) == (883_80, "in_transit")
        report = payout_reconciliation(session, Caller.system(merchant.org, False), payout_id)
        assert [(line.type, line.id, line.amount) for line in report.lines] == [
            ("settlement", first.id, 0),
            ("payment", old["id"], 1_000_00),
            ("fee", f"{old['id']}_fee", -18_00),
            ("settlement", carry.id, 0),
            ("refund", r1["id"], -400_00),
            ("fee", f"{r1['id']}_fee", 7_20),
            ("carried_forward", carry.id, 392_80),
            ("settlement", last.id, 0),
            ("carried_in", last.id, -392_80),
            ("payment", new["id"], 500_00),
            ("fee", f"{new['id']}_fee", -9_00),
            ("refund", r2["id"], -101_80),
            ("fee", f"{r2['id']}_fee", 3_60),
            ("refund", r2["id"], -98_20),
        ]
        assert (report.gross, report.fees, report.refunds, report.carried) == (1_500_00, 16_20, 600_00, 0)
        assert report.gross - report.fees - report.refunds + report.carried == payout.amount == report.net
        assert [line.subtotal for line in report.lines if line.type == "settlement"] == [982_00, 0, 0]
        assert verify_ledger(session).ok

    shown = ok(merchant.api.get(f"/v1/payouts/{payout_id}/reconciliation"))
    assert (shown["amount"], shown["gross"], shown["fees"], shown["refunds"]) == (883_80, 1_500_00, 16_20, 600_00)
    assert sum(line["amount"] for line in shown["lines"]) == 883_80

    response = merchant.api.get(f"/v1/payouts/{payout_id}/reconciliation.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert f'filename="{payout_id}-reconciliation.csv"' in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    detail = [r for r in rows if r["type"] in ("payment", "fee", "refund", "carried_in", "carried_forward")]
    assert sum(Decimal(r["amount"]) for r in detail) == Decimal("883.80")
    totals = {r["type"]: r["subtotal"] for r in rows if r["type"].startswith("total_") or r["type"] == "payout"}
    assert totals == {
        "total_gross": "1500.00",
        "total_fees": "-16.20",
        "total_refunds": "-600.00",
        "total_carried": "0.00",
        "payout": "883.80",
    }
    descriptions = [r["description"] for r in rows if r["type"] == "payment"]
    assert descriptions == ['\'=HYPERLINK("http://evil","x")', "'+2 bowls"]
    assert [r["amount"] for r in rows if r["type"] == "fee"] == [
        "-18.00",
        "7.20",
        "-9.00",
        "3.60",
    ]  # amounts are never prefixed


def test_safe_cell() -> None:
    assert [safe_cell(t) for t in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "ok", "", None)] == [
        "'=1+1",
        "'+1",
        "'-1",
        "'@SUM(A1)",
        "'\tx",
        "'\rx",
        "ok",
        "",
        "",
    ]
