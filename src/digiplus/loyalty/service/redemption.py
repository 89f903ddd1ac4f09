"""Redemption: a reward for points (or a stamp-card voucher), as a discount on an unpaid payment intent
(at the counter or in the wallet) or as an item handed over.

With a payment intent, one transaction: the intent row is locked and discounted
(``payments.apply_discount``) and the points are reserved by a **pending** ledger transfer
member → redeemed. The payment succeeding posts it; a cancel, a declined attempt or a cancel of
the redemption voids it (the points are back) and gives the discount back to an unpaid intent.
Without an intent the transfer is posted at once. The transfer is a ``balancing_debit``: the
ledger moves at most what the member has (under its account lock); moving less than the reward
costs raises ``InsufficientPoints`` and the whole transaction rolls back. No balance is read first.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from digiplus.core import audit
from digiplus.core.context import Caller
from digiplus.core.db import utcnow
from digiplus.core.errors import InvalidRequest, NotFound
from digiplus.core.events import emit, register_event_type
from digiplus.core.ids import id_for
from digiplus.core.permissions import require
from digiplus.core.tenancy import object_base
from digiplus.ledger import TransferFlags, TransferInput, TransferResult, create_transfers
from digiplus.loyalty.models import (
    LoyaltyEntry,
    LoyaltyMember,
    LoyaltyProgramme,
    LoyaltyRedemption,
    LoyaltyReward,
    LoyaltyVoucher,
)
from digiplus.loyalty.schemas import RedemptionCreate
from digiplus.loyalty.service import books, members, rules
from digiplus.loyalty.service.errors import InsufficientPoints
from digiplus.payments import IntentView, apply_discount, intent_view, remove_discount

CREATED = register_event_type("loyalty_redemption.created", "A member used a reward (points reserved or spent).")
COMPLETED = register_event_type(
    "loyalty_redemption.completed", "The discounted payment was paid; the points are spent."
)
RELEASED = register_event_type("loyalty_redemption.released", "A redemption was undone; the points are back.")
_PENDING, _POST, _VOID = (
    int(TransferFlags.pending),
    int(TransferFlags.post_pending_transfer),
    int(TransferFlags.void_pending_transfer),
)
_BALANCING = int(TransferFlags.balancing_debit)


def _reward_and_voucher(
    session: Session, programme: LoyaltyProgramme, member: LoyaltyMember, body: RedemptionCreate
) -> tuple[LoyaltyReward, LoyaltyVoucher | None]:
    if (body.reward is None) == (body.voucher is None):
        raise InvalidRequest("Give reward or voucher (one of them).", param="reward")
    if body.voucher is not None:
        voucher = session.scalars(
            select(LoyaltyVoucher)
            .where(LoyaltyVoucher.id == body.voucher, LoyaltyVoucher.member_id == member.id)
            .with_for_update()
        ).one_or_none()
        if voucher is None:
            raise NotFound(f"No such loyalty_voucher: '{body.voucher}'", param="voucher")
        if voucher.status != "issued":
            raise InvalidRequest("This voucher was used already.", param="voucher", code="voucher_used")
        return session.get_one(LoyaltyReward, voucher.reward_id), voucher
    reward = session.scalars(
        select(LoyaltyReward).where(LoyaltyReward.id == body.reward, LoyaltyReward.programme_id == programme.id)
    ).one_or_none()
    if reward is None or not reward.active:
        raise NotFound(f"No such loyalty_reward: '{body.reward}'", param="reward")
    return reward, None


def redeem(
    session: Session,
    caller: Caller,
    body: RedemptionCreate,
    *,
    discount_included: int | None = None,
    via: str | None = None,
) -> LoyaltyRedemption:
    """The merchant (at the counter) or the member's own consumer org (in the wallet) takes a reward.

    ``discount_included``: the caller (an online checkout) already priced the reward into the
    intent's amount, so the intent is left as it is and this is recorded as the discount."""
    require(caller.role, "loyalty.write")
    intent: IntentView | None = None
    member = members.get_member(session, caller, body.member, param="member")
    programme = session.get_one(LoyaltyProgramme, member.programme_id)
    if programme.status != "active":
        raise InvalidRequest("This programme is paused.", param="member", code="programme_paused")
    if body.payment_intent is not None:  # the intent row first: the payments lock order
        intent = intent_view(session, body.payment_intent, caller.livemode, merchant_org_id=programme.org_id, lock=True)
        if intent.currency != programme.currency:
            raise InvalidRequest("The payment is in another currency than the programme.", param="payment_intent")
    reward, voucher = _reward_and_voucher(session, programme, member, body)
    redemption = LoyaltyRedemption(
        id=id_for("loyalty_redemption"),
        org_id=programme.org_id,
        livemode=programme.livemode,
        programme_id=programme.id,
        member_id=member.id,
        reward_id=reward.id,
        voucher_id=voucher.id if voucher else None,
        points=0 if voucher else reward.points_cost,
        discount_amount=0,
        currency=programme.currency,
        payment_intent_id=intent.id if intent else None,
        status="pending" if intent else "completed",
        redeemed_via=via or ("counter" if caller.org_id == programme.org_id else "wallet"),
    )
    if intent is not None and discount_included is not None:
        if reward.kind == "free_item" or discount_included <= 0:
            raise InvalidRequest(
                "This reward takes nothing off a payment.", param="reward", code="reward_not_a_discount"
            )
        redemption.discount_amount = discount_included
    elif intent is not None:
        discount = rules.discount_for(
            reward.kind, intent.amount, reward.amount_off, reward.percent_off, reward.max_discount
        )
        if discount <= 0:
            raise InvalidRequest(
                "This reward takes nothing off a payment; hand the item over without a payment.", param="payment_intent"
            )
        apply_discount(
            session, caller, intent.id, amount=discount, reference=redemption.id, merchant_org_id=programme.org_id
        )
        redemption.discount_amount = discount
    merchant_books = books.books_of(programme.org_id, programme.livemode, caller)
    if redemption.points > 0:
        [outcome] = create_transfers(
            session,
            merchant_books,
            [
                TransferInput(
                    id=redemption.id,
                    debit_account_id=member.account_id,
                    credit_account_id=books.redeemed_account(programme.id),
                    amount=redemption.points,
                    ledger=programme.ledger,
                    code=int(books.TransferCode.redemption),
                    flags=_BALANCING | (_PENDING if intent else 0),
                    metadata={"reward": reward.id, "payment_intent": intent.id if intent else None},
                )
            ],
        )
        moved = outcome.transfer.amount if outcome.transfer is not None else 0
        if outcome.result is not TransferResult.ok or moved < redemption.points:
            raise InsufficientPoints(
                f"This reward costs {redemption.points} points; the member has {moved} available.", param="reward"
            )
        redemption.transfer_id = redemption.id
    if voucher is not None:
        voucher.status = "reserved" if intent else "used"
    session.add(redemption)
    session.flush()
    session.add(
        LoyaltyEntry(
            id=id_for("loyalty_transaction"),
            org_id=programme.org_id,
            livemode=programme.livemode,
            programme_id=programme.id,
            member_id=member.id,
            kind="redemption",
            source_key=redemption.id,
            points=-redemption.points,
            spend_amount=0,
            occurred_at=utcnow(),
            expires_on=None,
            payment_intent_id=redemption.payment_intent_id,
            transfer_id=redemption.transfer_id,
            detail={"reward": reward.id, "reward_name": reward.name, "voucher": redemption.voucher_id},
        )
    )
    session.flush()
    emit(session, merchant_books, CREATED, redemption_data(redemption))
    audit.record(
        session,
        caller,
        "loyalty_redemption.created",
        "loyalty_redemption",
        redemption.id,
        after=redemption_data(redemption),
    )
    return redemption


def _pending_for(session: Session, intent_id: str) -> list[LoyaltyRedemption]:
    stmt = select(LoyaltyRedemption).where(
        LoyaltyRedemption.payment_intent_id == intent_id, LoyaltyRedemption.status == "pending"
    )
    return list(session.scalars(stmt.with_for_update()))


def complete_for_payment(session: Session, intent: IntentView) -> None:
    """The discounted payment succeeded: post the reserved points, use the voucher."""
    for redemption in _pending_for(session, intent.id):
        merchant_books = books.books_of(redemption.org_id, redemption.livemode)
        if redemption.transfer_id:
            books.move(
                session,
                merchant_books,
                TransferInput(id=f"{redemption.id}_post", pending_id=redemption.transfer_id, flags=_POST),
            )
        if redemption.voucher_id:
            voucher = session.get(LoyaltyVoucher, redemption.voucher_id)
            if voucher is not None:
                voucher.status = "used"
        redemption.status = "completed"
        session.flush()
        emit(session, merchant_books, COMPLETED, redemption_data(redemption))


def _release(session: Session, redemption: LoyaltyRedemption, reason: str) -> None:
    merchant_books = books.books_of(redemption.org_id, redemption.livemode)
    if redemption.transfer_id:
        books.move(
            session,
            merchant_books,
            TransferInput(id=f"{redemption.id}_void", pending_id=redemption.transfer_id, flags=_VOID),
        )
    if redemption.voucher_id:
        voucher = session.get(LoyaltyVoucher, redemption.voucher_id)
        if voucher is not None:
            voucher.status = "issued"
    redemption.status = "released"
    session.add(
        LoyaltyEntry(
            id=id_for("loyalty_transaction"),
            org_id=redemption.org_id,
            livemode=redemption.livemode,
            programme_id=redemption.programme_id,
            member_id=redemption.member_id,
            kind="redemption_returned",
            source_key=f"{redemption.id}:returned",
            points=redemption.points,
            spend_amount=0,
            occurred_at=utcnow(),
            expires_on=None,
            payment_intent_id=redemption.payment_intent_id,
            transfer_id=f"{redemption.id}_void" if redemption.transfer_id else None,
            detail={"reason": reason},
        )
    )
    session.flush()
    emit(session, merchant_books, RELEASED, {**redemption_data(redemption), "reason": reason})


def release_for_intent(session: Session, intent: IntentView, reason: str) -> None:
    """The intent was canceled (or an attempt declined): points back, and an unpaid intent's discount too.

    A declined intent that was paid after all (the event is older than its state) keeps its redemption."""
    if intent.status == "succeeded" or intent.status == "requires_capture":
        return
    system = Caller.system(intent.org_id, intent.livemode)
    for redemption in _pending_for(session, intent.id):
        remove_discount(session, system, intent.id, reference=redemption.id)
        _release(session, redemption, reason)


def cancel_redemption(session: Session, caller: Caller, redemption_id: str) -> LoyaltyRedemption:
    """Undo a pending redemption before the payment is paid (the merchant or the member)."""
    require(caller.role, "loyalty.write")
    redemption = get_redemption(session, caller, redemption_id, lock=True)
    if redemption.status != "pending" or redemption.payment_intent_id is None:
        raise InvalidRequest(f"This redemption is {redemption.status}; only a pending one can be canceled.", param="id")
    intent_view(session, redemption.payment_intent_id, redemption.livemode, lock=True)  # lock order: the intent first
    if not remove_discount(session, caller, redemption.payment_intent_id, reference=redemption.id):
        raise InvalidRequest("The payment is no longer open; the redemption stands.", param="id")
    _release(session, redemption, "canceled")
    audit.record(session, caller, "loyalty_redemption.canceled", "loyalty_redemption", redemption.id)
    return redemption


def get_redemption(session: Session, caller: Caller, redemption_id: str, *, lock: bool = False) -> LoyaltyRedemption:
    """The merchant's redemption, or one of the consumer's own memberships."""
    stmt = (
        select(LoyaltyRedemption, LoyaltyMember.consumer_org_id)
        .join(LoyaltyMember, LoyaltyMember.id == LoyaltyRedemption.member_id)
        .where(LoyaltyRedemption.id == redemption_id, LoyaltyRedemption.livemode == caller.livemode)
    )
    row = session.execute(stmt.with_for_update(of=LoyaltyRedemption) if lock else stmt).one_or_none()
    if row is None or caller.org_id not in (row[0].org_id, row[1]):
        raise NotFound(f"No such loyalty_redemption: '{redemption_id}'")
    return row[0]


def redemptions_query(caller: Caller, member_id: str | None = None) -> Select[LoyaltyRedemption]:
    stmt = select(LoyaltyRedemption).where(
        LoyaltyRedemption.org_id == caller.org_id, LoyaltyRedemption.livemode == caller.livemode
    )
    return stmt if member_id is None else stmt.where(LoyaltyRedemption.member_id == member_id)


def redemption_data(r: LoyaltyRedemption) -> dict[str, Any]:
    return {
        **object_base(r, "loyalty_redemption"),
        "programme": r.programme_id,
        "member": r.member_id,
        "reward": r.reward_id,
        "voucher": r.voucher_id,
        "points": r.points,
        "discount_amount": r.discount_amount,
        "currency": r.currency,
        "payment_intent": r.payment_intent_id,
        "status": r.status,
        "redeemed_via": r.redeemed_via,
        "ledger_transfer": r.transfer_id,
    }
