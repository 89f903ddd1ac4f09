"""TWQR (FISC's common QR standard, born as "Taiwan Pay 共通 QR") purchase, transfer and bill URIs.

    TWQRP://<service name>/<country, ISO 3166 numeric: 158>/<type>/V1?D1=…&D5=…

FISC does not publish the specification; what we implement is what public material agrees on
(see docs/payments-qr.md for the sources and for what stays unconfirmed): types 01 purchase,
02 transfer, 03 bill payment; D-parameters fixed by the payee, M-parameters the payer may edit
(M1 amount, M9 memo, M14 carrier). There is no checksum we can verify (D99 is one, of an
undisclosed algorithm), so a TWQR code is "valid" when it is well formed.
"""

from __future__ import annotations

import codecs
import re
from collections import Counter
from datetime import datetime
from decimal import Decimal
from urllib.parse import quote, unquote

from digiplus.core.money import CURRENCIES, currency_by_numeric
from digiplus.payments.qr.decoded import DecodedQR, InvalidQRPayload, MerchantAccount, TagValue

PREFIX = "TWQRP://"
COUNTRY_TAIWAN = "158"
KINDS = {"01": "purchase", "02": "transfer", "03": "bill"}
KIND_CODES = {kind: code for code, kind in KINDS.items()}
KIND_NAMES = {"01": "TWQR purchase (FISC)", "02": "TWQR transfer (FISC)", "03": "TWQR bill payment (FISC)"}
MAX_PAYLOAD = 512

# What each parameter holds, as far as public material documents it.
FIELDS = {
    "D1": "amount",  # × 100, digits only
    "D2": "order_number",
    "D3": "verification_code",
    "D4": "due_date",  # YYYYMMDD
    "D5": "bank_code",  # 3 digits
    "D6": "account",  # 16 digits, zero-padded on the left
    "D7": "bill_number",  # 銷帳編號
    "D8": "service_name",  # the payee's name
    "D9": "memo",
    "D10": "currency",  # ISO 4217 numeric, 901 when absent
    "D11": "acquirer_info",  # acquiring bank(s) and their notes
    "D12": "expires_at",  # YYYYMMDDHHMMSS
    "D14": "einvoice_carrier",
    "D15": "fee",  # × 100
    "D16": "fee_name",
    "D97": "timestamp",  # YYYYMMDDHHMMSS (generation time or validity limit; sources differ)
    "D98": "reserved_98",
    "D99": "check_code",
    "M1": "amount_editable",
    "M9": "memo_editable",
    "M14": "einvoice_carrier_editable",
}
_PARAM = re.compile(r"[DM][0-9]{1,2}\Z")
_DIGITS = re.compile(r"[0-9]+\Z")


def looks_like_twqr(text: str) -> bool:
    head = text[:16].upper()
    return head.startswith(("TWQRP:", "TWQRP%3A"))


def _service_name(raw: str) -> str:
    name = unquote(raw)
    if name.lower().startswith("xn--"):
        try:
            return str(codecs.decode(name[4:].encode("ascii"), "punycode"))
        except (UnicodeError, ValueError):
            return name
    return name


def _check_time(param: str, value: str, fmt: str, errors: list[str]) -> None:
    try:
        datetime.strptime(value, fmt)  # noqa: DTZ007 (a calendar check; no zone is implied)
    except ValueError:
        errors.append(f"{param}: {value!r} is not a date in the form {fmt.replace('%', '')}")


def decode_twqr(payload: str) -> DecodedQR:
    errors: list[str] = []
    text = unquote(payload) if payload[:16].upper().startswith("TWQRP%3A") else payload
    if len(payload) > MAX_PAYLOAD:
        errors.append(f"payload is {len(payload)} characters; at most {MAX_PAYLOAD}")
    if not text.upper().startswith(PREFIX):
        return DecodedQR("twqr", False, [*errors, "a TWQR code starts with TWQRP://"])
    rest = text[len(PREFIX) :]
    path, _, query = rest.partition("?")
    segments = path.split("/")
    tags: dict[str, TagValue] = {}
    if len(segments) != 4:
        errors.append(f"the path must be <service name>/<country>/<type>/<version>, got {path!r}")
        segments = [*segments, "", "", "", ""][:4]
    name_raw, country_code, kind, version = segments
    name = _service_name(name_raw)
    tags.update({"service_name": name, "country_code": country_code, "transaction_type": kind, "version": version})
    if not name:
        errors.append("the service name (first path segment) is empty")
    if not (len(country_code) == 3 and _DIGITS.match(country_code)):
        errors.append(f"country {country_code!r} is not an ISO 3166 numeric code (158 for Taiwan)")
    if kind not in KINDS:
        errors.append(f"transaction type {kind!r} is not 01 (purchase), 02 (transfer) or 03 (bill payment)")
    if not re.fullmatch(r"V[0-9]+", version):
        errors.append(f"version {version!r} is not of the form V1")

    params: dict[str, str] = {}
    names: list[str] = []
    for pair in query.split("&") if query else []:
        key, eq, value = pair.partition("=")
        if not eq:
            errors.append(f"parameter {pair!r} has no '='")
            continue
        if not _PARAM.match(key):
            errors.append(f"parameter {key!r} is not a TWQR field (D or M and a number)")
            continue
        names.append(key)
        params.setdefault(key, unquote(value))
    for key, count in sorted(Counter(names).items()):
        if count > 1:
            errors.append(f"parameter {key} appears {count} times")
    ordered = sorted(params, key=lambda k: (k[0], int(k[1:])))
    tags.update({key: params[key] for key in ordered})

    numeric = params.get("D10", "901")
    cur = currency_by_numeric(numeric) if _DIGITS.match(numeric) and len(numeric) == 3 else None
    if cur is None:
        errors.append(f"D10: currency {numeric!r} is not an ISO 4217 numeric code digiplus knows")

    amount: str | None = None
    amount_minor: int | None = None
    for key in ("D1", "M1"):
        written = params.get(key)
        if written is None:
            continue
        if not _DIGITS.match(written) or len(written) > 12:
            errors.append(f"{key}: amount {written!r} is not 1–12 digits (the amount × 100)")
            continue
        if int(written) == 0 and key == "D1":
            errors.append("D1: amount must be greater than zero")
        if key == "D1" or amount is None:
            major = Decimal(int(written)).scaleb(-2)
            amount = f"{major:.2f}"
            if cur is not None:
                minor = major.scaleb(cur.exponent)
                if minor != minor.to_integral_value():
                    errors.append(f"{key}: amount {major} has more decimals than {cur.code} allows ({cur.exponent})")
                else:
                    amount_minor = int(minor)
    if "D1" in params and "M1" in params:
        errors.append("D1 (fixed amount) and M1 (editable amount) cannot both be given")
    if "D15" in params and not _DIGITS.match(params["D15"]):
        errors.append(f"D15: fee {params['D15']!r} is not digits (the fee × 100)")
    if "D5" in params and not (len(params["D5"]) == 3 and _DIGITS.match(params["D5"])):
        errors.append(f"D5: bank code {params['D5']!r} is not three digits")
    if "D6" in params and not (0 < len(params["D6"]) <= 16 and _DIGITS.match(params["D6"])):
        errors.append(f"D6: account {params['D6']!r} is not 1–16 digits")
    if kind == "02":
        for key in ("D5", "D6"):
            if key not in params:
                errors.append(f"missing {key} ({FIELDS[key].replace('_', ' ')}), required for a transfer")
    if "D4" in params:
        _check_time("D4", params["D4"], "%Y%m%d", errors)
    for key in ("D12", "D97"):
        if key in params:
            _check_time(key, params[key], "%Y%m%d%H%M%S", errors)

    fields = {FIELDS[key]: params[key] for key in ordered if key in FIELDS}
    account = MerchantAccount("path", "twqr", KIND_NAMES.get(kind, "TWQR (FISC)"), None, fields)
    return DecodedQR(
        format="twqr",
        valid=not errors,
        errors=errors,
        scheme="twqr",
        scheme_name=account.scheme_name,
        point_of_initiation="dynamic" if "D1" in params else "static",
        merchant_name=params.get("D8") or name or None,
        merchant_city=None,
        country="TW" if country_code == COUNTRY_TAIWAN else None,
        currency=cur.code if cur else None,
        amount=amount,
        amount_minor=amount_minor,
        mcc=None,
        crc=None,
        reference=params.get("D2") or params.get("D7"),
        digiplus_merchant_id=None,
        merchant_accounts=[account],
        tags=tags,
    )


def _q(value: str) -> str:
    # Keep letters (CJK too) readable, as the generators in the field do; escape only ASCII punctuation.
    return "".join(c if ord(c) > 127 or c.isalnum() or c in "-._~" else quote(c, safe="") for c in value)


def encode_twqr(
    *,
    kind: str = "transfer",
    service_name: str,
    bank_code: str | None = None,
    account: str | None = None,
    amount_minor: int | None = None,
    currency: str = "TWD",
    editable_amount: bool = False,
    order_number: str | None = None,
    bill_number: str | None = None,
    memo: str | None = None,
    payee_name: str | None = None,
    acquirer_info: str | None = None,
    expires_at: datetime | None = None,
) -> str:
    """A TWQR URI. ``kind`` is purchase, transfer or bill; the amount goes in D1 (or M1 when the
    payer may change it) as the major amount × 100; the account is zero-padded to 16 digits.
    Bad input raises ``InvalidQRPayload`` naming every fault."""
    problems: list[str] = []
    code = KIND_CODES.get(kind)
    if code is None:
        problems.append(f"kind {kind!r} is not purchase, transfer or bill")
    if not service_name or any(c in service_name for c in "/?&#"):
        problems.append("service name must be non-empty and without / ? & #")
    if bank_code is not None and not (len(bank_code) == 3 and bank_code.isdigit()):
        problems.append(f"bank code {bank_code!r} is not three digits")
    if account is not None and not (0 < len(account) <= 16 and account.isdigit()):
        problems.append(f"account {account!r} is not 1–16 digits")
    if kind == "transfer" and (bank_code is None or account is None):
        problems.append("a transfer needs a bank code and an account")
    cur = CURRENCIES.get(currency.upper())
    if cur is None:
        problems.append(f"currency {currency!r} is not a currency digiplus supports")
    hundredths: int | None = None
    if amount_minor is not None and cur is not None:
        if amount_minor <= 0:
            problems.append("amount must be greater than zero")
        scaled = Decimal(amount_minor).scaleb(2 - cur.exponent)
        if scaled != scaled.to_integral_value():
            problems.append(f"amount has more than two decimals in {cur.code}")
        else:
            hundredths = int(scaled)
    if problems or code is None or cur is None:
        raise InvalidQRPayload(problems)
    params: list[tuple[str, str]] = []
    if hundredths is not None:
        params.append(("M1" if editable_amount else "D1", str(hundredths)))
    for key, value in (
        ("D2", order_number),
        ("D5", bank_code),
        ("D6", account.zfill(16) if account else None),
        ("D7", bill_number),
        ("D8", payee_name),
        ("D9", memo),
        ("D10", cur.numeric),
        ("D11", acquirer_info),
        ("D12", expires_at.strftime("%Y%m%d%H%M%S") if expires_at else None),
    ):
        if value:
            params.append((key, value))
    query = "&".join(f"{key}={_q(value)}" for key, value in params)
    payload = f"{PREFIX}{_q(service_name)}/{COUNTRY_TAIWAN}/{code}/V1?{query}"
    if len(payload) > MAX_PAYLOAD:
        raise InvalidQRPayload([f"payload would be {len(payload)} characters; at most {MAX_PAYLOAD}"])
    return payload
