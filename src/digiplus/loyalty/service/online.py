"""Redeeming a reward at another module's online checkout (commerce): what a member can use, and
the reservation of its points against the checkout's payment intent.

The checkout prices the discount into its own totals (and so into the intent's amount); this
module then only reserves the points (a pending, balancing ledger transfer, as at the counter)
tied to the intent. The payment succeeding posts them; the intent canceled or declined voids
them (``consumer.py``), so an order canceled before payment gives the points back.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from digiplus.core.context import Caller
from digiplus.loyalty.models import LoyaltyMember, LoyaltyProgramme
from digiplus.loyalty.schemas import RedemptionCreate
from digiplus.loyalty.service import members, programmes, redemption


@dataclass(frozen=True, slots=True)
class RewardOffer:
    reward: str
    name: str
    kind: str  # amount_off | percent_off (free items are not offered online)
    points_cost: int
    amount_off: int  # minor units of the programme currency
    percent_off: int
    max_discount: int | None  # minor units of the programme currency


@dataclass(frozen=True, slots=True)
class MemberOffers:
    member: str
    programme: str
    programme_name: str
    currency: str
    points_available: int
    rewards: list[RewardOffer]


def _offers(session: Session, member: LoyaltyMember, programme: LoyaltyProgramme) -> MemberOffers:
    available, _ = members.balance(session, member)
    return MemberOffers(
        member=member.id,
        programme=programme.id,
        programme_name=programme.name,
        currency=programme.currency,
        points_available=available,
        rewards=[
            RewardOffer(r.id, r.name, r.kind, r.points_cost, r.amount_off, r.percent_off, r.max_discount)
            for r in programmes.programme_rewards(session, programme.id)
            if r.kind in ("amount_off", "percent_off")
        ],
    )


def offers_for_consumer(
    session: Session, merchant_org_id: str, consumer_org_id: str, livemode: bool
) -> MemberOffers | None:
    """The consumer's membership of the merchant's active programme, with its points and rewards; None if none."""
    for programme in programmes.active_programmes(session, merchant_org_id, livemode):
        member = members.member_of(session, programme.id, consumer_org_id)
        if member is not None:
            return _offers(session, member, programme)
    return None


def offers_for_member(session: Session, merchant_org_id: str, member_id: str, livemode: bool) -> MemberOffers | None:
    """A member of one of the merchant's active programmes (a headless shop names it); None if not the merchant's."""
    row = session.execute(
        select(LoyaltyMember, LoyaltyProgramme)
        .join(LoyaltyProgramme, LoyaltyProgramme.id == LoyaltyMember.programme_id)
        .where(
            LoyaltyMember.id == member_id,
            LoyaltyMember.org_id == merchant_org_id,
            LoyaltyMember.livemode == livemode,
            LoyaltyProgramme.status == "active",
        )
    ).one_or_none()
    return None if row is None else _offers(session, row[0], row[1])


def reserve_for_payment(
    session: Session, merchant: Caller, *, member_id: str, reward_id: str, payment_intent_id: str, discount_amount: int
) -> str:
    """Reserve the reward's points against the (unpaid) intent whose amount already has ``discount_amount``
    (programme currency) taken off; returns the redemption id. ``InsufficientPoints`` (402) when the
    member's available points do not cover it: nothing is written (the caller's transaction rolls back)."""
    body = RedemptionCreate(member=member_id, reward=reward_id, payment_intent=payment_intent_id)
    return redemption.redeem(session, merchant, body, discount_included=discount_amount, via="online").id
