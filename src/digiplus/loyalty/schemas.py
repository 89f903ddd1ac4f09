"""Loyalty's shapes at the edges: inputs refuse unknown fields; outputs are what the API returns."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from digiplus.core.api.inputs import StrictInput as CoreStrictInput
from digiplus.core.api.pagination import ListResponse

Id = Field(max_length=64, pattern=r"^[A-Za-z0-9_]+$")
Points = Field(ge=0, le=10**9)
Minor = Field(ge=0, le=10**15, description="Minor units (TWD cents).")


class StrictInput(CoreStrictInput):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class TierInput(StrictInput):
    name: str = Field(min_length=1, max_length=40, examples=["Gold"])
    min_spend: int = Field(ge=0, le=10**15, description="Spend in the last 12 months to reach it (minor units).")
    multiplier_percent: int = Field(ge=100, le=1000, description="Earning multiplier: 150 = 1.5×.")


class ProgrammeCreate(StrictInput):
    name: str = Field(min_length=1, max_length=100, examples=["Night market friends"])
    currency: str = Field("TWD", pattern=r"^[A-Za-z]{3}$")
    spend_unit: int = Field(10000, ge=1, le=10**12, description="Minor units per earning unit: 10000 = NT$100.")
    points_per_unit: int = Field(1, ge=0, le=10**4)
    expiry_months: int = Field(12, ge=0, le=120, description="0: points never expire.")
    signup_bonus: int = Field(0, ge=0, le=10**6)
    birthday_bonus: int = Field(0, ge=0, le=10**6)
    stamps_required: int = Field(0, ge=0, le=100, description="Visits for a full stamp card; 0: no stamp card.")
    stamp_min_amount: int = Field(0, ge=0, le=10**15, description="Smallest payment that counts as a visit.")
    auto_enroll: bool = Field(True, description="A paying wallet joins on its first payment.")
    tiers: list[TierInput] = Field(default_factory=list, max_length=10)

    @model_validator(mode="after")
    def _distinct_tiers(self) -> ProgrammeCreate:
        if len({t.min_spend for t in self.tiers}) != len(self.tiers):
            raise ValueError("tiers need different min_spend thresholds")
        return self


class ProgrammeUpdate(StrictInput):
    name: str | None = Field(None, min_length=1, max_length=100)
    status: Literal["active", "paused"] | None = None
    spend_unit: int | None = Field(None, ge=1, le=10**12)
    points_per_unit: int | None = Field(None, ge=0, le=10**4)
    expiry_months: int | None = Field(None, ge=0, le=120)
    signup_bonus: int | None = Field(None, ge=0, le=10**6)
    birthday_bonus: int | None = Field(None, ge=0, le=10**6)
    stamps_required: int | None = Field(None, ge=0, le=100)
    stamp_min_amount: int | None = Field(None, ge=0, le=10**15)
    stamp_reward: str | None = Field(None, max_length=64, pattern=r"^[A-Za-z0-9_]+$")
    auto_enroll: bool | None = None
    tiers: list[TierInput] | None = Field(None, max_length=10)


class Tier(BaseModel):
    name: str
    min_spend: int
    multiplier_percent: int


class Object(BaseModel):
    id: str
    created: int
    livemode: bool


class ProgrammePublic(Object):
    object: Literal["loyalty_programme"] = "loyalty_programme"
    name: str
    status: str
    currency: str
    ledger: str = Field(description="The points ledger: POINTS:<programme id>.")
    spend_unit: int
    points_per_unit: int
    expiry_months: int
    signup_bonus: int
    birthday_bonus: int
    stamps_required: int
    stamp_min_amount: int
    stamp_reward: str | None
    auto_enroll: bool
    tiers: list[Tier]
    members: int | None = None


class ProgrammeList(ListResponse[ProgrammePublic]):
    pass


class CampaignCreate(StrictInput):
    name: str = Field(min_length=1, max_length=100, examples=["Double points weekend"])
    multiplier_percent: int = Field(ge=100, le=1000, description="200 = double points.")
    starts_at: int = Field(ge=0, le=2**40, description="Unix seconds; the campaign runs from here...")
    ends_at: int = Field(ge=0, le=2**40, description="...until here (excluded).")

    @model_validator(mode="after")
    def _window(self) -> CampaignCreate:
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


class CampaignPublic(Object):
    object: Literal["loyalty_campaign"] = "loyalty_campaign"
    programme: str
    name: str
    multiplier_percent: int
    starts_at: int
    ends_at: int


class CampaignList(ListResponse[CampaignPublic]):
    pass


class RewardCreate(StrictInput):
    name: str = Field(min_length=1, max_length=100, examples=["NT$50 off"])
    kind: Literal["amount_off", "percent_off", "free_item"]
    points_cost: int = Field(ge=0, le=10**9)
    amount_off: int = Field(0, ge=0, le=10**15, description="amount_off: the discount; free_item: the item's price.")
    percent_off: int = Field(0, ge=0, le=100)
    max_discount: int | None = Field(None, ge=1, le=10**15, description="percent_off: the cap.")
    item_name: str | None = Field(None, max_length=100)

    @model_validator(mode="after")
    def _shape(self) -> RewardCreate:
        if self.kind == "amount_off" and self.amount_off < 1:
            raise ValueError("an amount_off reward needs amount_off")
        if self.kind == "percent_off" and not 1 <= self.percent_off <= 100:
            raise ValueError("a percent_off reward needs percent_off (1-100)")
        if self.kind == "free_item" and not self.item_name:
            raise ValueError("a free_item reward needs item_name")
        return self


class RewardUpdate(StrictInput):
    active: bool


class RewardPublic(Object):
    object: Literal["loyalty_reward"] = "loyalty_reward"
    programme: str
    name: str
    kind: str
    points_cost: int
    amount_off: int
    percent_off: int
    max_discount: int | None
    item_name: str | None
    active: bool


class RewardList(ListResponse[RewardPublic]):
    pass


class MembershipCreate(StrictInput):
    programme: str = Id
    birthday: date | None = Field(None, description="Only month and day are kept (for the birthday bonus).")


class Lot(BaseModel):
    entry: str
    earned_at: int
    expires_on: date | None
    points: int
    remaining: int


class Expiring(BaseModel):
    expires_on: date
    points: int


class TierStatus(BaseModel):
    spend_12_months: int
    current: Tier | None
    next: Tier | None


class StampCard(BaseModel):
    stamps: int
    required: int
    cards_completed: int


class VoucherPublic(BaseModel):
    id: str
    object: Literal["loyalty_voucher"] = "loyalty_voucher"
    reward: str
    reward_name: str
    status: str


class MemberPublic(Object):
    object: Literal["loyalty_member"] = "loyalty_member"
    programme: str
    programme_name: str
    joined_via: str
    birthday: str | None = Field(description="MM-DD, if the member shared it.")
    balance: int = Field(description="Points available: earned less spent, reserved, expired and clawed back.")
    reserved: int = Field(description="Points held by redemptions on payments not yet paid.")
    lots: list[Lot] = Field(description="Points by expiry, soonest first (FIFO).")
    expiring: list[Expiring] = Field(description="What remains of the lots, summed by expiry date.")
    tier: TierStatus
    stamp_card: StampCard | None
    vouchers: list[VoucherPublic]


class MemberList(ListResponse[MemberPublic]):
    pass


class TransactionPublic(BaseModel):
    id: str
    object: Literal["loyalty_transaction"] = "loyalty_transaction"
    created: int
    member: str
    kind: str
    points: int
    spend_amount: int
    occurred_at: int
    expires_on: date | None
    payment_intent: str | None
    ledger_transfer: str | None


class TransactionList(ListResponse[TransactionPublic]):
    pass


class AdjustmentCreate(StrictInput):
    points: int = Field(ge=-(10**9), le=10**9, description="Positive: a goodwill grant (a lot); negative: a deduction.")
    reason: str = Field(min_length=1, max_length=200)


class RedemptionCreate(StrictInput):
    member: str = Id
    reward: str | None = Field(None, max_length=64, pattern=r"^[A-Za-z0-9_]+$")
    voucher: str | None = Field(None, max_length=64, pattern=r"^[A-Za-z0-9_]+$")
    payment_intent: str | None = Field(
        None,
        max_length=64,
        pattern=r"^[A-Za-z0-9_]+$",
        description="Unpaid intent to discount; none: item handed over.",
    )


class RedemptionPublic(Object):
    object: Literal["loyalty_redemption"] = "loyalty_redemption"
    programme: str
    member: str
    reward: str
    voucher: str | None
    points: int
    discount_amount: int
    currency: str
    payment_intent: str | None
    status: str
    redeemed_via: str
    ledger_transfer: str | None


class RedemptionList(ListResponse[RedemptionPublic]):
    pass
