"""The merchant's payments pages: today's sales, the payments list (filters, search, pages) and a
payment with its ledger transfers and refunds, where it is refunded, captured or canceled."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any

from fastapi import Form, Path, Query
from starlette.responses import Response

from digiplus.core.api.deps import SessionDep
from digiplus.core.api.pagination import ListParams
from digiplus.core.money import CURRENCIES
from digiplus.core.permissions import require
from digiplus.payments.models import PaymentIntent, Refund
from digiplus.payments.pages.common import (
    ID_PATTERN,
    SCENARIO_LABELS,
    MerchantDep,
    attempt,
    error_text,
    labels,
    minor_amount,
)
from digiplus.payments.service import intents, refunds, reports
from digiplus.payments.service.reports import PaymentFilters
from digiplus.web.deps import CsrfDep, PageDep
from digiplus.web.errors import page_router
from digiplus.web.i18n import N_
from digiplus.web.shell import PageContext, page_response, redirect

router = page_router()
IntentId = Annotated[str, Path(max_length=64, pattern=ID_PATTERN)]
Cursor = Annotated[str | None, Query(max_length=64, pattern=ID_PATTERN)]
PAGE_SIZE = 25


def _chart(page: PageContext, buckets: list[reports.Bucket], currency: str, *, hours: bool) -> str:
    """A Vega-Lite bar chart of sales (major units: display only)."""
    digits = CURRENCIES[currency].exponent if currency in CURRENCIES else 0
    label = page.gettext(N_("Hour")) if hours else page.gettext(N_("Day"))
    sales = page.gettext(N_("Sales"))
    count = page.gettext(N_("Number of payments"))
    values = [{label: b.label, sales: b.gross / 10**digits, count: b.count} for b in buckets]
    x: dict[str, Any] = {
        "field": label,
        "type": "ordinal",
        "title": None,
        "axis": {"labelAngle": 0, "values": [f"{h:02d}" for h in range(0, 24, 3)]},
    }
    if not hours:
        x = {
            "field": label,
            "type": "temporal",
            "timeUnit": "monthdate",
            "title": None,
            "axis": {"format": "%-m/%-d", "labelAngle": 0, "labelOverlap": "greedy"},
        }
    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": "container",
        "height": 160,
        "data": {"values": values},
        "mark": {"type": "bar", "color": "#1f5f8b", "cornerRadiusEnd": 2},
        "encoding": {
            "x": x,
            "y": {"field": sales, "type": "quantitative", "title": currency, "axis": {"tickCount": 4}},
            "tooltip": [
                {"field": label, **({"type": "temporal", "timeUnit": "monthdate"} if not hours else {})},
                {"field": sales, "type": "quantitative", "format": f",.{digits}f"},
                {"field": count, "type": "quantitative"},
            ],
        },
    }
    return json.dumps(spec, ensure_ascii=False)


@router.get("/payments")
def sales_page(session: SessionDep, page: PageDep, caller: MerchantDep) -> Response:
    page.section = "payments"
    profile = reports.merchant_profile(session, caller)
    context: dict[str, Any] = {"profile": profile, **labels(page)}
    if profile is not None:
        cur = profile.settlement_currency
        context |= {
            "today": reports.sales_on(session, caller, cur),
            "recent": reports.recent_payments(session, caller),
            "hourly_spec": _chart(page, reports.sales_by_hour(session, caller), cur, hours=True),
            "daily_spec": _chart(page, reports.sales_by_day(session, caller, 30), cur, hours=False),
        }
    return page_response(page, "payments/sales.html", context)


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@router.get("/payments/list")
def payments_list(
    session: SessionDep,
    page: PageDep,
    caller: MerchantDep,
    status: Annotated[str | None, Query(max_length=32)] = None,
    scenario: Annotated[str | None, Query(max_length=40)] = None,
    currency: Annotated[str | None, Query(max_length=3)] = None,
    method: Annotated[str | None, Query(max_length=20)] = None,
    created_from: Annotated[str | None, Query(alias="from", max_length=10)] = None,
    created_to: Annotated[str | None, Query(alias="to", max_length=10)] = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    starting_after: Cursor = None,
    ending_before: Cursor = None,
) -> Response:
    page.section = "payments"
    filters = PaymentFilters(
        status=status if status in reports.STATUSES else None,
        scenario=scenario if scenario in SCENARIO_LABELS else None,
        currency=currency.upper() if currency and currency.upper() in CURRENCIES else None,
        method=method if method in reports.METHODS else None,
        created_from=_day(created_from),
        created_to=_day(created_to),
        query=q.strip() if q and q.strip() else None,
    )
    params = ListParams(limit=PAGE_SIZE, starting_after=starting_after, ending_before=ending_before or None)
    listing = reports.search_payments(session, caller, filters, params)
    rows = listing["data"]
    query = {
        "status": filters.status,
        "scenario": filters.scenario,
        "currency": filters.currency,
        "method": filters.method,
        "from": filters.created_from.isoformat() if filters.created_from else None,
        "to": filters.created_to.isoformat() if filters.created_to else None,
        "q": filters.query,
    }
    base = "&".join(f"{k}={v}" for k, v in query.items() if v)
    older = rows and (listing["has_more"] or ending_before)
    newer = rows and (starting_after or (ending_before and listing["has_more"]))
    return page_response(
        page,
        "payments/list.html",
        {
            "payments": rows,
            "filters": filters,
            "query": query,
            "statuses": reports.STATUSES,
            "scenarios": list(SCENARIO_LABELS),
            "methods": reports.METHODS,
            "older_url": f"/payments/list?{base}&starting_after={rows[-1].id}" if older else None,
            "newer_url": f"/payments/list?{base}&ending_before={rows[0].id}" if newer else None,
            **labels(page),
        },
        fragment="payments/_list_results.html",
    )


def _detail(session: SessionDep, page: PageContext, caller: MerchantDep, intent_id: str, **extra: Any) -> Response:
    page.section = "payments"
    intent = intents.get_intent(session, caller, intent_id)
    found = reports.payment_refunds(session, caller, intent.id)
    context = {
        "p": intent,
        "refunds": found,
        "transfers": reports.payment_transfers(session, intent, found),
        "refundable": intent.amount_received - intent.amount_refunded,
        "reasons": refunds.REASONS,
        "error": None,
        "form": {"amount": "", "reason": ""},
        **labels(page),
        **extra,
    }
    return page_response(page, "payments/detail.html", context, status_code=400 if context["error"] else 200)


@router.get("/payments/{intent_id}")
def payment_page(intent_id: IntentId, session: SessionDep, page: PageDep, caller: MerchantDep) -> Response:
    return _detail(session, page, caller, intent_id)


@router.post("/payments/{intent_id}/refund")
def refund_payment(
    intent_id: IntentId,
    session: SessionDep,
    page: PageDep,
    caller: MerchantDep,
    _csrf: CsrfDep,
    scope: Annotated[str, Form(pattern="^(full|partial)$")] = "full",
    amount: Annotated[str, Form(max_length=30)] = "",
    reason: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    require(caller.role, "payments.write")
    intent = intents.get_intent(session, caller, intent_id)

    def refund() -> Refund:
        minor = minor_amount(amount, intent.currency) if scope == "partial" else None
        return refunds.create_refund(session, caller, payment_intent_id=intent.id, amount=minor, reason=reason or None)

    made, error = attempt(session, refund)
    if error is not None or made is None:
        form = {"amount": amount, "reason": reason, "scope": scope}
        return _detail(session, page, caller, intent_id, error=error_text(page, error) if error else "", form=form)
    if made.status == "failed":
        return redirect(
            page, f"/payments/{intent_id}", flash=N_("The refund failed: the balance does not cover it."), kind="error"
        )
    return redirect(
        page,
        f"/payments/{intent_id}",
        flash=N_("Refunded %(amount)s."),
        amount=labels(page)["amount"](made.amount, made.currency),
    )


@router.post("/payments/{intent_id}/capture")
def capture_payment(
    intent_id: IntentId,
    session: SessionDep,
    page: PageDep,
    caller: MerchantDep,
    _csrf: CsrfDep,
    amount: Annotated[str, Form(max_length=30)] = "",
) -> Response:
    require(caller.role, "payments.write")
    intent = intents.get_intent(session, caller, intent_id)

    def capture() -> PaymentIntent:
        minor = minor_amount(amount, intent.currency, "amount_to_capture") if amount.strip() else None
        return intents.capture(session, caller, intent.id, minor)

    _, error = attempt(session, capture)
    if error is not None:
        return _detail(session, page, caller, intent_id, error=error_text(page, error))
    return redirect(page, f"/payments/{intent_id}", flash=N_("The payment was captured."))


@router.post("/payments/{intent_id}/cancel")
def cancel_payment(
    intent_id: IntentId, session: SessionDep, page: PageDep, caller: MerchantDep, _csrf: CsrfDep
) -> Response:
    require(caller.role, "payments.write")
    _, error = attempt(session, lambda: intents.cancel(session, caller, intent_id, "requested_by_customer"))
    if error is not None:
        return _detail(session, page, caller, intent_id, error=error_text(page, error))
    return redirect(page, f"/payments/{intent_id}", flash=N_("The payment was canceled."), kind="info")
