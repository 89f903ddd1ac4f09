"""Top-ups (bank → wallet) and withdrawals (wallet → bank) through the ``BankConnector``.

Never half-moved money:
- top-up: the bank is asked first; only a successful pull is booked (bank clearing → wallet).
  If booking then failed, the pull is pushed back before the error is raised.
- withdrawal: the amount is first held on the wallet (a pending transfer, so the balance and
  limits are checked under lock), then the bank is asked; success posts the hold, failure
  voids it. A failed movement is kept with ``status: failed`` and its reason; its pending
  transfer is voided, so nothing moved.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session

from digiplus.core import audit
from digiplus.core.context import Caller
from digiplus.core.errors import InvalidRequest
from digiplus.core.events import emit, register_event_type
from digiplus.core.ids import id_for
from digiplus.core.money import check_minor
from digiplus.core.tenancy import get_owned, scoped
from digiplus.ledger import TransferFlags, TransferInput, TransferResult, create_transfers
from digiplus.payments.models import BankTransfer
from digiplus.payments.service import books
from digiplus.payments.service.banks import BankResult, bank_connector, get_bank_account
from digiplus.payments.service.books import TransferCode
from digiplus.payments.service.limits import check_limits
from digiplus.payments.service.wallets import debit_declined, get_wallet, lock_wallet

TOPPED_UP = register_event_type("wallet.topped_up", "Money arrived in a wallet from a linked bank account.")
TOPUP_FAILED = register_event_type("wallet.topup_failed", "The bank refused a top-up; nothing moved.")
WITHDRAWN = register_event_type("wallet.withdrawn", "Money left a wallet for a linked bank account.")
WITHDRAWAL_FAILED = register_event_type(
    "wallet.withdrawal_failed", "The bank refused a withdrawal; the hold was released."
)

_PENDING = int(TransferFlags.pending)
_POST = int(TransferFlags.post_pending_transfer)
_VOID = int(TransferFlags.void_pending_transfer)


def _movement(caller: Caller, kind: str, wallet_id: str, bank_account_id: str, amount: int, cur: str) -> BankTransfer:
    movement_id = id_for("topup" if kind == "topup" else "withdrawal")
    return BankTransfer(
        id=movement_id,
        org_id=caller.org_id,
        livemode=caller.livemode,
        kind=kind,
        wallet_id=wallet_id,
        bank_account_id=bank_account_id,
        amount=amount,
        currency=cur,
        status="pending",
        transfer_id=movement_id,
    )


def _check_bank(session: Session, caller: Caller, bank_account_id: str, cur: str) -> None:
    account = get_bank_account(session, caller, bank_account_id, param="bank_account")
    if account.currency != cur:
        raise InvalidRequest(
            f"The bank account holds {account.currency}; the wallet {cur}.",
            param="bank_account",
            code="currency_mismatch",
        )


def top_up(session: Session, caller: Caller, wallet_id: str, *, bank_account_id: str, amount: int) -> BankTransfer:
    check_minor(amount)
    wallet = get_wallet(session, caller, wallet_id)
    _check_bank(session, caller, bank_account_id, wallet.currency)
    bank_account = get_bank_account(session, caller, bank_account_id, param="bank_account")
    movement = _movement(caller, "topup", wallet.id, bank_account_id, amount, wallet.currency)
    answer = bank_connector().pull(bank_account, amount, wallet.currency, movement.id)
    if answer.ok:
        ledger_books = books.platform_books(session, caller.livemode, on_behalf_of=caller)
        [outcome] = create_transfers(
            session,
            ledger_books,
            [
                TransferInput(
                    id=movement.id,
                    debit_account_id=books.bank_clearing_account(wallet.currency),
                    credit_account_id=wallet.ledger_account_id,
                    amount=amount,
                    ledger=wallet.currency,
                    code=int(TransferCode.topup),
                    metadata={"topup": movement.id},
                )
            ],
        )
        if outcome.result is not TransferResult.ok:
            bank_connector().push(bank_account, amount, wallet.currency, f"{movement.id}_reversal")
            raise RuntimeError(f"top-up {movement.id} could not be booked: {outcome.result}")
    return _finish(session, caller, movement, answer, "topup", TOPPED_UP, TOPUP_FAILED)


def withdraw(session: Session, caller: Caller, wallet_id: str, *, bank_account_id: str, amount: int) -> BankTransfer:
    check_minor(amount)
    wallet = get_wallet(session, caller, wallet_id)
    _check_bank(session, caller, bank_account_id, wallet.currency)
    bank_account = get_bank_account(session, caller, bank_account_id, param="bank_account")
    lock_wallet(session, wallet)
    check_limits(session, wallet, amount)
    movement = _movement(caller, "withdrawal", wallet.id, bank_account_id, amount, wallet.currency)
    ledger_books = books.platform_books(session, caller.livemode, on_behalf_of=caller)
    [hold] = create_transfers(
        session,
        ledger_books,
        [
            TransferInput(
                id=movement.id,
                debit_account_id=wallet.ledger_account_id,
                credit_account_id=books.bank_clearing_account(wallet.currency),
                amount=amount,
                ledger=wallet.currency,
                code=int(TransferCode.withdrawal),
                flags=_PENDING,
                metadata={"withdrawal": movement.id},
            )
        ],
    )
    if hold.result is not TransferResult.ok:
        raise debit_declined(hold.result) or RuntimeError(f"withdrawal hold: {hold.result}")
    answer = bank_connector().push(bank_account, amount, wallet.currency, movement.id)
    suffix, flag = ("post", _POST) if answer.ok else ("void", _VOID)
    [resolved] = create_transfers(
        session, ledger_books, [TransferInput(id=f"{movement.id}_{suffix}", pending_id=movement.id, flags=flag)]
    )
    if resolved.result is not TransferResult.ok:
        raise RuntimeError(f"withdrawal {suffix}: {resolved.result}")
    return _finish(session, caller, movement, answer, "withdrawal", WITHDRAWN, WITHDRAWAL_FAILED)


def _finish(
    session: Session, caller: Caller, movement: BankTransfer, answer: BankResult, kind: str, ok: str, failed: str
) -> BankTransfer:
    """Record the bank's answer on the movement, with its event and audit entry."""
    if answer.ok:
        movement.status, movement.bank_reference = "succeeded", answer.reference
    else:
        movement.status, movement.failure_code, movement.failure_message = (
            "failed",
            answer.failure_code,
            answer.failure_message,
        )
    session.add(movement)
    session.flush()
    emit(session, caller, ok if answer.ok else failed, movement_data(movement))
    audit.record(session, caller, f"{kind}.{movement.status}", kind, movement.id, after=_summary(movement))
    return movement


def movements_query(caller: Caller, wallet_id: str, kind: str) -> Select[BankTransfer]:
    return scoped(BankTransfer, caller).where(BankTransfer.wallet_id == wallet_id, BankTransfer.kind == kind)


def get_movement(session: Session, caller: Caller, movement_id: str) -> BankTransfer:
    return get_owned(session, BankTransfer, movement_id, caller)


def _summary(m: BankTransfer) -> dict[str, Any]:
    return {"amount": m.amount, "currency": m.currency, "status": m.status, "failure_code": m.failure_code}


def movement_data(m: BankTransfer) -> dict[str, Any]:
    return {
        "id": m.id,
        "object": m.kind,
        "created": int(m.created.timestamp()),
        "livemode": m.livemode,
        "wallet": m.wallet_id,
        "bank_account": m.bank_account_id,
        "amount": m.amount,
        "currency": m.currency,
        "status": m.status,
        "failure_code": m.failure_code,
        "failure_message": m.failure_message,
    }
