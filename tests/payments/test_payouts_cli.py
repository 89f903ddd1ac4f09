"""``digiplus payouts run``: settles, pays out (one transaction per merchant) and is idempotent."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from settlement_helpers import balances, consumer, pay, shop
from typer.testing import CliRunner

from digiplus.cli import app
from digiplus.core.db import Database, utcnow
from digiplus.ledger import verify_ledger
from digiplus.payments.service.settlement import add_business_days, available_on


def test_payouts_run_command(db: Database, api_for: Callable[..., Any], make_org: Callable[..., str]) -> None:
    stall = shop(api_for, make_org, "Keelung Crab Soup")
    closed = shop(api_for, make_org, "Gone Bakery", account_number="9990000002")
    payer = consumer(api_for, make_org)
    pay(stall, payer, 1_234_56)  # fee 1.8 % = 22.22
    pay(closed, payer, 300_00)  # fee 5.40
    day = available_on(utcnow())
    runner = CliRunner()

    result = runner.invoke(app, ["payouts", "run", "--date", day.isoformat(), "--mode", "test", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert (summary["settlements_created"], summary["payouts_created"], summary["in_transit"], summary["failed"]) == (
        2,
        2,
        1,
        1,
    )
    assert summary["amount"] == {"TWD": 1_212_34 + 294_60}
    assert balances(db, stall.org) == (0, 0) and balances(db, closed.org) == (0, 294_60)

    again = runner.invoke(app, ["payouts", "run", "--date", day.isoformat(), "--mode", "test"])
    assert again.exit_code == 0, again.output
    assert "0 settlement batch(es); 0 payout(s)" in again.output

    arrival = add_business_days(day, 1)
    paid = runner.invoke(app, ["payouts", "run", "--date", arrival.isoformat(), "--mode", "test"])
    assert paid.exit_code == 0, paid.output
    assert "1 arrived (paid)" in paid.output and "(bank_account_closed)" in paid.output

    bad = runner.invoke(app, ["payouts", "run", "--date", "2026-13-01"])
    assert bad.exit_code == 2 and "is not YYYY-MM-DD" in bad.output
    with db.session() as session:
        assert verify_ledger(session).ok
