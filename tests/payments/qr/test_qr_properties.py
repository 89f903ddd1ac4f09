"""Properties of the codec: what we encode decodes to the same fields; any single-character
corruption of an EMVCo code is refused; no input makes decode raise."""

from __future__ import annotations

import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digiplus.core.money import CURRENCIES
from digiplus.payments.qr import InvalidQRPayload, decode, encode_twqr, merchant_qr

ASCII_TEXT = st.text(alphabet=string.ascii_letters + string.digits + " .-&'", min_size=1, max_size=40).map(str.strip)
ANY_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp", "Zs")), min_size=1, max_size=30
).map(str.strip)
# Template 26 holds our GUID (16 characters with its header), the merchant id and a long
# reference, in at most 99: ids up to 30 (org_ + 26) and references up to 40 always fit.
IDS = st.text(alphabet=string.ascii_letters + string.digits + "_", min_size=1, max_size=30)
MCCS = st.from_regex(r"\A[0-9]{4}\Z")
CURRENCY_CODES = st.sampled_from(sorted(CURRENCIES))
AMOUNTS = st.none() | st.integers(min_value=1, max_value=99_999_999_99)
REFERENCES = st.none() | st.text(alphabet=string.ascii_letters + string.digits + "_-", min_size=1, max_size=40)
TERMINALS = st.none() | st.text(alphabet=string.ascii_uppercase + string.digits, min_size=1, max_size=25)


@st.composite
def merchant_codes(draw: st.DrawFn, names: st.SearchStrategy[str] = ASCII_TEXT) -> tuple[str, dict[str, object]]:
    fields: dict[str, object] = {
        "merchant_id": draw(IDS),
        "merchant_name": draw(names.filter(bool)),
        "merchant_city": draw(names.filter(bool)),
        "mcc": draw(MCCS),
        "currency": draw(CURRENCY_CODES),
        "amount_minor": draw(AMOUNTS),
        "reference": draw(REFERENCES),
        "terminal": draw(TERMINALS),
    }
    return merchant_qr(**fields), fields  # type: ignore[arg-type]


def _check_round_trip(payload: str, fields: dict[str, object]) -> None:
    decoded = decode(payload)
    assert decoded.errors == []
    assert decoded.digiplus_merchant_id == fields["merchant_id"]
    assert decoded.merchant_name == str(fields["merchant_name"]).strip()[:25]
    assert decoded.merchant_city == str(fields["merchant_city"]).strip()[:15]
    assert decoded.mcc == fields["mcc"]
    assert decoded.currency == fields["currency"]
    assert decoded.amount_minor == fields["amount_minor"]
    assert decoded.reference == fields["reference"]
    assert decoded.tags.get("62", {}).get("07") == fields["terminal"]  # type: ignore[union-attr]
    dynamic = fields["amount_minor"] is not None or fields["reference"] is not None
    assert decoded.point_of_initiation == ("dynamic" if dynamic else "static")


def test_a_template_over_99_characters_is_refused_by_name() -> None:
    with pytest.raises(InvalidQRPayload, match="tag 26: a value must be 1 to 99 characters, got 124"):
        merchant_qr(merchant_id="m" * 40, merchant_name="Shop", merchant_city="Taipei", mcc="5812", reference="r" * 60)


@given(merchant_codes())
def test_encode_then_decode_gives_the_same_fields(code: tuple[str, dict[str, object]]) -> None:
    _check_round_trip(*code)


@given(merchant_codes(ANY_TEXT))
def test_round_trip_with_any_unicode_names(code: tuple[str, dict[str, object]]) -> None:
    # Lengths count characters, the CRC covers UTF-8 bytes: CJK, emoji and accents survive.
    _check_round_trip(*code)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(merchant_codes(), st.data())
def test_any_single_character_corruption_is_refused(code: tuple[str, dict[str, object]], data: st.DataObject) -> None:
    payload, _ = code
    index = data.draw(st.integers(min_value=0, max_value=len(payload) - 1))
    replacement = data.draw(st.sampled_from(string.printable[:95]).filter(lambda c: c != payload[index]))
    # The one change that stays valid: a CRC hex letter in the other case (codes in the field print both).
    if index >= len(payload) - 4 and replacement.upper() == payload[index].upper():
        return
    corrupted = payload[:index] + replacement + payload[index + 1 :]
    decoded = decode(corrupted)
    assert decoded.valid is False, corrupted
    assert decoded.errors


@given(st.text(max_size=600))
def test_decode_never_raises(text: str) -> None:
    decoded = decode(text)
    assert decoded.valid is (not decoded.errors)


@given(merchant_codes(), st.data())
def test_decode_never_raises_on_cut_or_spliced_codes(code: tuple[str, dict[str, object]], data: st.DataObject) -> None:
    payload, _ = code
    cut = data.draw(st.integers(min_value=0, max_value=len(payload)))
    insert = data.draw(st.text(max_size=6))
    decoded = decode(payload[:cut] + insert + payload[cut:])
    assert decoded.valid is (not decoded.errors)
    if insert.strip() and cut < len(payload):
        assert decoded.valid is False


@given(
    bank=st.from_regex(r"\A[0-9]{3}\Z"),
    account=st.from_regex(r"\A[0-9]{1,16}\Z"),
    amount=st.none() | st.integers(min_value=1, max_value=999_999_999),
    memo=st.none() | ANY_TEXT.filter(bool),
    name=ANY_TEXT.filter(lambda n: bool(n) and not set(n) & set("/?&#%")),
)
def test_twqr_round_trip(bank: str, account: str, amount: int | None, memo: str | None, name: str) -> None:
    payload = encode_twqr(service_name=name, bank_code=bank, account=account, amount_minor=amount, memo=memo)
    decoded = decode(payload)
    assert decoded.errors == []
    assert decoded.tags["D5"] == bank and decoded.tags["D6"] == account.zfill(16)
    assert decoded.amount_minor == amount and decoded.tags.get("D9") == memo
    assert decoded.merchant_name == name
