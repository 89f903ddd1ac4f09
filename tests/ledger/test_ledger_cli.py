"""``digiplus ledger verify`` and ``balance``: clean books pass; a balance edited in the database fails."""

from __future__ import annotations

from ledger_helpers import DMNEC, Book
from sqlalchemy import update
from typer.testing import CliRunner

from digiplus.cli import app
from digiplus.ledger.models import LedgerAccount


def fill(book: Book) -> None:
    book.accounts(("bank", 0), ("alice", DMNEC), ("shop", 0))
    assert book.batch(
        [
            {"id": "t1", "debit_account_id": "bank", "credit_account_id": "alice", "amount": 500},
            {"id": "t2", "debit_account_id": "alice", "credit_account_id": "shop", "amount": 120, "flags": 2},
            {"id": "t3", "debit_account_id": "alice", "credit_account_id": "shop", "amount": 80},
        ]
    ) == ["ok", "ok", "ok"]


def test_verify_clean_then_drift(book: Book) -> None:
    fill(book)
    runner = CliRunner()
    result = runner.invoke(app, ["ledger", "verify"])
    assert result.exit_code == 0, result.output
    assert "checked 3 accounts and 3 transfers in 1 ledgers" in result.output
    assert "posted debits 580 = credits 580, pending debits 120 = credits 120" in result.output
    with book.db.session() as s:
        s.execute(update(LedgerAccount).where(LedgerAccount.id == "alice").values(credits_posted=400))
    result = runner.invoke(app, ["ledger", "verify"])
    assert result.exit_code == 1
    assert "account alice" in result.output
    assert "(120, 80, 0, 400) but its transfers sum to (120, 80, 0, 500)" in result.output
    assert "posted debits 580 != posted credits 480" in result.output


def test_balance_now_and_at_a_transfer(book: Book) -> None:
    fill(book)
    runner = CliRunner()
    org = book.caller.org_id
    now = runner.invoke(app, ["ledger", "balance", "alice", "--org", org, "--json"])
    assert now.exit_code == 0, now.output
    assert '"debits_posted": 80' in now.output and '"debits_pending": 120' in now.output
    then = runner.invoke(app, ["ledger", "balance", "alice", "--org", org, "--at", "t1"])
    assert "net credit (credits_posted - debits_posted): 500" in then.output
    missing = runner.invoke(app, ["ledger", "balance", "nobody", "--org", org])
    assert missing.exit_code == 1 and "No such ledger_account" in missing.output
