"""The QR codec: published vectors decode to their exact fields, every fault gets its reason,
our merchant codes and TWQR URIs encode to what decodes back."""

from __future__ import annotations

from typing import Any

import pytest
from qr_vectors import BROKEN_PUBLISHED, EMVCO_SPEC, PROMPTPAY, TWQR_VALID, VALID

from digiplus.core.errors import ValidationFailed
from digiplus.payments.qr import (
    DIGIPLUS_GUID,
    InvalidQRPayload,
    crc16_ccitt_false,
    decode,
    emvco_crc,
    encode_emvco,
    encode_twqr,
    merchant_qr,
    parse,
)

MERCHANT = "org_01JQ8ZK3V6W2Y4N5P7R9T1X3B5"


def emv(*elements: tuple[str, str], crc: bool = True) -> str:
    """A payload from (id, value) pairs, lengths counted, with its CRC appended."""
    body = "".join(f"{tag}{len(value):02d}{value}" for tag, value in elements)
    return body + "6304" + emvco_crc(body + "6304") if crc else body


OURS = ("26", f"0012{DIGIPLUS_GUID}0130{MERCHANT}")
BASE = [
    ("00", "01"),
    ("01", "11"),
    OURS,
    ("52", "5812"),
    ("53", "901"),
    ("58", "TW"),
    ("59", "AH MING"),
    ("60", "TAIPEI"),
]


def without(tag: str) -> list[tuple[str, str]]:
    return [e for e in BASE if e[0] != tag]


def replaced(tag: str, value: str) -> list[tuple[str, str]]:
    return [(t, value if t == tag else v) for t, v in BASE]


def test_crc_catalogue_check_value() -> None:
    assert crc16_ccitt_false(b"123456789") == 0x29B1


@pytest.mark.parametrize(("payload", "expected"), VALID, ids=lambda v: v[:24] if isinstance(v, str) else "")
def test_published_emvco_vectors(payload: str, expected: dict[str, Any]) -> None:
    decoded = decode(payload)
    assert decoded.errors == []
    assert decoded.valid is True and decoded.format == "emvco"
    shown = decoded.to_dict()
    assert {key: shown[key] for key in expected} == expected
    assert parse(payload) == decoded


def test_emvco_spec_example_every_tag() -> None:
    decoded = decode(EMVCO_SPEC)
    assert decoded.tags == {
        "00": "01",
        "01": "12",
        "29": {"00": "D15600000000", "05": "A93FO3230Q"},
        "31": {"00": "D15600000001", "03": "12345678"},
        "52": "4111",
        "58": "CN",
        "59": "BEST TRANSPORT",
        "60": "BEIJING",
        "64": {"00": "ZH", "01": "最佳运输", "02": "北京"},
        "54": "23.72",
        "53": "156",
        "55": "01",
        "62": {"03": "1234", "06": "***", "07": "A6008667", "09": "ME"},
        "91": {"00": "A011223344998877", "07": "12345678"},
        "63": "A13A",
    }
    assert [(a.tag, a.guid) for a in decoded.merchant_accounts] == [("29", "D15600000000"), ("31", "D15600000001")]


def test_multibyte_lengths_count_characters_and_the_crc_covers_utf8_bytes() -> None:
    # Tag 64 of the spec example declares 20: "最佳运输" counts 4 although it is 12 UTF-8 bytes.
    assert "64200002ZH0104最佳运输0202北京" in EMVCO_SPEC
    assert emvco_crc(EMVCO_SPEC[:-4]) == "A13A"
    # Counting bytes instead would have split the payload differently and failed.
    assert decode(EMVCO_SPEC.replace("6420", "6432")).valid is False


def test_promptpay_names_the_mobile_number() -> None:
    decoded = decode(PROMPTPAY)
    assert decoded.scheme_name == "PromptPay (credit transfer)"
    assert [a.to_dict() for a in decoded.merchant_accounts] == [
        {
            "tag": "29",
            "scheme": "promptpay",
            "scheme_name": "PromptPay (credit transfer)",
            "guid": "A000000677010111",
            "fields": {"mobile": "0066801234567"},
        }
    ]
    # PromptPay may leave out 52, 59 and 60; a generic code may not.
    assert decoded.merchant_name is None and decoded.mcc is None


@pytest.mark.parametrize(("payload", "reason"), BROKEN_PUBLISHED)
def test_published_broken_codes_are_refused(payload: str, reason: str) -> None:
    decoded = decode(payload)
    assert decoded.valid is False
    assert reason in decoded.errors


BAD: list[tuple[str, str | list[tuple[str, str]], list[str]]] = [
    ("bad crc", PROMPTPAY[:-4] + "0000", ["tag 63: CRC mismatch: the payload says 0000, its content gives 6197"]),
    ("crc not hex", PROMPTPAY[:-4] + "61G7", ["tag 63: CRC '61G7' is not four hexadecimal digits"]),
    (
        "length beyond the data",
        emv(*BASE, crc=False) + "6399ABCD",
        ["tag 63 at position 108: declared length 99 but only 4 character(s) remain", "missing mandatory tag 63 (CRC)"],
    ),
    (
        "non-digit length",
        emv(*BASE[:5], crc=False) + "58TWTW6304ABCD",
        ["tag 58 at position 81: length 'TW' is not two digits"]
        + [f"missing mandatory tag {t}" for t in ("58 (country code)", "59 (merchant name)", "60 (merchant city)")]
        + ["missing mandatory tag 63 (CRC)"],
    ),
    (
        "non-digit id",
        emv(*BASE, ("X1", "ab")),
        ["id 'X1' at position 108 is not two digits", "missing mandatory tag 63 (CRC)"],
    ),
    (
        "missing 00",
        emv(*without("00")),
        ["tag 00 (payload format indicator) must come first", "missing mandatory tag 00 (payload format indicator)"],
    ),
    ("missing 52", emv(*without("52")), ["missing mandatory tag 52 (merchant category code)"]),
    ("missing 53", emv(*without("53")), ["missing mandatory tag 53 (transaction currency)"]),
    ("missing 58", emv(*without("58")), ["missing mandatory tag 58 (country code)"]),
    ("missing 59", emv(*without("59")), ["missing mandatory tag 59 (merchant name)"]),
    ("missing 60", emv(*without("60")), ["missing mandatory tag 60 (merchant city)"]),
    ("missing 63", emv(*BASE, crc=False), ["missing mandatory tag 63 (CRC)"]),
    ("no merchant account", emv(*without("26")), ["missing a merchant account (a tag in 02–51)"]),
    (
        "over 512 characters",
        emv(*BASE, *[(str(t), "0004ABCD0187" + "x" * 87) for t in range(80, 85)]),
        ["payload is 631 characters; at most 512"],
    ),
    (
        "non-numeric amount",
        emv(*BASE, ("54", "12,50")),
        ["tag 54: amount '12,50' is not a number (digits with an optional '.')"],
    ),
    (
        "amount letters",
        emv(*BASE, ("54", "abc")),
        ["tag 54: amount 'abc' is not a number (digits with an optional '.')"],
    ),
    (
        "amount too precise",
        emv(*BASE, ("54", "23.725")),
        ["tag 54: amount 23.725 has more decimals than TWD allows (2)"],
    ),
    (
        "JPY has no decimals",
        emv(*replaced("53", "392"), ("54", "1.5")),
        ["tag 54: amount 1.5 has more decimals than JPY allows (0)"],
    ),
    ("amount zero", emv(*BASE, ("54", "0.00")), ["tag 54: amount must be greater than zero"]),
    ("amount too long", emv(*BASE, ("54", "12345678901.00")), ["tag 54: amount is 14 characters; at most 13"]),
    ("00 not first", emv(BASE[1], BASE[0], *BASE[2:]), ["tag 00 (payload format indicator) must come first"]),
    ("63 followed by a tag", "", ["tag 63 (CRC) must be the last element"]),
    ("duplicate id", emv(*BASE, ("59", "AH MING 2")), ["tag 59 appears 2 times"]),
    (
        "unknown currency numeric",
        emv(*replaced("53", "999")),
        ["tag 53: currency 999 is not an ISO 4217 numeric code digiplus knows"],
    ),
    (
        "currency not digits",
        emv(*replaced("53", "TWD")),
        ["tag 53: currency 'TWD' is not a three-digit ISO 4217 numeric code"],
    ),
    ("format indicator", emv(*replaced("00", "02")), ["tag 00: payload format indicator must be '01', got '02'"]),
    (
        "point of initiation",
        emv(*replaced("01", "13")),
        ["tag 01: point of initiation must be 11 (static) or 12 (dynamic), got '13'"],
    ),
    ("mcc", emv(*replaced("52", "58A2")), ["tag 52: merchant category code '58A2' is not four digits"]),
    (
        "country",
        emv(*replaced("58", "tw")),
        ["tag 58: country code 'tw' is not two capital letters (ISO 3166-1 alpha-2)"],
    ),
    (
        "template without guid",
        emv(*replaced("26", "0105shop1")),
        ["template 26: globally unique identifier (sub-tag 00) missing"],
    ),
    (
        "template not tlv",
        emv(*replaced("26", "00ABORG")),
        [
            "template 26: tag 00 at position 0: length 'AB' is not two digits",
            "template 26: globally unique identifier (sub-tag 00) missing",
        ],
    ),
    ("template duplicate sub-tag", emv(*BASE, ("62", "0503abc0503def")), ["template 62: sub-tag 05 appears 2 times"]),
    (
        "our template without merchant id",
        emv(*replaced("26", f"0012{DIGIPLUS_GUID}")),
        ["template 26: digiplus merchant id (sub-tag 01) missing"],
    ),
    ("language template", emv(*BASE, ("64", "0002ZH")), ["template 64: alternate merchant name (sub-tag 01) missing"]),
    (
        "consumer data request",
        emv(*BASE, ("62", "0903MMX")),
        ["template 62: consumer data request (09) 'MMX' must be made of A, M and E, once each"],
    ),
    (
        "tip fixed without fee",
        emv(*BASE, ("55", "02")),
        ["tag 55 is 02 (fixed convenience fee) but tag 56 (its value) is missing"],
    ),
    (
        "tip percent without value",
        emv(*BASE, ("55", "03")),
        ["tag 55 is 03 (percentage convenience fee) but tag 57 (its value) is missing"],
    ),
    (
        "tip indicator",
        emv(*BASE, ("55", "04")),
        ["tag 55: tip or convenience indicator must be 01, 02 or 03, got '04'"],
    ),
    (
        "fee without indicator",
        emv(*BASE, ("56", "1.00")),
        ["tag 56 (fixed convenience fee) is present but tag 55 is not 02"],
    ),
    (
        "percentage",
        emv(*BASE, ("55", "03"), ("57", "150")),
        ["tag 57: convenience fee percentage '150' is not between 00.01 and 99.99"],
    ),
    (
        "short tail",
        emv(*BASE)[:-2],
        ["tag 63 at position 108: declared length 4 but only 2 character(s) remain", "missing mandatory tag 63 (CRC)"],
    ),
    ("empty", "", ["payload is empty"]),
    (
        "not a qr payload",
        "hello world",
        ["not an EMVCo merchant-presented code (those start with 000201) nor a TWQR URI (TWQRP://)"],
    ),
]


def _bad_63_not_last() -> str:
    body = emv(*BASE, crc=False) + "6304"
    return body + emvco_crc(body) + "6105TAIPE"


@pytest.mark.parametrize(("name", "payload", "reasons"), BAD, ids=[b[0] for b in BAD])
def test_every_fault_has_its_reason(name: str, payload: str, reasons: list[str]) -> None:
    if name == "63 followed by a tag":
        payload = _bad_63_not_last()
    assert isinstance(payload, str)
    decoded = decode(payload)
    assert decoded.valid is False
    assert decoded.errors == reasons
    with pytest.raises(InvalidQRPayload) as caught:
        parse(payload)
    assert isinstance(caught.value, ValidationFailed)
    assert caught.value.code == "invalid_qr_payload" and caught.value.status_code == 422
    assert caught.value.reasons == reasons
    assert caught.value.message == "Invalid QR payload: " + "; ".join(reasons)
    assert caught.value.param == "payload"


def test_the_good_base_is_valid() -> None:
    decoded = decode(emv(*BASE))
    assert decoded.errors == []
    assert decoded.scheme == "digiplus" and decoded.digiplus_merchant_id == MERCHANT


def test_decode_never_raises_on_odd_input() -> None:
    for odd in (None, 42, b"000201", "00", "0002", "\x00\x00", "TWQRP:", "TWQRP%3A%2F%2F", "6304"):
        decoded = decode(odd)
        assert decoded.valid is False and decoded.errors


def test_surrounding_whitespace_is_ignored() -> None:
    assert decode(f"  {PROMPTPAY}\n").valid is True


def test_a_upi_deep_link_is_named_but_not_decoded() -> None:
    decoded = decode("upi://pay?pa=shop@icici&pn=Shop&am=10")
    assert (decoded.format, decoded.valid, decoded.scheme) == (None, False, "upi")


# ---------------------------------------------------------------- our merchant codes


def test_static_merchant_code() -> None:
    payload = merchant_qr(merchant_id=MERCHANT, merchant_name="Ah Ming Noodles", merchant_city="Taipei", mcc="5812")
    assert payload == (
        "00020101021126500012ORG.DIGIPLUS0130org_01JQ8ZK3V6W2Y4N5P7R9T1X3B552045812530390158"
        "02TW5915Ah Ming Noodles6006Taipei6304" + emvco_crc(payload[:-4])
    )
    decoded = parse(payload)
    assert decoded.point_of_initiation == "static" and decoded.amount is None and decoded.reference is None
    assert (decoded.scheme, decoded.digiplus_merchant_id, decoded.currency) == ("digiplus", MERCHANT, "TWD")


def test_dynamic_merchant_code_carries_amount_and_intent_id() -> None:
    intent = "pi_01JQ8ZK3V6W2Y4N5P7R9T1X3B5"  # 29 characters: over 62/05's 25, so it rides in 26/02
    payload = merchant_qr(
        merchant_id=MERCHANT,
        merchant_name="Ah Ming Noodles",
        merchant_city="Taipei",
        mcc="5812",
        amount_minor=12050,
        reference=intent,
        terminal="T1",
        bill_number="B-42",
    )
    decoded = parse(payload)
    assert decoded.point_of_initiation == "dynamic"
    assert (decoded.amount, decoded.amount_minor, decoded.reference) == ("120.50", 12050, intent)
    assert decoded.tags["26"] == {"00": "ORG.DIGIPLUS", "01": MERCHANT, "02": intent}
    assert decoded.tags["62"] == {"01": "B-42", "07": "T1"}
    short = parse(merchant_qr(merchant_id=MERCHANT, merchant_name="A", merchant_city="B", mcc="5812", reference="R-1"))
    assert short.tags["62"] == {"05": "R-1"} and short.reference == "R-1" and short.point_of_initiation == "dynamic"


def test_merchant_code_in_yen_has_no_decimals_and_names_are_cut() -> None:
    decoded = parse(
        merchant_qr(
            merchant_id=MERCHANT,
            merchant_name="Ｔａｉｐｅｉ Night Market Noodle House",
            merchant_city="New Taipei City Banqiao",
            mcc="5812",
            currency="JPY",
            amount_minor=1500,
        )
    )
    assert (decoded.amount, decoded.currency, decoded.amount_minor) == ("1500", "JPY", 1500)
    assert decoded.merchant_name == "Ｔａｉｐｅｉ Night Market Noodl" and decoded.merchant_city == "New Taipei City"


@pytest.mark.parametrize(
    ("kwargs", "reasons"),
    [
        ({"mcc": "58"}, ["mcc '58' is not four digits"]),
        ({"currency": "XYZ"}, ["currency 'XYZ' is not a currency digiplus supports"]),
        ({"amount_minor": 0}, ["amount must be greater than zero"]),
        ({"country": "Taiwan"}, ["country 'Taiwan' is not two capital letters"]),
        ({"merchant_id": "o" * 80}, ["tag 26: a value must be 1 to 99 characters, got 100"]),
    ],
)
def test_merchant_code_refuses_bad_input(kwargs: dict[str, Any], reasons: list[str]) -> None:
    args: dict[str, Any] = {"merchant_id": MERCHANT, "merchant_name": "A", "merchant_city": "B", "mcc": "5812"} | kwargs
    with pytest.raises(InvalidQRPayload) as caught:
        merchant_qr(**args)
    assert caught.value.reasons == reasons


def test_encode_emvco_reproduces_the_promptpay_vector() -> None:
    payload = encode_emvco(
        merchant_accounts={"29": {"00": "A000000677010111", "01": "0066801234567"}},
        merchant_name="X",
        merchant_city="Y",
        mcc="0000",
        currency="THB",
        country="TH",
    )
    decoded = parse(payload)
    assert decoded.scheme == "promptpay" and decoded.tags["29"] == {"00": "A000000677010111", "01": "0066801234567"}


# ---------------------------------------------------------------- TWQR


@pytest.mark.parametrize(("payload", "expected"), TWQR_VALID, ids=lambda v: v[:30] if isinstance(v, str) else "")
def test_published_twqr_uris(payload: str, expected: dict[str, Any]) -> None:
    decoded = decode(payload)
    assert decoded.errors == []
    assert (decoded.format, decoded.scheme, decoded.country) == ("twqr", "twqr", "TW")
    shown = decoded.to_dict()
    assert {key: shown[key] for key in expected} == expected


def test_twqr_transfer_fields_and_percent_encoded_whole_payload() -> None:
    encoded = (
        "TWQRP%3A%2F%2F%E5%80%8B%E4%BA%BA%E8%BD%89%E5%B8%B3%2F158%2F02%2FV1%3FD1%3D325400%26D5%3D001"
        "%26D6%3D0000598759875987%26D10%3D901"
    )
    decoded = parse(encoded)
    assert decoded.tags == {
        "service_name": "個人轉帳",
        "country_code": "158",
        "transaction_type": "02",
        "version": "V1",
        "D1": "325400",
        "D5": "001",
        "D6": "0000598759875987",
        "D10": "901",
    }
    assert decoded.merchant_accounts[0].fields == {
        "amount": "325400",
        "bank_code": "001",
        "account": "0000598759875987",
        "currency": "901",
    }


@pytest.mark.parametrize(
    ("payload", "reasons"),
    [
        ("TWQRP://x/158/02/V1?D1=12a&D5=004&D6=1", ["D1: amount '12a' is not 1–12 digits (the amount × 100)"]),
        (
            "TWQRP://x/158/02/V1?D1=100",
            ["missing D5 (bank code), required for a transfer", "missing D6 (account), required for a transfer"],
        ),
        (
            "TWQRP://x/158/09/V1?D5=004&D6=1",
            ["transaction type '09' is not 01 (purchase), 02 (transfer) or 03 (bill payment)"],
        ),
        (
            "TWQRP://x/158/02?D5=004&D6=1",
            ["the path must be <service name>/<country>/<type>/<version>, got 'x/158/02'"],
        ),
        ("TWQRP://x/158/02/V1?D5=04&D6=1", ["D5: bank code '04' is not three digits"]),
        ("TWQRP://x/158/02/V1?D5=004&D6=12345678901234567", ["D6: account '12345678901234567' is not 1–16 digits"]),
        ("TWQRP://x/158/02/V1?D5=004&D6=1&D5=005", ["parameter D5 appears 2 times"]),
        ("TWQRP://x/158/02/V1?D5=004&D6=1&X=1", ["parameter 'X' is not a TWQR field (D or M and a number)"]),
        (
            "TWQRP://x/158/02/V1?D5=004&D6=1&D10=999",
            ["D10: currency '999' is not an ISO 4217 numeric code digiplus knows"],
        ),
        (
            "TWQRP://x/158/02/V1?D5=004&D6=1&D12=20261399000000",
            ["D12: '20261399000000' is not a date in the form YmdHMS"],
        ),
        ("TWQRP://x/158/02/V1?D5=004&D6=1&D1=0", ["D1: amount must be greater than zero"]),
        (
            "TWQRP://x/158/02/V1?D5=004&D6=1&D1=100&M1=200",
            ["D1 (fixed amount) and M1 (editable amount) cannot both be given"],
        ),
        ("TWQRP://x/158/02/V1?D5=004&D6=1&D10=392&D1=150", ["D1: amount 1.50 has more decimals than JPY allows (0)"]),
        ("TWQRP://x/158/02/V1?D5=004&D6=1&" + "D9=" + "x" * 500, ["payload is 535 characters; at most 512"]),
    ],
)
def test_twqr_faults(payload: str, reasons: list[str]) -> None:
    decoded = decode(payload)
    assert decoded.valid is False
    assert decoded.errors == reasons


def test_twqr_encode_round_trip() -> None:
    payload = encode_twqr(
        service_name="阿明麵線",
        bank_code="004",
        account="12345678",
        amount_minor=12050,
        memo="table 7 & 8",
        order_number="A-1",
    )
    assert (
        payload
        == "TWQRP://阿明麵線/158/02/V1?D1=12050&D2=A-1&D5=004&D6=0000000012345678&D9=table%207%20%26%208&D10=901"
    )
    decoded = parse(payload)
    assert (decoded.amount, decoded.amount_minor, decoded.reference) == ("120.50", 12050, "A-1")
    assert decoded.tags["D9"] == "table 7 & 8"
    editable = parse(encode_twqr(kind="purchase", service_name="Shop", amount_minor=500, editable_amount=True))
    assert editable.tags["M1"] == "500" and editable.point_of_initiation == "static"
    with pytest.raises(InvalidQRPayload) as caught:
        encode_twqr(service_name="a/b", bank_code="4", account="x")
    assert caught.value.reasons == [
        "service name must be non-empty and without / ? & #",
        "bank code '4' is not three digits",
        "account 'x' is not 1–16 digits",
    ]
