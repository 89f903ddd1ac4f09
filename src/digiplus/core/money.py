"""Money: integers in minor units plus an ISO 4217 code, with exponents from one table we own.

Every amount on the platform is an ``int`` of minor units (cents for TWD, yen for JPY)
and a currency code. This module is the one place that knows how many decimals a
currency has, turns a written amount ("23.72") into minor units — refusing more
precision than the currency allows — and converts between currencies with a stated
rounding rule. Floats never appear.

The table is ISO 4217's list of active currencies; a code missing from it is refused
rather than guessed.
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


# ISO 4217 list one (active currencies, the 2025 amendments included: XCG, ZWG, SLE, VED);
# "CODE numeric" pairs. Minor units are 2 unless listed below. Funds codes (BOV, CHE, CHW,
# CLF, COU, MXV, USN, UYI, UYW) are kept because EMVCo codes may carry any ISO currency.
_ISO_4217 = """
AED 784 AFN 971 ALL 008 AMD 051 AOA 973 ARS 032 AUD 036 AWG 533 AZN 944 BAM 977 BBD 052
BDT 050 BGN 975 BHD 048 BIF 108 BMD 060 BND 096 BOB 068 BOV 984 BRL 986 BSD 044 BTN 064
BWP 072 BYN 933 BZD 084 CAD 124 CDF 976 CHE 947 CHF 756 CHW 948 CLF 990 CLP 152 CNY 156
COP 170 COU 970 CRC 188 CUP 192 CVE 132 CZK 203 DJF 262 DKK 208 DOP 214 DZD 012 EGP 818
ERN 232 ETB 230 EUR 978 FJD 242 FKP 238 GBP 826 GEL 981 GHS 936 GIP 292 GMD 270 GNF 324
GTQ 320 GYD 328 HKD 344 HNL 340 HTG 332 HUF 348 IDR 360 ILS 376 INR 356 IQD 368 IRR 364
ISK 352 JMD 388 JOD 400 JPY 392 KES 404 KGS 417 KHR 116 KMF 174 KPW 408 KRW 410 KWD 414
KYD 136 KZT 398 LAK 418 LBP 422 LKR 144 LRD 430 LSL 426 LYD 434 MAD 504 MDL 498 MGA 969
MKD 807 MMK 104 MNT 496 MOP 446 MRU 929 MUR 480 MVR 462 MWK 454 MXN 484 MXV 979 MYR 458
MZN 943 NAD 516 NGN 566 NIO 558 NOK 578 NPR 524 NZD 554 OMR 512 PAB 590 PEN 604 PGK 598
PHP 608 PKR 586 PLN 985 PYG 600 QAR 634 RON 946 RSD 941 RUB 643 RWF 646 SAR 682 SBD 090
SCR 690 SDG 938 SEK 752 SGD 702 SHP 654 SLE 925 SOS 706 SRD 968 SSP 728 STN 930 SVC 222
SYP 760 SZL 748 THB 764 TJS 972 TMT 934 TND 788 TOP 776 TRY 949 TTD 780 TWD 901 TZS 834
UAH 980 UGX 800 USD 840 USN 997 UYI 940 UYU 858 UYW 927 UZS 860 VED 926 VES 928 VND 704
VUV 548 WST 882 XAF 950 XCD 951 XCG 532 XOF 952 XPF 953 YER 886 ZAR 710 ZMW 967 ZWG 924
"""
_EXPONENTS = {
    **dict.fromkeys(
        [
            "BIF",
            "CLP",
            "DJF",
            "GNF",
            "ISK",
            "JPY",
            "KMF",
            "KRW",
            "PYG",
            "RWF",
            "UGX",
            "UYI",
            "VND",
            "VUV",
            "XAF",
            "XOF",
            "XPF",
        ],
        0,
    ),
    **dict.fromkeys(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"], 3),
    **dict.fromkeys(["CLF", "UYW"], 4),
}  # ISO 4217 minor units; TWD is 2 in ISO even though coins stop at 1 dollar
_PAIRS = _ISO_4217.split()
_TABLE: dict[str, tuple[str, int]] = {
    code: (numeric, _EXPONENTS.get(code, 2)) for code, numeric in zip(_PAIRS[::2], _PAIRS[1::2], strict=True)
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
