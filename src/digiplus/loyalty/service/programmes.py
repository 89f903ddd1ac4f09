"""Programmes, campaigns and rewards: the merchant's definitions (its ledger accounts are opened here)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from digiplus.core import audit
from digiplus.core.context import Caller
from digiplus.core.errors import InvalidRequest
from digiplus.core.ids import id_for
from digiplus.core.money import currency
from digiplus.core.permissions import require
from digiplus.core.tenancy import get_owned, object_base, scoped
from digiplus.loyalty.models import LoyaltyCampaign, LoyaltyMember, LoyaltyProgramme, LoyaltyReward
from digiplus.loyalty.schemas import CampaignCreate, ProgrammeCreate, ProgrammeUpdate, RewardCreate
from digiplus.loyalty.service import books


def create_programme(session: Session, caller: Caller, body: ProgrammeCreate) -> LoyaltyProgramme:
    require(caller.role, "loyalty.write")
    programme_id = id_for("loyalty_programme")
    programme = LoyaltyProgramme(
        id=programme_id,
        org_id=caller.org_id,
        livemode=caller.livemode,
        name=body.name,
        status="active",
        currency=currency(body.currency).code,
        ledger=books.ledger_name(programme_id),
        spend_unit=body.spend_unit,
        points_per_unit=body.points_per_unit,
        expiry_months=body.expiry_months,
        signup_bonus=body.signup_bonus,
        birthday_bonus=body.birthday_bonus,
        stamps_required=body.stamps_required,
        stamp_min_amount=body.stamp_min_amount,
        auto_enroll=body.auto_enroll,
        tiers=[t.model_dump() for t in body.tiers],
    )
    session.add(programme)
    session.flush()
    books.open_accounts(
        session,
        books.books_of(caller.org_id, caller.livemode, caller),
        programme.ledger,
        [
            (books.issued_account(programme.id), books.AccountCode.points_issued),
            (books.redeemed_account(programme.id), books.AccountCode.points_redeemed),
            (books.expired_account(programme.id), books.AccountCode.points_expired),
        ],
    )
    audit.record(
        session, caller, "loyalty_programme.created", "loyalty_programme", programme.id, after=programme_data(programme)
    )
    return programme


def get_programme(session: Session, caller: Caller, programme_id: str, *, param: str = "id") -> LoyaltyProgramme:
    return get_owned(session, LoyaltyProgramme, programme_id, caller, param=param)


def programmes_query(caller: Caller) -> Select[LoyaltyProgramme]:
    return scoped(LoyaltyProgramme, caller)


def update_programme(session: Session, caller: Caller, programme_id: str, body: ProgrammeUpdate) -> LoyaltyProgramme:
    require(caller.role, "loyalty.write")
    programme = get_owned(session, LoyaltyProgramme, programme_id, caller, for_update=True)
    before = programme_data(programme)
    changes = body.model_dump(exclude_unset=True)
    if "stamp_reward" in changes:
        reward_id = changes.pop("stamp_reward")
        if reward_id is not None:
            reward = get_owned(session, LoyaltyReward, reward_id, caller, param="stamp_reward")
            if reward.programme_id != programme.id:
                raise InvalidRequest("The reward belongs to another programme.", param="stamp_reward")
        programme.stamp_reward_id = reward_id
    if "tiers" in changes:
        tiers = changes.pop("tiers") or []
        if len({t["min_spend"] for t in tiers}) != len(tiers):
            raise InvalidRequest("tiers need different min_spend thresholds", param="tiers")
        programme.tiers = tiers
    for field, value in changes.items():
        if value is None:
            raise InvalidRequest(f"{field} cannot be null", param=field)
        setattr(programme, field, value)
    session.flush()
    audit.record(
        session,
        caller,
        "loyalty_programme.updated",
        "loyalty_programme",
        programme.id,
        before=before,
        after=programme_data(programme),
    )
    return programme


def active_programmes(session: Session, org_id: str, livemode: bool) -> list[LoyaltyProgramme]:
    stmt = select(LoyaltyProgramme).where(
        LoyaltyProgramme.org_id == org_id, LoyaltyProgramme.livemode == livemode, LoyaltyProgramme.status == "active"
    )
    return list(session.scalars(stmt.order_by(LoyaltyProgramme.id)))


def member_count(session: Session, programme_id: str) -> int:
    return int(session.scalar(select(func.count()).where(LoyaltyMember.programme_id == programme_id)) or 0)


def _ts(value: int) -> datetime:
    return datetime.fromtimestamp(value, tz=UTC)


def create_campaign(session: Session, caller: Caller, programme_id: str, body: CampaignCreate) -> LoyaltyCampaign:
    require(caller.role, "loyalty.write")
    programme = get_programme(session, caller, programme_id, param="programme")
    campaign = LoyaltyCampaign(
        id=id_for("loyalty_campaign"),
        org_id=caller.org_id,
        livemode=caller.livemode,
        programme_id=programme.id,
        name=body.name,
        multiplier_percent=body.multiplier_percent,
        starts_at=_ts(body.starts_at),
        ends_at=_ts(body.ends_at),
    )
    session.add(campaign)
    session.flush()
    audit.record(
        session, caller, "loyalty_campaign.created", "loyalty_campaign", campaign.id, after=campaign_data(campaign)
    )
    return campaign


def campaigns_query(caller: Caller, programme_id: str) -> Select[LoyaltyCampaign]:
    return scoped(LoyaltyCampaign, caller).where(LoyaltyCampaign.programme_id == programme_id)


def campaign_windows(session: Session, programme_id: str) -> list[tuple[datetime, datetime, int]]:
    stmt = select(LoyaltyCampaign.starts_at, LoyaltyCampaign.ends_at, LoyaltyCampaign.multiplier_percent)
    return [(s, e, p) for s, e, p in session.execute(stmt.where(LoyaltyCampaign.programme_id == programme_id))]


def create_reward(session: Session, caller: Caller, programme_id: str, body: RewardCreate) -> LoyaltyReward:
    require(caller.role, "loyalty.write")
    programme = get_programme(session, caller, programme_id, param="programme")
    reward = LoyaltyReward(
        id=id_for("loyalty_reward"),
        org_id=caller.org_id,
        livemode=caller.livemode,
        programme_id=programme.id,
        name=body.name,
        kind=body.kind,
        points_cost=body.points_cost,
        amount_off=body.amount_off,
        percent_off=body.percent_off if body.kind == "percent_off" else 0,
        max_discount=body.max_discount if body.kind == "percent_off" else None,
        item_name=body.item_name,
        active=True,
    )
    session.add(reward)
    session.flush()
    audit.record(session, caller, "loyalty_reward.created", "loyalty_reward", reward.id, after=reward_data(reward))
    return reward


def set_reward_active(session: Session, caller: Caller, reward_id: str, active: bool) -> LoyaltyReward:
    require(caller.role, "loyalty.write")
    reward = get_owned(session, LoyaltyReward, reward_id, caller, for_update=True)
    reward.active = active
    session.flush()
    audit.record(session, caller, "loyalty_reward.updated", "loyalty_reward", reward.id, after={"active": active})
    return reward


def rewards_query(caller: Caller, programme_id: str) -> Select[LoyaltyReward]:
    return scoped(LoyaltyReward, caller).where(LoyaltyReward.programme_id == programme_id)


def programme_rewards(session: Session, programme_id: str, *, active_only: bool = True) -> list[LoyaltyReward]:
    stmt = select(LoyaltyReward).where(LoyaltyReward.programme_id == programme_id)
    if active_only:
        stmt = stmt.where(LoyaltyReward.active.is_(True))
    return list(session.scalars(stmt.order_by(LoyaltyReward.points_cost, LoyaltyReward.id)))


def programme_data(p: LoyaltyProgramme, *, members: int | None = None) -> dict[str, Any]:
    return {
        **object_base(p, "loyalty_programme"),
        "name": p.name,
        "status": p.status,
        "currency": p.currency,
        "ledger": p.ledger,
        "spend_unit": p.spend_unit,
        "points_per_unit": p.points_per_unit,
        "expiry_months": p.expiry_months,
        "signup_bonus": p.signup_bonus,
        "birthday_bonus": p.birthday_bonus,
        "stamps_required": p.stamps_required,
        "stamp_min_amount": p.stamp_min_amount,
        "stamp_reward": p.stamp_reward_id,
        "auto_enroll": p.auto_enroll,
        "tiers": sorted(p.tiers or [], key=lambda t: int(t["min_spend"])),
        "members": members,
    }


def campaign_data(c: LoyaltyCampaign) -> dict[str, Any]:
    return {
        **object_base(c, "loyalty_campaign"),
        "programme": c.programme_id,
        "name": c.name,
        "multiplier_percent": c.multiplier_percent,
        "starts_at": int(c.starts_at.timestamp()),
        "ends_at": int(c.ends_at.timestamp()),
    }


def reward_data(r: LoyaltyReward) -> dict[str, Any]:
    return {
        **object_base(r, "loyalty_reward"),
        "programme": r.programme_id,
        "name": r.name,
        "kind": r.kind,
        "points_cost": r.points_cost,
        "amount_off": r.amount_off,
        "percent_off": r.percent_off,
        "max_discount": r.max_discount,
        "item_name": r.item_name,
        "active": r.active,
    }
