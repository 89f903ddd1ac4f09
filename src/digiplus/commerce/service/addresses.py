"""Shipping addresses checked per country: required fields and the postcode pattern.

Only the countries listed here are accepted; an unknown country is refused rather than
guessed. Postcodes are normalised (upper case, single spaces) before matching.
"""

from __future__ import annotations

import re
from typing import Any

from digiplus.core.errors import ValidationFailed

# ISO 3166-1 alpha-2 → postcode pattern (None: the country has no postcodes)
POSTCODES: dict[str, str | None] = {
    "TW": r"\d{3}(\d{2,3})?",
    "JP": r"\d{3}-?\d{4}",
    "KR": r"\d{5}",
    "US": r"\d{5}(-\d{4})?",
    "CA": r"[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z] ?\d[ABCEGHJ-NPRSTV-Z]\d",
    "GB": r"(GIR 0AA|[A-PR-UWYZ]([0-9]{1,2}|[A-HK-Y][0-9]([0-9ABEHMNPRV-Y])?|[0-9][A-HJKPS-UW]) ?[0-9][ABD-HJLNP-UW-Z]{2})",
    "IE": r"[AC-FHKNPRTV-Y]\d{2}|D6W ?[0-9AC-FHKNPRTV-Y]{4}|[AC-FHKNPRTV-Y]\d{2} ?[0-9AC-FHKNPRTV-Y]{4}",
    "DE": r"\d{5}",
    "FR": r"\d{5}",
    "IT": r"\d{5}",
    "ES": r"\d{5}",
    "FI": r"\d{5}",
    "NL": r"\d{4} ?[A-Z]{2}",
    "BE": r"\d{4}",
    "AT": r"\d{4}",
    "DK": r"\d{4}",
    "SE": r"\d{3} ?\d{2}",
    "PL": r"\d{2}-\d{3}",
    "PT": r"\d{4}-\d{3}",
    "BG": r"\d{4}",
    "HR": r"\d{5}",
    "CY": r"\d{4}",
    "CZ": r"\d{3} ?\d{2}",
    "EE": r"\d{5}",
    "GR": r"\d{3} ?\d{2}",
    "HU": r"\d{4}",
    "LV": r"(LV-)?\d{4}",
    "LT": r"(LT-)?\d{5}",
    "LU": r"(L-)?\d{4}",
    "MT": r"[A-Z]{3} ?\d{4}",
    "RO": r"\d{6}",
    "SK": r"\d{3} ?\d{2}",
    "SI": r"(SI-)?\d{4}",
    "SG": r"\d{6}",
    "MY": r"\d{5}",
    "TH": r"\d{5}",
    "VN": r"\d{6}",
    "ID": r"\d{5}",
    "PH": r"\d{4}",
    "BN": r"[A-Z]{2} ?\d{4}",
    "KH": r"\d{5,6}",
    "LA": r"\d{5}",
    "MM": r"\d{5}",
    "IN": r"\d{6}",
    "PK": r"\d{5}",
    "BD": r"\d{4}",
    "LK": r"\d{5}",
    "NP": r"\d{5}",
    "BT": r"\d{5}",
    "AU": r"\d{4}",
    "NZ": r"\d{4}",
    "KW": r"\d{5}",
    "HK": None,
}
FIELDS = ("name", "line1", "line2", "city", "region", "postal_code", "country", "phone")
REQUIRED = ("name", "line1", "city", "country")


def validate_address(address: dict[str, Any]) -> dict[str, str]:
    """The address cleaned, or ``ValidationFailed`` naming the field (``address[postal_code]``)."""
    clean = {k: str(address.get(k) or "").strip() for k in FIELDS}
    unknown = set(address) - set(FIELDS)
    if unknown:
        raise ValidationFailed(f"Unknown address field {sorted(unknown)[0]!r}", param=f"address[{sorted(unknown)[0]}]")
    for name in REQUIRED:
        if not clean[name]:
            raise ValidationFailed(f"address {name} is required", param=f"address[{name}]")
        if len(clean[name]) > 200:
            raise ValidationFailed(f"address {name} is at most 200 characters", param=f"address[{name}]")
    country = clean["country"].upper()
    if country not in POSTCODES:
        raise ValidationFailed(
            f"We cannot ship to the country {country!r} (no address rules for it).",
            param="address[country]",
            code="country_unsupported",
        )
    clean["country"] = country
    pattern = POSTCODES[country]
    postcode = re.sub(r"\s+", " ", clean["postal_code"].upper())
    if pattern is None:
        clean["postal_code"] = ""
    elif not re.fullmatch(pattern, postcode):
        raise ValidationFailed(
            f"{clean['postal_code']!r} is not a postcode of {country}",
            param="address[postal_code]",
            code="postal_code_invalid",
        )
    else:
        clean["postal_code"] = postcode
    return {k: v for k, v in clean.items() if v}
