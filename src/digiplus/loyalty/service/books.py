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

from enum import IntEnum

from sqlalchemy.orm import Session

from digiplus.core.context import Caller
from digiplus.ledger import (
    AccountInput,
    AccountResult,
    TransferInput,
    TransferOutcome,
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
        from dataclasses import replace

        books = replace(books, request_id=acting.request_id)
    return books


def open_accounts(session: Session, books: Caller, ledger: str, wanted: list[tuple[str, AccountCode]]) -> None:
    items = [AccountInput(id=account_id, ledger=ledger, code=int(code), flags=0) for account_id, code in wanted]
    for outcome in create_accounts(session, books, items):
        if outcome.result not in (AccountResult.ok, AccountResult.exists):
            raise RuntimeError(f"points account {outcome.id}: {outcome.result}")


def move(session: Session, books: Caller, item: TransferInput) -> TransferOutcome:
    """One transfer; ``exists`` (a retry) is fine, anything else but ``ok`` is a bug."""
    [outcome] = create_transfers(session, books, [item])
    if outcome.result not in (TransferResult.ok, TransferResult.exists):
        raise RuntimeError(f"points transfer {item.id}: {outcome.result}")
    return outcome
