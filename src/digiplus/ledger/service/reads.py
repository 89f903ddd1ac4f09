"""Reading the ledger: accounts, transfers (of an account, by time), balances as of a transfer."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from digiplus.core.api.pagination import ListParams, paginate
from digiplus.core.context import Caller
from digiplus.core.errors import NotFound
from digiplus.core.tenancy import get_owned, scoped
from digiplus.ledger.models import LedgerAccount, LedgerTransfer


@dataclass(frozen=True, slots=True)
class Balance:
    debits_pending: int
    debits_posted: int
    credits_pending: int
    credits_posted: int

    @property
    def net_credit(self) -> int:
        """credits_posted − debits_posted: what a liability/income account holds (a wallet)."""
        return self.credits_posted - self.debits_posted


def account_balance(account: LedgerAccount) -> Balance:
    return Balance(account.debits_pending, account.debits_posted, account.credits_pending, account.credits_posted)


def list_accounts(
    session: Session, caller: Caller, params: ListParams, serialize: Any, *, ledger: str | None = None
) -> dict[str, Any]:
    stmt = scoped(LedgerAccount, caller)
    if ledger:
        stmt = stmt.where(LedgerAccount.ledger == ledger)
    return paginate(session, stmt, LedgerAccount.id, params, serialize, "/v1/ledger/accounts")


def get_transfer(session: Session, caller: Caller, transfer_id: str) -> LedgerTransfer:
    return get_owned(session, LedgerTransfer, transfer_id, caller)


def _seq_of(session: Session, caller: Caller, transfer_id: str, param: str) -> int:
    seq = session.scalar(
        select(LedgerTransfer.seq).where(
            LedgerTransfer.org_id == caller.org_id,
            LedgerTransfer.livemode == caller.livemode,
            LedgerTransfer.id == transfer_id,
        )
    )
    if seq is None:
        raise NotFound(f"No such ledger_transfer: '{transfer_id}'", param=param)
    return seq


def _time_filter(stmt: Select[Any], created_gte: datetime | None, created_lt: datetime | None) -> Select[Any]:
    if created_gte is not None:
        stmt = stmt.where(LedgerTransfer.created >= created_gte)
    if created_lt is not None:
        stmt = stmt.where(LedgerTransfer.created < created_lt)
    return stmt


def _page_by_seq(
    session: Session, caller: Caller, stmt: Select[Any], params: ListParams, serialize: Any, url: str
) -> dict[str, Any]:
    """Newest first by application order (``seq``); the cursors are transfer ids."""
    if params.ending_before:
        seq = _seq_of(session, caller, params.ending_before, "ending_before")
        rows = list(
            session.scalars(
                stmt.where(LedgerTransfer.seq > seq).order_by(LedgerTransfer.seq.asc()).limit(params.limit + 1)
            )
        )
        has_more = len(rows) > params.limit
        rows = list(reversed(rows[: params.limit]))
    else:
        if params.starting_after:
            stmt = stmt.where(LedgerTransfer.seq < _seq_of(session, caller, params.starting_after, "starting_after"))
        rows = list(session.scalars(stmt.order_by(LedgerTransfer.seq.desc()).limit(params.limit + 1)))
        has_more = len(rows) > params.limit
        rows = rows[: params.limit]
    return {"object": "list", "data": [serialize(r) for r in rows], "has_more": has_more, "url": url}


def list_transfers(
    session: Session,
    caller: Caller,
    params: ListParams,
    serialize: Any,
    *,
    created_gte: datetime | None = None,
    created_lt: datetime | None = None,
) -> dict[str, Any]:
    stmt = _time_filter(scoped(LedgerTransfer, caller), created_gte, created_lt)
    return _page_by_seq(session, caller, stmt, params, serialize, "/v1/ledger/transfers")


def _of_account(account: LedgerAccount) -> Any:
    return or_(LedgerTransfer.debit_account_seq == account.seq, LedgerTransfer.credit_account_seq == account.seq)


def account_transfers(
    session: Session,
    caller: Caller,
    account_id: str,
    params: ListParams,
    serialize: Any,
    *,
    created_gte: datetime | None = None,
    created_lt: datetime | None = None,
) -> dict[str, Any]:
    account = get_owned(session, LedgerAccount, account_id, caller)
    stmt = _time_filter(select(LedgerTransfer).where(_of_account(account)), created_gte, created_lt)
    return _page_by_seq(session, caller, stmt, params, serialize, f"/v1/ledger/accounts/{account_id}/transfers")


def balance_after(transfer: LedgerTransfer, account_id: str) -> Balance:
    """The account's balance right after ``transfer`` (one of its two accounts)."""
    if transfer.debit_account_id == account_id:
        return Balance(
            transfer.dr_debits_pending,
            transfer.dr_debits_posted,
            transfer.dr_credits_pending,
            transfer.dr_credits_posted,
        )
    return Balance(
        transfer.cr_debits_pending, transfer.cr_debits_posted, transfer.cr_credits_pending, transfer.cr_credits_posted
    )


def balance_at(session: Session, caller: Caller, account_id: str, transfer_id: str) -> Balance:
    """The balance of the account as of (right after) one of its past transfers: one row read."""
    account = get_owned(session, LedgerAccount, account_id, caller)
    transfer = get_owned(session, LedgerTransfer, transfer_id, caller, param="at_transfer")
    if account.seq not in (transfer.debit_account_seq, transfer.credit_account_seq):
        raise NotFound(f"The transfer '{transfer_id}' does not touch the account '{account_id}'.", param="at_transfer")
    return balance_after(transfer, account_id)


@dataclass(frozen=True, slots=True)
class HistoryPoint:
    transfer_id: str
    created: datetime
    balance: Balance


def balance_history(session: Session, caller: Caller, account_id: str, *, limit: int = 500) -> list[HistoryPoint]:
    """The account's balance after each of its last ``limit`` transfers, oldest first: one query."""
    account = get_owned(session, LedgerAccount, account_id, caller)
    rows = session.scalars(
        select(LedgerTransfer).where(_of_account(account)).order_by(LedgerTransfer.seq.desc()).limit(limit)
    ).all()
    return [HistoryPoint(t.id, t.created, balance_after(t, account_id)) for t in reversed(rows)]


STATEMENT_COLUMNS = (
    "created",
    "transfer_id",
    "side",
    "counterparty_account_id",
    "amount",
    "ledger",
    "code",
    "flags",
    "pending_id",
    "pending_status",
    "debits_pending",
    "debits_posted",
    "credits_pending",
    "credits_posted",
)


def statement_rows(
    session: Session,
    caller: Caller,
    account_id: str,
    *,
    created_gte: datetime | None = None,
    created_lt: datetime | None = None,
    chunk: int = 1000,
) -> Iterator[tuple[Any, ...]]:
    """Every transfer of the account in application order, with its balance after; streamed in chunks."""
    from digiplus.ledger.codes import TransferFlags, flag_names

    account = get_owned(session, LedgerAccount, account_id, caller)
    last = 0
    while True:
        stmt = (
            _time_filter(
                select(LedgerTransfer).where(_of_account(account), LedgerTransfer.seq > last), created_gte, created_lt
            )
            .order_by(LedgerTransfer.seq)
            .limit(chunk)
        )
        rows = session.scalars(stmt).all()
        for t in rows:
            debit = t.debit_account_id == account_id
            b = balance_after(t, account_id)
            yield (
                t.created.isoformat(),
                t.id,
                "debit" if debit else "credit",
                t.credit_account_id if debit else t.debit_account_id,
                t.amount,
                t.ledger,
                t.code,
                " ".join(flag_names(TransferFlags, t.flags)),
                t.pending_id or "",
                t.pending_status or "",
                b.debits_pending,
                b.debits_posted,
                b.credits_pending,
                b.credits_posted,
            )
        if len(rows) < chunk:
            return
        last = rows[-1].seq
