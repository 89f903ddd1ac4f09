"""The package's entry points: decode any payment QR payload, parse (decode or raise), and our merchant codes."""

from __future__ import annotations

from digiplus.payments.qr.decoded import DecodedQR, InvalidQRPayload
from digiplus.payments.qr.emvco import MAX_PAYLOAD, decode_emvco, encode_emvco
from digiplus.payments.qr.schemes import DIGIPLUS_GUID, DIGIPLUS_TAG
from digiplus.payments.qr.twqr import decode_twqr, looks_like_twqr

REFERENCE_LABEL_MAX = 25  # EMVCo's limit for 62/05; a longer reference rides in our template (26/02)
NAME_MAX = 25
CITY_MAX = 15


def decode(payload: object) -> DecodedQR:
    """Decode an EMVCo or TWQR payload; never raises on bad content: faults are in ``errors``.

    Surrounding whitespace (a pasted newline) is ignored; everything else counts."""
    if not isinstance(payload, str):
        return DecodedQR(None, False, ["payload is not text"])
    text = payload.strip()
    if not text:
        return DecodedQR(None, False, ["payload is empty"])
    if looks_like_twqr(text):
        return decode_twqr(text)
    if text[:2].isascii() and text[:2].isdigit():
        return decode_emvco(text)
    reasons = ["not an EMVCo merchant-presented code (those start with 000201) nor a TWQR URI (TWQRP://)"]
    if len(text) > MAX_PAYLOAD:
        reasons.insert(0, f"payload is {len(text)} characters; at most {MAX_PAYLOAD}")
    scheme = "upi" if text[:6].lower() == "upi://" else None
    return DecodedQR(None, False, reasons, scheme=scheme, scheme_name="UPI deep link (India)" if scheme else None)


def parse(payload: str) -> DecodedQR:
    """Decode, or raise ``InvalidQRPayload`` (``invalid_qr_payload``) naming every reason."""
    decoded = decode(payload)
    if not decoded.valid:
        raise InvalidQRPayload(decoded.errors)
    return decoded


def merchant_qr(
    *,
    merchant_id: str,
    merchant_name: str,
    merchant_city: str,
    mcc: str,
    currency: str = "TWD",
    amount_minor: int | None = None,
    reference: str | None = None,
    terminal: str | None = None,
    country: str = "TW",
    bill_number: str | None = None,
) -> str:
    """A digiplus merchant's EMVCo code: our template (26: 00 = ``ORG.DIGIPLUS``, 01 = the merchant
    org id). Static without amount and reference, dynamic otherwise; ``reference`` (a payment intent
    id) goes in 62/05 when it fits EMVCo's 25 characters and in 26/02 when longer — ``decode`` gives
    it back as ``reference`` either way. Name and city are cut to EMVCo's 25 and 15 characters."""
    if not merchant_id:
        raise InvalidQRPayload(["merchant_id is required"], param="merchant_id")
    ours = {"00": DIGIPLUS_GUID, "01": merchant_id}
    additional: dict[str, str] = {}
    if bill_number:
        additional["01"] = bill_number
    if reference:
        if len(reference) <= REFERENCE_LABEL_MAX:
            additional["05"] = reference
        else:
            ours["02"] = reference
    if terminal:
        additional["07"] = terminal
    return encode_emvco(
        merchant_accounts={DIGIPLUS_TAG: ours},
        merchant_name=merchant_name.strip()[:NAME_MAX],
        merchant_city=merchant_city.strip()[:CITY_MAX],
        mcc=mcc,
        currency=currency,
        country=country,
        amount_minor=amount_minor,
        dynamic=amount_minor is not None or reference is not None,
        additional=dict(sorted(additional.items())),
    )
