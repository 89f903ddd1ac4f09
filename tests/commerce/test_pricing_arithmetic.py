"""The pricing, rounding and duty arithmetic on its own, with hand-checked figures (docs/commerce.md)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from digiplus.commerce.service.duties import CountryRates, DutiableLine, duty_rate_for, import_charges
from digiplus.commerce.service.pricing import PricingRule, Rate, check_rounding, market_price, reprice_all, round_major
from digiplus.core.errors import ValidationFailed

TWD_JPY = Rate(Decimal(1) / Decimal("0.2025"), "table", None)  # 4.938271604938271604938271605
TWD_USD = Rate(Decimal(1) / Decimal("29.20"), "table", None)


def rule(cur: str, rate: Rate, rounding: str = "minor", adj: int = 0) -> PricingRule:
    return PricingRule("TWD", cur, rate, adj, rounding)


@pytest.mark.parametrize(
    ("rounding", "expected"),
    [("minor", 2222), ("whole", 2222), ("nearest_10", 2220), ("nearest_100", 2200), ("nearest_1000", 2000)],
)
def test_zero_decimal_currency_jpy(rounding: str, expected: int) -> None:
    # TWD 450.00 × 4.9382716… = JPY 2222.2222…
    assert market_price(45000, rule("JPY", TWD_JPY, rounding)).amount == expected


def test_adjustment_applies_before_rounding() -> None:
    # 450 × 4.9382716… × 1.05 = 2333.333… → 2333; −10 %: 2000.0 → 2000
    assert market_price(45000, rule("JPY", TWD_JPY, adj=500)).amount == 2333
    assert market_price(45000, rule("JPY", TWD_JPY, adj=-1000)).amount == 2000


@pytest.mark.parametrize(
    ("rounding", "expected"), [("minor", 1541), ("whole", 1500), ("ends_99", 1599), ("nearest_10", 2000)]
)
def test_two_decimal_currency_usd(rounding: str, expected: int) -> None:
    # TWD 450.00 / 29.20 = USD 15.4109589…
    assert market_price(45000, rule("USD", TWD_USD, rounding)).amount == expected


def test_three_decimal_currency_kwd_with_a_manual_rate() -> None:
    kwd = Rate(Decimal("0.0101"), "manual", None)
    assert market_price(45000, rule("KWD", kwd)).amount == 4545  # 4.545 KWD, three decimals kept
    assert market_price(99900, rule("KWD", kwd)).amount == 10090  # 10.0899 → 10.090 (half up)
    assert market_price(45000, rule("KWD", kwd, "ends_99")).amount == 4990  # 4.545 → 4.990
    assert market_price(45000, rule("KWD", kwd, "whole")).amount == 5000


def test_vnd_and_krw() -> None:
    vnd = Rate(Decimal(1) / Decimal("0.001118"), "table", None)
    krw = Rate(Decimal(1) / Decimal("0.02155"), "table", None)
    assert market_price(45000, rule("VND", vnd)).amount == 402504  # 402504.47…
    assert market_price(45000, rule("VND", vnd, "nearest_1000")).amount == 403000
    assert market_price(45000, rule("KRW", krw, "nearest_100")).amount == 20900  # 20881.67…


def test_ends_99_edges() -> None:
    assert round_major(Decimal("12.00"), "ends_99", "USD") == 1299
    assert round_major(Decimal("12.99"), "ends_99", "USD") == 1299
    assert round_major(Decimal("12.991"), "ends_99", "USD") == 1399
    assert round_major(Decimal("13.00"), "ends_99", "USD") == 1399
    assert round_major(Decimal("0.10"), "ends_99", "USD") == 99


def test_half_up_and_never_zero() -> None:
    assert round_major(Decimal("12.345"), "minor", "TWD") == 1235
    assert round_major(Decimal("1234.5"), "minor", "JPY") == 1235
    assert round_major(Decimal("12.50"), "whole", "USD") == 1300
    assert round_major(Decimal("30"), "nearest_100", "JPY") == 100  # never rounded down to free
    assert round_major(Decimal("0.001"), "minor", "USD") == 1


def test_ends_99_refused_for_currencies_without_two_decimals() -> None:
    for code in ("JPY", "KRW", "VND"):
        with pytest.raises(ValidationFailed) as refused:
            check_rounding("ends_99", code)
        assert refused.value.code == "rounding_not_for_currency"
    assert check_rounding("ends_99", "KWD") == "ends_99"
    with pytest.raises(ValidationFailed):
        check_rounding("banker", "USD")


def test_fixed_price_wins_as_given() -> None:
    price = market_price(45000, rule("USD", TWD_USD, "ends_99", adj=2000), fixed=1250)
    assert (price.amount, price.source) == (1250, "fixed")


def test_bulk_repricing_matches_one_by_one() -> None:
    bases = list(range(100, 500_000, 997))
    r = rule("USD", TWD_USD, "ends_99", adj=750)
    assert reprice_all(bases, r) == [market_price(b, r).amount for b in bases]


JP = CountryRates(
    "JP",
    "consumption tax",
    Decimal(10),
    10000,
    Decimal(5),
    10000,
    "JPY",
    {"09": Decimal(10), "85": Decimal(0)},
    "CIF",
    "customs_value",
)
KR = CountryRates("KR", "VAT", Decimal(10), 15000, Decimal(8), 15000, "USD", {})
GB = CountryRates("GB", "VAT", Decimal(20), 0, Decimal(4), 13500, "GBP", {"09": Decimal(0)})


def test_japan_at_and_over_the_de_minimis() -> None:
    at = import_charges(JP, [DutiableLine("090230", 8500)], 1500, "JPY", Decimal(1))  # CIF 10,000
    assert (at.duty, at.tax, at.duty_exempt, at.tax_exempt) == (0, 0, True, True)
    over = import_charges(JP, [DutiableLine("090230", 6001), DutiableLine("691200", 4000)], 1500, "JPY", Decimal(1))
    # freight 1500 shared 6001:4000 → 900 / 600; duty: tea 10 % of 6901 = 690.1 → 690; ceramics 5 % of 4600 = 230
    # tax: 10 % of (10001 + 1500 + 920) = 1242.1 → 1242
    assert (over.duty, over.tax, over.duty_exempt, over.tax_exempt) == (920, 1242, False, False)


def test_korea_threshold_in_usd_compared_after_conversion() -> None:
    krw_usd = Decimal("0.02155") / Decimal("29.20")
    under = import_charges(KR, [DutiableLine("691200", 203000)], 0, "KRW", krw_usd)  # USD 149.82
    assert (under.duty, under.tax) == (0, 0)
    over = import_charges(KR, [DutiableLine("691200", 204000)], 10000, "KRW", krw_usd)  # USD 150.55
    # CIF: duty 8 % of (204000 + 10000) = 17120; VAT 10 % of (204000 + 10000 + 17120) = 23112
    assert (over.duty, over.tax) == (17120, 23112)


def test_uk_vat_always_due_duty_only_over_135() -> None:
    small = import_charges(GB, [DutiableLine("691200", 13500)], 800, "GBP", Decimal(1))
    assert (small.duty, small.tax) == (0, 2860)  # VAT 20 % of 143.00
    big = import_charges(GB, [DutiableLine("691200", 13501)], 800, "GBP", Decimal(1))
    # the relief looks at the goods (135.01 > 135); duty is on CIF: 4 % of 143.01 = 5.7204 → 5.72;
    # VAT 20 % of (135.01 + 8.00 + 5.72) = 29.746 → 29.75
    assert (big.duty, big.tax) == (572, 2975)


def test_longest_hs_prefix_wins() -> None:
    rates = CountryRates(
        "DE", "VAT", Decimal(19), 0, Decimal(4), 15000, "EUR", {"09": Decimal(0), "0902": Decimal("3.2")}
    )
    assert duty_rate_for(rates, "090230") == Decimal("3.2")
    assert duty_rate_for(rates, "091010") == Decimal(0)
    assert duty_rate_for(rates, "691200") == Decimal(4)


def test_home_currency_market_with_a_manual_rate_is_converted() -> None:
    same = Rate(Decimal(1), "same currency", None)
    assert market_price(45000, rule("TWD", same)).amount == 45000
    assert market_price(45000, rule("TWD", Rate(Decimal("1.1"), "manual", None))).amount == 49500
    assert market_price(45000, rule("TWD", same, "nearest_10", adj=333)).amount == 46000  # 464.985 → 460
