"""Ledger test helpers: a book (org + mode) with accounts, and one-call batch helpers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from digiplus.core.context import Caller
from digiplus.core.db import Database
from digiplus.ledger import (
    AccountFlags,
    AccountInput,
    TransferInput,
    create_accounts,
    create_transfers,
    get_account,
)

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
DMNEC = int(AccountFlags.debits_must_not_exceed_credits)
CMNED = int(AccountFlags.credits_must_not_exceed_debits)


class Book:
    """One org in one mode, driven through the service functions, each call its own transaction."""

    def __init__(self, db: Database, org_id: str, livemode: bool = False) -> None:
        self.db = db
        self.caller = Caller.system(org_id, livemode)

    def accounts(self, *specs: tuple[str, int], ledger: str = "TWD", code: int = 1) -> None:
        with self.db.session() as s:
            out = create_accounts(
                s, self.caller, [AccountInput(id=i, ledger=ledger, code=code, flags=f) for i, f in specs]
            )
        assert [o.result for o in out] == ["ok"] * len(specs)

    def transfer(self, **kw: Any) -> str:
        return self.batch([kw])[0]

    def batch(self, items: list[dict[str, Any]], now: datetime = T0) -> list[str]:
        with self.db.session() as s:
            out = create_transfers(
                s, self.caller, [TransferInput(**{"ledger": "TWD", "code": 1, **i}) for i in items], now=now
            )
        return [str(o.result) for o in out]

    def balance(self, account_id: str) -> tuple[int, int, int, int]:
        with self.db.session() as s:
            a = get_account(s, self.caller, account_id)
            return (a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted)
