"""``/v1/insight/…`` through the HTTP API: the caller's own facts only, its mode only, CSV export,
errors naming the parameter."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from insight_helpers import MERCHANT, FactsBuilder
from test_insight_analyses import EXPECTED, rfm_facts

from digiplus.lake import get_lake


def _facts_for(org_id: str) -> FactsBuilder:
    b = rfm_facts()
    for p in b.payments:
        if p["merchant_id"] == MERCHANT:
            p["merchant_id"] = org_id
    for r in b.refunds:
        if r["merchant_id"] == MERCHANT:
            r["merchant_id"] = org_id
    for p in b.payments:  # keep ids unique across tests sharing the session's lake
        p["payment_id"] = f"{org_id}_{p['payment_id']}"
    for r in b.refunds:
        r["payment_id"], r["refund_id"] = f"{org_id}_{r['payment_id']}", f"{org_id}_{r['refund_id']}"
    return b


def test_rfm_segments_customers_and_csv_for_the_callers_merchant(
    api_for: Callable[..., Any], make_org: Callable[..., str]
) -> None:
    org = make_org("Tea house")
    _facts_for(org).write(get_lake())
    api = api_for(org)
    body = api.get("/v1/insight/rfm/segments?as_of=2026-03-31").json()
    assert body["object"] == "insight.rfm_segments" and body["merchant"] == org and body["currency"] == "TWD"
    counts = {r["segment"]: r["customers"] for r in body["data"]}
    assert counts["at_risk"] == 3 and counts["champions"] == 1 and sum(counts.values()) == 10

    at_risk = api.get("/v1/insight/rfm/customers?as_of=2026-03-31&segment=at_risk").json()
    assert [r["customer_ref"] for r in at_risk["data"]] == ["G", "I", "J"] and at_risk["total"] == 3
    assert at_risk["data"][0]["rfm"] == "244"

    response = api.get("/v1/insight/rfm/customers?as_of=2026-03-31&segment=at_risk&format=csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(response.text)))
    assert [(r["customer_ref"], r["r_score"], r["f_score"]) for r in table] == [
        ("G", "2", "4"),
        ("I", "1", "4"),
        ("J", "1", "3"),
    ]
    cohorts = api.get("/v1/insight/cohorts?as_of=2026-03-31&since=2025-10-01&format=csv")
    assert cohorts.text.splitlines()[0] == "cohort,size,offset,customers,retention"

    live = api_for(org, live=True).get("/v1/insight/rfm/segments?as_of=2026-03-31").json()
    assert sum(r["customers"] for r in live["data"]) == 1  # the one live payment
    other = api_for(make_org("Other shop")).get("/v1/insight/rfm/segments?as_of=2026-03-31").json()
    assert sum(r["customers"] for r in other["data"]) == 0


def test_every_figure_answers_json_and_csv(api_for: Callable[..., Any], make_org: Callable[..., str]) -> None:
    org = make_org("Noodle bar")
    _facts_for(org).write(get_lake())
    api = api_for(org, role="viewer")
    paths = (
        "summary",
        "sales?grain=month",
        "peak_hours",
        "new_vs_returning",
        "mix?by=payment_method",
        "foreign_visitors",
        "rfm/segments",
        "rfm/customers?segment=new",
        "rfm/movement",
        "cohorts",
        "clv",
        "basket/itemsets",
        "basket/rules",
    )
    for path in paths:
        sep = "&" if "?" in path else "?"
        response = api.get(f"/v1/insight/{path}{sep}as_of=2026-03-31")
        assert response.status_code == 200, (path, response.text)
        assert response.json()["as_of"] == "2026-03-31"
        exported = api.get(f"/v1/insight/{path}{sep}as_of=2026-03-31&format=csv")
        assert exported.status_code == 200 and exported.text.count("\n") >= 1, path
    summary = api.get("/v1/insight/summary?as_of=2026-03-31&since=2026-03-01").json()["data"][0]
    assert summary["customers"] == 6 and summary["anonymous_payments"] == 1  # A to F bought in March
    new = api.get("/v1/insight/rfm/customers?as_of=2026-03-31&segment=new").json()["data"]
    assert [(r["customer_ref"], r["rfm"]) for r in new] == [("B", "515")]
    assert EXPECTED["B"] == (5, 1, 5, "new")


def test_bad_parameters_name_the_field(api: Any) -> None:
    cases = {
        "/v1/insight/sales?grain=year": "grain",
        "/v1/insight/rfm/customers?segment=vip": "segment",
        "/v1/insight/summary?as_of=1999-12-31": "as_of",
        "/v1/insight/summary?currency=dollars": "currency",
        "/v1/insight/basket/rules?min_support=0": "min_support",
        "/v1/insight/summary?as_of=2026-01-01&since=2026-02-01": "since",
    }
    for url, param in cases.items():
        response = api.get(url)
        assert response.status_code in (400, 422), url
        assert response.json()["error"]["param"] == param, (url, response.json())
