"""Import duty and destination VAT/GST for one parcel: pure arithmetic over a country's rates.

Rules (docs/commerce.md, "Taxes and duties"):

- **goods value** = the items' total after discounts, in the order currency (shipping excluded);
- the goods value is compared with a de minimis threshold written in the threshold's own
  currency (JPY 10 000, USD 150 for Korea…) after exact conversion at the mid rate; a value
  **at or below** the threshold is exempt; a threshold of 0 means there is none (always due);
- **duty** = Σ over lines of ``round_half_up(line_total × duty_rate(hs_code) / 100)`` to the
  minor unit, the rate of the longest HS prefix the country lists (else its default rate);
- **VAT/GST** = ``round_half_up((goods value + shipping + duty) × vat_rate / 100)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from digiplus.core.money import currency


@dataclass(frozen=True, slots=True)
class CountryRates:
    country: str
    tax_name: str  # "VAT", "GST", "consumption tax"…
    vat_rate: Decimal  # percent
    vat_de_minimis: int  # minor units of threshold_currency; 0 = none
    duty_rate: Decimal  # percent, when no HS prefix matches
    duty_de_minimis: int  # minor units of threshold_currency; 0 = none
    threshold_currency: str
    duty_by_hs: dict[str, Decimal] = field(default_factory=dict)  # HS prefix → percent


@dataclass(frozen=True, slots=True)
class DutiableLine:
    hs_code: str
    amount: int  # line total, minor units of the order currency


@dataclass(frozen=True, slots=True)
class ImportCharges:
    goods_value: int
    duty: int
    tax: int
    duty_exempt: bool  # under the duty de minimis
    tax_exempt: bool  # under the VAT/GST de minimis
    tax_name: str


def duty_rate_for(rates: CountryRates, hs_code: str) -> Decimal:
    """The rate of the longest HS prefix the country lists, else its default."""
    for length in range(len(hs_code), 1, -1):
        found = rates.duty_by_hs.get(hs_code[:length])
        if found is not None:
            return found
    return rates.duty_rate


def percent_of(amount: int, rate: Decimal) -> int:
    """``amount × rate / 100`` in the same minor units, half up."""
    return int((Decimal(amount) * rate / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def under_threshold(
    goods_value: int, order_currency: str, threshold: int, threshold_currency: str, rate: Decimal
) -> bool:
    """Whether ``goods_value`` (order currency) is at or below ``threshold`` (its currency); ``rate`` is
    threshold-currency units per order-currency unit (major). A threshold of 0 exempts nothing."""
    if threshold <= 0:
        return False
    value = Decimal(goods_value).scaleb(-currency(order_currency).exponent) * rate
    return value <= Decimal(threshold).scaleb(-currency(threshold_currency).exponent)


def import_charges(
    rates: CountryRates, lines: list[DutiableLine], shipping: int, order_currency: str, threshold_rate: Decimal
) -> ImportCharges:
    goods = sum(line.amount for line in lines)
    duty_free = under_threshold(goods, order_currency, rates.duty_de_minimis, rates.threshold_currency, threshold_rate)
    tax_free = under_threshold(goods, order_currency, rates.vat_de_minimis, rates.threshold_currency, threshold_rate)
    duty = 0 if duty_free else sum(percent_of(line.amount, duty_rate_for(rates, line.hs_code)) for line in lines)
    tax = 0 if tax_free else percent_of(goods + shipping + duty, rates.vat_rate)
    return ImportCharges(goods, duty, tax, duty_free, tax_free, rates.tax_name)
