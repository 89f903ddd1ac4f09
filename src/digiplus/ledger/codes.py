"""Flags and result codes of the ledger, named as TigerBeetle names them.

The codes are the same in Python (``TransferResult.exceeds_credits``), over HTTP
(``"result": "exceeds_credits"``) and in the CLI. A handful that TigerBeetle does
not need (it has unsigned integers and no tenants) are marked "digiplus" below.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntFlag, StrEnum

AMOUNT_MAX = 2**63 - 1  # BIGINT: a balance or amount above this is an ``overflows_*`` result
TIMEOUT_MAX = 2**31 - 1  # seconds
CODE_MAX = 65_535  # TigerBeetle's u16
BATCH_MAX = 8_190


class AccountFlags(IntFlag):
    linked = 1
    debits_must_not_exceed_credits = 2
    credits_must_not_exceed_debits = 4
    history = 8
    closed = 16


class TransferFlags(IntFlag):
    linked = 1
    pending = 2
    post_pending_transfer = 4
    void_pending_transfer = 8
    balancing_debit = 16
    balancing_credit = 32


ACCOUNT_FLAG_NAMES = tuple(f.name for f in AccountFlags if f.name)
TRANSFER_FLAG_NAMES = tuple(f.name for f in TransferFlags if f.name)


def flags_from_names(kind: type[IntFlag], names: Sequence[str]) -> int:
    value = 0
    for name in names:
        value |= int(kind[name])
    return value


def flag_names(kind: type[IntFlag], value: int) -> list[str]:
    return [f.name for f in kind if f.name and value & int(f)]


class AccountResult(StrEnum):
    ok = "ok"
    linked_event_failed = "linked_event_failed"
    linked_event_chain_open = "linked_event_chain_open"
    id_must_not_be_zero = "id_must_not_be_zero"
    flags_are_mutually_exclusive = "flags_are_mutually_exclusive"
    ledger_must_not_be_zero = "ledger_must_not_be_zero"
    code_must_not_be_zero = "code_must_not_be_zero"
    exists_with_different_flags = "exists_with_different_flags"
    exists_with_different_metadata = "exists_with_different_metadata"  # TigerBeetle: ..._user_data_*
    exists_with_different_ledger = "exists_with_different_ledger"
    exists_with_different_code = "exists_with_different_code"
    exists = "exists"


class TransferResult(StrEnum):
    ok = "ok"
    linked_event_failed = "linked_event_failed"
    linked_event_chain_open = "linked_event_chain_open"
    id_must_not_be_zero = "id_must_not_be_zero"
    flags_are_mutually_exclusive = "flags_are_mutually_exclusive"
    debit_account_id_must_not_be_zero = "debit_account_id_must_not_be_zero"
    credit_account_id_must_not_be_zero = "credit_account_id_must_not_be_zero"
    accounts_must_be_different = "accounts_must_be_different"
    pending_id_must_be_zero = "pending_id_must_be_zero"
    pending_id_must_not_be_zero = "pending_id_must_not_be_zero"
    pending_id_must_be_different = "pending_id_must_be_different"
    timeout_reserved_for_pending_transfer = "timeout_reserved_for_pending_transfer"
    amount_must_not_be_zero = "amount_must_not_be_zero"
    amount_must_not_be_negative = "amount_must_not_be_negative"  # digiplus: Python ints are signed
    ledger_must_not_be_zero = "ledger_must_not_be_zero"
    code_must_not_be_zero = "code_must_not_be_zero"
    debit_account_not_found = "debit_account_not_found"
    credit_account_not_found = "credit_account_not_found"
    accounts_must_have_the_same_ledger = "accounts_must_have_the_same_ledger"
    transfer_must_have_the_same_ledger_as_accounts = "transfer_must_have_the_same_ledger_as_accounts"
    pending_transfer_not_found = "pending_transfer_not_found"
    pending_transfer_not_pending = "pending_transfer_not_pending"
    pending_transfer_has_different_debit_account_id = "pending_transfer_has_different_debit_account_id"
    pending_transfer_has_different_credit_account_id = "pending_transfer_has_different_credit_account_id"
    pending_transfer_has_different_ledger = "pending_transfer_has_different_ledger"
    pending_transfer_has_different_code = "pending_transfer_has_different_code"
    exceeds_pending_transfer_amount = "exceeds_pending_transfer_amount"
    pending_transfer_has_different_amount = "pending_transfer_has_different_amount"
    pending_transfer_already_posted = "pending_transfer_already_posted"
    pending_transfer_already_voided = "pending_transfer_already_voided"
    pending_transfer_expired = "pending_transfer_expired"
    exists_with_different_flags = "exists_with_different_flags"
    exists_with_different_debit_account_id = "exists_with_different_debit_account_id"
    exists_with_different_credit_account_id = "exists_with_different_credit_account_id"
    exists_with_different_amount = "exists_with_different_amount"
    exists_with_different_pending_id = "exists_with_different_pending_id"
    exists_with_different_metadata = "exists_with_different_metadata"  # TigerBeetle: ..._user_data_*
    exists_with_different_ledger = "exists_with_different_ledger"
    exists_with_different_code = "exists_with_different_code"
    exists_with_different_timeout = "exists_with_different_timeout"
    exists = "exists"
    overflows_debits_pending = "overflows_debits_pending"
    overflows_credits_pending = "overflows_credits_pending"
    overflows_debits_posted = "overflows_debits_posted"
    overflows_credits_posted = "overflows_credits_posted"
    overflows_debits = "overflows_debits"
    overflows_credits = "overflows_credits"
    overflows_timeout = "overflows_timeout"
    exceeds_credits = "exceeds_credits"
    exceeds_debits = "exceeds_debits"
    debit_account_already_closed = "debit_account_already_closed"
    credit_account_already_closed = "credit_account_already_closed"


# Pending transfers carry their state; a post/void/expiry changes it under the accounts' locks.
PENDING = "pending"
POSTED = "posted"
VOIDED = "voided"
EXPIRED = "expired"
