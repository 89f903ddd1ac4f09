"""``/v1/qr/…``: decode any payment code, encode ours, render a payload as SVG or PNG.

Decoding a broken code is a successful answer: ``POST /v1/qr/decode`` returns 200 with
``valid: false`` and the reasons in ``errors`` (a wallet shows them to its user). Encoding and
rendering refuse what they cannot produce with ``422 invalid_qr_payload`` naming the reasons.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from digiplus.core.api.auth import requires
from digiplus.core.api.responses import ERROR_RESPONSES
from digiplus.core.context import Caller
from digiplus.payments.qr import decode, encode_twqr, merchant_qr, parse, render_png, render_svg
from digiplus.payments.qr.decoded import InvalidQRPayload
from digiplus.payments.qr.schemas import (
    QRCodePublic,
    QRDecodedPublic,
    QRDecodeRequest,
    QREncodeRequest,
    decoded_public,
)

router = APIRouter(prefix="/v1/qr", tags=["qr"], responses=ERROR_RESPONSES)
Reader = Annotated[Caller, requires("payments.read")]


@router.post("/decode", response_model=QRDecodedPublic, summary="Decode an EMVCo or TWQR payment code")
def decode_qr(body: QRDecodeRequest, caller: Reader) -> QRDecodedPublic:
    """Names the scheme (PromptPay, PayNow, DuitNow, QRIS, VietQR, UPI, TWQR, ours…), its fields and
    every tag. An invalid code is still a 200, with `valid: false` and each reason in `errors`."""
    return decoded_public(decode(body.payload))


@router.post("/encode", response_model=QRCodePublic, summary="Encode a payment code for the caller's organisation")
def encode_qr(body: QREncodeRequest, caller: Reader) -> QRCodePublic:
    """EMVCo codes carry our merchant template with the caller's org id; TWQR codes a bank account."""
    if body.format == "emvco":
        missing = [name for name in ("merchant_city", "mcc") if getattr(body, name) is None]
        if missing:
            raise InvalidQRPayload([f"{name} is required for an EMVCo code" for name in missing], param=missing[0])
        payload = merchant_qr(
            merchant_id=caller.org_id,
            merchant_name=body.merchant_name,
            merchant_city=body.merchant_city or "",
            mcc=body.mcc or "",
            currency=body.currency.upper(),
            amount_minor=body.amount,
            reference=body.reference,
            terminal=body.terminal,
            country=body.country,
            bill_number=body.bill_number,
        )
    else:
        payload = encode_twqr(
            kind=body.kind,
            service_name=body.merchant_name,
            bank_code=body.bank_code,
            account=body.account,
            amount_minor=body.amount,
            currency=body.currency.upper(),
            order_number=body.reference,
            bill_number=body.bill_number,
            memo=body.memo,
        )
    return QRCodePublic(format=body.format, payload=payload, decoded=decoded_public(decode(payload)))


@router.get(
    "/render",
    summary="Render a valid payment code as SVG or PNG",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}, "image/png": {}}, "description": "The QR symbol"}},
)
def render_qr(
    caller: Reader,
    payload: Annotated[str, Query(min_length=1, max_length=4096, description="The code's text.")],
    format: Annotated[Literal["svg", "png"], Query(description="svg or png.")] = "svg",
    scale: Annotated[int, Query(ge=1, le=40, description="Pixels (or SVG units) per module.")] = 8,
) -> Response:
    """Only a valid code is rendered (`422 invalid_qr_payload` otherwise), so no broken code gets printed."""
    parse(payload)
    if format == "png":
        return Response(render_png(payload, scale=scale), media_type="image/png")
    return Response(render_svg(payload, scale=scale), media_type="image/svg+xml")
