"""Baskets priced into markets through ``POST /v1/commerce/quotes``, every figure exact."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from commerce_helpers import error, ok, tea_store


def test_japan_basket_over_the_de_minimis(api_for: Callable[..., Any], make_org: Callable[..., str]) -> None:
    s = tea_store(api_for, make_org)
    q = ok(
        s["api"].post(
            "/v1/commerce/quotes",
            json={
                "country": "JP",
                "lines": [{"variant": s["oolong"]["id"], "quantity": 3}, {"variant": s["cup"]["id"], "quantity": 1}],
            },
        )
    )
    assert q["currency"] == "JPY" and q["market"] == "jp"
    # oolong TWD 450 → 2222.22 → nearest 10 → 2220; cup TWD 1200 → 5925.93 → 5930
    assert [line["unit_price"] for line in q["lines"]] == [2220, 5930]
    assert q["subtotal"] == 3 * 2220 + 5930 == 12590
    # 1000 g → EMS TWD 450 → JPY 2222.22 → 2222 (the rate only, to the minor unit)
    assert q["shipping"] == 2222
    # Japan assesses duty on CIF: the freight is shared by value, 6660:5930 of 2222 → 1175.4 / 1046.6
    # → 1175 / 1047 (largest remainder); tea 10 % of 7835 = 783.5 → 784, cup 5 % of 6977 = 348.85 → 349
    assert (q["valuation"], q["customs_value"]) == ("CIF", 12590 + 2222)
    assert q["duty"] == 784 + 349 == 1133
    assert q["tax"] == 1595  # 10 % of (12590 + 2222 + 1133) = 1594.5 → 1595
    assert q["total"] == 12590 + 2222 + 1133 + 1595 == 17540
    assert q["pricing"]["rate"] == "4.938271604938271604938271605"


def test_japan_threshold_is_on_the_cif_value(api_for: Callable[..., Any], make_org: Callable[..., str]) -> None:
    """Japan compares its JPY 10,000 with the customs (CIF) value: goods + the freight paid."""
    s = tea_store(api_for, make_org)
    api, tea = s["api"], s["oolong"]["id"]

    def quote_at(price: int) -> dict[str, Any]:
        ok(api.post(f"/v1/commerce/markets/{s['jp']['id']}/prices", json={"variant": tea, "amount": str(price)}))
        return ok(api.post("/v1/commerce/quotes", json={"country": "jp", "lines": [{"variant": tea, "quantity": 1}]}))

    freight = quote_at(5000)["shipping"]
    at = quote_at(10000 - freight)  # goods + freight = 10,000: at the threshold, exempt
    assert (at["customs_value"], at["duty"], at["tax"], at["duty_exempt"]) == (10000, 0, 0, True)
    assert at["lines"][0]["price_source"] == "fixed"
    over = quote_at(10001 - freight)  # one yen more: duty on the whole CIF value (tea 10 %)
    assert (over["customs_value"], over["duty_exempt"]) == (10001, False)
    assert over["duty"] == 1000  # 10 % of 10,001 = 1000.1 → 1000
    assert over["tax"] == 1100  # 10 % of (10,001 + 1000) = 1100.1 → 1100


def test_us_in_the_western_cluster_with_charm_prices(api_for: Callable[..., Any], make_org: Callable[..., str]) -> None:
    s = tea_store(api_for, make_org)
    q = ok(
        s["api"].post(
            "/v1/commerce/quotes", json={"country": "US", "lines": [{"variant": s["cup"]["id"], "quantity": 1}]}
        )
    )
    # 1200 / 29.20 × 1.05 = 43.150… → 43.99
    assert (q["currency"], q["lines"][0]["unit_price"]) == ("USD", 4399)
    assert q["shipping"] == 2055  # rest of world TWD 600 / 29.20 = 20.547… → 20.55
    assert (q["duty"], q["tax"]) == (880, 0)  # 20 % of 43.99 = 8.798 → 8.80; no federal VAT


def test_dap_leaves_duties_to_the_buyer(api_for: Callable[..., Any], make_org: Callable[..., str]) -> None:
    s = tea_store(api_for, make_org, duties_mode="DAP")
    q = ok(
        s["api"].post(
            "/v1/commerce/quotes", json={"country": "US", "lines": [{"variant": s["cup"]["id"], "quantity": 1}]}
        )
    )
    assert (q["total"], q["due_on_delivery"]) == (4399 + 2055, 880)


def test_korea_threshold_in_usd(api_for: Callable[..., Any], make_org: Callable[..., str]) -> None:
    s = tea_store(api_for, make_org)
    q = ok(
        s["api"].post(
            "/v1/commerce/quotes", json={"country": "KR", "lines": [{"variant": s["cup"]["id"], "quantity": 3}]}
        )
    )
    # 1200 × 46.4037… = 55684.45 → 55684 each; 167052 KRW = USD 123.29 ≤ 150: exempt
    assert (q["subtotal"], q["duty"], q["tax"]) == (167052, 0, 0)


def test_bad_input_refused_with_reasons(api_for: Callable[..., Any], make_org: Callable[..., str]) -> None:
    s = tea_store(api_for, make_org)
    api, v = s["api"], s["oolong"]["id"]
    error(
        api.post("/v1/commerce/quotes", json={"country": "BR", "lines": [{"variant": v, "quantity": 1}]}),
        400,
        "country_not_served",
    )
    error(
        api.post("/v1/commerce/quotes", json={"country": "JP", "lines": [{"variant": v, "quantity": -1}]}),
        422,
        "parameter_invalid",
    )
    error(
        api.post(f"/v1/commerce/markets/{s['jp']['id']}/prices", json={"variant": v, "amount": "12.5"}),
        422,
        "amount_too_precise",
    )
    error(
        api.post(f"/v1/commerce/markets/{s['west']['id']}/prices", json={"variant": v, "amount": "12.999"}),
        422,
        "amount_too_precise",
    )
    body = error(
        api.post(f"/v1/commerce/markets/{s['jp']['id']}", json={"rounding": "ends_99"}),
        422,
        "rounding_not_for_currency",
    )
    assert body["param"] == "rounding"
    error(
        api.post("/v1/commerce/markets", json={"code": "uk", "countries": ["GB"], "currency": "GBP"}),
        409,
        "country_in_other_market",
    )
    kw = ok(api.post("/v1/commerce/markets", json={"code": "kw", "countries": ["KW"], "currency": "KWD"}))
    refused = error(
        api.post("/v1/commerce/quotes", json={"country": "KW", "lines": [{"variant": v, "quantity": 1}]}),
        400,
        "fx_rate_unavailable",
    )
    assert "KWD" in refused["message"]
    ok(api.post(f"/v1/commerce/markets/{kw['id']}", json={"fx_rate": "0.0101"}))
    q = ok(api.post("/v1/commerce/quotes", json={"country": "KW", "lines": [{"variant": v, "quantity": 1}]}))
    assert (q["currency"], q["lines"][0]["unit_price"], q["shipping"]) == ("KWD", 4545, 6060)  # 4.545; 600 × 0.0101


def test_import_rates_seeded_and_operator_only(api_for: Callable[..., Any], make_org: Callable[..., str]) -> None:
    merchant_api = api_for(make_org("Shop"))
    rates = ok(merchant_api.get("/v1/commerce/import_rates"))
    jp = next(r for r in rates["data"] if r["country"] == "JP")
    assert (jp["vat_rate"], jp["duty_de_minimis"], jp["as_of"]) == ("10", 10000, "2025-09-01")
    error(merchant_api.post("/v1/commerce/import_rates/JP", json={"vat_rate": "8"}), 403, "insufficient_permissions")
    operator = api_for(make_org("Operator", kind="operator"), role="admin")
    saved = ok(operator.post("/v1/commerce/import_rates/JP", json={"vat_rate": "8", "source": "test"}))
    assert saved["vat_rate"] == "8"
    assert ok(merchant_api.get("/v1/commerce/import_rates/JP"))["vat_rate"] == "8"
    error(operator.post("/v1/commerce/import_rates/JP", json={"vat_rate": "101"}), 422, "parameter_invalid")


def test_price_list_of_a_market(api_for: Callable[..., Any], make_org: Callable[..., str]) -> None:
    s = tea_store(api_for, make_org)
    api = s["api"]
    ok(api.post(f"/v1/commerce/markets/{s['west']['id']}/prices", json={"variant": s["cup"]["id"], "amount": "39.50"}))
    listed = ok(api.get(f"/v1/commerce/markets/{s['west']['id']}/prices"))
    assert listed["currency"] == "USD" and listed["pricing"]["adjustment_bps"] == 500
    by_sku = {row["sku"]: (row["base_price"], row["price"], row["source"]) for row in listed["data"]}
    # oolong: 450 / 29.20 × 1.05 = 16.18… → 16.99
    assert by_sku == {"OOL-150": (45000, 1699, "converted"), "CUP-1": (120000, 3950, "fixed")}
    other = api_for(make_org("Other"))
    error(other.get(f"/v1/commerce/markets/{s['west']['id']}/prices"), 404, "resource_missing")
