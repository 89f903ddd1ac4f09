"""``/v1/ledger/…``: accounts and transfers in batches, reads, balances and statements."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import StreamingResponse

from digiplus.core.api.auth import requires
from digiplus.core.api.deps import SessionDep
from digiplus.core.api.pagination import ListParamsDep
from digiplus.core.api.responses import ERROR_RESPONSES
from digiplus.core.context import Caller
from digiplus.core.permissions import grant
from digiplus.ledger.schemas import (
    ID_PATTERN,
    LEDGER_PATTERN,
    AccountBatchPublic,
    AccountList,
    AccountPublic,
    AccountsCreate,
    BalanceAt,
    TransferBatchPublic,
    TransferList,
    TransferPublic,
    TransfersCreate,
)
from digiplus.ledger.service import edges as service

grant("admin", "ledger.write")
grant("developer", "ledger.write")

router = APIRouter(prefix="/v1/ledger", tags=["ledger"], responses=ERROR_RESPONSES)
Writer = Annotated[Caller, requires("ledger.write")]
Reader = Annotated[Caller, requires("ledger.read")]
AccountId = Annotated[str, Path(max_length=64, pattern=ID_PATTERN, examples=["wallet_alice"])]
TransferId = Annotated[str, Path(max_length=64, pattern=ID_PATTERN, examples=["order_1042_capture"])]
_LAST_SECOND = 253_402_300_799  # 9999-12-31T23:59:59Z
Since = Annotated[
    int | None, Query(ge=0, le=_LAST_SECOND, description="Only transfers created at or after this Unix time.")
]
Until = Annotated[int | None, Query(ge=0, le=_LAST_SECOND, description="Only transfers created before this Unix time.")]

_TRANSFERS_EXAMPLE = {
    "transfers": [
        {
            "id": "order_1042_hold",
            "debit_account_id": "wallet_alice",
            "credit_account_id": "merchant_shop",
            "amount": 12000,
            "ledger": "TWD",
            "code": 1,
            "flags": ["pending"],
            "timeout": 3600,
        },
        {"id": "order_1042_capture", "pending_id": "order_1042_hold", "flags": ["post_pending_transfer"]},
    ]
}
_ACCOUNTS_EXAMPLE = {
    "accounts": [
        {"id": "wallet_alice", "ledger": "TWD", "code": 10, "flags": ["debits_must_not_exceed_credits"]},
        {"id": "merchant_shop", "ledger": "TWD", "code": 20},
    ]
}


def _time(value: int | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


@router.post(
    "/accounts",
    response_model=AccountBatchPublic,
    summary="Create a batch of ledger accounts",
    openapi_extra={"requestBody": {"content": {"application/json": {"example": _ACCOUNTS_EXAMPLE}}}},
)
def create_accounts(body: AccountsCreate, session: SessionDep, caller: Writer) -> AccountBatchPublic:
    """Each account gets a result code (`ok`, `exists`, `exists_with_different_code`, …); linked accounts
    are created together or not at all."""
    return service.api_create_accounts(session, caller, body)


@router.get("/accounts", response_model=AccountList, summary="List ledger accounts with their balances")
def list_accounts(
    session: SessionDep,
    caller: Reader,
    params: ListParamsDep,
    ledger: Annotated[str | None, Query(max_length=40, pattern=LEDGER_PATTERN)] = None,
) -> dict[str, Any]:
    return service.api_list_accounts(session, caller, params, ledger)


@router.get("/accounts/{account_id}", response_model=AccountPublic, summary="Retrieve an account and its balances")
def get_account(account_id: AccountId, session: SessionDep, caller: Reader) -> AccountPublic:
    return service.api_get_account(session, caller, account_id)


@router.post("/accounts/{account_id}/close", response_model=AccountPublic, summary="Close an account")
def close_account(account_id: AccountId, session: SessionDep, caller: Writer) -> AccountPublic:
    """Transfers to or from a closed account fail with `*_account_already_closed`; its pending
    transfers can still be voided."""
    return service.api_close_account(session, caller, account_id)


@router.get(
    "/accounts/{account_id}/transfers",
    response_model=TransferList,
    summary="List an account's transfers, newest first, each with the balances after it",
)
def account_transfers(
    account_id: AccountId,
    session: SessionDep,
    caller: Reader,
    params: ListParamsDep,
    created_gte: Since = None,
    created_lt: Until = None,
) -> dict[str, Any]:
    return service.api_account_transfers(session, caller, account_id, params, _time(created_gte), _time(created_lt))


@router.get(
    "/accounts/{account_id}/balance",
    response_model=BalanceAt,
    summary="An account's balance, now or as of one of its past transfers",
)
def account_balance(
    account_id: AccountId,
    session: SessionDep,
    caller: Reader,
    at_transfer: Annotated[str | None, Query(max_length=64, pattern=ID_PATTERN)] = None,
) -> BalanceAt:
    return service.api_balance(session, caller, account_id, at_transfer)


@router.get(
    "/accounts/{account_id}/statement.csv",
    response_class=StreamingResponse,
    summary="Export an account's statement as CSV",
    responses={
        200: {
            "content": {"text/csv": {"schema": {"type": "string"}}},
            "description": "One line per transfer, oldest first, with the balance after it.",
        }
    },
)
def account_statement(
    account_id: AccountId, session: SessionDep, caller: Reader, created_gte: Since = None, created_lt: Until = None
) -> StreamingResponse:
    lines = service.api_statement(session, caller, account_id, _time(created_gte), _time(created_lt))
    return StreamingResponse(
        lines, media_type="text/csv", headers={"Content-Disposition": f'attachment; filename="{account_id}.csv"'}
    )


@router.post(
    "/transfers",
    response_model=TransferBatchPublic,
    summary="Create a batch of ledger transfers",
    openapi_extra={"requestBody": {"content": {"application/json": {"example": _TRANSFERS_EXAMPLE}}}},
)
def create_transfers(body: TransfersCreate, session: SessionDep, caller: Writer) -> TransferBatchPublic:
    """Up to 8,190 transfers (within the request size limit). Every item gets a result code; a failed
    item changes nothing, and a linked chain succeeds or fails as one."""
    return service.api_create_transfers(session, caller, body)


@router.get("/transfers", response_model=TransferList, summary="List transfers, newest first")
def list_transfers(
    session: SessionDep, caller: Reader, params: ListParamsDep, created_gte: Since = None, created_lt: Until = None
) -> dict[str, Any]:
    return service.api_list_transfers(session, caller, params, _time(created_gte), _time(created_lt))


@router.get("/transfers/{transfer_id}", response_model=TransferPublic, summary="Retrieve a transfer")
def get_transfer(transfer_id: TransferId, session: SessionDep, caller: Reader) -> TransferPublic:
    return service.api_get_transfer(session, caller, transfer_id)
