"""``/v1/wallets`` (a consumer org's wallets), top-ups, withdrawals, transfers, history, paying, codes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse

from digiplus.core.api.auth import ApiCaller, requires
from digiplus.core.api.deps import SessionDep
from digiplus.core.api.pagination import ListParamsDep, paginate
from digiplus.core.api.respond import respond
from digiplus.core.api.responses import ERROR_RESPONSES
from digiplus.core.context import Caller
from digiplus.core.permissions import grant
from digiplus.payments.models import BankTransfer, Wallet
from digiplus.payments.schemas import (
    DECLINE_RESPONSE,
    BankMovementCreate,
    BankMovementList,
    BankMovementPublic,
    PaymentCodeCreate,
    PaymentCodePublic,
    PaymentPreview,
    VerificationUpdate,
    WalletCreate,
    WalletHistory,
    WalletList,
    WalletPay,
    WalletPayment,
    WalletProfilePublic,
    WalletPublic,
    WalletScan,
    WalletTransferCreate,
    WalletTransferPublic,
)
from digiplus.payments.service import approval, codes, paying, topups, wallets
from digiplus.payments.service.errors import PaymentDeclined
from digiplus.payments.service.intents import intent_data
from digiplus.payments.service.limits import limits_for

grant("admin", "payments.write")
grant("developer", "payments.write")

router = APIRouter(prefix="/v1", tags=["wallets"], responses=ERROR_RESPONSES)
Writer = Annotated[Caller, requires("payments.write")]
WalletId = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_]+$", examples=["wal_01JD3Y0R6C9W4QK3F7S2N8M5TB"])]
IntentId = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_]+$", examples=["pi_01JD3Y0R6C9W4QK3F7S2N8M5TB"])]


@router.post("/wallets", response_model=WalletPublic, summary="Open the consumer's wallet in a currency")
def create_wallet(body: WalletCreate, session: SessionDep, caller: Writer) -> dict[str, Any]:
    return wallets.wallet_data(session, wallets.create_wallet(session, caller, body.currency))


@router.get("/wallets", response_model=WalletList, summary="List the consumer's wallets with balances")
def list_wallets(session: SessionDep, caller: ApiCaller, params: ListParamsDep) -> dict[str, Any]:
    return paginate(
        session,
        wallets.wallets_query(caller),
        Wallet.id,
        params,
        lambda w: wallets.wallet_data(session, w),
        "/v1/wallets",
    )


@router.get("/wallets/{wallet_id}", response_model=WalletPublic, summary="Retrieve a wallet and its balance")
def get_wallet(wallet_id: WalletId, session: SessionDep, caller: ApiCaller) -> dict[str, Any]:
    return wallets.wallet_data(session, wallets.get_wallet(session, caller, wallet_id))


@router.post(
    "/wallet_profile",
    response_model=WalletProfilePublic,
    summary="Set the wallet holder's verification level (test mode; live levels come from KYC)",
)
def set_verification(body: VerificationUpdate, session: SessionDep, caller: Writer) -> dict[str, Any]:
    profile = wallets.set_verification_level(session, caller, body.verification_level)
    per_payment, daily, monthly = limits_for(profile.verification_level)
    return {
        "id": profile.id,
        "verification_level": profile.verification_level,
        "limits": {"per_payment": per_payment, "daily": daily, "monthly": monthly},
    }


@router.post(
    "/wallets/{wallet_id}/topups",
    response_model=BankMovementPublic,
    summary="Top up from a linked bank account (a refused pull is kept as failed; nothing moves)",
)
def top_up(wallet_id: WalletId, body: BankMovementCreate, session: SessionDep, caller: Writer) -> dict[str, Any]:
    movement = topups.top_up(session, caller, wallet_id, bank_account_id=body.bank_account, amount=body.amount)
    return topups.movement_data(movement)


@router.get("/wallets/{wallet_id}/topups", response_model=BankMovementList, summary="List a wallet's top-ups")
def list_topups(wallet_id: WalletId, session: SessionDep, caller: ApiCaller, params: ListParamsDep) -> dict[str, Any]:
    wallets.get_wallet(session, caller, wallet_id)
    stmt = topups.movements_query(caller, wallet_id, "topup")
    return paginate(session, stmt, BankTransfer.id, params, topups.movement_data, f"/v1/wallets/{wallet_id}/topups")


@router.post(
    "/wallets/{wallet_id}/withdrawals",
    response_model=BankMovementPublic,
    responses=DECLINE_RESPONSE,
    summary="Withdraw to a linked bank account (held first; a refusal by the bank releases the hold)",
)
def withdraw(wallet_id: WalletId, body: BankMovementCreate, session: SessionDep, caller: Writer) -> dict[str, Any]:
    movement = topups.withdraw(session, caller, wallet_id, bank_account_id=body.bank_account, amount=body.amount)
    return topups.movement_data(movement)


@router.get("/wallets/{wallet_id}/withdrawals", response_model=BankMovementList, summary="List a wallet's withdrawals")
def list_withdrawals(
    wallet_id: WalletId, session: SessionDep, caller: ApiCaller, params: ListParamsDep
) -> dict[str, Any]:
    wallets.get_wallet(session, caller, wallet_id)
    stmt = topups.movements_query(caller, wallet_id, "withdrawal")
    return paginate(
        session, stmt, BankTransfer.id, params, topups.movement_data, f"/v1/wallets/{wallet_id}/withdrawals"
    )


@router.post(
    "/wallets/{wallet_id}/transfers",
    response_model=WalletTransferPublic,
    responses=DECLINE_RESPONSE,
    summary="Send money to another wallet of the same currency",
)
def send(wallet_id: WalletId, body: WalletTransferCreate, session: SessionDep, caller: Writer) -> dict[str, Any]:
    transfer = wallets.send_to_wallet(
        session, caller, wallet_id, to_wallet_id=body.to_wallet, amount=body.amount, description=body.description
    )
    return wallets.wallet_transfer_data(transfer)


@router.get(
    "/wallets/{wallet_id}/history",
    response_model=WalletHistory,
    summary="The wallet's movements, newest first (its ledger account's transfers)",
)
def history(wallet_id: WalletId, session: SessionDep, caller: ApiCaller, params: ListParamsDep) -> dict[str, Any]:
    return wallets.history(session, caller, wallet_id, params)


@router.post(
    "/wallets/{wallet_id}/scan",
    response_model=PaymentPreview,
    summary="What a scanned QR code (or a payment intent id) asks to pay: merchant, amount, status",
)
def scan(wallet_id: WalletId, body: WalletScan, session: SessionDep, caller: ApiCaller) -> dict[str, Any]:
    return paying.preview(session, caller, wallet_id, qr_payload=body.qr_payload, payment_intent=body.payment_intent)


@router.post(
    "/wallets/{wallet_id}/payments",
    response_model=WalletPayment,
    responses=DECLINE_RESPONSE,
    summary="Pay a merchant from the wallet: a scanned QR code (static with amount, or dynamic) or an intent id",
)
def pay(wallet_id: WalletId, body: WalletPay, session: SessionDep, caller: Writer) -> Any:
    attempt = paying.pay_from_wallet(
        session,
        caller,
        wallet_id,
        qr_payload=body.qr_payload,
        payment_intent=body.payment_intent,
        amount=body.amount,
        fx_quote=body.fx_quote,
    )
    if attempt.declined is not None:
        return decline_response(attempt, attempt.declined, with_intent=False)
    return respond(session, paying.receipt(attempt), WalletPayment)  # a hot path: one thread hop


@router.post(
    "/wallets/{wallet_id}/payments/{payment_intent}/approve",
    response_model=WalletPayment,
    responses=DECLINE_RESPONSE,
    summary="Approve a payment that waits for the payer (requires_action, next_action payer_authentication)",
)
def approve(wallet_id: WalletId, payment_intent: IntentId, session: SessionDep, caller: Writer) -> Any:
    attempt = approval.approve_payment(session, caller, wallet_id, payment_intent)
    if attempt.declined is not None:
        return decline_response(attempt, attempt.declined, with_intent=False)
    return paying.receipt(attempt)


@router.post(
    "/payment_codes",
    response_model=PaymentCodePublic,
    summary="A one-time 18-digit code for the merchant to scan (valid 60 s, single use)",
)
def create_payment_code(body: PaymentCodeCreate, session: SessionDep, caller: Writer) -> dict[str, Any]:
    row, code = codes.create_payment_code(session, caller, body.wallet)
    return {
        "id": row.id,
        "created": int(row.created.timestamp()),
        "livemode": row.livemode,
        "wallet": row.wallet_id,
        "code": code,
        "expires_at": int(row.expires_at.timestamp()),
    }


def decline_response(attempt: paying.Attempt, declined: PaymentDeclined, *, with_intent: bool) -> JSONResponse:
    """402 with the decline; the session still commits (the intent keeps ``last_payment_error``)."""
    error: dict[str, Any] = {**declined.to_dict(), "limit": declined.limit}
    if with_intent:
        error["payment_intent"] = intent_data(attempt.intent)
    return JSONResponse({"error": error}, status_code=402)
