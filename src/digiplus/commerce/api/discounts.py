"""``/v1/commerce/discount_codes``: a merchant's codes for its own shop."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from digiplus.commerce.api.deps import Writer
from digiplus.commerce.schemas import DiscountCodeCreate, DiscountCodeFields, List, Public, dump
from digiplus.commerce.service import discounts
from digiplus.core.api.auth import ApiCaller
from digiplus.core.api.deps import SessionDep
from digiplus.core.api.responses import ERROR_RESPONSES

router = APIRouter(prefix="/v1/commerce", tags=["commerce discounts"], responses=ERROR_RESPONSES)
ObjectId = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_]+$")]


@router.post("/discount_codes", response_model=Public, summary="Create a discount code (percent or fixed per currency)")
def create_code(body: DiscountCodeCreate, session: SessionDep, caller: Writer) -> dict[str, Any]:
    return discounts.code_data(discounts.create_code(session, caller, dump(body)))


@router.get("/discount_codes", response_model=List, summary="The store's discount codes, by code")
def list_codes(session: SessionDep, caller: ApiCaller) -> dict[str, Any]:
    data = [discounts.code_data(c) for c in discounts.codes_of(session, caller)]
    return {"object": "list", "data": data, "has_more": False, "url": "/v1/commerce/discount_codes"}


@router.get("/discount_codes/{code_id}", response_model=Public, summary="Retrieve a discount code and its uses")
def get_code(code_id: ObjectId, session: SessionDep, caller: ApiCaller) -> dict[str, Any]:
    return discounts.code_data(discounts.get_code(session, caller, code_id))


@router.post(
    "/discount_codes/{code_id}", response_model=Public, summary="Change a code (window, limit, amounts, active)"
)
def update_code(code_id: ObjectId, body: DiscountCodeFields, session: SessionDep, caller: Writer) -> dict[str, Any]:
    return discounts.code_data(discounts.update_code(session, caller, code_id, dump(body)))
