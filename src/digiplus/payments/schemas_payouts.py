"""Shapes of fee plans, payouts, payout runs and reconciliation reports at the API's edge
(kept beside ``schemas.py`` so that the two topics grow apart)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from digiplus.core.api.pagination import ListResponse
from digiplus.payments.schemas import Object, StrictInput

PlanName = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9_]+$", examples=["night_market_2026"])


class Rate(StrictInput):
    bps: int = Field(default=0, ge=0, le=10_000, description="Percentage in basis points (1 bp = 0.01 %).")
    fixed: int = Field(default=0, ge=0, le=10**9, description="Fixed part in minor units of the payment's currency.")


class FeePlanSet(StrictInput):
    description: str | None = Field(default=None, max_length=200)
    rates: dict[str, Rate] = Field(default_factory=dict, description="scenario -> rate")
    default: Rate = Field(default_factory=Rate, description="The rate of every scenario not in rates.")


class FeePlanPublic(BaseModel):
    object: Literal["fee_plan"] = "fee_plan"
    name: str
    builtin: bool
    description: str | None
    rates: dict[str, Rate]
    default: Rate
    livemode: bool | None = Field(description="None for a built-in plan (both modes).")


class FeePlanList(BaseModel):
    object: Literal["list"] = "list"
    data: list[FeePlanPublic]
    has_more: bool = False
    url: str


class FeePlanAssign(StrictInput):
    fee_plan: str = PlanName


class MerchantFeePlanPublic(BaseModel):
    object: Literal["merchant_fee_plan"] = "merchant_fee_plan"
    merchant: str
    fee_plan: str


class PayoutPublic(Object):
    object: Literal["payout"] = "payout"
    amount: int
    currency: str
    status: Literal["pending", "in_transit", "paid", "failed"]
    payout_date: dt.date
    arrival_date: dt.date
    bank_account: str
    bank_reference: str | None
    failure_code: str | None
    failure_message: str | None
    in_transit_at: int | None
    paid_at: int | None
    failed_at: int | None
    ledger_transfers: dict[str, str]


class PayoutList(ListResponse[PayoutPublic]):
    pass


class PayoutRunCreate(StrictInput):
    date: dt.date | None = Field(
        default=None,
        description="The payout date (Taipei). Default today; a later date only in test mode (to walk a "
        "sandbox through the settlement delay).",
    )


class PayoutRunPublic(BaseModel):
    object: Literal["payout_run"] = "payout_run"
    payout_date: dt.date
    settlements_created: int
    payouts_created: int
    in_transit: int
    failed: int
    paid: int
    amount: dict[str, int]
    retry_later: list[str]
    payouts: list[str]


class ReconciliationLine(BaseModel):
    type: Literal["payment", "fee", "refund", "carried_in", "carried_forward", "settlement"]
    id: str
    amount: int
    payment_intent: str | None
    settlement: str | None
    ledger_transfer: str | None
    occurred_at: int | None
    description: str | None
    subtotal: int | None


class ReconciliationPublic(BaseModel):
    object: Literal["payout_reconciliation"] = "payout_reconciliation"
    payout: str
    currency: str
    amount: int
    gross: int
    fees: int
    refunds: int
    carried: int
    lines: list[ReconciliationLine]
