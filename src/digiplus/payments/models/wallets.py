"""Consumer side: wallets (one per currency), verification level, bank accounts, top-ups and
withdrawals, wallet-to-wallet transfers and one-time payment codes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from digiplus.core.db import Base
from digiplus.core.tenancy import OrgOwned


class WalletProfile(OrgOwned, Base):
    """The wallet holder's identity-verification level (0 unverified, 1 phone, 2 ID), which sets the limits."""

    __tablename__ = "payments_wallet_profiles"
    __object_name__ = "wallet_profile"
    __table_args__ = (UniqueConstraint("org_id", "livemode", name="uq_payments_wallet_profiles_org_mode"),)

    verification_level: Mapped[int] = mapped_column(Integer, default=0)


class Wallet(OrgOwned, Base):
    """A consumer's wallet in one currency; its balance is the ledger account ``ledger_account_id``."""

    __tablename__ = "payments_wallets"
    __object_name__ = "wallet"
    __table_args__ = (UniqueConstraint("org_id", "livemode", "currency", name="uq_payments_wallets_org_mode_cur"),)

    currency: Mapped[str] = mapped_column(String(3))
    ledger_account_id: Mapped[str] = mapped_column(String(64))


class BankAccount(OrgOwned, Base):
    """A linked bank account (Taiwanese 3-digit bank code + account number); shown masked."""

    __tablename__ = "payments_bank_accounts"
    __object_name__ = "bank_account"

    bank_code: Mapped[str] = mapped_column(String(3))
    account_number: Mapped[str] = mapped_column(String(20))
    holder_name: Mapped[str] = mapped_column(String(100))
    currency: Mapped[str] = mapped_column(String(3), default="TWD")


class BankTransfer(OrgOwned, Base):
    """A top-up (bank → wallet, ``tu_``) or a withdrawal (wallet → bank, ``wd_``)."""

    __tablename__ = "payments_bank_transfers"
    __object_name__ = "bank_transfer"
    __table_args__ = (Index("ix_payments_bank_transfers_wallet_created", "wallet_id", "created"),)

    kind: Mapped[str] = mapped_column(String(10))  # topup | withdrawal
    wallet_id: Mapped[str] = mapped_column(ForeignKey("payments_wallets.id"))
    bank_account_id: Mapped[str] = mapped_column(ForeignKey("payments_bank_accounts.id"))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(10))  # pending | succeeded | failed
    failure_code: Mapped[str | None] = mapped_column(String(40))
    failure_message: Mapped[str | None] = mapped_column(String(200))
    bank_reference: Mapped[str | None] = mapped_column(String(64))
    transfer_id: Mapped[str] = mapped_column(String(64))  # the pending ledger transfer (posted or voided)


class WalletTransfer(OrgOwned, Base):
    """Wallet to wallet (P2P), same currency; owned by the sender's org."""

    __tablename__ = "payments_wallet_transfers"
    __object_name__ = "wallet_transfer"
    __table_args__ = (
        Index("ix_payments_wallet_transfers_from_created", "from_wallet_id", "created"),
        Index("ix_payments_wallet_transfers_to", "to_wallet_id"),
    )

    from_wallet_id: Mapped[str] = mapped_column(ForeignKey("payments_wallets.id"))
    to_wallet_id: Mapped[str] = mapped_column(ForeignKey("payments_wallets.id"))
    to_org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    description: Mapped[str | None] = mapped_column(String(200))
    transfer_id: Mapped[str] = mapped_column(String(64))


class PaymentCode(OrgOwned, Base):
    """A consumer-presented one-time code: 18 digits, stored as a SHA-256 digest, short-lived, single use."""

    __tablename__ = "payments_payment_codes"
    __object_name__ = "payment_code"

    wallet_id: Mapped[str] = mapped_column(ForeignKey("payments_wallets.id"))
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    last4: Mapped[str] = mapped_column(String(4))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    payment_intent_id: Mapped[str | None] = mapped_column(String(40))


class PaymentFormToken(OrgOwned, Base):
    """The one-time token of a wallet pay form: the first submit pays and records its intent here, a
    second submit of the same form finds it and shows that payment instead of paying again."""

    __tablename__ = "payments_form_tokens"
    __object_name__ = "payment_form_token"
    __table_args__ = (UniqueConstraint("org_id", "livemode", "token", name="uq_payments_form_tokens_org_mode_token"),)

    token: Mapped[str] = mapped_column(String(64))
    payment_intent_id: Mapped[str | None] = mapped_column(String(40))  # set once the payment succeeded
