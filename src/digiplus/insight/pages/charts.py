"""Vega-Lite specs of the insight pages (drawn by the vendored vega-embed). Amounts are shown in
major units: display only, the figures themselves stay in minor units."""

from __future__ import annotations

import json
from typing import Any

from digiplus.core.money import CURRENCIES
from digiplus.web.i18n import N_
from digiplus.web.shell import PageContext

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
BLUE, TEAL, ORANGE = "#1f5f8b", "#0f8b8d", "#d9822b"
WEEKDAY_LABELS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))


def dump(spec: dict[str, Any]) -> str:
    """JSON safe inside <script type="application/json">: no "</" can close the element."""
    return json.dumps(spec, ensure_ascii=False).replace("<", "\\u003c")


def _major(currency: str | None) -> int:
    return 10 ** CURRENCIES[currency].exponent if currency in CURRENCIES else 1


def _base(height: int = 200) -> dict[str, Any]:
    return {"$schema": SCHEMA, "width": "container", "height": height, "config": {"view": {"stroke": None}}}


def sales_line(page: PageContext, rows: list[dict[str, Any]], currency: str | None, grain: str) -> str:
    net, day = page.gettext(N_("Net sales")), page.gettext(N_("Period"))
    payments = page.gettext(N_("Number of payments"))
    div = _major(currency)
    values = [{day: str(r["period"]), net: r["net"] / div, payments: r["payments"]} for r in rows]
    unit = {"day": "yearmonthdate", "week": "yearmonthdate", "month": "yearmonth"}[grain]
    return dump(
        {
            **_base(220),
            "data": {"values": values},
            "mark": {
                "type": "area",
                "line": {"color": BLUE},
                "color": {
                    "gradient": "linear",
                    "stops": [{"offset": 0, "color": "#ffffff"}, {"offset": 1, "color": "#9cc3e0"}],
                    "x1": 1,
                    "x2": 1,
                    "y1": 1,
                    "y2": 0,
                },
                "interpolate": "monotone",
            },
            "encoding": {
                "x": {
                    "field": day,
                    "type": "temporal",
                    "timeUnit": unit,
                    "title": None,
                    "axis": {"labelOverlap": "greedy"},
                },
                "y": {"field": net, "type": "quantitative", "title": currency, "axis": {"tickCount": 4}},
                "tooltip": [
                    {"field": day, "type": "temporal", "timeUnit": unit},
                    {"field": net, "type": "quantitative", "format": ",.0f"},
                    {"field": payments, "type": "quantitative"},
                ],
            },
        }
    )


def heatmap(page: PageContext, rows: list[dict[str, Any]]) -> str:
    day, hour, count = page.gettext(N_("Weekday")), page.gettext(N_("Hour")), page.gettext(N_("Number of payments"))
    names = [page.gettext(d) for d in WEEKDAY_LABELS]
    values = [{day: names[r["weekday"]], hour: f"{r['hour']:02d}", count: r["payments"]} for r in rows]
    return dump(
        {
            **_base(190),
            "data": {"values": values},
            "mark": {"type": "rect", "cornerRadius": 2},
            "encoding": {
                "x": {
                    "field": hour,
                    "type": "ordinal",
                    "title": None,
                    "axis": {"labelAngle": 0, "values": [f"{h:02d}" for h in range(0, 24, 3)]},
                },
                "y": {"field": day, "type": "ordinal", "sort": names, "title": None},
                "color": {
                    "field": count,
                    "type": "quantitative",
                    "scale": {"scheme": "blues"},
                    "legend": {"title": None},
                },
                "tooltip": [{"field": day}, {"field": hour}, {"field": count, "type": "quantitative"}],
            },
        }
    )


def bars(
    page: PageContext, rows: list[dict[str, Any]], label_of: Any, key: str, currency: str | None, color: str = TEAL
) -> str:
    name, net, share = page.gettext(N_("Name")), page.gettext(N_("Net sales")), page.gettext(N_("Share"))
    div = _major(currency)
    values = [{name: label_of(r[key]), net: r["net"] / div, share: r["net_share"]} for r in rows]
    return dump(
        {
            **_base(max(60, 28 * len(values))),
            "data": {"values": values},
            "mark": {"type": "bar", "color": color, "cornerRadiusEnd": 3},
            "encoding": {
                "y": {"field": name, "type": "nominal", "sort": "-x", "title": None},
                "x": {"field": net, "type": "quantitative", "title": currency, "axis": {"tickCount": 4}},
                "tooltip": [
                    {"field": name},
                    {"field": net, "type": "quantitative", "format": ",.0f"},
                    {"field": share, "type": "quantitative", "format": ".1%"},
                ],
            },
        }
    )


def new_returning(page: PageContext, rows: list[dict[str, Any]]) -> str:
    month, kind, n = page.gettext(N_("Month")), page.gettext(N_("Customers")), page.gettext(N_("Number"))
    new, back = page.gettext(N_("New")), page.gettext(N_("Returning"))
    values = []
    for r in rows:
        values.append({month: str(r["period"]), kind: new, n: r["new_customers"]})
        values.append({month: str(r["period"]), kind: back, n: r["returning_customers"]})
    return dump(
        {
            **_base(200),
            "data": {"values": values},
            "mark": {"type": "bar", "cornerRadiusEnd": 2},
            "encoding": {
                "x": {
                    "field": month,
                    "type": "ordinal",
                    "timeUnit": "yearmonth",
                    "title": None,
                    "axis": {"format": "%Y-%m", "labelAngle": 0, "labelOverlap": "greedy"},
                },
                "y": {"field": n, "type": "quantitative", "title": None, "stack": True},
                "color": {
                    "field": kind,
                    "type": "nominal",
                    "scale": {"range": [ORANGE, BLUE]},
                    "legend": {"orient": "top", "title": None},
                },
                "tooltip": [
                    {"field": month, "timeUnit": "yearmonth"},
                    {"field": kind},
                    {"field": n, "type": "quantitative"},
                ],
            },
        }
    )


SEGMENT_COLORS = {
    "champions": "#1a7f37",
    "loyal": "#2f9e44",
    "potential_loyalist": "#69b34c",
    "new": "#0f8b8d",
    "promising": "#3ba3c9",
    "need_attention": "#e0b422",
    "about_to_sleep": "#e8923a",
    "at_risk": "#d9622b",
    "cant_lose": "#c0392b",
    "hibernating": "#8e8e9b",
    "lost": "#5d5d6b",
}


def segments(page: PageContext, rows: list[dict[str, Any]], label_of: Any) -> str:
    name, n, share = page.gettext(N_("Segment")), page.gettext(N_("Customers")), page.gettext(N_("Share"))
    values = [{name: label_of(r["segment"]), "key": r["segment"], n: r["customers"], share: r["share"]} for r in rows]
    return dump(
        {
            **_base(320),
            "data": {"values": values},
            "mark": {"type": "bar", "cornerRadiusEnd": 3},
            "encoding": {
                "y": {"field": name, "type": "nominal", "sort": None, "title": None},
                "x": {"field": n, "type": "quantitative", "title": None},
                "color": {
                    "field": "key",
                    "type": "nominal",
                    "legend": None,
                    "scale": {"domain": list(SEGMENT_COLORS), "range": list(SEGMENT_COLORS.values())},
                },
                "tooltip": [
                    {"field": name},
                    {"field": n, "type": "quantitative"},
                    {"field": share, "type": "quantitative", "format": ".1%"},
                ],
            },
        }
    )


def cohorts(page: PageContext, rows: list[dict[str, Any]]) -> str:
    cohort, month, kept = page.gettext(N_("Cohort")), page.gettext(N_("Months after")), page.gettext(N_("Retention"))
    size = page.gettext(N_("Customers"))
    values = [
        {cohort: str(r["cohort"])[:7], month: r["offset"], kept: r["retention"], size: r["customers"]} for r in rows
    ]
    rect = {
        "mark": {"type": "rect"},
        "encoding": {
            "color": {
                "field": kept,
                "type": "quantitative",
                "scale": {"scheme": "tealblues", "domain": [0, 1]},
                "legend": {"format": ".0%", "title": None},
            },
            "tooltip": [{"field": cohort}, {"field": month}, {"field": kept, "format": ".1%"}, {"field": size}],
        },
    }
    text = {
        "mark": {"type": "text", "fontSize": 10},
        "encoding": {
            "text": {"field": kept, "format": ".0%"},
            "color": {"condition": {"test": f"datum['{kept}'] > 0.5", "value": "white"}, "value": "#333"},
        },
    }
    return dump(
        {
            **_base(max(120, 24 * len({v[cohort] for v in values}))),
            "data": {"values": values},
            "encoding": {
                "x": {
                    "field": month,
                    "type": "ordinal",
                    "title": page.gettext(N_("Months after the first purchase")),
                    "axis": {"labelAngle": 0},
                },
                "y": {"field": cohort, "type": "ordinal", "title": None},
            },
            "layer": [rect, text],
        }
    )


def clv_histogram(page: PageContext, rows: list[dict[str, Any]], currency: str | None) -> str:
    value = page.gettext(N_("Expected value, next 12 months"))
    n = page.gettext(N_("Customers"))
    div = _major(currency)
    values = [{value: r["expected_value_12m"] / div} for r in rows]
    return dump(
        {
            **_base(200),
            "data": {"values": values},
            "mark": {"type": "bar", "color": BLUE, "cornerRadiusEnd": 2},
            "encoding": {
                "x": {"field": value, "bin": {"maxbins": 30}, "type": "quantitative", "title": f"{value} ({currency})"},
                "y": {"aggregate": "count", "type": "quantitative", "title": n},
                "tooltip": [{"field": value, "bin": {"maxbins": 30}}, {"aggregate": "count", "title": n}],
            },
        }
    )
