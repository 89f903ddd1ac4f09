"""Money: integers in minor units plus an ISO 4217 code, with exponents from one table we own.

Every amount on the platform is an ``int`` of minor units (cents for TWD, yen for JPY)
and a currency code. This module is the one place that knows how many decimals a
currency has, turns a written amount ("23.72") into minor units — refusing more
precision than the currency allows — and converts between currencies with a stated
rounding rule. Floats never appear.

The table follows ISO 4217 (the SIX list, 2026 edition) for the currencies of Taiwan's
western and New Southbound markets and the other majors; a code missing from it is
refused rather than guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Protocol

from babel.numbers import format_decimal

from digiplus.core.errors import ValidationFailed


@dataclass(frozen=True, slots=True)
class Currency:
    code: str  # ISO 4217 alpha, e.g. "TWD"
    numeric: str  # ISO 4217 numeric, three digits, e.g. "901"
    exponent: int  # minor-unit decimals: TWD 2, JPY 0, KWD 3


# code: (numeric, exponent). ISO 4217 minor units; TWD is 2 in ISO even though coins stop at 1 dollar.
_TABLE: dict[str, tuple[str, int]] = {
    "TWD": ("901", 2),
    "USD": ("840", 2),
    "EUR": ("978", 2),
    "GBP": ("826", 2),
    "CHF": ("756", 2),
    "SEK": ("752", 2),
    "NOK": ("578", 2),
    "DKK": ("208", 2),
    "PLN": ("985", 2),
    "CZK": ("203", 2),
    "HUF": ("348", 2),
    "CAD": ("124", 2),
    "MXN": ("484", 2),
    "BRL": ("986", 2),
    "CLP": ("152", 0),
    "ISK": ("352", 0),
    "JPY": ("392", 0),
    "KRW": ("410", 0),
    "CNY": ("156", 2),
    "HKD": ("344", 2),
    "MOP": ("446", 2),
    "SGD": ("702", 2),
    "MYR": ("458", 2),
    "THB": ("764", 2),
    "VND": ("704", 0),
    "IDR": ("360", 2),
    "PHP": ("608", 2),
    "BND": ("096", 2),
    "KHR": ("116", 2),
    "LAK": ("418", 2),
    "MMK": ("104", 2),
    "INR": ("356", 2),
    "BDT": ("050", 2),
    "PKR": ("586", 2),
    "LKR": ("144", 2),
    "NPR": ("524", 2),
    "BTN": ("064", 2),
    "MVR": ("462", 2),
    "AUD": ("036", 2),
    "NZD": ("554", 2),
    "AED": ("784", 2),
    "SAR": ("682", 2),
    "QAR": ("634", 2),
    "TRY": ("949", 2),
    "ILS": ("376", 2),
    "ZAR": ("710", 2),
    "KWD": ("414", 3),
    "BHD": ("048", 3),
    "OMR": ("512", 3),
    "JOD": ("400", 3),
    "TND": ("788", 3),
    "XAF": ("950", 0),
    "XOF": ("952", 0),
    "UGX": ("800", 0),
}

CURRENCIES: dict[str, Currency] = {code: Currency(code, num, exp) for code, (num, exp) in _TABLE.items()}
_BY_NUMERIC: dict[str, Currency] = {c.numeric: c for c in CURRENCIES.values()}


class UnknownCurrency(ValidationFailed):
    code = "currency_unknown"


class AmountInvalid(ValidationFailed):
    code = "amount_invalid"


def currency(code: str, *, param: str = "currency") -> Currency:
    """The currency for an ISO 4217 alpha code (case-insensitive); unknown codes are refused."""
    found = CURRENCIES.get(code.upper()) if isinstance(code, str) else None
    if found is None:
        raise UnknownCurrency(f"{code!r} is not a currency digiplus supports (ISO 4217 alpha code)", param=param)
    return found


def currency_by_numeric(numeric: str) -> Currency | None:
    """The currency for an ISO 4217 numeric code such as ``"901"``, or None when not in the table."""
    return _BY_NUMERIC.get(numeric.zfill(3)) if numeric.isdigit() else None


def to_minor(amount: str | Decimal | int, code: str, *, param: str = "amount") -> int:
    """A written major-unit amount ("23.72", Decimal) as minor units; more precision than the currency has is refused.

    ``to_minor("23.72", "TWD") == 2372``; ``to_minor("100", "JPY") == 100``;
    ``to_minor("1.5", "JPY")`` raises ``AmountInvalid`` (JPY has no minor unit).
    """
    cur = currency(code)
    try:
        value = amount if isinstance(amount, Decimal) else Decimal(str(amount).strip())
    except InvalidOperation:
        raise AmountInvalid(f"{amount!r} is not a number", param=param) from None
    if not value.is_finite():
        raise AmountInvalid(f"{amount!r} is not a finite amount", param=param)
    minor = value.scaleb(cur.exponent)
    if minor != minor.to_integral_value():
        raise AmountInvalid(
            f"{amount} has more decimals than {cur.code} allows ({cur.exponent})",
            param=param,
            code="amount_too_precise",
        )
    return int(minor)


def to_major(minor: int, code: str) -> Decimal:
    """Minor units as an exact Decimal in major units: ``to_major(2372, "TWD") == Decimal("23.72")``."""
    cur = currency(code)
    return Decimal(minor).scaleb(-cur.exponent)


def format_minor(minor: int, code: str) -> str:
    """Minor units written with exactly the currency's decimals: ``format_minor(5, "TWD") == "0.05"``."""
    cur = currency(code)
    return f"{to_major(minor, code):.{cur.exponent}f}"


def display_amount(minor: int, code: str, *, locale: str, signed: bool = False) -> str:
    """Minor units as a person reads them: ``TWD 1,234.50``, ``JPY 4,800``; non-currency units
    (``POINTS:…``, ``GPU_SECONDS``) as a plain grouped integer ``1,234``."""
    cur = CURRENCIES.get(code)
    digits = cur.exponent if cur else 0
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    number = format_decimal(Decimal(abs(minor)).scaleb(-digits), format=pattern, locale=locale)
    sign = "\u2212" if minor < 0 else ("+" if signed and minor > 0 else "")
    return f"{code} {sign}{number}" if cur else f"{sign}{number}"


def check_minor(minor: int, *, param: str = "amount", allow_zero: bool = False) -> int:
    """A positive integer amount in minor units (booleans and floats are refused)."""
    if isinstance(minor, bool) or not isinstance(minor, int):
        raise AmountInvalid("amount must be an integer number of minor units", param=param)
    if minor < 0 or (minor == 0 and not allow_zero):
        raise AmountInvalid(f"amount must be {'zero or ' if allow_zero else ''}positive, got {minor}", param=param)
    return minor


# ---- foreign exchange ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FxRate:
    """How many units of ``quote`` one unit of ``base`` buys (major units), with where and when it came from."""

    base: str
    quote: str
    rate: Decimal
    source: str
    as_of: datetime


class FxRateSource(Protocol):
    """Where mid-market rates come from: a central bank feed in production, a table in tests and demos."""

    name: str

    def rate(self, base: str, quote: str) -> FxRate: ...


def convert(minor: int, rate: Decimal, source_code: str, target_code: str, *, rounding: str = ROUND_HALF_EVEN) -> int:
    """``minor`` units of ``source_code`` times ``rate`` (major→major) in minor units of ``target_code``.

    Rounds once, at the end, to the target currency's exponent (banker's rounding unless
    told otherwise), so a conversion never invents precision the currency does not have.
    """
    src, dst = currency(source_code), currency(target_code)
    major = Decimal(minor).scaleb(-src.exponent) * rate
    return int(major.scaleb(dst.exponent).quantize(Decimal(1), rounding=rounding))
