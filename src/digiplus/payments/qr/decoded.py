"""What decoding a payment QR code returns, and the error raised for an invalid one."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from digiplus.core.errors import ValidationFailed

# A decoded tag: a primitive value, or (for templates 26–51, 62, 64, 80–99) its sub-tags.
TagValue = str | dict[str, str]


class InvalidQRPayload(ValidationFailed):
    """A payload that is not a valid EMVCo or TWQR code; ``reasons`` lists every fault found."""

    code = "invalid_qr_payload"

    def __init__(self, reasons: list[str], *, param: str | None = "payload") -> None:
        self.reasons = list(reasons)
        shown = "; ".join(self.reasons) if self.reasons else "not a payment QR code"
        super().__init__(f"Invalid QR payload: {shown}", param=param)


@dataclass(frozen=True, slots=True)
class MerchantAccount:
    """One merchant account of a code: the tag it sits in, its scheme (when recognised) and fields."""

    tag: str
    scheme: str | None
    scheme_name: str | None
    guid: str | None
    fields: dict[str, str] = field(default_factory=dict)  # named fields, e.g. {"mobile": "0066..."}

    def to_dict(self) -> dict[str, Any]:
        return {
            "tag": self.tag,
            "scheme": self.scheme,
            "scheme_name": self.scheme_name,
            "guid": self.guid,
            "fields": dict(self.fields),
        }


@dataclass(frozen=True)
class DecodedQR:
    """A decoded payment code. ``valid`` is False when ``errors`` is not empty; fields a payload
    does not carry are None. ``amount`` is as written in the payload (EMVCo "23.72"; TWQR's D1 in
    major units), ``amount_minor`` the same in minor units of ``currency``."""

    format: str | None  # "emvco" | "twqr" | None
    valid: bool
    errors: list[str]
    scheme: str | None = None
    scheme_name: str | None = None
    point_of_initiation: str | None = None  # "static" | "dynamic"
    merchant_name: str | None = None
    merchant_city: str | None = None
    country: str | None = None
    currency: str | None = None  # ISO 4217 alpha
    amount: str | None = None
    amount_minor: int | None = None
    mcc: str | None = None
    crc: str | None = None
    reference: str | None = None
    digiplus_merchant_id: str | None = None
    merchant_accounts: list[MerchantAccount] = field(default_factory=list)
    tags: dict[str, TagValue] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: every field, absent ones as null."""
        return {
            "format": self.format,
            "valid": self.valid,
            "errors": list(self.errors),
            "scheme": self.scheme,
            "scheme_name": self.scheme_name,
            "point_of_initiation": self.point_of_initiation,
            "merchant_name": self.merchant_name,
            "merchant_city": self.merchant_city,
            "country": self.country,
            "currency": self.currency,
            "amount": self.amount,
            "amount_minor": self.amount_minor,
            "mcc": self.mcc,
            "crc": self.crc,
            "reference": self.reference,
            "digiplus_merchant_id": self.digiplus_merchant_id,
            "merchant_accounts": [account.to_dict() for account in self.merchant_accounts],
            "tags": {tag: dict(value) if isinstance(value, dict) else value for tag, value in self.tags.items()},
        }
