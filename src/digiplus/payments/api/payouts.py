"""``/v1/payouts`` (the merchant's payouts and their reconciliation reports), ``/v1/payouts/run``
(operators) and ``/v1/fee_plans`` (read by all, set by operators)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from digiplus.core.api.auth import ApiCaller, requires
from digiplus.core.api.deps import SessionDep
from digiplus.core.api.pagination import ListParamsDep, paginate
from digiplus.core.api.responses import ERROR_RESPONSES
from digiplus.core.context import Caller
from digiplus.payments.models import Payout
from digiplus.payments.schemas_payouts import (
    FeePlanAssign,
    FeePlanList,
    FeePlanPublic,
    FeePlanSet,
    MerchantFeePlanPublic,
    PayoutList,
    PayoutPublic,
    PayoutRunCreate,
    PayoutRunPublic,
    ReconciliationPublic,
)
from digiplus.payments.service import fee_plans, payouts, reconciliation

router = APIRouter(prefix="/v1", tags=["payouts and fees"], responses=ERROR_RESPONSES)
Operator = Annotated[Caller, requires(fee_plans.OPERATE)]
ObjectId = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_]+$")]
PlanName = Annotated[str, Path(max_length=40, pattern=r"^[a-z0-9_]+$")]
Status = Annotated[str | None, Query(pattern=r"^(pending|in_transit|paid|failed)$")]


@router.get("/payouts", response_model=PayoutList, summary="List the merchant's payouts, newest first")
def list_payouts(
    session: SessionDep, caller: ApiCaller, params: ListParamsDep, status: Status = None
) -> dict[str, Any]:
    stmt = payouts.payouts_query(caller, status)
    return paginate(session, stmt, Payout.id, params, payouts.payout_data, "/v1/payouts")


@router.get("/payouts/{payout_id}", response_model=PayoutPublic, summary="Retrieve a payout")
def get_payout(payout_id: ObjectId, session: SessionDep, caller: ApiCaller) -> dict[str, Any]:
    return payouts.payout_data(payouts.get_payout(session, caller, payout_id))


@router.get(
    "/payouts/{payout_id}/reconciliation",
    response_model=ReconciliationPublic,
    summary="Every payment, fee, refund and settlement batch making up a payout (the lines add up to it)",
)
def get_reconciliation(payout_id: ObjectId, session: SessionDep, caller: ApiCaller) -> dict[str, Any]:
    report = reconciliation.payout_reconciliation(session, caller, payout_id)
    return reconciliation.reconciliation_data(report)


@router.get(
    "/payouts/{payout_id}/reconciliation.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "The report as CSV"}},
    summary="The reconciliation report as CSV (amounts in major units; formula-safe cells)",
)
def get_reconciliation_csv(payout_id: ObjectId, session: SessionDep, caller: ApiCaller) -> Response:
    report = reconciliation.payout_reconciliation(session, caller, payout_id)
    return Response(
        reconciliation.reconciliation_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{report.payout.id}-reconciliation.csv"'},
    )


@router.post(
    "/payouts/run",
    response_model=PayoutRunPublic,
    summary="Operators: settle due funds and pay out every merchant of this mode (idempotent per day)",
)
def run_payouts(session: SessionDep, caller: Operator, body: PayoutRunCreate | None = None) -> dict[str, Any]:
    run = payouts.operator_run(session, caller, body.date if body else None)
    return run.summary()


@router.get("/fee_plans", response_model=FeePlanList, summary="The built-in and this mode's custom fee plans")
def list_fee_plans(session: SessionDep, caller: ApiCaller) -> dict[str, Any]:
    plans = fee_plans.fee_plans(session, caller.livemode)
    return {"object": "list", "data": plans, "has_more": False, "url": "/v1/fee_plans"}


@router.get("/fee_plans/{name}", response_model=FeePlanPublic, summary="Retrieve a fee plan")
def get_fee_plan(name: PlanName, session: SessionDep, caller: ApiCaller) -> dict[str, Any]:
    return fee_plans.fee_plan(session, caller.livemode, name)


@router.post("/fee_plans/{name}", response_model=FeePlanPublic, summary="Operators: create or change a custom fee plan")
def set_fee_plan(name: PlanName, body: FeePlanSet, session: SessionDep, caller: Operator) -> dict[str, Any]:
    plan = fee_plans.set_fee_plan(
        session,
        caller,
        name=name,
        description=body.description,
        rates={s: r.model_dump() for s, r in body.rates.items()},
        default=body.default.model_dump(),
    )
    return fee_plans.plan_data(plan)


@router.post(
    "/merchants/{merchant}/fee_plan",
    response_model=MerchantFeePlanPublic,
    summary="Operators: put a merchant (organization id) on a fee plan",
)
def assign_fee_plan(merchant: ObjectId, body: FeePlanAssign, session: SessionDep, caller: Operator) -> dict[str, Any]:
    profile = fee_plans.assign_fee_plan(session, caller, merchant, body.fee_plan)
    return {"object": "merchant_fee_plan", "merchant": profile.org_id, "fee_plan": profile.fee_plan}
