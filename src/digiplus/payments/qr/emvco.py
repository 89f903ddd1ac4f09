"""EMVCo Merchant-Presented Mode: decoding with every fault named, and encoding.

Rules checked on decoding (each failure is one reason in ``DecodedQR.errors``):

* structure: two-digit ids and lengths, no declared length beyond the data, at most 512
  characters, no id twice (top level or inside a template), 00 first, 63 last;
* mandatory: 00 (= "01"), 52, 53, 58, 59, 60, 63 and a merchant account (02–51) — except
  that PromptPay and VietQR transfer codes, whose national specs make 52, 59 and 60 optional,
  may leave those three out;
* formats: 01 is 11 or 12; 52 four digits; 53 a known ISO 4217 numeric code; 54 digits with
  an optional '.', at most 13 characters, more than zero, no more decimals than the currency
  has; 55 01/02/03 with 56 or 57 when it says so; 58 two capital letters; 63 four uppercase hex
  digits equal to the CRC-16/CCITT-FALSE of the UTF-8 bytes up to and including "6304";
* templates (26–51, 62, 64, 80–99) must split into sub-tags; 26–51 and 80–99 carry a
  globally unique id in 00; 64 carries 00 (language) and 01 (alternate name); 62/09 is made of
  A, M and E.

Free-text lengths (59 ≤ 25, 60 ≤ 15, the 62 labels ≤ 25) are the encoder's limits; the decoder
accepts longer ones, as wallets in the field do, so a real code is not refused for a long name.
"""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal

from digiplus.core.money import CURRENCIES, currency_by_numeric
from digiplus.payments.qr.crc import emvco_crc
from digiplus.payments.qr.decoded import DecodedQR, MerchantAccount, TagValue
from digiplus.payments.qr.schemes import (
    account_from_card_tag,
    account_from_template,
    lenient_scheme,
    main_account,
)
from digiplus.payments.qr.tlv import element, split_tlv

MAX_PAYLOAD = 512
MANDATORY = {
    "00": "payload format indicator",
    "52": "merchant category code",
    "53": "transaction currency",
    "58": "country code",
    "59": "merchant name",
    "60": "merchant city",
    "63": "CRC",
}
_LENIENT_OPTIONAL = {"52", "59", "60"}
_AMOUNT = re.compile(r"(?:\d+(?:\.\d*)?|\.\d+)\Z")
_PERCENT = re.compile(r"\d{1,2}(?:\.\d{1,2})?\Z")
_HEX4 = re.compile(r"[0-9A-F]{4}\Z")
_COUNTRY = re.compile(r"[A-Z]{2}\Z")


def is_template(tag: str) -> bool:
    n = int(tag)
    return 26 <= n <= 51 or n in (62, 64) or 80 <= n <= 99


def _split_template(tag: str, value: str, errors: list[str]) -> dict[str, str]:
    split = split_tlv(value, where=f"template {tag}: ")
    if split.error:
        errors.append(split.error)
    seen = Counter(e.id for e in split.elements)
    for sub, count in sorted(seen.items()):
        if count > 1:
            errors.append(f"template {tag}: sub-tag {sub} appears {count} times")
    subtags: dict[str, str] = {}
    for e in split.elements:
        subtags.setdefault(e.id, e.value)
    return subtags


def _check_amount(tag: str, amount: str, currency: str | None, errors: list[str], what: str) -> int | None:
    if len(amount) > 13:
        errors.append(f"tag {tag}: {what} is {len(amount)} characters; at most 13")
    if not _AMOUNT.match(amount):
        errors.append(f"tag {tag}: {what} {amount!r} is not a number (digits with an optional '.')")
        return None
    value = Decimal(amount)
    if value <= 0:
        errors.append(f"tag {tag}: {what} must be greater than zero")
    decimals = len(amount.partition(".")[2])
    if currency is None:
        return None
    exponent = CURRENCIES[currency].exponent
    if decimals > exponent:
        errors.append(f"tag {tag}: {what} {amount} has more decimals than {currency} allows ({exponent})")
        return None
    return int(value.scaleb(exponent))


def decode_emvco(text: str) -> DecodedQR:
    errors: list[str] = []
    if len(text) > MAX_PAYLOAD:
        errors.append(f"payload is {len(text)} characters; at most {MAX_PAYLOAD}")
    split = split_tlv(text)
    if split.error:
        errors.append(split.error)
    elements = split.elements
    counts = Counter(e.id for e in elements)
    for tag, count in sorted(counts.items()):
        if count > 1:
            errors.append(f"tag {tag} appears {count} times")
    raw: dict[str, str] = {}
    for e in elements:
        raw.setdefault(e.id, e.value)

    if elements and elements[0].id != "00":
        errors.append("tag 00 (payload format indicator) must come first")
    if "00" in raw and raw["00"] != "01":
        errors.append(f"tag 00: payload format indicator must be '01', got {raw['00']!r}")

    tags: dict[str, TagValue] = {}
    accounts: list[MerchantAccount] = []
    for tag, value in raw.items():
        if is_template(tag):
            subtags = _split_template(tag, value, errors)
            tags[tag] = subtags
            if (26 <= int(tag) <= 51 or int(tag) >= 80) and "00" not in subtags:
                errors.append(f"template {tag}: globally unique identifier (sub-tag 00) missing")
            if 26 <= int(tag) <= 51:
                accounts.append(account_from_template(tag, subtags))
        else:
            tags[tag] = value
            if 2 <= int(tag) <= 25:
                accounts.append(account_from_card_tag(tag, value))

    lenient = lenient_scheme(accounts)
    for tag, name in MANDATORY.items():
        if tag not in raw and not (lenient and tag in _LENIENT_OPTIONAL):
            errors.append(f"missing mandatory tag {tag} ({name})")
    if not accounts:
        errors.append("missing a merchant account (a tag in 02–51)")

    crc = raw.get("63")
    if crc is not None:
        crc_element = next(e for e in elements if e.id == "63")
        if not split.error and elements[-1].id != "63":
            errors.append("tag 63 (CRC) must be the last element")
        if not _HEX4.match(crc):
            errors.append(f"tag 63: CRC {crc!r} is not four uppercase hexadecimal digits")
        else:
            computed = emvco_crc(text[: crc_element.start + 4])
            if computed != crc:
                errors.append(f"tag 63: CRC mismatch: the payload says {crc}, its content gives {computed}")

    initiation = raw.get("01")
    point: str | None = None
    if initiation is not None:
        point = {"11": "static", "12": "dynamic"}.get(initiation)
        if point is None:
            errors.append(f"tag 01: point of initiation must be 11 (static) or 12 (dynamic), got {initiation!r}")

    mcc = raw.get("52")
    if mcc is not None and not (len(mcc) == 4 and mcc.isascii() and mcc.isdigit()):
        errors.append(f"tag 52: merchant category code {mcc!r} is not four digits")

    currency: str | None = None
    numeric = raw.get("53")
    if numeric is not None:
        if not (len(numeric) == 3 and numeric.isascii() and numeric.isdigit()):
            errors.append(f"tag 53: currency {numeric!r} is not a three-digit ISO 4217 numeric code")
        else:
            found = currency_by_numeric(numeric)
            if found is None:
                errors.append(f"tag 53: currency {numeric} is not an ISO 4217 numeric code digiplus knows")
            else:
                currency = found.code

    amount = raw.get("54")
    amount_minor = _check_amount("54", amount, currency, errors, "amount") if amount is not None else None

    _check_tip(raw, currency, errors)

    country = raw.get("58")
    if country is not None and not _COUNTRY.match(country):
        errors.append(f"tag 58: country code {country!r} is not two capital letters (ISO 3166-1 alpha-2)")

    additional = tags.get("62")
    reference: str | None = None
    if isinstance(additional, dict):
        reference = additional.get("05")
        request = additional.get("09")
        if request is not None and (not request or set(request) - set("AME") or len(set(request)) != len(request)):
            errors.append(f"template 62: consumer data request (09) {request!r} must be made of A, M and E, once each")
    language = tags.get("64")
    if isinstance(language, dict):
        for sub, name in (("00", "language preference"), ("01", "alternate merchant name")):
            if sub not in language:
                errors.append(f"template 64: {name} (sub-tag {sub}) missing")

    main = main_account(accounts)
    ours = next((a for a in accounts if a.scheme == "digiplus"), None)
    digiplus_merchant_id = ours.fields.get("merchant_id") if ours else None
    if ours is not None and not digiplus_merchant_id:
        errors.append(f"template {ours.tag}: digiplus merchant id (sub-tag 01) missing")
    if reference is None and ours is not None:
        reference = ours.fields.get("reference")

    return DecodedQR(
        format="emvco",
        valid=not errors,
        errors=errors,
        scheme=main.scheme if main else None,
        scheme_name=main.scheme_name if main else None,
        point_of_initiation=point,
        merchant_name=raw.get("59"),
        merchant_city=raw.get("60"),
        country=country,
        currency=currency,
        amount=amount,
        amount_minor=amount_minor,
        mcc=mcc,
        crc=crc,
        reference=reference,
        digiplus_merchant_id=digiplus_merchant_id,
        merchant_accounts=accounts,
        tags=tags,
    )


def _check_tip(raw: dict[str, str], currency: str | None, errors: list[str]) -> None:
    tip = raw.get("55")
    if tip is not None and tip not in ("01", "02", "03"):
        errors.append(f"tag 55: tip or convenience indicator must be 01, 02 or 03, got {tip!r}")
    if tip == "02" and "56" not in raw:
        errors.append("tag 55 is 02 (fixed convenience fee) but tag 56 (its value) is missing")
    if tip == "03" and "57" not in raw:
        errors.append("tag 55 is 03 (percentage convenience fee) but tag 57 (its value) is missing")
    if "56" in raw:
        if tip != "02":
            errors.append("tag 56 (fixed convenience fee) is present but tag 55 is not 02")
        _check_amount("56", raw["56"], currency, errors, "convenience fee")
    if "57" in raw:
        if tip != "03":
            errors.append("tag 57 (percentage convenience fee) is present but tag 55 is not 03")
        if not _PERCENT.match(raw["57"]) or Decimal(raw["57"]) <= 0:
            errors.append(f"tag 57: convenience fee percentage {raw['57']!r} is not between 00.01 and 99.99")


# --------------------------------------------------------------------------- encoding

_MAX_TEXT = {"59": 25, "60": 15, "61": 10}
_ADDITIONAL_MAX = 25


def _template(tag: str, subtags: dict[str, str]) -> str:
    return element(tag, "".join(element(sub, value) for sub, value in subtags.items() if value))


def encode_emvco(
    *,
    merchant_accounts: dict[str, str | dict[str, str]],
    merchant_name: str,
    merchant_city: str,
    mcc: str,
    currency: str = "TWD",
    country: str = "TW",
    amount_minor: int | None = None,
    dynamic: bool | None = None,
    postal_code: str | None = None,
    additional: dict[str, str] | None = None,
    language: dict[str, str] | None = None,
    extra: dict[str, str | dict[str, str]] | None = None,
) -> str:
    """A complete EMVCo payload with its CRC. ``merchant_accounts`` maps ids 02–51 to a value
    (02–25) or sub-tags (26–51); ``additional`` is template 62, ``language`` 64, ``extra`` any of
    65–99. ``dynamic`` defaults to "an amount is given". Bad input raises ``InvalidQRPayload``
    naming every fault, and the result always decodes as valid."""
    from digiplus.payments.qr.decoded import InvalidQRPayload

    problems: list[str] = []
    cur = CURRENCIES.get(currency.upper())
    if cur is None:
        problems.append(f"currency {currency!r} is not a currency digiplus supports")
    if not (len(mcc) == 4 and mcc.isascii() and mcc.isdigit()):
        problems.append(f"mcc {mcc!r} is not four digits")
    if not _COUNTRY.match(country):
        problems.append(f"country {country!r} is not two capital letters")
    for tag, text in (("59", merchant_name), ("60", merchant_city), ("61", postal_code)):
        if text is not None and not 0 < len(text) <= _MAX_TEXT[tag]:
            problems.append(f"tag {tag}: {text!r} must be 1 to {_MAX_TEXT[tag]} characters")
    for sub, text in (additional or {}).items():
        if len(text) > _ADDITIONAL_MAX:
            problems.append(f"template 62 sub-tag {sub}: {text!r} is longer than {_ADDITIONAL_MAX} characters")
    if not merchant_accounts:
        problems.append("at least one merchant account (02–51) is needed")
    for tag in merchant_accounts:
        if not (len(tag) == 2 and tag.isdigit() and 2 <= int(tag) <= 51):
            problems.append(f"merchant account id {tag!r} is not in 02–51")
    amount_text: str | None = None
    if amount_minor is not None:
        if amount_minor <= 0:
            problems.append("amount must be greater than zero")
        elif cur is not None:
            amount_text = f"{Decimal(amount_minor).scaleb(-cur.exponent):.{cur.exponent}f}"
            if len(amount_text) > 13:
                problems.append(f"amount {amount_text} is longer than 13 characters")
    if problems or cur is None:
        raise InvalidQRPayload(problems)
    if dynamic is None:
        dynamic = amount_minor is not None
    parts = [element("00", "01"), element("01", "12" if dynamic else "11")]
    try:
        for tag in sorted(merchant_accounts):
            value = merchant_accounts[tag]
            parts.append(_template(tag, value) if isinstance(value, dict) else element(tag, value))
        parts.append(element("52", mcc))
        parts.append(element("53", cur.numeric))
        if amount_text is not None:
            parts.append(element("54", amount_text))
        parts.append(element("58", country))
        parts.append(element("59", merchant_name))
        parts.append(element("60", merchant_city))
        if postal_code:
            parts.append(element("61", postal_code))
        if additional and any(additional.values()):
            parts.append(_template("62", additional))
        if language:
            parts.append(_template("64", language))
        for tag in sorted(extra or {}):
            value = (extra or {})[tag]
            parts.append(_template(tag, value) if isinstance(value, dict) else element(tag, value))
    except ValueError as exc:
        raise InvalidQRPayload([str(exc)]) from None
    body = "".join(parts) + "6304"
    payload = body + emvco_crc(body)
    if len(payload) > MAX_PAYLOAD:
        raise InvalidQRPayload([f"payload would be {len(payload)} characters; at most {MAX_PAYLOAD}"])
    return payload
