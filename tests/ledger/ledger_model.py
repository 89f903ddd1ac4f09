"""A small in-memory reference model of the ledger, written plainly and separately from the
engine: every step deep-copies the whole state for a chain and restores it on failure."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from digiplus.ledger import AMOUNT_MAX, TransferFlags, TransferInput

LINKED, PENDING, POST, VOID = 1, 2, 4, 8
BAL_DR, BAL_CR = 16, 32
DMNEC, CMNED, CLOSED = 2, 4, 16
assert tuple(int(f) for f in TransferFlags) == (LINKED, PENDING, POST, VOID, BAL_DR, BAL_CR)


@dataclass
class Account:
    ledger: str
    flags: int
    dp: int = 0
    dpo: int = 0
    cp: int = 0
    cpo: int = 0

    def bal(self) -> tuple[int, int, int, int]:
        return (self.dp, self.dpo, self.cp, self.cpo)


@dataclass
class Transfer:
    t: TransferInput
    debit: str
    credit: str
    amount: int
    ledger: str
    code: int
    status: str | None
    expires_at: datetime | None
    after: tuple[int, ...] = ()


@dataclass
class Model:
    accounts: dict[str, Account] = field(default_factory=dict)
    transfers: dict[str, Transfer] = field(default_factory=dict)

    def create_transfers(self, items: list[TransferInput], now: datetime) -> list[str]:
        results: list[str] = []
        i = 0
        while i < len(items):
            j = i
            while j < len(items) - 1 and items[j].flags & LINKED:
                j += 1
            chain = items[i : j + 1]
            open_chain = bool(chain[-1].flags & LINKED)
            saved = (
                copy.deepcopy(self.accounts),
                dict(self.transfers),
                {k: (v.status) for k, v in self.transfers.items()},
            )
            codes: list[str] = []
            for k, t in enumerate(chain):
                code = "linked_event_chain_open" if open_chain and k == len(chain) - 1 else self.apply(t, now)
                if code != "ok":
                    codes = ["linked_event_failed"] * k + [code] + ["linked_event_failed"] * (len(chain) - k - 1)
                    self.accounts, self.transfers = saved[0], saved[1]
                    for tid, status in saved[2].items():
                        self.transfers[tid].status = status
                    break
                codes.append("ok")
            results += codes
            i = j + 1
        return results

    def apply(self, t: TransferInput, now: datetime) -> str:
        f = t.flags
        if not t.id:
            return "id_must_not_be_zero"
        post_or_void = f & (POST | VOID)
        if (f & PENDING and post_or_void) or (f & POST and f & VOID) or (f & (BAL_DR | BAL_CR) and post_or_void):
            return "flags_are_mutually_exclusive"
        if post_or_void:
            return self.post_or_void(t, now)
        if not t.debit_account_id:
            return "debit_account_id_must_not_be_zero"
        if not t.credit_account_id:
            return "credit_account_id_must_not_be_zero"
        if t.debit_account_id == t.credit_account_id:
            return "accounts_must_be_different"
        if t.pending_id is not None:
            return "pending_id_must_be_zero"
        if not f & PENDING and t.timeout:
            return "timeout_reserved_for_pending_transfer"
        if t.amount is None or t.amount == 0:
            return "amount_must_not_be_zero"
        if t.amount < 0:
            return "amount_must_not_be_negative"
        if not t.ledger:
            return "ledger_must_not_be_zero"
        if t.code is None or t.code < 1 or t.code > 65535:
            return "code_must_not_be_zero"
        dr, cr = self.accounts.get(t.debit_account_id), self.accounts.get(t.credit_account_id)
        if dr is None:
            return "debit_account_not_found"
        if cr is None:
            return "credit_account_not_found"
        if dr.ledger != cr.ledger:
            return "accounts_must_have_the_same_ledger"
        if t.ledger != dr.ledger:
            return "transfer_must_have_the_same_ledger_as_accounts"
        e = self.transfers.get(t.id)
        if e is not None:
            return exists(t, e)
        if dr.flags & CLOSED:
            return "debit_account_already_closed"
        if cr.flags & CLOSED:
            return "credit_account_already_closed"
        amount = t.amount
        if f & BAL_DR:
            amount = min(amount, max(0, dr.cpo - dr.dpo - dr.dp))
        if f & BAL_CR:
            amount = min(amount, max(0, cr.dpo - cr.cpo - cr.cp))
        checks: list[tuple[bool, str]] = [
            (bool(f & PENDING) and dr.dp + amount > AMOUNT_MAX, "overflows_debits_pending"),
            (bool(f & PENDING) and cr.cp + amount > AMOUNT_MAX, "overflows_credits_pending"),
            (dr.dpo + amount > AMOUNT_MAX, "overflows_debits_posted"),
            (cr.cpo + amount > AMOUNT_MAX, "overflows_credits_posted"),
            (dr.dp + dr.dpo + amount > AMOUNT_MAX, "overflows_debits"),
            (cr.cp + cr.cpo + amount > AMOUNT_MAX, "overflows_credits"),
            (not 0 <= t.timeout <= 2**31 - 1, "overflows_timeout"),
            (bool(dr.flags & DMNEC) and dr.dp + dr.dpo + amount > dr.cpo, "exceeds_credits"),
            (bool(cr.flags & CMNED) and cr.cp + cr.cpo + amount > cr.dpo, "exceeds_debits"),
        ]
        for failed, code in checks:
            if failed:
                return code
        if f & PENDING:
            dr.dp += amount
            cr.cp += amount
        else:
            dr.dpo += amount
            cr.cpo += amount
        self.transfers[t.id] = Transfer(
            t,
            t.debit_account_id,
            t.credit_account_id,
            amount,
            t.ledger,
            t.code,
            "pending" if f & PENDING else None,
            now + timedelta(seconds=t.timeout) if f & PENDING and t.timeout else None,
            dr.bal() + cr.bal(),
        )
        return "ok"

    def post_or_void(self, t: TransferInput, now: datetime) -> str:
        if not t.pending_id:
            return "pending_id_must_not_be_zero"
        if t.pending_id == t.id:
            return "pending_id_must_be_different"
        if t.timeout:
            return "timeout_reserved_for_pending_transfer"
        if t.amount is not None and t.amount < 0:
            return "amount_must_not_be_negative"
        p = self.transfers.get(t.pending_id)
        if p is None:
            return "pending_transfer_not_found"
        if not p.t.flags & PENDING:
            return "pending_transfer_not_pending"
        for given, actual, code in (
            (t.debit_account_id, p.debit, "debit_account_id"),
            (t.credit_account_id, p.credit, "credit_account_id"),
            (t.ledger, p.ledger, "ledger"),
            (t.code, p.code, "code"),
        ):
            if given and given != actual:
                return f"pending_transfer_has_different_{code}"
        amount = p.amount if t.amount is None else t.amount
        if amount > p.amount:
            return "exceeds_pending_transfer_amount"
        if t.flags & VOID and amount < p.amount:
            return "pending_transfer_has_different_amount"
        if t.flags & POST and amount == 0:
            return "amount_must_not_be_zero"
        e = self.transfers.get(t.id)
        if e is not None:
            if t.flags != e.t.flags:
                return "exists_with_different_flags"
            if t.pending_id != e.t.pending_id:
                return "exists_with_different_pending_id"
            if t.amount is not None and t.amount != e.amount:
                return "exists_with_different_amount"
            if (t.metadata or None) != (e.t.metadata or None):
                return "exists_with_different_metadata"
            return "exists"
        if p.status in ("posted", "voided"):
            return f"pending_transfer_already_{p.status}"
        if p.status == "expired" or (p.expires_at is not None and now >= p.expires_at):
            return "pending_transfer_expired"
        dr, cr = self.accounts[p.debit], self.accounts[p.credit]
        if t.flags & POST and dr.flags & CLOSED:
            return "debit_account_already_closed"
        if t.flags & POST and cr.flags & CLOSED:
            return "credit_account_already_closed"
        dr.dp -= p.amount
        cr.cp -= p.amount
        if t.flags & POST:
            dr.dpo += amount
            cr.cpo += amount
        p.status = "posted" if t.flags & POST else "voided"
        self.transfers[t.id] = Transfer(t, p.debit, p.credit, amount, p.ledger, p.code, None, None, dr.bal() + cr.bal())
        return "ok"

    def expire(self, now: datetime) -> list[str]:
        done = []
        for tid, p in self.transfers.items():
            if p.status == "pending" and p.expires_at is not None and p.expires_at <= now:
                self.accounts[p.debit].dp -= p.amount
                self.accounts[p.credit].cp -= p.amount
                p.status = "expired"
                done.append(tid)
        return sorted(done)


def exists(t: TransferInput, e: Transfer) -> str:
    checks: list[tuple[Any, Any, str]] = [
        (t.flags, e.t.flags, "flags"),
        (t.debit_account_id, e.debit, "debit_account_id"),
        (t.credit_account_id, e.credit, "credit_account_id"),
    ]
    for a, b, name in checks:
        if a != b:
            return f"exists_with_different_{name}"
    balancing = t.flags & (BAL_DR | BAL_CR)
    if (t.amount or 0) < e.amount if balancing else t.amount != e.amount:
        return "exists_with_different_amount"
    for a, b, name in (
        ((t.metadata or None), (e.t.metadata or None), "metadata"),
        (t.timeout, e.t.timeout, "timeout"),
        (t.ledger, e.ledger, "ledger"),
        (t.code, e.code, "code"),
    ):
        if a != b:
            return f"exists_with_different_{name}"
    return "exists"
