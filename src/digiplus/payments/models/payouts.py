"""Fee plans, settlement batches and payouts. Money is in the ledger: a settlement batch names
the transfer that moved its net amount from pending settlement to available; a payout names
the pending transfer from available to bank clearing (posted when paid, voided when failed)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from digiplus.core.db import Base, utcnow
from digiplus.core.tenancy import OrgOwned

SEQ = BigInteger().with_variant(Integer, "sqlite")  # SQLite autoincrements only INTEGER PRIMARY KEY


class FeePlan(Base):
    """A custom fee plan set by an operator (the built-in ones live in ``service/fees.py``).

    ``rates`` maps a scenario to ``{"bps": int, "fixed": int}``; ``default`` is for the scenarios
    the plan does not name. Platform-wide per mode: any merchant of that mode may be put on it.
    """

    __tablename__ = "payments_fee_plans"
    __table_args__ = (UniqueConstraint("livemode", "name", name="uq_payments_fee_plans_mode_name"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    livemode: Mapped[bool] = mapped_column(default=False)
    name: Mapped[str] = mapped_column(String(40))
    description: Mapped[str | None] = mapped_column(String(200))
    rates: Mapped[dict[str, Any]] = mapped_column(JSON)
    default_bps: Mapped[int] = mapped_column(BigInteger, default=0)
    default_fixed: Mapped[int] = mapped_column(BigInteger, default=0)
    created: Mapped[datetime] = mapped_column(default=utcnow)
    updated: Mapped[datetime] = mapped_column(default=utcnow)


class Settlement(OrgOwned, Base):
    """One merchant's settlement batch for one currency and one settlement date.

    ``amount = gross - fees - refunds - carried_in`` when that is not negative (then
    ``carried_out`` is 0), else ``amount`` is 0 and the shortfall is ``carried_out`` to the next
    batch. The id is derived from (merchant, mode, currency, date) and is also the ledger
    transfer's id, so a second run of the same batch books nothing.
    """

    __tablename__ = "payments_settlements"
    __object_name__ = "settlement"
    __table_args__ = (
        UniqueConstraint("org_id", "livemode", "currency", "settlement_date", name="uq_payments_settlements_day"),
    )

    currency: Mapped[str] = mapped_column(String(3))
    settlement_date: Mapped[date]
    captured_before: Mapped[datetime]  # payments captured before this instant are in (or were in earlier batches)
    gross: Mapped[int] = mapped_column(BigInteger)
    fees: Mapped[int] = mapped_column(BigInteger)
    refunds: Mapped[int] = mapped_column(BigInteger)  # refunded out of pending settlement
    carried_in: Mapped[int] = mapped_column(BigInteger, default=0)
    carried_out: Mapped[int] = mapped_column(BigInteger, default=0)
    amount: Mapped[int] = mapped_column(BigInteger)  # moved pending settlement → available
    transfer_id: Mapped[str | None] = mapped_column(String(64))  # None when amount is 0


class SettlementItem(Base):
    """A payment or a refund a settlement batch took in; each is settled once (unique)."""

    __tablename__ = "payments_settlement_items"
    __table_args__ = (
        UniqueConstraint("kind", "object_id", name="uq_payments_settlement_items_object"),
        Index("ix_payments_settlement_items_settlement", "settlement_id"),
    )

    id: Mapped[int] = mapped_column(SEQ, primary_key=True, autoincrement=True)
    settlement_id: Mapped[str] = mapped_column(ForeignKey("payments_settlements.id"))
    kind: Mapped[str] = mapped_column(String(10))  # payment | refund
    object_id: Mapped[str] = mapped_column(String(40))  # pi_… | re_…
    gross: Mapped[int] = mapped_column(BigInteger, default=0)
    fee: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded: Mapped[int] = mapped_column(BigInteger, default=0)  # a refund's share taken from pending settlement
    occurred_at: Mapped[datetime]  # captured_at of a payment, created of a refund


class Payout(OrgOwned, Base):
    """A merchant's payout of its available balance in one currency to its bank account.

    ``pending`` (held on the available account) → ``in_transit`` (the bank accepted it) →
    ``paid`` (posted) | ``failed`` (voided: the money is available again). The id is derived
    from (merchant, mode, currency, payout date): one payout a day, whatever re-runs.
    """

    __tablename__ = "payments_payouts"
    __object_name__ = "payout"
    __table_args__ = (
        UniqueConstraint("org_id", "livemode", "currency", "payout_date", name="uq_payments_payouts_day"),
        Index("ix_payments_payouts_status", "status", "livemode"),
    )

    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[int] = mapped_column(BigInteger)
    payout_date: Mapped[date]
    arrival_date: Mapped[date]
    status: Mapped[str] = mapped_column(String(12))  # pending | in_transit | paid | failed
    bank_account_id: Mapped[str] = mapped_column(ForeignKey("payments_bank_accounts.id"))
    transfer_id: Mapped[str] = mapped_column(String(64))  # the pending transfer available → bank clearing
    resolved_transfer_id: Mapped[str | None] = mapped_column(String(64))  # its post or void
    bank_reference: Mapped[str | None] = mapped_column(String(64))
    failure_code: Mapped[str | None] = mapped_column(String(40))
    failure_message: Mapped[str | None] = mapped_column(String(200))
    in_transit_at: Mapped[datetime | None]
    paid_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]


class PayoutItem(Base):
    """What a payout is made of: settlement batches (credits) and refunds taken from the
    available balance (debits). A failed payout's items are taken again by the next payout."""

    __tablename__ = "payments_payout_items"
    __table_args__ = (
        Index("ix_payments_payout_items_payout", "payout_id"),
        Index("ix_payments_payout_items_object", "object_id"),
    )

    id: Mapped[int] = mapped_column(SEQ, primary_key=True, autoincrement=True)
    payout_id: Mapped[str] = mapped_column(ForeignKey("payments_payouts.id"))
    kind: Mapped[str] = mapped_column(String(12))  # settlement | refund
    object_id: Mapped[str] = mapped_column(String(40))
    amount: Mapped[int] = mapped_column(BigInteger)  # signed: + settlement, - refund
