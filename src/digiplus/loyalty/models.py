"""Loyalty tables. Points are never stored here: every balance is a ledger account on the
``POINTS:<programme id>`` ledger in the merchant's books, and every entry names its transfer."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from digiplus.core.db import Base
from digiplus.core.tenancy import OrgOwned


class LoyaltyProgramme(OrgOwned, Base):
    """A merchant's programme: earning rule, stamp card, tiers, bonuses, expiry."""

    __tablename__ = "loyalty_programmes"
    __object_name__ = "loyalty_programme"

    name: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(10), default="active")  # active | paused
    currency: Mapped[str] = mapped_column(String(3))
    ledger: Mapped[str] = mapped_column(String(40))  # POINTS:<id>
    spend_unit: Mapped[int] = mapped_column(BigInteger)  # minor units per earning unit (10000 = NT$100)
    points_per_unit: Mapped[int] = mapped_column(Integer)
    expiry_months: Mapped[int] = mapped_column(Integer, default=0)  # 0: points never expire
    signup_bonus: Mapped[int] = mapped_column(Integer, default=0)
    birthday_bonus: Mapped[int] = mapped_column(Integer, default=0)
    stamps_required: Mapped[int] = mapped_column(Integer, default=0)  # 0: no stamp card
    stamp_min_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    stamp_reward_id: Mapped[str | None] = mapped_column(String(40))
    auto_enroll: Mapped[bool] = mapped_column(Boolean, default=True)
    tiers: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # name, min_spend, multiplier_percent


class LoyaltyCampaign(OrgOwned, Base):
    """A time-boxed earning multiplier: ``[starts_at, ends_at)``."""

    __tablename__ = "loyalty_campaigns"
    __object_name__ = "loyalty_campaign"

    programme_id: Mapped[str] = mapped_column(ForeignKey("loyalty_programmes.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    multiplier_percent: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]


class LoyaltyReward(OrgOwned, Base):
    """What points buy: an amount off a payment, a percentage off (with a cap), or a free item."""

    __tablename__ = "loyalty_rewards"
    __object_name__ = "loyalty_reward"

    programme_id: Mapped[str] = mapped_column(ForeignKey("loyalty_programmes.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(12))  # amount_off | percent_off | free_item
    points_cost: Mapped[int] = mapped_column(Integer)
    amount_off: Mapped[int] = mapped_column(BigInteger, default=0)  # amount_off; a free item's value
    percent_off: Mapped[int] = mapped_column(Integer, default=0)
    max_discount: Mapped[int | None] = mapped_column(BigInteger)
    item_name: Mapped[str | None] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class LoyaltyMember(OrgOwned, Base):
    """A consumer in a merchant's programme; owned by the merchant, pseudonymous to it."""

    __tablename__ = "loyalty_members"
    __object_name__ = "loyalty_member"
    __table_args__ = (
        UniqueConstraint("programme_id", "consumer_org_id", name="uq_loyalty_members_programme_consumer"),
        Index("ix_loyalty_members_consumer", "consumer_org_id", "livemode"),
    )

    programme_id: Mapped[str] = mapped_column(ForeignKey("loyalty_programmes.id"))
    consumer_org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"))
    account_id: Mapped[str] = mapped_column(String(64))
    joined_via: Mapped[str] = mapped_column(String(10))  # payment | wallet | api
    birth_month: Mapped[int | None] = mapped_column(Integer)
    birth_day: Mapped[int | None] = mapped_column(Integer)


class LoyaltyEntry(OrgOwned, Base):
    """One line of a member's history; ``transfer_id`` is its ledger transfer (none for 0 points).

    ``source_key`` is unique per programme: the payment for an earning, the refund for a clawback,
    ``signup``/``birthday:YYYY`` for bonuses, so a replay never books twice."""

    __tablename__ = "loyalty_entries"
    __object_name__ = "loyalty_transaction"
    __table_args__ = (
        UniqueConstraint("programme_id", "source_key", name="uq_loyalty_entries_programme_source"),
        Index("ix_loyalty_entries_member", "member_id", "occurred_at"),
    )

    programme_id: Mapped[str] = mapped_column(ForeignKey("loyalty_programmes.id"))
    member_id: Mapped[str] = mapped_column(ForeignKey("loyalty_members.id"))
    kind: Mapped[str] = mapped_column(String(20))
    source_key: Mapped[str] = mapped_column(String(80))
    points: Mapped[int] = mapped_column(BigInteger)  # signed: + earned, − spent/expired/clawed back
    spend_amount: Mapped[int] = mapped_column(BigInteger, default=0)  # counts toward the tier (− for refunds)
    occurred_at: Mapped[datetime]
    expires_on: Mapped[date | None]  # a lot (points earned): the last day it is valid
    lot_entry_id: Mapped[str | None] = mapped_column(String(40))  # a clawback: the earning it reverses
    payment_intent_id: Mapped[str | None] = mapped_column(String(40))
    transfer_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class LoyaltyVisit(OrgOwned, Base):
    """A stamp: at most one per member and local day."""

    __tablename__ = "loyalty_visits"
    __object_name__ = "loyalty_visit"
    __table_args__ = (UniqueConstraint("member_id", "visit_date", name="uq_loyalty_visits_member_day"),)

    member_id: Mapped[str] = mapped_column(ForeignKey("loyalty_members.id"))
    visit_date: Mapped[date]
    payment_intent_id: Mapped[str] = mapped_column(String(40))


class LoyaltyVoucher(OrgOwned, Base):
    """A reward earned without points (a full stamp card), used once."""

    __tablename__ = "loyalty_vouchers"
    __object_name__ = "loyalty_voucher"
    __table_args__ = (UniqueConstraint("member_id", "source_key", name="uq_loyalty_vouchers_member_source"),)

    member_id: Mapped[str] = mapped_column(ForeignKey("loyalty_members.id"), index=True)
    reward_id: Mapped[str] = mapped_column(ForeignKey("loyalty_rewards.id"))
    source_key: Mapped[str] = mapped_column(String(40))  # card:<n>
    status: Mapped[str] = mapped_column(String(10), default="issued")  # issued | reserved | used


class LoyaltyRedemption(OrgOwned, Base):
    """A reward taken: points (or a voucher) against a discount on a payment intent or an item handed over.

    ``pending`` while the payment is open (the points are a pending ledger transfer), ``completed``
    when it is paid (posted), ``released`` when it is canceled or fails (voided)."""

    __tablename__ = "loyalty_redemptions"
    __object_name__ = "loyalty_redemption"
    __table_args__ = (Index("ix_loyalty_redemptions_intent", "payment_intent_id"),)

    programme_id: Mapped[str] = mapped_column(ForeignKey("loyalty_programmes.id"))
    member_id: Mapped[str] = mapped_column(ForeignKey("loyalty_members.id"), index=True)
    reward_id: Mapped[str] = mapped_column(ForeignKey("loyalty_rewards.id"))
    voucher_id: Mapped[str | None] = mapped_column(ForeignKey("loyalty_vouchers.id"))
    points: Mapped[int] = mapped_column(BigInteger)
    discount_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str] = mapped_column(String(3))
    payment_intent_id: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(10))
    transfer_id: Mapped[str | None] = mapped_column(String(64))
    redeemed_via: Mapped[str] = mapped_column(String(10))  # counter | wallet | online (a shop checkout)
