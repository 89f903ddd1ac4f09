"""Earning on a paid payment, stamps, and clawback on a refund — run by the outbox consumer
``loyalty.payments`` (``service/consumer.py``) in the cursor's transaction.

- A payment earns in every active programme of its merchant (same currency), for a payer
  wallet's organisation. Auto-enrolment (``auto_enroll``) makes the first payment a sign-up.
- Points are on what the payer paid (``amount_received``, after any reward discount), at the
  payment's capture time (so campaigns and tiers are those in force then, however late the
  consumer runs). Tier: the one the member held before this payment (12 months of spend).
- Unique key (programme, payment): the entry's ``source_key`` is the payment id; a replay books nothing.
- A refund claws back pro rata, cumulatively: after refunds totalling R of a payment received P
  that earned E, the clawback total is floor(E × R / P) (so a full refund takes back exactly E).
  Bonuses are not clawed back; stamps stay (a visit happened).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from digiplus.core.db import insert_ignore, utcnow
from digiplus.core.ids import id_for
from digiplus.loyalty.models import LoyaltyEntry, LoyaltyMember, LoyaltyProgramme, LoyaltyVisit, LoyaltyVoucher
from digiplus.loyalty.service import books, ledger_entries, members, programmes, rules
from digiplus.payments import IntentView


def points_at(
    session: Session, programme: LoyaltyProgramme, member: LoyaltyMember, amount: int, at: datetime
) -> tuple[int, int, str | None]:
    """(points, multiplier %, tier name) for a payment of ``amount`` at ``at``."""
    tier = rules.tier_for(rules.tiers_of(programme.tiers or []), members.spend_12_months(session, member, at))
    campaign = rules.campaign_percent(programmes.campaign_windows(session, programme.id), at)
    multiplier = rules.combined_multiplier(tier.multiplier_percent if tier else 100, campaign)
    return (
        rules.points_for(amount, programme.spend_unit, programme.points_per_unit, multiplier),
        multiplier,
        tier.name if tier else None,
    )


def earn_for_payment(session: Session, intent: IntentView) -> list[LoyaltyEntry]:
    """Book the payment's points (and stamp) in each of the merchant's programmes; idempotent."""
    if intent.status != "succeeded" or intent.payer_org_id is None or not intent.amount_received:
        return []
    at = intent.captured_at or utcnow()
    booked = []
    for programme in programmes.active_programmes(session, intent.org_id, intent.livemode):
        if programme.currency != intent.currency:
            continue
        member = members.member_of(session, programme.id, intent.payer_org_id)
        if member is None:
            if not programme.auto_enroll:
                continue
            member = members.enroll(session, programme, intent.payer_org_id, via="payment", at=at)
        points, multiplier, tier = points_at(session, programme, member, intent.amount_received, at)
        entry = ledger_entries.credit(
            session,
            programme,
            member,
            kind="earn",
            points=points,
            source_key=intent.id,
            at=at,
            spend_amount=intent.amount_received,
            payment_intent_id=intent.id,
            detail={"amount": intent.amount_received, "multiplier_percent": multiplier, "tier": tier},
        )
        if entry is not None:
            booked.append(entry)
            stamp(session, programme, member, intent, at)
    return booked


def stamp(
    session: Session, programme: LoyaltyProgramme, member: LoyaltyMember, intent: IntentView, at: datetime
) -> bool:
    """One stamp per member and (Taiwan) day for a payment of at least ``stamp_min_amount``; a full card
    issues the programme's stamp reward as a voucher. True when a stamp was added."""
    if programme.stamps_required <= 0 or intent.amount_received < programme.stamp_min_amount:
        return False
    day = rules.local_date(at)
    taken = session.scalar(
        select(LoyaltyVisit.id).where(LoyaltyVisit.member_id == member.id, LoyaltyVisit.visit_date == day)
    )
    if taken is not None:
        return False
    session.add(
        LoyaltyVisit(
            id=id_for("loyalty_visit"),
            org_id=programme.org_id,
            livemode=programme.livemode,
            member_id=member.id,
            visit_date=day,
            payment_intent_id=intent.id,
        )
    )
    session.flush()
    count = members.visits(session, member)
    if count % programme.stamps_required == 0 and programme.stamp_reward_id:
        insert_ignore(
            session,
            LoyaltyVoucher.__table__,
            {
                "id": id_for("loyalty_voucher"),
                "org_id": programme.org_id,
                "livemode": programme.livemode,
                "created": utcnow(),
                "member_id": member.id,
                "reward_id": programme.stamp_reward_id,
                "source_key": f"card:{count // programme.stamps_required}",
                "status": "issued",
            },
        )
    return True


def clawback_for_refund(session: Session, intent: IntentView, refund_id: str, refund_amount: int) -> list[LoyaltyEntry]:
    """Take back the refunded share of what the payment earned, in every programme it earned in."""
    earned = session.scalars(
        select(LoyaltyEntry).where(LoyaltyEntry.payment_intent_id == intent.id, LoyaltyEntry.kind == "earn")
    ).all()
    booked = []
    for earning in earned:
        programme = session.get(LoyaltyProgramme, earning.programme_id)
        member = session.get(LoyaltyMember, earning.member_id)
        if programme is None or member is None or ledger_entries.entry_for(session, programme.id, refund_id):
            continue
        prior = session.execute(
            select(
                func.coalesce(func.sum(LoyaltyEntry.spend_amount), 0), func.coalesce(func.sum(LoyaltyEntry.points), 0)
            ).where(LoyaltyEntry.lot_entry_id == earning.id, LoyaltyEntry.kind == "clawback")
        ).one()
        refunded_total = -int(prior[0]) + refund_amount
        received = max(int((earning.detail or {}).get("amount", earning.spend_amount)), 1)
        target = earning.points * min(refunded_total, received) // received
        points = target - (-int(prior[1]))
        entry = ledger_entries.debit(
            session,
            programme,
            member,
            kind="clawback",
            points=max(points, 0),
            source_key=refund_id,
            at=utcnow(),
            to_account=books.issued_account(programme.id),
            code=books.TransferCode.clawback,
            spend_amount=-refund_amount,
            payment_intent_id=intent.id,
            lot_entry_id=earning.id,
            detail={"refund": refund_id, "refund_amount": refund_amount},
        )
        if entry is not None:
            booked.append(entry)
    return booked
