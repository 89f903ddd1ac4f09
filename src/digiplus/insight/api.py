"""``/v1/insight/…``: every figure of the caller's own payments, as JSON or (``format=csv``) CSV.

Parse, call ``figures.figure`` once, answer. The caller's org is the merchant and its key's mode
picks the rows (test or live); another merchant's facts are never read.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from starlette.responses import JSONResponse, Response

from digiplus.core.api.auth import requires
from digiplus.core.api.responses import ERROR_RESPONSES
from digiplus.core.context import Caller
from digiplus.insight.schemas import InsightFigure
from digiplus.insight.service import figures

router = APIRouter(prefix="/v1/insight", tags=["insight"], responses=ERROR_RESPONSES)
Reader = Annotated[Caller, requires("insight.read")]
_FIRST, _LAST = date(2000, 1, 1), date(2100, 12, 31)
Day = Annotated[date | None, Query(ge=_FIRST, le=_LAST)]
_CSV = {
    200: {
        "content": {"text/csv": {"schema": {"type": "string"}}},
        "description": "The figure; with format=csv its table as CSV (a header line, then one line per row).",
    }
}


def common(
    as_of: Annotated[Day, Query(description="Last Taipei day included (default: today).")] = None,
    since: Annotated[
        Day, Query(description="First Taipei day of period figures (default: 364 days before as_of).")
    ] = None,
    currency: Annotated[
        str | None, Query(pattern=r"^[A-Za-z]{3}$", description="ISO 4217 code (default: the merchant's usual).")
    ] = None,
) -> dict[str, Any]:
    return {"as_of": as_of, "since": since, "currency": currency}


Common = Annotated[dict[str, Any], Depends(common)]
Format = Annotated[Literal["json", "csv"], Query(description="json (default) or csv: the figure's table as CSV.")]
Segment = Literal[
    "champions",
    "loyal",
    "potential_loyalist",
    "new",
    "promising",
    "need_attention",
    "about_to_sleep",
    "at_risk",
    "cant_lose",
    "hibernating",
    "lost",
]
Grain = Annotated[Literal["day", "week", "month"], Query(description="Period: day, ISO week (from Monday) or month.")]


def _answer(name: str, caller: Caller, options: figures.Options, fmt: str) -> Response:
    found = figures.figure(name, caller, options)
    if fmt == "csv":
        return Response(
            found.to_csv(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="insight-{name}-{found.scope.as_of}.csv"'},
        )
    return JSONResponse(found.to_dict())


_KW: dict[str, Any] = {"response_model": InsightFigure, "responses": _CSV}


@router.get("/summary", summary="Totals: payments, gross, refunded, net, customers, average ticket", **_KW)
def summary(caller: Reader, common: Common, format: Format = "json") -> Response:
    return _answer("summary", caller, figures.Options(**common), format)


@router.get("/sales", summary="Sales over time by day, week or month (gross, refunds, net, average ticket)", **_KW)
def sales(caller: Reader, common: Common, grain: Grain = "day", format: Format = "json") -> Response:
    return _answer("sales", caller, figures.Options(**common, grain=grain), format)


@router.get("/peak_hours", summary="Peak hours: payments per weekday × hour (Asia/Taipei)", **_KW)
def peak_hours(caller: Reader, common: Common, format: Format = "json") -> Response:
    return _answer("peak_hours", caller, figures.Options(**common), format)


@router.get("/new_vs_returning", summary="New and returning customers per period", **_KW)
def new_vs_returning(caller: Reader, common: Common, grain: Grain = "month", format: Format = "json") -> Response:
    return _answer("new_vs_returning", caller, figures.Options(**common, grain=grain), format)


@router.get("/mix", summary="Scenario or payment-method mix", **_KW)
def sales_mix(
    caller: Reader,
    common: Common,
    by: Annotated[Literal["scenario", "payment_method"], Query()] = "scenario",
    format: Format = "json",
) -> Response:
    return _answer("mix", caller, figures.Options(**common, by=by), format)


@router.get("/foreign_visitors", summary="Foreign visitors by wallet country and currency", **_KW)
def foreign_visitors(caller: Reader, common: Common, format: Format = "json") -> Response:
    return _answer("foreign_visitors", caller, figures.Options(**common), format)


@router.get("/rfm/segments", summary="RFM segments: customers per segment (the 11 named segments)", **_KW)
def rfm_segments(caller: Reader, common: Common, format: Format = "json") -> Response:
    return _answer("rfm_segments", caller, figures.Options(**common), format)


@router.get("/rfm/customers", summary="The customers of one RFM segment with their scores", **_KW)
def rfm_customers(
    caller: Reader,
    common: Common,
    segment: Annotated[Segment, Query()] = "champions",
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    format: Format = "json",
) -> Response:
    options = figures.Options(**common, segment=segment, limit=limit, offset=offset)
    return _answer("segment_customers", caller, options, format)


@router.get("/rfm/movement", summary="Movement between RFM segments from a month earlier to as_of", **_KW)
def rfm_movement(
    caller: Reader,
    common: Common,
    previous: Annotated[Day, Query(description="Compare with this day (default: a month before as_of).")] = None,
    format: Format = "json",
) -> Response:
    return _answer("rfm_movement", caller, figures.Options(**common, previous=previous), format)


@router.get("/cohorts", summary="Monthly cohort retention matrix", **_KW)
def cohort_retention(caller: Reader, common: Common, format: Format = "json") -> Response:
    return _answer("cohorts", caller, figures.Options(**common), format)


@router.get("/clv", summary="Customer lifetime value: BG/NBD + Gamma-Gamma per customer", **_KW)
def customer_lifetime_value(
    caller: Reader,
    common: Common,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    format: Format = "json",
) -> Response:
    return _answer("clv", caller, figures.Options(**common, limit=limit, offset=offset), format)


@router.get("/basket/itemsets", summary="Frequent itemsets of the payments' item lines", **_KW)
def basket_itemsets(
    caller: Reader,
    common: Common,
    min_support: Annotated[float, Query(gt=0, le=1)] = 0.01,
    format: Format = "json",
) -> Response:
    return _answer("basket_itemsets", caller, figures.Options(**common, min_support=min_support), format)


@router.get("/basket/rules", summary="Association rules with support, confidence and lift", **_KW)
def basket_rules(
    caller: Reader,
    common: Common,
    min_support: Annotated[float, Query(gt=0, le=1)] = 0.01,
    min_confidence: Annotated[float, Query(ge=0, le=1)] = 0.2,
    format: Format = "json",
) -> Response:
    options = figures.Options(**common, min_support=min_support, min_confidence=min_confidence)
    return _answer("basket_rules", caller, options, format)
