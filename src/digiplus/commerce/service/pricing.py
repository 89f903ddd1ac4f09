"""Market prices: fixed per market, or converted from the base price, adjusted and rounded.

The arithmetic is exact (``Decimal``) and rounds **once**, at the end (docs/commerce.md):

1. a fixed price for the market (its price list) is the price, as given — no conversion,
   no adjustment, no rounding rule;
2. otherwise ``base_major × rate × (1 + adjustment_bps / 10 000)`` where ``rate`` is the
   market's manual rate when it has one, else the platform's mid rate (payments' FX rate
   source, crossed through TWD), with no intermediate rounding;
3. then the market's rounding rule, in the market currency, respecting its exponent.

Rounding rules (``ROUNDING_RULES``):

- ``minor``: nearest minor unit, half up (TWD 12.345 → 12.35; JPY 1234.5 → 1235);
- ``whole``: nearest whole unit, half up (USD 12.50 → 13.00);
- ``ends_99``: up to the next price ending in .99 (USD 12.00 → 12.99, 12.99 → 12.99,
  13.00 → 13.99); refused for a currency with fewer than 2 decimals (JPY has no .99);
- ``nearest_10`` / ``nearest_100`` / ``nearest_1000``: nearest multiple, half up
  (JPY 1234 → 1230 / 1200 / 1000).

A rounded price is never below one step of its rule (a price is never rounded to zero).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from digiplus.core.errors import ValidationFailed
from digiplus.core.money import currency

ROUNDING_RULES = ("minor", "whole", "ends_99", "nearest_10", "nearest_100", "nearest_1000")
MAX_ADJUSTMENT_BPS = 10_000  # +100 %
MIN_ADJUSTMENT_BPS = -9_000  # −90 %


@dataclass(frozen=True, slots=True)
class Rate:
    """Market-currency units per one base-currency unit (major units), with where it came from."""

    value: Decimal
    source: str
    as_of: datetime | None


@dataclass(frozen=True, slots=True)
class PricingRule:
    """How one market turns base prices into its own: currency, rate, adjustment, rounding."""

    base_currency: str
    currency: str
    rate: Rate
    adjustment_bps: int
    rounding: str


@dataclass(frozen=True, slots=True)
class MarketPrice:
    amount: int  # minor units of ``currency``
    currency: str
    source: str  # "fixed" or "converted"


def check_rounding(rule: str, currency_code: str, *, param: str = "rounding") -> str:
    """The rule, if it exists and fits the currency (``ends_99`` needs two decimals or more)."""
    if rule not in ROUNDING_RULES:
        raise ValidationFailed(f"rounding is one of {', '.join(ROUNDING_RULES)}; got {rule!r}", param=param)
    if rule == "ends_99" and currency(currency_code).exponent < 2:
        raise ValidationFailed(
            f"{currency_code} has {currency(currency_code).exponent} decimals; a price cannot end in .99 "
            "(use whole, nearest_10, nearest_100 or nearest_1000)",
            param=param,
            code="rounding_not_for_currency",
        )
    return rule


def check_adjustment(bps: int, *, param: str = "adjustment_bps") -> int:
    if isinstance(bps, bool) or not isinstance(bps, int) or not MIN_ADJUSTMENT_BPS <= bps <= MAX_ADJUSTMENT_BPS:
        raise ValidationFailed(
            f"adjustment_bps is an integer from {MIN_ADJUSTMENT_BPS} (−90 %) to {MAX_ADJUSTMENT_BPS} (+100 %)",
            param=param,
        )
    return bps


def round_major(value: Decimal, rule: str, currency_code: str) -> int:
    """``value`` (major units of ``currency_code``, exact) rounded by ``rule``, as minor units."""
    exponent = currency(currency_code).exponent
    minor_unit = Decimal(1).scaleb(-exponent)
    if rule == "minor":
        step, rounded = minor_unit, value.quantize(minor_unit, rounding=ROUND_HALF_UP)
    elif rule == "whole":
        step, rounded = Decimal(1), value.quantize(Decimal(1), rounding=ROUND_HALF_UP)
    elif rule == "ends_99":
        check_rounding(rule, currency_code)
        step = Decimal(1)
        # the smallest N + 0.99 that is ≥ value: ceil(value + 0.01) − 0.01
        rounded = (value + Decimal("0.01")).quantize(Decimal(1), rounding=ROUND_CEILING) - Decimal("0.01")
    elif rule.startswith("nearest_"):
        step = Decimal(rule.removeprefix("nearest_"))
        rounded = (value / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step
    else:
        check_rounding(rule, currency_code)
        raise AssertionError(rule)
    if rule != "ends_99":  # ends_99 of a positive price is at least 0.99 already
        rounded = max(rounded, step)
    return int(rounded.scaleb(exponent).to_integral_value())


def price_factor(rule: PricingRule) -> Decimal:
    """Market major units per base major unit: ``rate × (10 000 + adjustment_bps) / 10 000``."""
    return rule.rate.value * Decimal(10_000 + rule.adjustment_bps) / Decimal(10_000)


def converted_major(base_minor: int, rule: PricingRule) -> Decimal:
    """The exact, unrounded market price in major units: ``base_major × price_factor``."""
    return Decimal(base_minor).scaleb(-currency(rule.base_currency).exponent) * price_factor(rule)


def market_price(base_minor: int, rule: PricingRule, fixed: int | None = None) -> MarketPrice:
    """The price of one unit in the market: the fixed price when there is one, else converted and rounded."""
    if fixed is not None:
        return MarketPrice(fixed, rule.currency, "fixed")
    if (
        rule.currency == rule.base_currency
        and rule.rate.value == 1
        and rule.adjustment_bps == 0
        and rule.rounding == "minor"
    ):
        return MarketPrice(base_minor, rule.currency, "converted")
    return MarketPrice(
        round_major(converted_major(base_minor, rule), rule.rounding, rule.currency), rule.currency, "converted"
    )


def reprice_all(base_prices: list[int], rule: PricingRule) -> list[int]:
    """Many base prices into one market (the bulk path: the factor is computed once)."""
    base_exp, factor = currency(rule.base_currency).exponent, price_factor(rule)
    return [round_major(Decimal(p).scaleb(-base_exp) * factor, rule.rounding, rule.currency) for p in base_prices]
