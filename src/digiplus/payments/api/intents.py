"""``/v1/payment_intents`` (the merchant's) and ``/v1/refunds``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from starlette.responses import Response

from digiplus.core.api.auth import ApiCaller, requires
from digiplus.core.api.deps import SessionDep
from digiplus.core.api.pagination import ListParamsDep, paginate
from digiplus.core.api.respond import respond
from digiplus.core.api.responses import ERROR_RESPONSES
from digiplus.core.context import Caller
from digiplus.payments.api.wallets import decline_response
from digiplus.payments.models import PaymentIntent, Refund
from digiplus.payments.schemas import (
    DECLINE_RESPONSE,
    PaymentIntentCancel,
    PaymentIntentCapture,
    PaymentIntentConfirm,
    PaymentIntentCreate,
    PaymentIntentList,
    PaymentIntentPublic,
    RefundCreate,
    RefundList,
    RefundPublic,
)
from digiplus.payments.service import intents, paying, refunds

router = APIRouter(prefix="/v1", tags=["payment intents"], responses=ERROR_RESPONSES)
Writer = Annotated[Caller, requires("payments.write")]
IntentId = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_]+$", examples=["pi_01JD3Y0R6C9W4QK3F7S2N8M5TB"])]
Status = Annotated[
    str | None,
    Query(
        pattern=r"^(requires_payment_method|requires_confirmation|requires_action|requires_capture|succeeded|canceled)$"
    ),
]


@router.post("/payment_intents", response_model=PaymentIntentPublic, summary="Create a payment intent")
def create_intent(body: PaymentIntentCreate, session: SessionDep, caller: Writer) -> Response:
    intent = intents.create_intent(
        session,
        caller,
        amount=body.amount,
        currency_code=body.currency,
        capture_method=body.capture_method,
        description=body.description,
        metadata=body.metadata,
    )
    return respond(session, intents.intent_data(intent), PaymentIntentPublic)  # a hot path: one thread hop


@router.get("/payment_intents", response_model=PaymentIntentList, summary="List payment intents, newest first")
def list_intents(
    session: SessionDep, caller: ApiCaller, params: ListParamsDep, status: Status = None
) -> dict[str, Any]:
    stmt = intents.intents_query(caller, status)
    return paginate(session, stmt, PaymentIntent.id, params, intents.intent_data, "/v1/payment_intents")


@router.get("/payment_intents/{intent_id}", response_model=PaymentIntentPublic, summary="Retrieve a payment intent")
def get_intent(intent_id: IntentId, session: SessionDep, caller: ApiCaller) -> dict[str, Any]:
    return intents.intent_data(intents.get_intent(session, caller, intent_id))


@router.post(
    "/payment_intents/{intent_id}/confirm",
    response_model=PaymentIntentPublic,
    responses=DECLINE_RESPONSE,
    summary="Confirm: show a dynamic QR code (requires_action) or charge the consumer's payment code",
)
def confirm_intent(intent_id: IntentId, body: PaymentIntentConfirm, session: SessionDep, caller: Writer) -> Any:
    attempt = paying.confirm(session, caller, intent_id, body.payment_method.model_dump())
    if attempt.declined is not None:
        return decline_response(attempt, attempt.declined, with_intent=True)
    return intents.intent_data(attempt.intent)


@router.post(
    "/payment_intents/{intent_id}/capture",
    response_model=PaymentIntentPublic,
    summary="Capture all or part of an authorised payment; the rest is released",
)
def capture_intent(
    intent_id: IntentId, session: SessionDep, caller: Writer, body: PaymentIntentCapture | None = None
) -> dict[str, Any]:
    amount = body.amount_to_capture if body else None
    return intents.intent_data(intents.capture(session, caller, intent_id, amount))


@router.post(
    "/payment_intents/{intent_id}/cancel",
    response_model=PaymentIntentPublic,
    summary="Cancel a payment intent; a held amount is released to the wallet",
)
def cancel_intent(
    intent_id: IntentId, session: SessionDep, caller: Writer, body: PaymentIntentCancel | None = None
) -> dict[str, Any]:
    reason = body.cancellation_reason if body else None
    return intents.intent_data(intents.cancel(session, caller, intent_id, reason))


@router.post("/refunds", response_model=RefundPublic, summary="Refund all or part of a succeeded payment")
def create_refund(body: RefundCreate, session: SessionDep, caller: Writer) -> dict[str, Any]:
    refund = refunds.create_refund(
        session, caller, payment_intent_id=body.payment_intent, amount=body.amount, reason=body.reason
    )
    return refunds.refund_data(refund)


@router.get("/refunds", response_model=RefundList, summary="List refunds, newest first")
def list_refunds(
    session: SessionDep,
    caller: ApiCaller,
    params: ListParamsDep,
    payment_intent: Annotated[str | None, Query(max_length=64, pattern=r"^[A-Za-z0-9_]+$")] = None,
) -> dict[str, Any]:
    stmt = refunds.refunds_query(caller, payment_intent)
    return paginate(session, stmt, Refund.id, params, refunds.refund_data, "/v1/refunds")


@router.get("/refunds/{refund_id}", response_model=RefundPublic, summary="Retrieve a refund")
def get_refund(refund_id: IntentId, session: SessionDep, caller: ApiCaller) -> dict[str, Any]:
    return refunds.refund_data(refunds.get_refund(session, caller, refund_id))
