"""``/v1/loyalty/…``: programmes, campaigns, rewards (the merchant's); members with balances, FIFO lots,
tier and stamps, their transactions and adjustments; memberships (the consumer's); redemptions (both)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from digiplus.core.api.auth import ApiCaller, requires
from digiplus.core.api.deps import SessionDep
from digiplus.core.api.pagination import ListParamsDep, paginate
from digiplus.core.api.responses import ERROR_RESPONSES
from digiplus.core.context import Caller
from digiplus.loyalty.models import (
    LoyaltyCampaign,
    LoyaltyEntry,
    LoyaltyMember,
    LoyaltyProgramme,
    LoyaltyRedemption,
    LoyaltyReward,
)
from digiplus.loyalty.schemas import (
    AdjustmentCreate,
    CampaignCreate,
    CampaignList,
    CampaignPublic,
    MemberList,
    MemberPublic,
    MembershipCreate,
    ProgrammeCreate,
    ProgrammeList,
    ProgrammePublic,
    ProgrammeUpdate,
    RedemptionCreate,
    RedemptionList,
    RedemptionPublic,
    RewardCreate,
    RewardList,
    RewardPublic,
    RewardUpdate,
    TransactionList,
    TransactionPublic,
)
from digiplus.loyalty.service import expiry, members, programmes, redemption

router = APIRouter(prefix="/v1/loyalty", tags=["loyalty"], responses=ERROR_RESPONSES)
Writer = Annotated[Caller, requires("loyalty.write")]
ObjectId = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_]+$")]
OptionalId = Annotated[str | None, Query(max_length=64, pattern=r"^[A-Za-z0-9_]+$")]


@router.post("/programmes", response_model=ProgrammePublic, summary="Create a loyalty programme")
def create_programme(body: ProgrammeCreate, session: SessionDep, caller: Writer) -> dict[str, Any]:
    return programmes.programme_data(programmes.create_programme(session, caller, body), members=0)


@router.get("/programmes", response_model=ProgrammeList, summary="List the merchant's programmes")
def list_programmes(session: SessionDep, caller: ApiCaller, params: ListParamsDep) -> dict[str, Any]:
    return paginate(
        session,
        programmes.programmes_query(caller),
        LoyaltyProgramme.id,
        params,
        lambda p: programmes.programme_data(p, members=programmes.member_count(session, p.id)),
        "/v1/loyalty/programmes",
    )


@router.get("/programmes/{programme_id}", response_model=ProgrammePublic, summary="Retrieve a programme")
def get_programme(programme_id: ObjectId, session: SessionDep, caller: ApiCaller) -> dict[str, Any]:
    p = programmes.get_programme(session, caller, programme_id)
    return programmes.programme_data(p, members=programmes.member_count(session, p.id))


@router.post("/programmes/{programme_id}", response_model=ProgrammePublic, summary="Update a programme")
def update_programme(
    programme_id: ObjectId, body: ProgrammeUpdate, session: SessionDep, caller: Writer
) -> dict[str, Any]:
    p = programmes.update_programme(session, caller, programme_id, body)
    return programmes.programme_data(p, members=programmes.member_count(session, p.id))


@router.post(
    "/programmes/{programme_id}/campaigns", response_model=CampaignPublic, summary="Add a time-boxed multiplier"
)
def create_campaign(
    programme_id: ObjectId, body: CampaignCreate, session: SessionDep, caller: Writer
) -> dict[str, Any]:
    return programmes.campaign_data(programmes.create_campaign(session, caller, programme_id, body))


@router.get("/programmes/{programme_id}/campaigns", response_model=CampaignList, summary="List a programme's campaigns")
def list_campaigns(
    programme_id: ObjectId, session: SessionDep, caller: ApiCaller, params: ListParamsDep
) -> dict[str, Any]:
    programmes.get_programme(session, caller, programme_id)
    stmt = programmes.campaigns_query(caller, programme_id)
    return paginate(
        session,
        stmt,
        LoyaltyCampaign.id,
        params,
        programmes.campaign_data,
        f"/v1/loyalty/programmes/{programme_id}/campaigns",
    )


@router.post("/programmes/{programme_id}/rewards", response_model=RewardPublic, summary="Add a reward")
def create_reward(programme_id: ObjectId, body: RewardCreate, session: SessionDep, caller: Writer) -> dict[str, Any]:
    return programmes.reward_data(programmes.create_reward(session, caller, programme_id, body))


@router.get("/programmes/{programme_id}/rewards", response_model=RewardList, summary="List a programme's rewards")
def list_rewards(
    programme_id: ObjectId, session: SessionDep, caller: ApiCaller, params: ListParamsDep
) -> dict[str, Any]:
    programmes.get_programme(session, caller, programme_id)
    stmt = programmes.rewards_query(caller, programme_id)
    return paginate(
        session,
        stmt,
        LoyaltyReward.id,
        params,
        programmes.reward_data,
        f"/v1/loyalty/programmes/{programme_id}/rewards",
    )


@router.post("/rewards/{reward_id}", response_model=RewardPublic, summary="Turn a reward on or off")
def update_reward(reward_id: ObjectId, body: RewardUpdate, session: SessionDep, caller: Writer) -> dict[str, Any]:
    return programmes.reward_data(programmes.set_reward_active(session, caller, reward_id, body.active))


@router.get("/members", response_model=MemberList, summary="List the merchant's members with balances")
def list_members(
    session: SessionDep, caller: ApiCaller, params: ListParamsDep, programme: OptionalId = None
) -> dict[str, Any]:
    stmt = members.members_query(caller, programme)
    return paginate(
        session, stmt, LoyaltyMember.id, params, lambda m: members.member_data(session, m), "/v1/loyalty/members"
    )


@router.get("/members/{member_id}", response_model=MemberPublic, summary="A member: balance, FIFO lots, tier, stamps")
def get_member(member_id: ObjectId, session: SessionDep, caller: ApiCaller) -> dict[str, Any]:
    return members.member_data(session, members.get_member(session, caller, member_id))


@router.get("/members/{member_id}/transactions", response_model=TransactionList, summary="A member's points history")
def list_transactions(
    member_id: ObjectId, session: SessionDep, caller: ApiCaller, params: ListParamsDep
) -> dict[str, Any]:
    member = members.get_member(session, caller, member_id)
    return paginate(
        session,
        members.entries_query(member),
        LoyaltyEntry.id,
        params,
        members.entry_data,
        f"/v1/loyalty/members/{member_id}/transactions",
    )


@router.post(
    "/members/{member_id}/adjustments", response_model=TransactionPublic, summary="Grant or deduct points by hand"
)
def adjust(member_id: ObjectId, body: AdjustmentCreate, session: SessionDep, caller: Writer) -> dict[str, Any]:
    return members.entry_data(expiry.adjust(session, caller, member_id, body.points, body.reason))


@router.post("/memberships", response_model=MemberPublic, summary="Join a merchant's programme (a consumer)")
def join(body: MembershipCreate, session: SessionDep, caller: Writer) -> dict[str, Any]:
    return members.member_data(session, members.join_from_wallet(session, caller, body.programme, body.birthday))


@router.get("/memberships", response_model=MemberList, summary="The consumer's memberships, every merchant")
def list_memberships(session: SessionDep, caller: ApiCaller, params: ListParamsDep) -> dict[str, Any]:
    stmt = members.memberships_query(caller)
    return paginate(
        session, stmt, LoyaltyMember.id, params, lambda m: members.member_data(session, m), "/v1/loyalty/memberships"
    )


@router.post(
    "/redemptions", response_model=RedemptionPublic, summary="Use a reward: a discount on an unpaid payment, or an item"
)
def create_redemption(body: RedemptionCreate, session: SessionDep, caller: Writer) -> dict[str, Any]:
    return redemption.redemption_data(redemption.redeem(session, caller, body))


@router.get("/redemptions", response_model=RedemptionList, summary="List the merchant's redemptions")
def list_redemptions(
    session: SessionDep, caller: ApiCaller, params: ListParamsDep, member: OptionalId = None
) -> dict[str, Any]:
    stmt = redemption.redemptions_query(caller, member)
    return paginate(session, stmt, LoyaltyRedemption.id, params, redemption.redemption_data, "/v1/loyalty/redemptions")


@router.get("/redemptions/{redemption_id}", response_model=RedemptionPublic, summary="Retrieve a redemption")
def get_redemption(redemption_id: ObjectId, session: SessionDep, caller: ApiCaller) -> dict[str, Any]:
    return redemption.redemption_data(redemption.get_redemption(session, caller, redemption_id))


@router.post(
    "/redemptions/{redemption_id}/cancel", response_model=RedemptionPublic, summary="Undo a pending redemption"
)
def cancel_redemption(redemption_id: ObjectId, session: SessionDep, caller: Writer) -> dict[str, Any]:
    return redemption.redemption_data(redemption.cancel_redemption(session, caller, redemption_id))
