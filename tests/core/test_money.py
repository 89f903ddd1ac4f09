from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digiplus.core.money import (
    CURRENCIES,
    AmountInvalid,
    UnknownCurrency,
    check_minor,
    convert,
    currency,
    currency_by_numeric,
    display_amount,
    format_minor,
    to_major,
    to_minor,
)


def test_exponents_come_from_the_table() -> None:
    assert [currency(c).exponent for c in ("TWD", "JPY", "KRW", "VND", "KWD", "USD")] == [2, 0, 0, 0, 3, 2]
    assert currency("twd").numeric == "901"
    assert currency_by_numeric("901") == CURRENCIES["TWD"]
    assert currency_by_numeric("36") == CURRENCIES["AUD"]
    assert currency_by_numeric("999") is None
    assert currency_by_numeric("abc") is None


def test_unknown_currency_is_refused_with_its_code() -> None:
    with pytest.raises(UnknownCurrency, match="'XYZ'") as err:
        currency("XYZ")
    assert err.value.code == "currency_unknown"


@pytest.mark.parametrize(
    ("written", "code", "minor"),
    [("23.72", "TWD", 2372), ("100", "JPY", 100), ("0.005", "KWD", 5), ("1e2", "USD", 10000), ("7.10", "THB", 710)],
)
def test_to_minor(written: str, code: str, minor: int) -> None:
    assert to_minor(written, code) == minor


@pytest.mark.parametrize(("written", "code"), [("1.5", "JPY"), ("0.001", "TWD"), ("10.5", "VND")])
def test_more_precision_than_the_currency_allows_is_refused(written: str, code: str) -> None:
    with pytest.raises(AmountInvalid, match=f"more decimals than {code} allows") as err:
        to_minor(written, code)
    assert err.value.code == "amount_too_precise"


@pytest.mark.parametrize("written", ["12,5", "abc", "NaN", "Infinity", ""])
def test_non_numbers_are_refused(written: str) -> None:
    with pytest.raises(AmountInvalid):
        to_minor(written, "TWD")


def test_format_and_display() -> None:
    assert format_minor(5, "TWD") == "0.05"
    assert format_minor(4800, "JPY") == "4800"
    assert display_amount(123450, "TWD", locale="en") == "TWD 1,234.50"
    assert display_amount(-4800, "JPY", locale="en") == "JPY \u22124,800"
    assert display_amount(1234, "POINTS:tea", locale="en", signed=True) == "+1,234"


def test_check_minor() -> None:
    assert check_minor(1) == 1
    for bad in (0, -1, 1.0, True):
        with pytest.raises(AmountInvalid):
            check_minor(bad)  # type: ignore[arg-type]
    assert check_minor(0, allow_zero=True) == 0


def test_convert_rounds_once_to_the_target_exponent() -> None:
    # 1,000 JPY at 0.2153 TWD/JPY = 215.30 TWD; 333 TWD cents at 4.6447 JPY/TWD = 15.467 → 15 JPY
    assert convert(1000, Decimal("0.2153"), "JPY", "TWD") == 21530
    assert convert(333, Decimal("4.6447"), "TWD", "JPY") == 15
    assert convert(1, Decimal("0.5"), "TWD", "TWD") == 0  # half to even


@given(st.sampled_from(sorted(CURRENCIES)), st.integers(min_value=0, max_value=10**15))
def test_minor_round_trips_through_major(code: str, minor: int) -> None:
    assert to_minor(format_minor(minor, code), code) == minor
    assert to_minor(to_major(minor, code), code) == minor


def test_the_table_is_iso_4217_with_unique_numeric_codes() -> None:
    assert len(CURRENCIES) >= 160
    assert len({c.numeric for c in CURRENCIES.values()}) == len(CURRENCIES)
    assert all(len(c.numeric) == 3 and c.numeric.isdigit() for c in CURRENCIES.values())
    assert currency_by_numeric("643") == CURRENCIES["RUB"] and currency_by_numeric("032") == CURRENCIES["ARS"]
    assert (currency("BHD").exponent, currency("CLF").exponent, currency("XOF").exponent) == (3, 4, 0)
