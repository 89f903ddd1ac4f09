"""The service as the API and the pages call it: schema in, one service call, public shape out."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from digiplus.core.api.pagination import ListParams
from digiplus.core.context import Caller
from digiplus.core.db import get_database
from digiplus.ledger.codes import AccountFlags, AccountResult, TransferFlags, TransferResult, flags_from_names
from digiplus.ledger.models import LedgerAccount
from digiplus.ledger.schemas import (
    AccountBatchPublic,
    AccountPublic,
    AccountResultPublic,
    AccountsCreate,
    BalanceAt,
    TransferBatchPublic,
    TransferCreate,
    TransferPublic,
    TransferResultPublic,
    TransfersCreate,
    account_public,
    balance_public,
    transfer_public,
)
from digiplus.ledger.service import accounts, reads, transfers
from digiplus.ledger.service.engine import TransferInput


def api_create_accounts(session: Session, caller: Caller, body: AccountsCreate) -> AccountBatchPublic:
    items = [
        accounts.AccountInput(
            id=a.id, ledger=a.ledger, code=a.code, metadata=a.metadata, flags=flags_from_names(AccountFlags, a.flags)
        )
        for a in body.accounts
    ]
    out = accounts.create_accounts(session, caller, items)
    results = [
        AccountResultPublic(
            index=o.index, id=o.id, result=o.result, account=account_public(o.account) if o.account else None
        )
        for o in out
    ]
    ok = sum(1 for o in out if o.result is AccountResult.ok)
    return AccountBatchPublic(created=ok, failed=len(out) - ok, results=results)


def transfer_input(t: TransferCreate) -> TransferInput:
    return TransferInput(
        id=t.id,
        debit_account_id=t.debit_account_id,
        credit_account_id=t.credit_account_id,
        amount=t.amount,
        ledger=t.ledger,
        code=t.code,
        pending_id=t.pending_id,
        timeout=t.timeout,
        metadata=t.metadata,
        flags=flags_from_names(TransferFlags, t.flags),
    )


def api_create_transfers(session: Session, caller: Caller, body: TransfersCreate) -> TransferBatchPublic:
    out = transfers.create_transfers(session, caller, [transfer_input(t) for t in body.transfers])
    results = [
        TransferResultPublic(
            index=o.index, id=o.id, result=o.result, transfer=transfer_public(o.transfer) if o.transfer else None
        )
        for o in out
    ]
    ok = sum(1 for o in out if o.result is TransferResult.ok)
    return TransferBatchPublic(created=ok, failed=len(out) - ok, results=results)


def api_list_accounts(session: Session, caller: Caller, params: ListParams, ledger: str | None) -> dict[str, Any]:
    return reads.list_accounts(session, caller, params, account_public, ledger=ledger)


def api_get_account(session: Session, caller: Caller, account_id: str) -> AccountPublic:
    return account_public(accounts.get_account(session, caller, account_id))


def api_close_account(session: Session, caller: Caller, account_id: str) -> AccountPublic:
    return account_public(accounts.close_account(session, caller, account_id))


def api_account_transfers(
    session: Session,
    caller: Caller,
    account_id: str,
    params: ListParams,
    created_gte: datetime | None,
    created_lt: datetime | None,
) -> dict[str, Any]:
    return reads.account_transfers(
        session, caller, account_id, params, transfer_public, created_gte=created_gte, created_lt=created_lt
    )


def api_list_transfers(
    session: Session, caller: Caller, params: ListParams, created_gte: datetime | None, created_lt: datetime | None
) -> dict[str, Any]:
    return reads.list_transfers(
        session, caller, params, transfer_public, created_gte=created_gte, created_lt=created_lt
    )


def api_get_transfer(session: Session, caller: Caller, transfer_id: str) -> TransferPublic:
    return transfer_public(reads.get_transfer(session, caller, transfer_id))


def api_balance(session: Session, caller: Caller, account_id: str, at_transfer: str | None) -> BalanceAt:
    if at_transfer:
        return balance_public(account_id, reads.balance_at(session, caller, account_id, at_transfer), at_transfer)
    account: LedgerAccount = accounts.get_account(session, caller, account_id)
    return balance_public(account_id, reads.account_balance(account), None)


def api_statement(
    session: Session, caller: Caller, account_id: str, created_gte: datetime | None, created_lt: datetime | None
) -> Iterator[str]:
    """Checks the account now (404 before any byte is sent), then streams from its own session,
    since the request's session is closed once the route returns."""
    accounts.get_account(session, caller, account_id)
    return statement_csv(caller, account_id, created_gte, created_lt)


def statement_csv(
    caller: Caller, account_id: str, created_gte: datetime | None = None, created_lt: datetime | None = None
) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(reads.STATEMENT_COLUMNS)
    with get_database().session() as session:
        for n, row in enumerate(
            reads.statement_rows(session, caller, account_id, created_gte=created_gte, created_lt=created_lt)
        ):
            writer.writerow(row)
            if n % 500 == 499:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
    yield buffer.getvalue()
