"""Payments tables, by topic. Money is never stored here: rows reference ledger accounts and
transfers in the platform's books (see ``service/books.py``)."""

from digiplus.payments.models.books import PlatformBooks
from digiplus.payments.models.intents import FxQuote, MerchantProfile, PaymentIntent, ProcessingPayment, Refund
from digiplus.payments.models.payouts import FeePlan, Payout, PayoutItem, Settlement, SettlementItem
from digiplus.payments.models.wallets import (
    BankAccount,
    BankTransfer,
    PaymentCode,
    PaymentFormToken,
    Wallet,
    WalletProfile,
    WalletTransfer,
)

__all__ = [
    "BankAccount",
    "BankTransfer",
    "FeePlan",
    "FxQuote",
    "MerchantProfile",
    "PaymentCode",
    "PaymentFormToken",
    "PaymentIntent",
    "Payout",
    "PayoutItem",
    "PlatformBooks",
    "ProcessingPayment",
    "Refund",
    "Settlement",
    "SettlementItem",
    "Wallet",
    "WalletProfile",
    "WalletTransfer",
]
