"""Payments' domain errors. A decline is a 402 ``payment_error`` (Stripe's card_error, for wallets)."""

from __future__ import annotations

from typing import Any

from digiplus.core.errors import DigiplusError, InvalidRequest


class PaymentDeclined(DigiplusError):
    """The wallet cannot pay: ``insufficient_funds``, ``wallet_limit_exceeded``, … Nothing was booked."""

    status_code = 402
    error_type = "payment_error"
    code = "payment_declined"

    def __init__(self, message: str, *, code: str, param: str | None = None, limit: str | None = None) -> None:
        super().__init__(message, code=code, param=param)
        self.limit = limit

    def as_last_payment_error(self) -> dict[str, Any]:
        error: dict[str, Any] = {"type": self.error_type, "code": self.code, "message": self.message}
        if self.limit:
            error["limit"] = self.limit
        return error


class UnexpectedState(InvalidRequest):
    code = "payment_intent_unexpected_state"


class Expired(InvalidRequest):
    """An expired payment code (``payment_code_expired``) or FX quote (``fx_quote_expired``)."""
