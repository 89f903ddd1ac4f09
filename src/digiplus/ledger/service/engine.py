"""The transfer engine: applies a batch to in-memory account balances.

No database here. ``service.transfers`` loads (and on PostgreSQL locks) every
account and every referenced transfer of the batch, runs this engine, then writes
the new transfers and changed balances in bulk. The checks follow TigerBeetle's
order, so the first failing check names the result.

A linked chain is applied optimistically with an undo journal: the first change
to an account (or a pending transfer's state) inside the chain saves its old
values, and a failure restores them and drops the chain's new transfers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from digiplus.ledger.codes import (
    AMOUNT_MAX,
    CODE_MAX,
    EXPIRED,
    PENDING,
    POSTED,
    TIMEOUT_MAX,
    VOIDED,
    AccountFlags,
    TransferFlags,
)
from digiplus.ledger.codes import TransferResult as R

_LINKED = int(TransferFlags.linked)
_PENDING = int(TransferFlags.pending)
_POST = int(TransferFlags.post_pending_transfer)
_VOID = int(TransferFlags.void_pending_transfer)
_BAL_DR = int(TransferFlags.balancing_debit)
_BAL_CR = int(TransferFlags.balancing_credit)
_DMNEC = int(AccountFlags.debits_must_not_exceed_credits)
_CMNED = int(AccountFlags.credits_must_not_exceed_debits)
_CLOSED = int(AccountFlags.closed)

BALANCE_COLUMNS = (
    "dr_debits_pending",
    "dr_debits_posted",
    "dr_credits_pending",
    "dr_credits_posted",
    "cr_debits_pending",
    "cr_debits_posted",
    "cr_credits_pending",
    "cr_credits_posted",
)


@dataclass(frozen=True, slots=True)
class TransferInput:
    """One transfer to create. For a post/void, accounts, ledger, code and amount may be
    left out (they come from the pending transfer; the amount defaults to all of it)."""

    id: str
    debit_account_id: str | None = None
    credit_account_id: str | None = None
    amount: int | None = None
    ledger: str | None = None
    code: int | None = None
    flags: int = 0
    pending_id: str | None = None
    timeout: int = 0
    metadata: dict[str, Any] | None = None


class AccountState:
    __slots__ = (
        "code",
        "credits_pending",
        "credits_posted",
        "debits_pending",
        "debits_posted",
        "dirty",
        "flags",
        "id",
        "ledger",
        "seq",
    )

    def __init__(
        self, seq: int, id: str, ledger: str, code: int, flags: int, dp: int, dpo: int, cp: int, cpo: int
    ) -> None:
        self.seq, self.id, self.ledger, self.code, self.flags = seq, id, ledger, code, flags
        self.debits_pending, self.debits_posted = dp, dpo
        self.credits_pending, self.credits_posted = cp, cpo
        self.dirty = False

    def balances(self) -> tuple[int, int, int, int]:
        return (self.debits_pending, self.debits_posted, self.credits_pending, self.credits_posted)


class TransferState:
    """A transfer as the engine sees it: loaded from the database or created by this batch.
    Its attribute names match ``LedgerTransfer`` so one serializer serves both."""

    __slots__ = (
        "amount",
        "code",
        "cr_credits_pending",
        "cr_credits_posted",
        "cr_debits_pending",
        "cr_debits_posted",
        "created",
        "credit_account_id",
        "credit_account_seq",
        "debit_account_id",
        "debit_account_seq",
        "dr_credits_pending",
        "dr_credits_posted",
        "dr_debits_pending",
        "dr_debits_posted",
        "expires_at",
        "flags",
        "id",
        "ledger",
        "livemode",
        "meta",
        "pending_id",
        "pending_status",
        "seq",
        "status_changed",
        "timeout",
    )

    seq: int | None
    id: str
    debit_account_id: str
    credit_account_id: str
    debit_account_seq: int
    credit_account_seq: int
    amount: int
    pending_id: str | None
    ledger: str
    code: int
    flags: int
    timeout: int
    meta: dict[str, Any] | None
    pending_status: str | None
    expires_at: datetime | None
    created: datetime
    livemode: bool
    status_changed: bool
    dr_debits_pending: int
    dr_debits_posted: int
    dr_credits_pending: int
    dr_credits_posted: int
    cr_debits_pending: int
    cr_debits_posted: int
    cr_credits_pending: int
    cr_credits_posted: int

    def __init__(
        self,
        seq: int | None,
        id: str,
        debit_account_id: str,
        credit_account_id: str,
        debit_account_seq: int,
        credit_account_seq: int,
        amount: int,
        pending_id: str | None,
        ledger: str,
        code: int,
        flags: int,
        timeout: int,
        meta: dict[str, Any] | None,
        pending_status: str | None,
        expires_at: datetime | None,
        created: datetime,
        livemode: bool,
        *balances: int,
    ) -> None:
        """Positional, in ``STATE_COLUMNS`` order, followed by the eight balances after it."""
        self.seq, self.id, self.status_changed = seq, id, False
        self.debit_account_id, self.credit_account_id = debit_account_id, credit_account_id
        self.debit_account_seq, self.credit_account_seq = debit_account_seq, credit_account_seq
        self.amount, self.pending_id, self.ledger, self.code = amount, pending_id, ledger, code
        self.flags, self.timeout, self.meta = flags, timeout, meta
        self.pending_status, self.expires_at, self.created, self.livemode = (
            pending_status,
            expires_at,
            created,
            livemode,
        )
        (
            self.dr_debits_pending,
            self.dr_debits_posted,
            self.dr_credits_pending,
            self.dr_credits_posted,
            self.cr_debits_pending,
            self.cr_debits_posted,
            self.cr_credits_pending,
            self.cr_credits_posted,
        ) = balances


# The stored columns of a transfer in ``TransferState``'s positional order ("metadata" is ``meta``).
STATE_COLUMNS = (
    "seq",
    "id",
    "debit_account_id",
    "credit_account_id",
    "debit_account_seq",
    "credit_account_seq",
    "amount",
    "pending_id",
    "ledger",
    "code",
    "flags",
    "timeout",
    "metadata",
    "pending_status",
    "expires_at",
    "created",
    "livemode",
    *BALANCE_COLUMNS,
)

# A new transfer as the engine builds it and the store writes it: one tuple in this column order.
ROW_COLUMNS = (
    "id",
    "org_id",
    "livemode",
    "created",
    "debit_account_id",
    "credit_account_id",
    "debit_account_seq",
    "credit_account_seq",
    "amount",
    "pending_id",
    "ledger",
    "code",
    "flags",
    "timeout",
    "pending_status",
    "expires_at",
    "metadata",
    *BALANCE_COLUMNS,
)
_STATUS, _EXPIRES = ROW_COLUMNS.index("pending_status"), ROW_COLUMNS.index("expires_at")


@dataclass(frozen=True, slots=True)
class RowFormat:
    """How the database takes the values of a new transfer row (the engine itself knows no database)."""

    org_id: str
    created: Any  # the batch's ``now``
    stamp: Callable[[datetime], Any]  # a pending transfer's expiry
    dumps: Callable[[dict[str, Any]], Any]  # metadata


class TransferEngine:
    """New transfers become insert rows (``ROW_COLUMNS``) as they are applied; a ``TransferState`` is
    built for one only when the batch refers to it again (a duplicate id, a post or void of a
    pending transfer created earlier in the batch) or the caller asks for it (``state``)."""

    def __init__(
        self,
        accounts: dict[str, AccountState],
        transfers: dict[str, TransferState],
        now: datetime,
        livemode: bool,
        fmt: RowFormat,
    ) -> None:
        self.accounts = accounts
        self.transfers = transfers  # stored ones, and new ones once they have a TransferState
        self.now = now
        self.livemode = livemode
        self.fmt = fmt
        self.rows: list[tuple[Any, ...]] = []  # the new transfers, in batch order
        self.resolved: list[TransferState] = []  # already-stored pending transfers whose state changed
        self._inputs: list[TransferInput] = []  # the input of each row
        self._new: dict[str, int] = {}  # id -> index in ``rows``
        self._states: dict[int, TransferState] = {}  # index in ``rows`` -> its TransferState, once built
        self._journal: list[tuple[Any, ...]] | None = None
        self._touched: set[int] = set()

    # ------------------------------------------------------------------ batch
    def run(self, items: list[TransferInput]) -> list[R]:
        results = [R.ok] * len(items)
        last = len(items) - 1
        chain_start = -1
        chain_broken = False
        apply, ok = self._apply, R.ok
        for i, t in enumerate(items):
            linked = t.flags & _LINKED
            if not linked and chain_start < 0:  # outside any chain: the common case
                code = apply(t)
                if code is not ok:
                    results[i] = code
                continue
            if linked and chain_start < 0:
                chain_start, chain_broken = i, False
                self._begin_chain()
            if chain_broken:
                results[i] = R.linked_event_failed
            else:
                code = R.linked_event_chain_open if (linked and i == last) else self._apply(t)
                if code is not R.ok:
                    results[i] = code
                    if chain_start >= 0:
                        chain_broken = True
                        self._rollback_chain()
                        for j in range(chain_start, i):
                            results[j] = R.linked_event_failed
            if chain_start >= 0 and not linked:
                self._journal = None
                chain_start, chain_broken = -1, False
        self._finish_rows()
        return results

    def state(self, index: int) -> TransferState:
        """The ``index``-th new transfer of the batch (the ``index``-th ``ok`` item) as a TransferState."""
        state = self._states.get(index)
        if state is None:
            state = self._states[index] = self._build_state(index)
        return state

    def _build_state(self, index: int) -> TransferState:
        row, t = self.rows[index], self._inputs[index]
        status = row[_STATUS]
        expires_at = self.now + timedelta(seconds=t.timeout) if status == PENDING and t.timeout else None
        (tid, _org, livemode, _created, dr, cr, dr_seq, cr_seq, amount, pending_id, ledger, code, flags, timeout) = row[
            :_STATUS
        ]
        return TransferState(
            None,
            tid,
            dr,
            cr,
            dr_seq,
            cr_seq,
            amount,
            pending_id,
            ledger,
            code,
            flags,
            timeout,
            t.metadata,
            status,
            expires_at,
            self.now,
            livemode,
            *row[_EXPIRES + 2 :],
        )

    def _get(self, transfer_id: str) -> TransferState | None:
        state = self.transfers.get(transfer_id)
        if state is None and transfer_id in self._new:
            state = self.transfers[transfer_id] = self.state(self._new[transfer_id])
        return state

    def _finish_rows(self) -> None:
        """A pending transfer created and then posted or voided in this batch is stored resolved."""
        for index, state in self._states.items():
            row = self.rows[index]
            if state.pending_status != row[_STATUS]:
                self.rows[index] = (*row[:_STATUS], state.pending_status, None, *row[_EXPIRES + 1 :])

    def _begin_chain(self) -> None:
        self._journal = [("created", len(self.rows), len(self.resolved))]
        self._touched = set()

    def _rollback_chain(self) -> None:
        journal = self._journal or []
        for entry in reversed(journal):
            kind = entry[0]
            if kind == "account":
                acct = entry[1]
                (acct.debits_pending, acct.debits_posted, acct.credits_pending, acct.credits_posted) = entry[2]
            elif kind == "status":
                entry[1].pending_status, entry[1].status_changed = entry[2], entry[3]
            elif kind == "created":
                start = entry[1]
                for index in range(start, len(self.rows)):
                    tid = self.rows[index][0]
                    del self._new[tid]
                    if self._states.pop(index, None) is not None:
                        del self.transfers[tid]
                del self.rows[start:]
                del self._inputs[start:]
                del self.resolved[entry[2] :]
        self._journal = None

    def _save(self, acct: AccountState) -> None:
        acct.dirty = True
        if self._journal is not None and id(acct) not in self._touched:
            self._touched.add(id(acct))
            self._journal.append(("account", acct, acct.balances()))

    # --------------------------------------------------------------- transfer
    def _apply(self, t: TransferInput) -> R:
        if not t.id:
            return R.id_must_not_be_zero
        f = t.flags
        if not f & ~_LINKED:
            return self._posted(t)
        if (
            (f & _PENDING and f & (_POST | _VOID))
            or (f & _POST and f & _VOID)
            or (f & (_BAL_DR | _BAL_CR) and f & (_POST | _VOID))
        ):
            return R.flags_are_mutually_exclusive
        if f & (_POST | _VOID):
            return self._post_or_void(t)
        if not t.debit_account_id:
            return R.debit_account_id_must_not_be_zero
        if not t.credit_account_id:
            return R.credit_account_id_must_not_be_zero
        if t.debit_account_id == t.credit_account_id:
            return R.accounts_must_be_different
        if t.pending_id is not None:
            return R.pending_id_must_be_zero
        if not f & _PENDING and t.timeout != 0:
            return R.timeout_reserved_for_pending_transfer
        if not t.amount:
            return R.amount_must_not_be_zero
        if t.amount < 0:
            return R.amount_must_not_be_negative
        if not t.ledger:
            return R.ledger_must_not_be_zero
        if t.code is None or not 1 <= t.code <= CODE_MAX:
            return R.code_must_not_be_zero
        dr = self.accounts.get(t.debit_account_id)
        if dr is None:
            return R.debit_account_not_found
        cr = self.accounts.get(t.credit_account_id)
        if cr is None:
            return R.credit_account_not_found
        if dr.ledger != cr.ledger:
            return R.accounts_must_have_the_same_ledger
        if t.ledger != dr.ledger:
            return R.transfer_must_have_the_same_ledger_as_accounts
        existing = self.transfers.get(t.id)
        if existing is None and t.id in self._new:
            existing = self._get(t.id)
        if existing is not None:
            return _exists(t, existing)
        if dr.flags & _CLOSED:
            return R.debit_account_already_closed
        if cr.flags & _CLOSED:
            return R.credit_account_already_closed
        amount = t.amount
        if f & _BAL_DR:
            amount = min(amount, max(0, dr.credits_posted - dr.debits_posted - dr.debits_pending))
        if f & _BAL_CR:
            amount = min(amount, max(0, cr.debits_posted - cr.credits_posted - cr.credits_pending))
        if f & _PENDING:
            if dr.debits_pending + amount > AMOUNT_MAX:
                return R.overflows_debits_pending
            if cr.credits_pending + amount > AMOUNT_MAX:
                return R.overflows_credits_pending
        if dr.debits_posted + amount > AMOUNT_MAX:
            return R.overflows_debits_posted
        if cr.credits_posted + amount > AMOUNT_MAX:
            return R.overflows_credits_posted
        if dr.debits_pending + dr.debits_posted + amount > AMOUNT_MAX:
            return R.overflows_debits
        if cr.credits_pending + cr.credits_posted + amount > AMOUNT_MAX:
            return R.overflows_credits
        if not 0 <= t.timeout <= TIMEOUT_MAX:
            return R.overflows_timeout
        if dr.flags & _DMNEC and dr.debits_pending + dr.debits_posted + amount > dr.credits_posted:
            return R.exceeds_credits
        if cr.flags & _CMNED and cr.credits_pending + cr.credits_posted + amount > cr.debits_posted:
            return R.exceeds_debits
        self._save(dr)
        self._save(cr)
        status = None
        expires_at = None
        if f & _PENDING:
            dr.debits_pending += amount
            cr.credits_pending += amount
            status = PENDING
            expires_at = self.now + timedelta(seconds=t.timeout) if t.timeout else None
        else:
            dr.debits_posted += amount
            cr.credits_posted += amount
        self._record(t, dr, cr, amount, t.ledger, t.code, status, expires_at)
        return R.ok

    def _posted(self, t: TransferInput) -> R:
        """The common case, a plain (possibly linked) posted transfer: ``_apply``'s checks in the same
        order without those its flags make moot, and the insert row built inline."""
        dr_id, cr_id, amount = t.debit_account_id, t.credit_account_id, t.amount
        if not dr_id:
            return R.debit_account_id_must_not_be_zero
        if not cr_id:
            return R.credit_account_id_must_not_be_zero
        if dr_id == cr_id:
            return R.accounts_must_be_different
        if t.pending_id is not None:
            return R.pending_id_must_be_zero
        if t.timeout != 0:
            return R.timeout_reserved_for_pending_transfer
        if not amount:
            return R.amount_must_not_be_zero
        if amount < 0:
            return R.amount_must_not_be_negative
        ledger, code = t.ledger, t.code
        if not ledger:
            return R.ledger_must_not_be_zero
        if code is None or not 1 <= code <= CODE_MAX:
            return R.code_must_not_be_zero
        accounts = self.accounts
        dr = accounts.get(dr_id)
        if dr is None:
            return R.debit_account_not_found
        cr = accounts.get(cr_id)
        if cr is None:
            return R.credit_account_not_found
        if dr.ledger != cr.ledger:
            return R.accounts_must_have_the_same_ledger
        if ledger != dr.ledger:
            return R.transfer_must_have_the_same_ledger_as_accounts
        tid = t.id
        existing = self.transfers.get(tid)
        if existing is None and tid in self._new:
            existing = self._get(tid)
        if existing is not None:
            return _exists(t, existing)
        if dr.flags & _CLOSED:
            return R.debit_account_already_closed
        if cr.flags & _CLOSED:
            return R.credit_account_already_closed
        dr_posted = dr.debits_posted + amount
        cr_posted = cr.credits_posted + amount
        if dr_posted > AMOUNT_MAX:
            return R.overflows_debits_posted
        if cr_posted > AMOUNT_MAX:
            return R.overflows_credits_posted
        if dr.debits_pending + dr_posted > AMOUNT_MAX:
            return R.overflows_debits
        if cr.credits_pending + cr_posted > AMOUNT_MAX:
            return R.overflows_credits
        if dr.flags & _DMNEC and dr.debits_pending + dr_posted > dr.credits_posted:
            return R.exceeds_credits
        if cr.flags & _CMNED and cr.credits_pending + cr_posted > cr.debits_posted:
            return R.exceeds_debits
        if self._journal is None:
            dr.dirty = cr.dirty = True
        else:
            self._save(dr)
            self._save(cr)
        dr.debits_posted = dr_posted
        cr.credits_posted = cr_posted
        rows, fmt, meta = self.rows, self.fmt, t.metadata
        self._new[tid] = len(rows)
        self._inputs.append(t)
        rows.append(
            (
                tid,
                fmt.org_id,
                self.livemode,
                fmt.created,
                dr_id,
                cr_id,
                dr.seq,
                cr.seq,
                amount,
                None,
                ledger,
                code,
                t.flags,
                0,
                None,
                None,
                None if meta is None else fmt.dumps(meta),
                dr.debits_pending,
                dr_posted,
                dr.credits_pending,
                dr.credits_posted,
                cr.debits_pending,
                cr.debits_posted,
                cr.credits_pending,
                cr_posted,
            )
        )
        return R.ok

    def _post_or_void(self, t: TransferInput) -> R:
        f = t.flags
        if not t.pending_id:
            return R.pending_id_must_not_be_zero
        if t.pending_id == t.id:
            return R.pending_id_must_be_different
        if t.timeout != 0:
            return R.timeout_reserved_for_pending_transfer
        if t.amount is not None and t.amount < 0:
            return R.amount_must_not_be_negative
        p = self._get(t.pending_id)
        if p is None:
            return R.pending_transfer_not_found
        if not p.flags & _PENDING:
            return R.pending_transfer_not_pending
        if t.debit_account_id and t.debit_account_id != p.debit_account_id:
            return R.pending_transfer_has_different_debit_account_id
        if t.credit_account_id and t.credit_account_id != p.credit_account_id:
            return R.pending_transfer_has_different_credit_account_id
        if t.ledger and t.ledger != p.ledger:
            return R.pending_transfer_has_different_ledger
        if t.code and t.code != p.code:
            return R.pending_transfer_has_different_code
        amount = p.amount if t.amount is None else t.amount
        if amount > p.amount:
            return R.exceeds_pending_transfer_amount
        if f & _VOID and amount < p.amount:
            return R.pending_transfer_has_different_amount
        if f & _POST and amount == 0:
            return R.amount_must_not_be_zero
        existing = self._get(t.id)
        if existing is not None:
            return _post_or_void_exists(t, existing)
        if p.pending_status == POSTED:
            return R.pending_transfer_already_posted
        if p.pending_status == VOIDED:
            return R.pending_transfer_already_voided
        if p.pending_status == EXPIRED or (p.expires_at is not None and self.now >= p.expires_at):
            return R.pending_transfer_expired
        dr = self.accounts[p.debit_account_id]
        cr = self.accounts[p.credit_account_id]
        if f & _POST:
            if dr.flags & _CLOSED:
                return R.debit_account_already_closed
            if cr.flags & _CLOSED:
                return R.credit_account_already_closed
        self._save(dr)
        self._save(cr)
        dr.debits_pending -= p.amount
        cr.credits_pending -= p.amount
        if f & _POST:
            dr.debits_posted += amount
            cr.credits_posted += amount
        if self._journal is not None:
            self._journal.append(("status", p, p.pending_status, p.status_changed))
        p.pending_status = POSTED if f & _POST else VOIDED
        if p.seq is not None and not p.status_changed:
            p.status_changed = True
            self.resolved.append(p)
        self._record(t, dr, cr, amount, p.ledger, p.code, None, None)
        return R.ok

    def _record(
        self,
        t: TransferInput,
        dr: AccountState,
        cr: AccountState,
        amount: int,
        ledger: str,
        code: int,
        status: str | None,
        expires_at: datetime | None,
    ) -> None:
        # The insert row itself, built once per transfer on the hot path (no intermediate object).
        fmt, meta = self.fmt, t.metadata
        self._new[t.id] = len(self.rows)
        self._inputs.append(t)
        self.rows.append(
            (
                t.id,
                fmt.org_id,
                self.livemode,
                fmt.created,
                dr.id,
                cr.id,
                dr.seq,
                cr.seq,
                amount,
                t.pending_id,
                ledger,
                code,
                t.flags,
                t.timeout,
                status,
                None if expires_at is None else fmt.stamp(expires_at),
                None if meta is None else fmt.dumps(meta),
                dr.debits_pending,
                dr.debits_posted,
                dr.credits_pending,
                dr.credits_posted,
                cr.debits_pending,
                cr.debits_posted,
                cr.credits_pending,
                cr.credits_posted,
            )
        )


def _exists(t: TransferInput, e: TransferState) -> R:
    if t.flags != e.flags:
        return R.exists_with_different_flags
    if t.debit_account_id != e.debit_account_id:
        return R.exists_with_different_debit_account_id
    if t.credit_account_id != e.credit_account_id:
        return R.exists_with_different_credit_account_id
    amount = t.amount or 0
    # A balancing transfer may have moved less than it asked for; asking again for at least that is the same.
    if (amount < e.amount) if t.flags & (_BAL_DR | _BAL_CR) else (amount != e.amount):
        return R.exists_with_different_amount
    if (t.metadata or None) != (e.meta or None):
        return R.exists_with_different_metadata
    if t.timeout != e.timeout:
        return R.exists_with_different_timeout
    if t.ledger != e.ledger:
        return R.exists_with_different_ledger
    if t.code != e.code:
        return R.exists_with_different_code
    return R.exists


def _post_or_void_exists(t: TransferInput, e: TransferState) -> R:
    if t.flags != e.flags:
        return R.exists_with_different_flags
    if t.pending_id != e.pending_id:
        return R.exists_with_different_pending_id
    if t.amount is not None and t.amount != e.amount:
        return R.exists_with_different_amount
    if (t.metadata or None) != (e.meta or None):
        return R.exists_with_different_metadata
    return R.exists
