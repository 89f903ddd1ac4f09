"""The demo merchant's ledger books: clean under ``ledger verify``, idempotent, and meaningful."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select, text
from typer.testing import CliRunner

from digiplus.core.db import Database
from digiplus.demo.books import ACCOUNTS, DAYS, FEE_PER_MILLE, MERCHANT_BALANCE, POINTS, build_demo_books
from digiplus.demo.service import build_demo_world
from digiplus.identity import service as identity
from digiplus.ledger.models import LedgerAccount, LedgerTransfer

TAIPEI = ZoneInfo("Asia/Taipei")


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(identity, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def _ledger_counts(db: Database) -> tuple[int, int]:
    with db.session() as s:
        return (
            s.scalar(select(func.count()).select_from(LedgerAccount)) or 0,
            s.scalar(select(func.count()).select_from(LedgerTransfer)) or 0,
        )


def _transfers(db: Database) -> dict[str, LedgerTransfer]:
    with db.session() as s:
        rows = s.scalars(select(LedgerTransfer).order_by(LedgerTransfer.seq)).all()
        s.expunge_all()
    return {t.id: t for t in rows}


def _output(result: object) -> str:
    return str(getattr(result, "output", "")) + str(getattr(result, "stderr", "") or "")


def test_verify_is_clean_and_a_second_build_duplicates_nothing(db: Database) -> None:
    with db.session() as s:
        first = build_demo_world(s)
    books = first.books
    assert books is not None
    assert (books.accounts, books.created_accounts) == (len(ACCOUNTS), len(ACCOUNTS))
    assert books.created_transfers == books.transfers
    assert _ledger_counts(db) == (len(ACCOUNTS), books.transfers)

    runner = CliRunner()
    from digiplus.cli import app

    result = runner.invoke(app, ["ledger", "verify"])
    assert result.exit_code == 0, _output(result)
    assert f"checked {len(ACCOUNTS)} accounts and {books.transfers} transfers in 3 ledgers" in result.output
    assert "ledger verify: OK" in result.output

    with db.session() as s:
        second = build_demo_world(s)
    again = second.books
    assert again is not None and not second.created_anything
    assert (again.created_accounts, again.created_transfers) == (0, 0)
    assert (again.accounts, again.transfers) == (books.accounts, books.transfers)
    assert _ledger_counts(db) == (len(ACCOUNTS), books.transfers)
    assert runner.invoke(app, ["ledger", "verify"]).exit_code == 0

    # A balance edited behind the ledger's back is found and named.
    with db.session() as s:
        s.execute(
            text("UPDATE ledger_accounts SET credits_posted = credits_posted + 100 WHERE id = :id"),
            {"id": "oyster_fees"},
        )
    tampered = runner.invoke(app, ["ledger", "verify"])
    assert tampered.exit_code == 1
    out = _output(tampered)
    assert f"account oyster_fees (org {first.merchant.id}, test, ledger TWD)" in out
    assert "its transfers sum to" in out
    assert f"ledger TWD (org {first.merchant.id}, test): posted debits" in out  # the books no longer balance
    assert "ledger verify: 2 problem(s)" in out
    assert "oyster_merchant_balance" not in out.split("DRIFT", 1)[1]  # only the edited account is named


def test_the_books_tell_four_weeks_of_the_stall(db: Database, make_org: object) -> None:
    org_id = make_org()  # type: ignore[operator]
    today = datetime(2025, 3, 1, 3, 0, tzinfo=UTC)  # 11:00 in Taipei
    with db.session() as s:
        books = build_demo_books(s, org_id, today=today)
    transfers = _transfers(db)
    assert len(transfers) == books.transfers

    # Four weeks ending the day before, in application order, in the evenings of Taipei.
    times = [t.created.replace(tzinfo=UTC) if t.created.tzinfo is None else t.created for t in transfers.values()]
    assert times == sorted(times)
    local = [t.astimezone(TAIPEI) for t in times]
    assert local[0].date() == date(2025, 2, 1) == date(2025, 3, 1) - timedelta(days=DAYS)
    assert local[-1].date() == date(2025, 2, 28)
    assert all(17 <= t.hour <= 23 for t in local)

    # The platform's fee is 1.8 % of each night's sales, rounded half up.
    sales: dict[str, int] = defaultdict(int)
    for t in transfers.values():
        if "_sales_" in t.id:
            sales[t.id.split("_sales_")[0]] += t.amount
    assert len(sales) == DAYS
    for day, gross in sales.items():
        assert transfers[f"{day}_fee"].amount == (gross * FEE_PER_MILLE + 500) // 1000
        assert transfers[f"{day}_fee"].credit_account_id == "oyster_fees"

    # Weekly payouts sweep the merchant balance to zero (balancing_debit).
    payouts = [t for t in transfers.values() if t.id.endswith("_payout")]
    assert [t.id for t in payouts] == [
        "oyster_d03_payout",
        "oyster_d10_payout",
        "oyster_d17_payout",
        "oyster_d24_payout",
    ]
    for p in payouts:
        assert p.debit_account_id == MERCHANT_BALANCE and p.amount > 0
        assert p.dr_credits_posted - p.dr_debits_posted == 0

    # Two-phase: one pre-order captured in part, one cancelled; nothing left reserved.
    assert transfers["oyster_d09_pre_order_hold"].pending_status == "posted"
    assert transfers["oyster_d09_pre_order_capture"].amount == 4_500_00
    assert transfers["oyster_d17_pre_order_hold"].pending_status == "voided"

    # Currency exchange: yen into the JPY liquidity account, NT$ out of the TWD one, at 0.2075.
    assert (transfers["oyster_d11_fx_jpy"].amount, transfers["oyster_d11_fx_jpy"].ledger) == (4_800, "JPY")
    assert (transfers["oyster_d11_fx_twd"].amount, transfers["oyster_d11_fx_twd"].ledger) == (996_00, "TWD")
    assert (transfers["oyster_d20_fx_jpy"].amount, transfers["oyster_d20_fx_twd"].amount) == (12_600, 2_614_50)
    assert transfers["oyster_d11_fx_jpy"].meta == {
        "rate": "0.2075",
        "rate_source": "digiplus demo fixed rate",
        "jpy": 4800,
    }

    with db.session() as s:
        accounts = {a.id: a for a in s.scalars(select(LedgerAccount).where(LedgerAccount.org_id == org_id))}
    # Stamps: one per NT$100 of a night's sales, redeemed weekly; the members' points are what is left.
    earned = sum(g // 100_00 for g in sales.values())
    redeemed = sum(t.amount for t in transfers.values() if t.id.endswith("_stamps_redeemed"))
    members = accounts["oyster_points_members"]
    assert members.ledger == POINTS
    assert (members.credits_posted, members.debits_posted) == (earned, redeemed)
    assert accounts["oyster_customer_wallets"].debits_pending == 0
    # After the last payout (night 24) the stall has taken three more nights of sales, less fees.
    last_nights = [f"oyster_d{i:02d}" for i in (25, 26, 27)]
    merchant = accounts[MERCHANT_BALANCE]
    expected = sum(sales[d] - transfers[f"{d}_fee"].amount for d in last_nights)
    assert merchant.credits_posted - merchant.debits_posted == expected
