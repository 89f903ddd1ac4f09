"""The demo world, part 3: every demo merchant runs a loyalty programme (test mode).

Each programme was "launched" ``LAUNCH_DAYS`` before the end of the demo year: its rules (points
per NT$100, tiers, a stamp card at the food stalls, a sign-up bonus, a double-points weekend)
and rewards are made through the loyalty services, then the year's last ``LAUNCH_DAYS`` of
payments by wallets earn through the same function the outbox consumer calls
(``earning.earn_for_payment``), and their refunds claw back through ``clawback_for_refund``;
so members, lots, tiers, stamps and the ``POINTS:`` ledgers are exactly what live payments
would have made. Historical payments emit no events, so nothing is earned twice. A merchant
that has a programme already is left alone (a re-run writes nothing).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from digiplus.core.context import Caller
from digiplus.loyalty.models import LoyaltyProgramme
from digiplus.loyalty.schemas import CampaignCreate, ProgrammeCreate, ProgrammeUpdate, RewardCreate, TierInput
from digiplus.loyalty.service import books, earning, programmes, rules
from digiplus.payments import IntentView
from digiplus.payments.models import MerchantProfile, PaymentIntent, Refund

LAUNCH_DAYS = 45
FOOD = ("5812", "5814", "5499", "5411")


@dataclass
class DemoLoyalty:
    programmes: int = 0
    created_programmes: int = 0
    earned_payments: int = 0
    seconds: float = 0.0


def _rules(profile: MerchantProfile) -> ProgrammeCreate:
    food = profile.mcc in FOOD
    return ProgrammeCreate(
        name=f"{profile.display_name} 會員 · Members",
        spend_unit=100_00 if food else 200_00,
        points_per_unit=1,
        expiry_months=12,
        signup_bonus=10,
        birthday_bonus=20,
        stamps_required=8 if food else 0,
        stamp_min_amount=60_00 if food else 0,
        tiers=[
            TierInput(name="Silver 銀卡", min_spend=1_500_00, multiplier_percent=125),
            TierInput(name="Gold 金卡", min_spend=5_000_00, multiplier_percent=150),
        ],
    )


def _launch(session: Session, profile: MerchantProfile, launched: datetime) -> LoyaltyProgramme:
    caller = Caller.system(profile.org_id, False)
    programme = programmes.create_programme(session, caller, _rules(profile))
    programme.created = launched
    food = programme.stamps_required > 0
    treat = programmes.create_reward(
        session,
        caller,
        programme.id,
        RewardCreate(
            name="招待一份 · One on the house",
            kind="free_item",
            points_cost=40,
            item_name="招牌 · House special",
            amount_off=80_00,
        ),
    )
    programmes.create_reward(
        session,
        caller,
        programme.id,
        RewardCreate(name="折 NT$50 · NT$50 off", kind="amount_off", points_cost=50, amount_off=50_00),
    )
    programmes.create_reward(
        session,
        caller,
        programme.id,
        RewardCreate(name="9 折 · 10% off", kind="percent_off", points_cost=30, percent_off=10, max_discount=100_00),
    )
    if food:
        programmes.update_programme(session, caller, programme.id, ProgrammeUpdate(stamp_reward=treat.id))
    weekend = launched + timedelta(days=(5 - launched.weekday()) % 7 + 14)
    programmes.create_campaign(
        session,
        caller,
        programme.id,
        CampaignCreate(
            name="雙倍點數週末 · Double points weekend",
            multiplier_percent=200,
            starts_at=int(weekend.timestamp()),
            ends_at=int((weekend + timedelta(days=2)).timestamp()),
        ),
    )
    return programme


def build_demo_loyalty(session: Session, last_day_end: datetime) -> DemoLoyalty:
    """A programme per demo merchant and the last ``LAUNCH_DAYS`` of wallet payments earned in it."""
    started = time.perf_counter()
    result = DemoLoyalty()
    launched = last_day_end - timedelta(days=LAUNCH_DAYS)
    profiles = list(
        session.scalars(
            select(MerchantProfile).where(MerchantProfile.livemode.is_(False)).order_by(MerchantProfile.org_id)
        )
    )
    have = set(session.scalars(select(LoyaltyProgramme.org_id).where(LoyaltyProgramme.livemode.is_(False))))
    fresh = [p for p in profiles if p.org_id not in have]
    result.programmes = len(have) + len(fresh)
    for profile in fresh:
        _launch(session, profile, launched)
        result.created_programmes += 1
    if not fresh:
        return result
    orgs = [p.org_id for p in fresh]
    rows = session.scalars(
        select(PaymentIntent)
        .where(
            PaymentIntent.org_id.in_(orgs),
            PaymentIntent.livemode.is_(False),
            PaymentIntent.status == "succeeded",
            PaymentIntent.payer_org_id.is_not(None),
            PaymentIntent.captured_at >= launched,
        )
        .order_by(PaymentIntent.captured_at, PaymentIntent.id)
    ).all()
    views: dict[str, IntentView] = {}
    with books.deferred_ledger(session):
        _replay(session, rows, views)
    result.earned_payments = len(rows)
    result.seconds = time.perf_counter() - started
    return result


def _replay(session: Session, rows: Sequence[PaymentIntent], views: dict[str, IntentView]) -> None:
    for p in rows:
        views[p.id] = IntentView(
            p.id,
            p.org_id,
            False,
            "succeeded",
            p.amount,
            p.currency,
            p.amount_received,
            0,
            0,
            None,
            p.payer_org_id,
            p.captured_at,
        )
        earning.earn_for_payment(session, views[p.id])
    refunds = session.scalars(
        select(Refund)
        .where(Refund.payment_intent_id.in_(list(views)), Refund.status == "succeeded")
        .order_by(Refund.id)
    ).all()
    for r in refunds:
        earning.clawback_for_refund(session, views[r.payment_intent_id], r.id, r.amount)


def end_of(last_day: date) -> datetime:
    """The end of the demo year's last day (Taipei), as UTC."""
    return datetime.combine(last_day + timedelta(days=1), datetime.min.time(), tzinfo=rules.TAIPEI).astimezone(UTC)
