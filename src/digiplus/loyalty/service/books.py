"""The points ledger of a programme: ``POINTS:<programme id>`` in the merchant's own books.

| account | code | flags | normal balance |
|---|---|---|---|
| ``lpi_<programme>`` issued | 7001 | none | debit: every point ever given out |
| ``lm_…`` (the member id) member | 7002 | none (may go negative: a clawback after the points were spent) | credit |
| ``lpr_<programme>`` redeemed | 7003 | none | credit |
| ``lpx_<programme>`` expired | 7004 | none | credit |

A member account carries no ``debits_must_not_exceed_credits``: a refund must be able to claw
points back that were already spent (Square's rule), which that flag would refuse. Spending is
guarded instead by a ``balancing_debit`` redemption transfer (the ledger moves at most what the
member has, under the account lock) whose amount is checked; short means the whole transaction
rolls back. See ADR 0016.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from enum import IntEnum
from typing import Any

from sqlalchemy.orm import Session

from digiplus.core.context import Caller
from digiplus.ledger import (
    BATCH_MAX,
    AccountInput,
    AccountResult,
    TransferInput,
    TransferResult,
    create_accounts,
    create_transfers,
)


class AccountCode(IntEnum):
    points_issued = 7001
    member_points = 7002
    points_redeemed = 7003
    points_expired = 7004


class TransferCode(IntEnum):
    earn = 701  # purchase
    signup_bonus = 702
    birthday_bonus = 703
    adjustment = 704
    redemption = 711  # pending, then posted (paid) or voided (canceled, failed)
    expiry = 721
    clawback = 731


def ledger_name(programme_id: str) -> str:
    return f"POINTS:{programme_id}"


def issued_account(programme_id: str) -> str:
    return f"lpi_{programme_id}"


def redeemed_account(programme_id: str) -> str:
    return f"lpr_{programme_id}"


def expired_account(programme_id: str) -> str:
    return f"lpx_{programme_id}"


def books_of(org_id: str, livemode: bool, acting: Caller | None = None) -> Caller:
    """The merchant's system caller for its points ledger (keeping the acting request id)."""
    books = Caller.system(org_id, livemode)
    if acting is not None and acting.request_id:
        books = replace(books, request_id=acting.request_id)
    return books


@dataclass
class _Deferred:
    accounts: dict[Caller, list[AccountInput]] = field(default_factory=dict)
    transfers: dict[Caller, list[TransferInput]] = field(default_factory=dict)


_DEFERRED: ContextVar[_Deferred | None] = ContextVar("loyalty_deferred_ledger", default=None)


@contextmanager
def deferred_ledger(session: Session) -> Iterator[None]:
    """Collect the accounts and plain transfers of many earnings and write them in ledger batches
    at the end (same ids, same transaction): for bulk replays such as the demo's year. Only for
    movements that need no answer from the ledger (earning, clawback, expiry, opening accounts)."""
    batch = _Deferred()
    token = _DEFERRED.set(batch)
    try:
        yield
    finally:
        _DEFERRED.reset(token)
    for books, accounts in batch.accounts.items():
        for start in range(0, len(accounts), BATCH_MAX):
            _check_accounts(create_accounts(session, books, accounts[start : start + BATCH_MAX]))
    for books, items in batch.transfers.items():
        for start in range(0, len(items), BATCH_MAX):
            for outcome in create_transfers(session, books, items[start : start + BATCH_MAX]):
                if outcome.result not in (TransferResult.ok, TransferResult.exists):
                    raise RuntimeError(f"points transfer {outcome.id}: {outcome.result}")


def _check_accounts(outcomes: list[Any]) -> None:
    for outcome in outcomes:
        if outcome.result not in (AccountResult.ok, AccountResult.exists):
            raise RuntimeError(f"points account {outcome.id}: {outcome.result}")


def open_accounts(session: Session, books: Caller, ledger: str, wanted: list[tuple[str, AccountCode]]) -> None:
    items = [AccountInput(id=account_id, ledger=ledger, code=int(code), flags=0) for account_id, code in wanted]
    batch = _DEFERRED.get()
    if batch is not None:
        batch.accounts.setdefault(books, []).extend(items)
        return
    _check_accounts(create_accounts(session, books, items))


def move(session: Session, books: Caller, item: TransferInput) -> None:
    """One transfer; ``exists`` (a retry) is fine, anything else but ``ok`` is a bug."""
    batch = _DEFERRED.get()
    if batch is not None:
        batch.transfers.setdefault(books, []).append(item)
        return
    [outcome] = create_transfers(session, books, [item])
    if outcome.result not in (TransferResult.ok, TransferResult.exists):
        raise RuntimeError(f"points transfer {item.id}: {outcome.result}")
