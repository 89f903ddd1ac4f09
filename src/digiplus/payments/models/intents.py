"""Merchant side: the merchant profile, payment intents, refunds; and the FX quotes visitors pay through."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from digiplus.core.db import Base
from digiplus.core.tenancy import OrgOwned


class MerchantProfile(OrgOwned, Base):
    __tablename__ = "payments_merchant_profiles"
    __object_name__ = "merchant_profile"
    __table_args__ = (UniqueConstraint("org_id", "livemode", name="uq_payments_merchant_profiles_org_mode"),)

    display_name: Mapped[str] = mapped_column(String(100))
    city: Mapped[str] = mapped_column(String(60))
    mcc: Mapped[str] = mapped_column(String(4))
    scenario: Mapped[str] = mapped_column(String(40))
    settlement_currency: Mapped[str] = mapped_column(String(3), default="TWD")
    fee_plan: Mapped[str] = mapped_column(String(40), default="standard")
    bank_account_id: Mapped[str | None] = mapped_column(ForeignKey("payments_bank_accounts.id"))


class FxQuote(OrgOwned, Base):
    """A firm rate for a visitor's wallet to pay ``buy_amount`` of ``buy_currency``; owned by the payer."""

    __tablename__ = "payments_fx_quotes"
    __object_name__ = "fx_quote"

    sell_currency: Mapped[str] = mapped_column(String(3))
    sell_amount: Mapped[int] = mapped_column(BigInteger)
    buy_currency: Mapped[str] = mapped_column(String(3))
    buy_amount: Mapped[int] = mapped_column(BigInteger)
    mid_rate: Mapped[str] = mapped_column(String(40))  # Decimal as text: buy units per sell unit (major)
    rate: Mapped[str] = mapped_column(String(40))  # mid_rate less the spread: what the payer gets
    spread_bps: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(100))
    rate_as_of: Mapped[datetime]
    expires_at: Mapped[datetime]
    payment_intent_id: Mapped[str | None] = mapped_column(String(40))


class PaymentIntent(OrgOwned, Base):
    """Stripe's PaymentIntent, owned by the merchant org; the money is in the ledger transfers named here."""

    __tablename__ = "payments_payment_intents"
    __object_name__ = "payment_intent"
    __table_args__ = (
        Index("ix_payments_payment_intents_wallet_confirmed", "payer_wallet_id", "confirmed_at"),
        Index("ix_payments_payment_intents_org_status", "org_id", "livemode", "status"),
    )

    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(32))
    capture_method: Mapped[str] = mapped_column(String(10), default="automatic")
    description: Mapped[str | None] = mapped_column(String(500))
    mcc: Mapped[str] = mapped_column(String(4))
    scenario: Mapped[str] = mapped_column(String(40))
    amount_capturable: Mapped[int] = mapped_column(BigInteger, default=0)
    amount_received: Mapped[int] = mapped_column(BigInteger, default=0)
    amount_refunded: Mapped[int] = mapped_column(BigInteger, default=0)
    fee_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    payment_method_type: Mapped[str | None] = mapped_column(String(20))  # wallet | payment_code | qr
    payer_org_id: Mapped[str | None] = mapped_column(ForeignKey("organizations.id"))
    payer_wallet_id: Mapped[str | None] = mapped_column(ForeignKey("payments_wallets.id"))
    wallet_currency: Mapped[str | None] = mapped_column(String(3))
    # What the payer's wallet is committed for, in its currency: the hold, then what was captured
    # (0 after a cancel). The wallet limits sum it.
    wallet_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    wallet_amount_refunded: Mapped[int] = mapped_column(BigInteger, default=0)
    fx_quote_id: Mapped[str | None] = mapped_column(ForeignKey("payments_fx_quotes.id"))
    confirmed_at: Mapped[datetime | None]
    captured_at: Mapped[datetime | None]
    canceled_at: Mapped[datetime | None]
    cancellation_reason: Mapped[str | None] = mapped_column(String(40))
    last_payment_error: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    next_action: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # display_qr_code while requires_action
    transfer_ids: Mapped[dict[str, str] | None] = mapped_column(JSON)  # role -> ledger transfer id
    meta: Mapped[dict[str, str] | None] = mapped_column("metadata", JSON)
    # A reward taken off before payment (service/discounts.py): ``amount`` is what is left to pay.
    discount_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    discount_reference: Mapped[str | None] = mapped_column(String(64))


class Refund(OrgOwned, Base):
    __tablename__ = "payments_refunds"
    __object_name__ = "refund"
    __table_args__ = (Index("ix_payments_refunds_intent", "payment_intent_id"),)

    payment_intent_id: Mapped[str] = mapped_column(ForeignKey("payments_payment_intents.id"))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(10))  # pending | succeeded | failed
    reason: Mapped[str | None] = mapped_column(String(40))
    failure_reason: Mapped[str | None] = mapped_column(String(60))
    wallet_amount: Mapped[int] = mapped_column(BigInteger, default=0)  # returned to the wallet, its currency
    from_pending: Mapped[int] = mapped_column(BigInteger, default=0)  # taken from pending settlement
    from_available: Mapped[int] = mapped_column(BigInteger, default=0)  # taken from the available balance
    # The payment's fee given back to the merchant for this refund (its share of the refunded amount).
    fee_refunded: Mapped[int] = mapped_column(BigInteger, default=0)
    transfer_ids: Mapped[list[str] | None] = mapped_column(JSON)


class ProcessingPayment(OrgOwned, Base):
    """A payment parked in ``processing`` (its amount held on the wallet) until ``settles_at``; the
    id is the payment intent's. ``failure_code`` set: it settles as a decline (the hold is voided)."""

    __tablename__ = "payments_processing"
    __object_name__ = "payment_intent"
    __table_args__ = (Index("ix_payments_processing_due", "settled_at", "settles_at"),)

    settles_at: Mapped[datetime]
    failure_code: Mapped[str | None] = mapped_column(String(60))
    failure_message: Mapped[str | None] = mapped_column(String(500))
    settled_at: Mapped[datetime | None]
