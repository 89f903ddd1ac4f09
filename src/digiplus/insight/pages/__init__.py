"""The merchant's insight pages: ``/insight`` (sales, peak hours, mixes, new vs returning, foreign
visitors) and ``/insight/customers`` (RFM segments, movement, cohorts, CLV, baskets), with a CSV
download of every table at ``/insight/<figure>.csv``."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import Depends, Path, Query
from starlette.responses import Response

from digiplus.core.context import Caller
from digiplus.core.errors import InvalidRequest
from digiplus.core.money import display_amount
from digiplus.core.permissions import require
from digiplus.insight.pages import charts
from digiplus.insight.service import figures
from digiplus.insight.service.rfm import SEGMENTS
from digiplus.web.deps import CallerDep, PageDep
from digiplus.web.errors import page_router
from digiplus.web.i18n import N_
from digiplus.web.shell import NavItem, PageContext, page_response

router = page_router()
NAV = (NavItem(N_("Insight"), "/insight", "insight", permission="insight.read", order=36, org_kinds=("merchant",)),)

SEGMENT_LABELS = {
    "champions": N_("Champions"),
    "loyal": N_("Loyal"),
    "potential_loyalist": N_("Potential loyalist"),
    "new": N_("New"),
    "promising": N_("Promising"),
    "need_attention": N_("Need attention"),
    "about_to_sleep": N_("About to sleep"),
    "at_risk": N_("At risk"),
    "cant_lose": N_("Can't lose"),
    "hibernating": N_("Hibernating"),
    "lost": N_("Lost"),
}
SCENARIO_LABELS = {
    "livelihood_consumption": N_("Livelihood consumption"),
    "public_services": N_("Public services"),
    "transportation": N_("Transportation"),
    "leisure_tourism": N_("Leisure and tourism"),
    "medical_institutions": N_("Medical institutions"),
    "campus": N_("Campus"),
    "cultural_exhibitions": N_("Cultural exhibitions"),
    "other": N_("Other"),
    "unknown": N_("Not stated"),
}
METHOD_LABELS = {
    "wallet": N_("Wallet (QR)"),
    "payment_code": N_("Payment code"),
    "qr": N_("QR code"),
    "imported": N_("Imported history"),
    "unknown": N_("Not stated"),
}
Grain = Literal["day", "week", "month"]
Day = Annotated[date | None, Query(ge=date(2000, 1, 1), le=date(2100, 12, 31))]


def merchant_caller(page: PageDep, caller: CallerDep) -> Caller:
    require(caller.role, "insight.read")
    if page.org is None or page.org.kind != "merchant":
        raise InvalidRequest(
            N_("These pages are for merchant organizations. Switch to a merchant organization."),
            code="org_not_merchant",
        )
    return caller


MerchantDep = Annotated[Caller, Depends(merchant_caller)]


def _labels(page: PageContext) -> dict[str, Any]:
    def pick(table: dict[str, str], key: str | None) -> str:
        return page.gettext(table[key]) if key in table else (key or "—")

    return {
        "amount": lambda minor, cur: display_amount(int(minor), cur, locale=page.locale) if cur else str(minor),
        "segment_label": lambda s: pick(SEGMENT_LABELS, s),
        "scenario_label": lambda s: pick(SCENARIO_LABELS, s),
        "method_label": lambda s: pick(METHOD_LABELS, s),
        "percent": lambda x: f"{x * 100:.1f}%",
    }


@router.get("/insight")
def overview_page(
    page: PageDep, caller: MerchantDep, grain: Grain = "week", as_of: Day = None, since: Day = None
) -> Response:
    page.section = "insight"
    labels = _labels(page)
    options = figures.Options(as_of=as_of, since=since, grain=grain)
    found = figures.figures(["summary", "sales", "peak_hours", "foreign_visitors"], caller, options)
    scope = found["summary"].scope
    by_scenario = figures.figure("mix", caller, figures.Options(as_of=as_of, since=since, by="scenario"))
    by_method = figures.figure("mix", caller, figures.Options(as_of=as_of, since=since, by="payment_method"))
    months = figures.figure("new_vs_returning", caller, figures.Options(as_of=as_of, since=since, grain="month"))
    cur = scope.currency
    context = {
        **labels,
        "scope": scope,
        "grain": grain,
        "summary": found["summary"].data[0],
        "foreign": found["foreign_visitors"].data,
        "scenario_rows": by_scenario.data,
        "method_rows": by_method.data,
        "sales_spec": charts.sales_line(page, found["sales"].data, cur, grain),
        "heatmap_spec": charts.heatmap(page, found["peak_hours"].data),
        "scenario_spec": charts.bars(page, by_scenario.data, labels["scenario_label"], "scenario", cur),
        "method_spec": charts.bars(page, by_method.data, labels["method_label"], "payment_method", cur, charts.BLUE),
        "returning_spec": charts.new_returning(page, months.data),
        "query": _query(as_of, since),
    }
    return page_response(page, "insight/overview.html", context)


def _query(as_of: date | None, since: date | None) -> str:
    parts = [f"as_of={as_of}" if as_of else "", f"since={since}" if since else ""]
    return "&".join(p for p in parts if p)


@router.get("/insight/customers")
def customers_page(
    page: PageDep,
    caller: MerchantDep,
    segment: Annotated[str, Query(max_length=40)] = "champions",
    as_of: Day = None,
    since: Day = None,
) -> Response:
    page.section = "insight"
    labels = _labels(page)
    segment = segment if segment in SEGMENTS else "champions"
    options = figures.Options(as_of=as_of, since=since, segment=segment, limit=25, min_support=0.02)
    found = figures.figures(
        ["rfm_segments", "segment_customers", "rfm_movement", "cohorts", "basket_rules"], caller, options
    )
    value = figures.figure("clv", caller, figures.Options(as_of=as_of, since=since, limit=1000))
    scope = found["rfm_segments"].scope
    moved = sorted(
        (r for r in found["rfm_movement"].data if r["from_segment"] != r["to_segment"]),
        key=lambda r: -r["customers"],
    )[:12]
    context = {
        **labels,
        "scope": scope,
        "segment": segment,
        "segments": found["rfm_segments"].data,
        "customers": found["segment_customers"],
        "movement": moved,
        "previous": found["rfm_movement"].meta["previous"],
        "clv": value,
        "top_clv": value.data[:10],
        "rules": found["basket_rules"].data[:15],
        "baskets": found["basket_rules"].meta.get("baskets", 0),
        "segments_spec": charts.segments(page, found["rfm_segments"].data, labels["segment_label"]),
        "cohorts_spec": charts.cohorts(page, found["cohorts"].data),
        "clv_spec": charts.clv_histogram(page, value.data, scope.currency) if value.data else None,
        "query": _query(as_of, since),
    }
    return page_response(page, "insight/customers.html", context)


EXPORTS = {
    "summary",
    "sales",
    "peak_hours",
    "new_vs_returning",
    "mix",
    "foreign_visitors",
    "rfm_segments",
    "segment_customers",
    "rfm_movement",
    "cohorts",
    "clv",
    "basket_itemsets",
    "basket_rules",
}


@router.get("/insight/{name}.csv")
def export_csv(
    page: PageDep,
    caller: MerchantDep,
    name: Annotated[str, Path(max_length=40, pattern=r"^[a-z_]+$")],
    grain: Grain = "week",
    by: Literal["scenario", "payment_method"] = "scenario",
    segment: Annotated[str, Query(max_length=40)] = "champions",
    as_of: Day = None,
    since: Day = None,
) -> Response:
    if name not in EXPORTS:
        raise InvalidRequest(N_("There is no such table."), param="name", code="resource_missing")
    options = figures.Options(
        as_of=as_of,
        since=since,
        grain=grain,
        by=by,
        segment=segment if segment in SEGMENTS else "champions",
        limit=100_000,
    )
    found = figures.figure(name, caller, options)
    return Response(
        "\ufeff" + found.to_csv(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="insight-{name}-{found.scope.as_of}.csv"'},
    )
