"""Members: joining (on the first payment or from the wallet), and what a member has — points by lot
(FIFO), reserved points, tier, stamp card, vouchers — read from the ledger and the entries."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from digiplus.core import audit
from digiplus.core.context import Caller
from digiplus.core.db import utcnow
from digiplus.core.errors import Conflict, InvalidRequest, NotFound
from digiplus.core.events import emit, register_event_type
from digiplus.core.ids import id_for
from digiplus.core.tenancy import object_base, scoped
from digiplus.ledger import account_balance, get_account
from digiplus.loyalty.models import (
    LoyaltyEntry,
    LoyaltyMember,
    LoyaltyProgramme,
    LoyaltyReward,
    LoyaltyVisit,
    LoyaltyVoucher,
)
from digiplus.loyalty.service import books, ledger_entries, rules

MEMBER_CREATED = register_event_type("loyalty_member.created", "A consumer joined a loyalty programme.")
CONSUMED_KINDS = ("redemption", "redemption_returned", "expiry", "adjustment_deduct")


def member_of(session: Session, programme_id: str, consumer_org_id: str, *, lock: bool = False) -> LoyaltyMember | None:
    stmt = select(LoyaltyMember).where(
        LoyaltyMember.programme_id == programme_id, LoyaltyMember.consumer_org_id == consumer_org_id
    )
    return session.scalars(stmt.with_for_update() if lock else stmt).one_or_none()


def enroll(
    session: Session,
    programme: LoyaltyProgramme,
    consumer_org_id: str,
    *,
    via: str,
    at: datetime,
    birthday: date | None = None,
    acting: Caller | None = None,
) -> LoyaltyMember:
    """A new member with its points account and sign-up bonus (the caller checked it is not one yet)."""
    member = LoyaltyMember(
        id=id_for("loyalty_member"),
        org_id=programme.org_id,
        livemode=programme.livemode,
        programme_id=programme.id,
        consumer_org_id=consumer_org_id,
        joined_via=via,
        created=at,
        birth_month=birthday.month if birthday else None,
        birth_day=birthday.day if birthday else None,
    )
    member.account_id = member.id
    session.add(member)
    session.flush()
    merchant_books = books.books_of(programme.org_id, programme.livemode, acting)
    books.open_accounts(
        session, merchant_books, programme.ledger, [(member.account_id, books.AccountCode.member_points)]
    )
    if programme.signup_bonus:
        ledger_entries.credit(
            session,
            programme,
            member,
            kind="signup_bonus",
            points=programme.signup_bonus,
            source_key=f"signup:{member.id}",
            at=at,
        )
    emit(
        session,
        merchant_books,
        MEMBER_CREATED,
        {"id": member.id, "object": "loyalty_member", "programme": programme.id, "joined_via": via},
    )
    return member


def join_from_wallet(session: Session, caller: Caller, programme_id: str, birthday: date | None) -> LoyaltyMember:
    """The consumer (caller) joins a programme of any merchant, in the same mode."""
    programme = session.scalars(
        select(LoyaltyProgramme).where(
            LoyaltyProgramme.id == programme_id, LoyaltyProgramme.livemode == caller.livemode
        )
    ).one_or_none()
    if programme is None or programme.status != "active":
        raise NotFound(f"No such loyalty_programme: '{programme_id}'", param="programme")
    if programme.org_id == caller.org_id:
        raise InvalidRequest("A merchant cannot join its own programme.", param="programme")
    if member_of(session, programme.id, caller.org_id) is not None:
        raise Conflict("You are a member of this programme already.", param="programme", code="already_member")
    member = enroll(session, programme, caller.org_id, via="wallet", at=utcnow(), birthday=birthday, acting=caller)
    audit.record(
        session, caller, "loyalty_member.joined", "loyalty_member", member.id, after={"programme": programme.id}
    )
    return member


def get_member(
    session: Session, caller: Caller, member_id: str, *, lock: bool = False, param: str = "id"
) -> LoyaltyMember:
    """The merchant's member, or the consumer's own membership; NotFound for anyone else."""
    stmt = select(LoyaltyMember).where(LoyaltyMember.id == member_id, LoyaltyMember.livemode == caller.livemode)
    member = session.scalars(stmt.with_for_update() if lock else stmt).one_or_none()
    if member is None or caller.org_id not in (member.org_id, member.consumer_org_id):
        raise NotFound(f"No such loyalty_member: '{member_id}'", param=param)
    return member


def members_query(caller: Caller, programme_id: str | None = None) -> Select[LoyaltyMember]:
    stmt = scoped(LoyaltyMember, caller)
    return stmt if programme_id is None else stmt.where(LoyaltyMember.programme_id == programme_id)


def memberships_query(caller: Caller) -> Select[LoyaltyMember]:
    """The consumer's own memberships, every merchant."""
    return select(LoyaltyMember).where(
        LoyaltyMember.consumer_org_id == caller.org_id, LoyaltyMember.livemode == caller.livemode
    )


def entries_query(member: LoyaltyMember) -> Select[LoyaltyEntry]:
    return select(LoyaltyEntry).where(LoyaltyEntry.member_id == member.id)


def lots(session: Session, member: LoyaltyMember) -> tuple[list[rules.Lot], int]:
    """The member's lots with what remains of each after FIFO consumption, and the uncovered rest."""
    rows = list(session.scalars(entries_query(member).order_by(LoyaltyEntry.occurred_at, LoyaltyEntry.id)))
    by_id: dict[str, rules.Lot] = {}
    consumed = 0
    for e in rows:
        if e.kind in ledger_entries.LOT_KINDS and e.points > 0:
            by_id[e.id] = rules.Lot(e.id, e.occurred_at, e.expires_on, e.points, e.points)
    for e in rows:
        if e.kind == "clawback" and e.lot_entry_id in by_id:
            by_id[e.lot_entry_id].points += e.points  # e.points is negative
        elif e.kind in CONSUMED_KINDS:
            consumed -= e.points
    found = list(by_id.values())
    uncovered = rules.allocate_fifo(found, consumed)
    found.sort(key=lambda lot: (lot.expires_on is None, lot.expires_on or date.max, lot.earned_at))
    return found, uncovered


def balance(session: Session, member: LoyaltyMember) -> tuple[int, int]:
    """(available, reserved) from the ledger: credits − debits − pending debits, and the pending debits."""
    account = get_account(session, books.books_of(member.org_id, member.livemode), member.account_id)
    b = account_balance(account)
    return b.credits_posted - b.debits_posted - b.debits_pending, b.debits_pending


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=rules.TAIPEI)


def spend_12_months(session: Session, member: LoyaltyMember, at: datetime) -> int:
    """Net spend (payments less refunds) from the same day a year before ``at`` up to ``at`` (excluded)."""
    since = _day_start(rules.twelve_months_before(rules.local_date(at)))
    total = session.scalar(
        select(func.coalesce(func.sum(LoyaltyEntry.spend_amount), 0)).where(
            LoyaltyEntry.member_id == member.id, LoyaltyEntry.occurred_at >= since, LoyaltyEntry.occurred_at < at
        )
    )
    return int(total or 0)


def visits(session: Session, member: LoyaltyMember) -> int:
    return int(session.scalar(select(func.count()).where(LoyaltyVisit.member_id == member.id)) or 0)


def vouchers(
    session: Session, member: LoyaltyMember, *, usable_only: bool = False
) -> list[tuple[LoyaltyVoucher, LoyaltyReward]]:
    stmt = select(LoyaltyVoucher, LoyaltyReward).join(LoyaltyReward, LoyaltyReward.id == LoyaltyVoucher.reward_id)
    stmt = stmt.where(LoyaltyVoucher.member_id == member.id)
    if usable_only:
        stmt = stmt.where(LoyaltyVoucher.status == "issued")
    return [(v, r) for v, r in session.execute(stmt.order_by(LoyaltyVoucher.id))]


def _expiring(found: list[rules.Lot]) -> list[dict[str, Any]]:
    """What remains, by expiry date (soonest first); points that never expire are left out."""
    by_day: dict[date, int] = {}
    for lot in found:
        if lot.expires_on is not None and lot.remaining > 0:
            by_day[lot.expires_on] = by_day.get(lot.expires_on, 0) + lot.remaining
    return [{"expires_on": day, "points": points} for day, points in sorted(by_day.items())]


def _tier(t: rules.Tier | None) -> dict[str, Any] | None:
    return None if t is None else {"name": t.name, "min_spend": t.min_spend, "multiplier_percent": t.multiplier_percent}


def member_data(
    session: Session, member: LoyaltyMember, programme: LoyaltyProgramme | None = None, *, now: datetime | None = None
) -> dict[str, Any]:
    programme = programme or session.get_one(LoyaltyProgramme, member.programme_id)
    available, reserved = balance(session, member)
    found, _ = lots(session, member)
    spend = spend_12_months(session, member, now or utcnow())
    tiers = rules.tiers_of(programme.tiers or [])
    count = visits(session, member)
    required = programme.stamps_required
    return {
        **object_base(member, "loyalty_member"),
        "programme": programme.id,
        "programme_name": programme.name,
        "joined_via": member.joined_via,
        "birthday": f"{member.birth_month:02d}-{member.birth_day:02d}"
        if member.birth_month and member.birth_day
        else None,
        "balance": available,
        "reserved": reserved,
        "lots": [
            {
                "entry": lot.entry_id,
                "earned_at": int(lot.earned_at.timestamp()),
                "expires_on": lot.expires_on,
                "points": lot.points,
                "remaining": lot.remaining,
            }
            for lot in found
            if lot.remaining > 0
        ],
        "expiring": _expiring(found),
        "tier": {
            "spend_12_months": spend,
            "current": _tier(rules.tier_for(tiers, spend)),
            "next": _tier(rules.next_tier(tiers, spend)),
        },
        "stamp_card": None
        if required <= 0
        else {"stamps": count % required, "required": required, "cards_completed": count // required},
        "vouchers": [
            {"id": v.id, "object": "loyalty_voucher", "reward": r.id, "reward_name": r.name, "status": v.status}
            for v, r in vouchers(session, member)
        ],
    }


def entry_data(e: LoyaltyEntry) -> dict[str, Any]:
    return {
        "id": e.id,
        "object": "loyalty_transaction",
        "created": int(e.created.timestamp()),
        "member": e.member_id,
        "kind": e.kind,
        "points": e.points,
        "spend_amount": e.spend_amount,
        "occurred_at": int(e.occurred_at.timestamp()),
        "expires_on": e.expires_on,
        "payment_intent": e.payment_intent_id,
        "ledger_transfer": e.transfer_id,
    }
