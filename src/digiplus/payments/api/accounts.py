"""``/v1/bank_accounts``, ``/v1/merchant_profile`` and ``/v1/fx_quotes``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from digiplus.core.api.auth import ApiCaller, requires
from digiplus.core.api.deps import SessionDep
from digiplus.core.api.pagination import ListParamsDep, paginate
from digiplus.core.api.responses import ERROR_RESPONSES
from digiplus.core.context import Caller
from digiplus.payments.models import BankAccount, FxQuote, MerchantProfile
from digiplus.payments.schemas import (
    BankAccountCreate,
    BankAccountList,
    BankAccountPublic,
    FxQuoteCreate,
    FxQuotePublic,
    MerchantProfilePublic,
    MerchantProfileUpdate,
)
from digiplus.payments.service import banks, fx, merchants

router = APIRouter(prefix="/v1", tags=["payments accounts"], responses=ERROR_RESPONSES)
Writer = Annotated[Caller, requires("payments.write")]
ObjectId = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_]+$")]


def bank_account_data(a: BankAccount) -> dict[str, Any]:
    return {
        "id": a.id,
        "created": int(a.created.timestamp()),
        "livemode": a.livemode,
        "bank_code": a.bank_code,
        "account_number": banks.mask(a.account_number),
        "holder_name": a.holder_name,
        "currency": a.currency,
    }


def profile_data(p: MerchantProfile) -> dict[str, Any]:
    return {
        "id": p.id,
        "created": int(p.created.timestamp()),
        "livemode": p.livemode,
        "display_name": p.display_name,
        "city": p.city,
        "mcc": p.mcc,
        "scenario": p.scenario,
        "settlement_currency": p.settlement_currency,
        "fee_plan": p.fee_plan,
        "bank_account": p.bank_account_id,
    }


def quote_data(q: FxQuote) -> dict[str, Any]:
    return {
        "id": q.id,
        "created": int(q.created.timestamp()),
        "livemode": q.livemode,
        "sell_currency": q.sell_currency,
        "sell_amount": q.sell_amount,
        "buy_currency": q.buy_currency,
        "buy_amount": q.buy_amount,
        "rate": q.rate,
        "mid_rate": q.mid_rate,
        "spread_bps": q.spread_bps,
        "source": q.source,
        "rate_as_of": int(q.rate_as_of.timestamp()),
        "expires_at": int(q.expires_at.timestamp()),
        "payment_intent": q.payment_intent_id,
    }


@router.post("/bank_accounts", response_model=BankAccountPublic, summary="Link a bank account")
def create_bank_account(body: BankAccountCreate, session: SessionDep, caller: Writer) -> dict[str, Any]:
    account = banks.create_bank_account(
        session,
        caller,
        bank_code=body.bank_code,
        account_number=body.account_number,
        holder_name=body.holder_name,
        currency_code=body.currency,
    )
    return bank_account_data(account)


@router.get("/bank_accounts", response_model=BankAccountList, summary="List linked bank accounts")
def list_bank_accounts(session: SessionDep, caller: ApiCaller, params: ListParamsDep) -> dict[str, Any]:
    stmt = banks.bank_accounts_query(caller)
    return paginate(session, stmt, BankAccount.id, params, bank_account_data, "/v1/bank_accounts")


@router.get("/bank_accounts/{bank_account_id}", response_model=BankAccountPublic, summary="Retrieve a bank account")
def get_bank_account(bank_account_id: ObjectId, session: SessionDep, caller: ApiCaller) -> dict[str, Any]:
    return bank_account_data(banks.get_bank_account(session, caller, bank_account_id))


@router.post(
    "/merchant_profile",
    response_model=MerchantProfilePublic,
    summary="Create or update the merchant profile (name, city, MCC → scenario, payout account); the fee plan is the operator's to assign",
)
def upsert_merchant_profile(body: MerchantProfileUpdate, session: SessionDep, caller: Writer) -> dict[str, Any]:
    profile = merchants.upsert_profile(
        session,
        caller,
        display_name=body.display_name,
        city=body.city,
        mcc=body.mcc,
        settlement_currency=body.settlement_currency,
        bank_account_id=body.bank_account,
    )
    return profile_data(profile)


@router.get("/merchant_profile", response_model=MerchantProfilePublic, summary="Retrieve the merchant profile")
def get_merchant_profile(session: SessionDep, caller: ApiCaller) -> dict[str, Any]:
    return profile_data(merchants.get_profile(session, caller))


@router.post(
    "/fx_quotes",
    response_model=FxQuotePublic,
    summary="A firm exchange rate (about 60 s) for a wallet in another currency to pay an amount",
)
def create_fx_quote(body: FxQuoteCreate, session: SessionDep, caller: Writer) -> dict[str, Any]:
    return quote_data(fx.create_quote(session, caller, body.sell_currency, body.buy_currency, body.buy_amount))


@router.get("/fx_quotes/{quote_id}", response_model=FxQuotePublic, summary="Retrieve an FX quote")
def get_fx_quote(quote_id: ObjectId, session: SessionDep, caller: ApiCaller) -> dict[str, Any]:
    return quote_data(fx.get_quote(session, caller, quote_id))
