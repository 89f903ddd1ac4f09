"""The double-entry ledger: the only place where money (or points, or GPU seconds) moves.

Other modules use this surface only::

    from digiplus.ledger import AccountInput, TransferInput, TransferFlags, create_accounts, create_transfers
"""

from digiplus.ledger.codes import (
    AMOUNT_MAX,
    BATCH_MAX,
    AccountFlags,
    AccountResult,
    TransferFlags,
    TransferResult,
)
from digiplus.ledger.service.accounts import AccountInput, AccountOutcome, close_account, create_accounts, get_account
from digiplus.ledger.service.engine import TransferInput
from digiplus.ledger.service.expiry import expire_pending
from digiplus.ledger.service.reads import (
    Balance,
    account_balance,
    account_transfers,
    balance_at,
    balance_history,
    get_transfer,
)
from digiplus.ledger.service.transfers import TransferOutcome, create_transfers
from digiplus.ledger.service.verify import LedgerVerifyReport, verify_ledger

__all__ = [
    "AMOUNT_MAX",
    "BATCH_MAX",
    "AccountFlags",
    "AccountInput",
    "AccountOutcome",
    "AccountResult",
    "Balance",
    "LedgerVerifyReport",
    "TransferFlags",
    "TransferInput",
    "TransferOutcome",
    "TransferResult",
    "account_balance",
    "account_transfers",
    "balance_at",
    "balance_history",
    "close_account",
    "create_accounts",
    "create_transfers",
    "expire_pending",
    "get_account",
    "get_transfer",
    "verify_ledger",
]
