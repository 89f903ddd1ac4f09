"""Duty on the destination's valuation basis (CIF or FOB) and the de minimis on either base;
the rates table covers both clusters; a country without rates is refused."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from commerce_helpers import error, ok, tea_store

from digiplus.commerce.service.addresses import POSTCODES
from digiplus.commerce.service.clusters import CLUSTERS
from digiplus.commerce.service.duties import CountryRates, DutiableLine, import_charges, split_proportionally
from digiplus.commerce.service.import_rates import RATES_FILE

# the same figures, two bases: duty 10 %, VAT 10 %, a 10,000 threshold for both
CIF_ON_CUSTOMS = CountryRates(
    "JP", "consumption tax", Decimal(10), 10000, Decimal(10), 10000, "JPY", {}, "CIF", "customs_value"
)
CIF_ON_GOODS = CountryRates("GB", "VAT", Decimal(10), 10000, Decimal(10), 10000, "JPY", {}, "CIF", "goods")
FOB = CountryRates("AU", "GST", Decimal(10), 10000, Decimal(10), 10000, "JPY", {}, "FOB", "goods")


def charges(rates: CountryRates, goods: int, freight: int) -> tuple[int, int, int, bool]:
    c = import_charges(rates, [DutiableLine("691200", goods)], freight, "JPY", Decimal(1))
    return c.customs_value, c.duty, c.tax, c.duty_exempt


def test_fob_duty_is_on_the_goods_alone_and_the_threshold_too() -> None:
    assert charges(FOB, 10000, 2000) == (10000, 0, 0, True)  # at the threshold: exempt, shipping not counted
    # one over: duty 10 % of 10,001 (no freight) = 1000; VAT 10 % of (10,001 + 2000 + 1000) = 1300.1 → 1300
    assert charges(FOB, 10001, 2000) == (10001, 1000, 1300, False)


def test_cif_duty_adds_the_freight_and_its_threshold_counts_it() -> None:
    assert charges(CIF_ON_CUSTOMS, 8000, 2000) == (10000, 0, 0, True)  # CIF exactly 10,000: exempt
    # CIF 10,001: duty 10 % of 10,001 = 1000.1 → 1000 (FOB would exempt goods of 8001)
    assert charges(CIF_ON_CUSTOMS, 8001, 2000) == (10001, 1000, 1100, False)
    assert charges(FOB, 8001, 2000)[3] is True


def test_cif_duty_with_a_threshold_on_the_intrinsic_value() -> None:
    """EU/UK: the EUR 150 / GBP 135 relief looks at the goods alone, the duty (when due) is on CIF."""
    assert charges(CIF_ON_GOODS, 10000, 2000) == (12000, 0, 0, True)
    # goods 10,001 > 10,000: duty 10 % of CIF 12,001 = 1200.1 → 1200; VAT 10 % of (10,001 + 2000 + 1200) = 1320.1
    assert charges(CIF_ON_GOODS, 10001, 2000) == (12001, 1200, 1320, False)


def test_freight_is_shared_by_value_and_adds_up() -> None:
    assert split_proportionally(2222, [6660, 5930]) == [1175, 1047]
    assert split_proportionally(10, [1, 1, 1]) == [4, 3, 3]
    assert split_proportionally(5, [0, 0]) == [5, 0]
    lines = [DutiableLine("090230", 6660), DutiableLine("691200", 5930)]
    jp = CountryRates(
        "JP", "ct", Decimal(10), 10000, Decimal(5), 10000, "JPY", {"09": Decimal(10)}, "CIF", "customs_value"
    )
    c = import_charges(jp, lines, 2222, "JPY", Decimal(1))
    assert (c.customs_value, c.duty, c.tax) == (14812, 784 + 349, 1595)


def test_the_table_covers_both_clusters_with_a_basis_source_and_date() -> None:
    table = json.loads(RATES_FILE.read_text(encoding="utf-8"))
    countries = table["countries"]
    clustered = {c for members in CLUSTERS.values() for c in members}
    assert len(CLUSTERS["western"]) == 3 + 27 and len(CLUSTERS["new_southbound"]) == 18
    assert clustered - set(countries) == set()
    assert clustered - set(POSTCODES) == set()
    for code, row in countries.items():
        assert row["valuation"] in ("CIF", "FOB"), code
        assert row["de_minimis_on"] in ("goods", "customs_value"), code
        assert row.get("source") or table["source"], code
        assert (row.get("as_of") or table["as_of"]) >= "2025-09-01", code
    assert {c for c, row in countries.items() if row["valuation"] == "FOB"} == {"US", "CA", "AU", "NZ"}


@pytest.mark.parametrize("country", ["BN", "BT", "PK", "HU"])
def test_every_cluster_country_can_be_quoted(
    country: str, api_for: Callable[..., Any], make_org: Callable[..., str]
) -> None:
    s = tea_store(api_for, make_org)
    if country not in CLUSTERS["western"]:  # the store's western market has every EU member already
        ok(
            s["api"].post(
                "/v1/commerce/markets",
                json={"code": "x", "countries": [country], "currency": "USD", "languages": ["en"]},
            )
        )
    q = ok(
        s["api"].post(
            "/v1/commerce/quotes", json={"country": country, "lines": [{"variant": s["cup"]["id"], "quantity": 1}]}
        )
    )
    assert q["valuation"] == "CIF" and q["total"] > q["subtotal"]


def test_a_country_without_rates_is_refused_by_name(api_for: Callable[..., Any], make_org: Callable[..., str]) -> None:
    s = tea_store(api_for, make_org)
    ok(
        s["api"].post(
            "/v1/commerce/markets", json={"code": "mx", "countries": ["MX"], "currency": "USD", "languages": ["en"]}
        )
    )
    body = error(
        s["api"].post(
            "/v1/commerce/quotes", json={"country": "MX", "lines": [{"variant": s["cup"]["id"], "quantity": 1}]}
        ),
        400,
        "import_rates_missing",
    )
    assert "MX" in body["message"] and body["param"] == "country"


def test_an_operator_sets_the_valuation_basis(api_for: Callable[..., Any], make_org: Callable[..., str]) -> None:
    api = api_for(make_org("Platform", kind="operator"), role="admin")
    row = ok(api.post("/v1/commerce/import_rates/JP", json={"valuation": "FOB", "de_minimis_on": "goods"}))
    assert (row["valuation"], row["de_minimis_on"]) == ("FOB", "goods")
    assert api.post("/v1/commerce/import_rates/JP", json={"valuation": "EXW"}).status_code == 422
    new = ok(
        api.post(
            "/v1/commerce/import_rates/MX",
            json={
                "tax_name": "IVA",
                "vat_rate": "16",
                "duty_rate": "10",
                "threshold_currency": "USD",
                "valuation": "FOB",
            },
        )
    )
    assert (new["valuation"], new["de_minimis_on"], new["tax_name"]) == ("FOB", "goods", "IVA")
