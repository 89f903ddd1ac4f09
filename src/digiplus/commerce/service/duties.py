"""Import duty and destination VAT/GST for one parcel: pure arithmetic over a country's rates.

Rules (docs/commerce.md, "Taxes and duties"):

- **goods value** = the items' total after discounts, in the order currency (shipping excluded):
  customs value is the transaction value actually paid;
- **customs value** = the goods value on the destination's valuation basis: **FOB** (US, CA,
  AU, NZ) is the goods value alone; **CIF** (EU, UK, JP, KR, ASEAN, South Asia…) adds the freight
  the buyer pays and the insurance (none is sold, so 0). Each line's share of the freight is
  proportional to its value (largest remainder, so the shares add up to the freight);
- the de minimis is compared with the goods value (``de_minimis_on = goods``: EU and UK
  "intrinsic value", KR, CA, AU…) or with the customs value (``customs_value``: JP, SG, TH…),
  converted exactly at the mid rate into the threshold's currency; a value **at or below** the
  threshold is exempt; a threshold of 0 means there is none (always due);
- **duty** = Σ over lines of ``round_half_up(line customs value × duty_rate(hs_code) / 100)``,
  the rate of the longest HS prefix the country lists (else its default rate);
- **VAT/GST** = ``round_half_up((goods value + shipping + duty) × vat_rate / 100)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from digiplus.core.money import currency

VALUATIONS = ("CIF", "FOB")
DE_MINIMIS_BASES = ("goods", "customs_value")


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
    valuation: str = "CIF"  # CIF (goods + freight + insurance) | FOB (goods only)
    de_minimis_on: str = "goods"  # goods | customs_value


@dataclass(frozen=True, slots=True)
class DutiableLine:
    hs_code: str
    amount: int  # line total after its share of the discount, minor units of the order currency


@dataclass(frozen=True, slots=True)
class ImportCharges:
    goods_value: int
    customs_value: int  # what duty is assessed on (goods + freight when CIF)
    duty: int
    tax: int
    duty_exempt: bool  # under the duty de minimis
    tax_exempt: bool  # under the VAT/GST de minimis
    tax_name: str
    valuation: str


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


def split_proportionally(total: int, weights: list[int]) -> list[int]:
    """``total`` split in proportion to ``weights`` (largest remainder; the shares add up to ``total``).
    All-zero weights put everything on the first share."""
    whole = sum(weights)
    if not weights:
        return []
    if whole <= 0:
        return [total] + [0] * (len(weights) - 1)
    shares = [total * w // whole for w in weights]
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % whole), i))
    for i in by_remainder[: total - sum(shares)]:
        shares[i] += 1
    return shares


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
    cif = rates.valuation == "CIF"
    freight = split_proportionally(shipping, [line.amount for line in lines]) if cif else [0] * len(lines)
    customs = goods + sum(freight)
    measured = customs if rates.de_minimis_on == "customs_value" else goods
    duty_free = under_threshold(
        measured, order_currency, rates.duty_de_minimis, rates.threshold_currency, threshold_rate
    )
    tax_free = under_threshold(measured, order_currency, rates.vat_de_minimis, rates.threshold_currency, threshold_rate)
    duty = (
        0
        if duty_free
        else sum(
            percent_of(line.amount + share, duty_rate_for(rates, line.hs_code))
            for line, share in zip(lines, freight, strict=True)
        )
    )
    tax = 0 if tax_free else percent_of(goods + shipping + duty, rates.vat_rate)
    return ImportCharges(goods, customs, duty, tax, duty_free, tax_free, rates.tax_name, rates.valuation)
