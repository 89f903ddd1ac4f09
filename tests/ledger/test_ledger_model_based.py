"""Model-based test: random batches against the engine and the reference model, every result
code, every balance, every stored transfer (amount, state, balances after) compared."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from ledger_helpers import T0
from ledger_model import CLOSED, CMNED, DMNEC, Account, Model
from sqlalchemy import select

from digiplus.core.context import Caller
from digiplus.core.db import Database
from digiplus.identity import service as identity
from digiplus.identity.schemas import OrganizationCreate
from digiplus.ledger import (
    AMOUNT_MAX,
    AccountInput,
    TransferInput,
    close_account,
    create_accounts,
    create_transfers,
    expire_pending,
    verify_ledger,
)
from digiplus.ledger.models import LedgerAccount, LedgerTransfer

ACCOUNTS = {  # id: (ledger, flags)
    "bank": ("TWD", 0),
    "alice": ("TWD", DMNEC),
    "bob": ("TWD", DMNEC),
    "shop": ("TWD", CMNED),
    "fees": ("TWD", 0),
    "usd": ("USD", 0),
}
IDS = [f"t{i}" for i in range(10)]

amounts = st.sampled_from([1, 2, 5, 10, 25, 100, 0, -3, AMOUNT_MAX, AMOUNT_MAX + 1])
account_ids = st.sampled_from([*ACCOUNTS, "nope"])
flag_bits = st.sampled_from([0, 0, 0, 1, 2, 2, 3, 4, 5, 8, 9, 16, 32, 48, 6, 18, 20])


@st.composite
def transfers(draw: Any) -> TransferInput:
    flags = draw(flag_bits)
    post_or_void = flags & 12
    return TransferInput(
        id=draw(st.sampled_from(IDS)),
        debit_account_id=draw(st.none() | account_ids) if post_or_void else draw(account_ids),
        credit_account_id=draw(st.none() | account_ids) if post_or_void else draw(account_ids),
        amount=draw(st.none() | amounts) if post_or_void else draw(amounts),
        ledger=draw(st.none() | st.just("TWD")) if post_or_void else draw(st.sampled_from(["TWD", "TWD", "USD", ""])),
        code=None if post_or_void and draw(st.booleans()) else draw(st.sampled_from([1, 1, 1, 2, 0])),
        flags=flags,
        pending_id=draw(st.sampled_from(IDS)) if post_or_void or draw(st.integers(0, 20)) == 0 else None,
        timeout=draw(st.sampled_from([0, 0, 0, 1, 5, 60])) if flags & 2 or draw(st.integers(0, 20)) == 0 else 0,
        metadata=draw(st.sampled_from([None, None, None, {"k": "v"}])),
    )


@pytest.fixture
def machine_db(db: Database) -> Database:
    return db


def run_machine(db: Database) -> None:
    class LedgerMachine(RuleBasedStateMachine):
        @initialize()
        def start(self) -> None:
            with db.session() as s:
                org = identity.create_organization(s, OrganizationCreate(name="Model", kind="merchant"))  # type: ignore[arg-type]
            self.caller = Caller.system(org.id, False)
            self.model = Model()
            self.now = T0
            with db.session() as s:
                out = create_accounts(
                    s, self.caller, [AccountInput(id=i, ledger=lg, code=1, flags=f) for i, (lg, f) in ACCOUNTS.items()]
                )
            assert {o.result for o in out} == {"ok"}
            for i, (lg, f) in ACCOUNTS.items():
                self.model.accounts[i] = Account(lg, f)
            # Fund the overdraft-limited accounts so that many transfers can succeed.
            self.batch(
                [
                    TransferInput(
                        id="fund-a",
                        debit_account_id="bank",
                        credit_account_id="alice",
                        amount=100,
                        ledger="TWD",
                        code=1,
                    ),
                    TransferInput(
                        id="fund-b", debit_account_id="bank", credit_account_id="bob", amount=30, ledger="TWD", code=1
                    ),
                    TransferInput(
                        id="fund-s", debit_account_id="shop", credit_account_id="fees", amount=1, ledger="TWD", code=1
                    ),
                ]
            )

        def batch(self, items: list[TransferInput]) -> None:
            with db.session() as s:
                got = [str(o.result) for o in create_transfers(s, self.caller, items, now=self.now)]
            expected = self.model.create_transfers(items, self.now)
            assert got == expected, list(zip(items, got, expected, strict=True))

        @rule(items=st.lists(transfers(), min_size=1, max_size=8))
        def run_batch(self, items: list[TransferInput]) -> None:
            self.batch(items)

        @rule(seconds=st.sampled_from([1, 4, 30, 61]))
        def advance_clock(self, seconds: int) -> None:
            self.now += timedelta(seconds=seconds)

        @rule()
        def expire(self) -> None:
            with db.session() as s:
                got = sorted(expire_pending(s, self.caller, now=self.now))
            assert got == self.model.expire(self.now)

        @rule(account=st.sampled_from(["bob", "shop"]))
        def close(self, account: str) -> None:
            with db.session() as s:
                close_account(s, self.caller, account)
            self.model.accounts[account].flags |= CLOSED

        @invariant()
        def same_state(self) -> None:
            if not hasattr(self, "caller"):
                return
            with db.session() as s:
                accounts = s.scalars(select(LedgerAccount).where(LedgerAccount.org_id == self.caller.org_id)).all()
                rows = s.scalars(select(LedgerTransfer).where(LedgerTransfer.org_id == self.caller.org_id)).all()
            got = {a.id: (a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted) for a in accounts}
            assert got == {i: a.bal() for i, a in self.model.accounts.items()}
            stored = {
                t.id: (
                    t.debit_account_id,
                    t.credit_account_id,
                    t.amount,
                    t.pending_status,
                    (
                        t.dr_debits_pending,
                        t.dr_debits_posted,
                        t.dr_credits_pending,
                        t.dr_credits_posted,
                        t.cr_debits_pending,
                        t.cr_debits_posted,
                        t.cr_credits_pending,
                        t.cr_credits_posted,
                    ),
                )
                for t in rows
            }
            assert stored == {
                i: (t.debit, t.credit, t.amount, t.status, t.after) for i, t in self.model.transfers.items()
            }

        def teardown(self) -> None:
            with db.session() as s:
                report = verify_ledger(s)
            assert report.ok, report.problems

    LedgerMachine.TestCase.settings = settings(
        max_examples=50,
        stateful_step_count=12,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    LedgerMachine.TestCase().runTest()


def test_engine_matches_reference_model(machine_db: Database) -> None:
    run_machine(machine_db)
