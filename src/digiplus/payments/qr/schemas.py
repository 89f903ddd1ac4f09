"""The QR codec's shapes at the HTTP edge: decode and encode requests, and the objects returned."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from digiplus.core.api.inputs import StrictInput
from digiplus.payments.qr.decoded import DecodedQR

_EMVCO_EXAMPLE = "00020101021129370016A000000677010111011300668012345675802TH530376463046197"


class _StrictInput(StrictInput):
    model_config = ConfigDict(extra="forbid")


class QRDecodeRequest(_StrictInput):
    payload: str = Field(
        max_length=4096,
        description="The code's text: an EMVCo payload (`000201…`) or a TWQR URI (`TWQRP://…`).",
        examples=[_EMVCO_EXAMPLE],
    )


class MerchantAccountPublic(BaseModel):
    tag: str = Field(description="The payload id holding the account (02–51), or `path` for TWQR.")
    scheme: str | None = Field(examples=["promptpay"])
    scheme_name: str | None = Field(examples=["PromptPay (credit transfer)"])
    guid: str | None = Field(description="Sub-tag 00 of the template.", examples=["A000000677010111"])
    fields: dict[str, str] = Field(description="The scheme's documented sub-tags, by name.")


class QRDecodedPublic(BaseModel):
    object: Literal["qr_decoded"] = "qr_decoded"
    format: Literal["emvco", "twqr"] | None
    valid: bool
    errors: list[str] = Field(description="Every reason the code is invalid; empty when valid.")
    scheme: str | None
    scheme_name: str | None
    point_of_initiation: Literal["static", "dynamic"] | None
    merchant_name: str | None
    merchant_city: str | None
    country: str | None
    currency: str | None = Field(description="ISO 4217 alpha code.", examples=["TWD"])
    amount: str | None = Field(description="As written (EMVCo), or D1 in major units (TWQR).", examples=["23.72"])
    amount_minor: int | None = Field(description="The amount in minor units of `currency`.", examples=[2372])
    mcc: str | None
    crc: str | None
    reference: str | None = Field(description="62/05 (or our template's 26/02); TWQR D2.")
    digiplus_merchant_id: str | None
    merchant_accounts: list[MerchantAccountPublic]
    tags: dict[str, str | dict[str, str]] = Field(description="Every tag; templates as their sub-tags.")


def decoded_public(decoded: DecodedQR) -> QRDecodedPublic:
    return QRDecodedPublic.model_validate(decoded.to_dict())


class QREncodeRequest(_StrictInput):
    format: Literal["emvco", "twqr"] = "emvco"
    merchant_name: str = Field(
        min_length=1, max_length=99, description="EMVCo 59 (cut to 25) or the TWQR service name.", examples=["阿明麵線"]
    )
    merchant_city: str | None = Field(default=None, min_length=1, max_length=15, examples=["Taipei"])
    mcc: str | None = Field(default=None, pattern=r"^[0-9]{4}$", description="EMVCo merchant category code.")
    amount: int | None = Field(default=None, ge=1, description="Minor units; makes the code dynamic.", examples=[12050])
    currency: str = Field(default="TWD", pattern=r"^[A-Za-z]{3}$")
    reference: str | None = Field(
        default=None, min_length=1, max_length=64, description="EMVCo 62/05 (26/02 when over 25); TWQR D2."
    )
    terminal: str | None = Field(default=None, min_length=1, max_length=25)
    bill_number: str | None = Field(default=None, min_length=1, max_length=25)
    country: str = Field(default="TW", pattern=r"^[A-Z]{2}$")
    kind: Literal["purchase", "transfer", "bill"] = Field(default="transfer", description="TWQR transaction type.")
    bank_code: str | None = Field(default=None, pattern=r"^[0-9]{3}$", description="TWQR D5.")
    account: str | None = Field(default=None, pattern=r"^[0-9]{1,16}$", description="TWQR D6.")
    memo: str | None = Field(default=None, min_length=1, max_length=40, description="TWQR D9.")


class QRCodePublic(BaseModel):
    object: Literal["qr_code"] = "qr_code"
    format: Literal["emvco", "twqr"]
    payload: str
    decoded: QRDecodedPublic
