"""The wallet page's pay flow: what a scanned code asks for (with an FX quote when the wallet's
currency differs), then paying it. The pages call these; the API has its own edges over ``paying``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from digiplus.core.context import Caller
from digiplus.core.money import to_minor
from digiplus.payments.models import FxQuote
from digiplus.payments.service import fx, paying
from digiplus.payments.service.intents import PAYABLE


@dataclass(frozen=True, slots=True)
class PaymentPlan:
    """What the confirmation screen shows: the preview, the amount to pay (None until the payer
    enters one for a static code) and, for a wallet in another currency, a firm quote."""

    preview: dict[str, Any]
    amount: int | None
    quote: FxQuote | None


def plan_payment(
    session: Session, caller: Caller, wallet_id: str, *, qr_payload: str, amount: str | None = None
) -> PaymentPlan:
    """``amount`` is the payer's entry for a static code, in major units of the merchant's currency."""
    preview = paying.preview(session, caller, wallet_id, qr_payload=qr_payload, payment_intent=None)
    minor: int | None = preview["amount"]
    if minor is None and amount is not None and amount.strip():
        minor = to_minor(amount, preview["currency"], param="amount")
    quote = None
    if preview["needs_fx_quote"] and minor is not None and preview["status"] in (*PAYABLE, "payable"):
        quote = fx.create_quote(session, caller, preview["wallet_currency"], preview["currency"], minor)
    return PaymentPlan(preview, minor, quote)


def pay(
    session: Session, caller: Caller, wallet_id: str, *, qr_payload: str, amount: int | None, fx_quote: str | None
) -> paying.Attempt:
    """Pay the scanned code from the wallet; a decline comes back in ``Attempt.declined`` (nothing booked)."""
    return paying.pay_from_wallet(
        session, caller, wallet_id, qr_payload=qr_payload, payment_intent=None, amount=amount, fx_quote=fx_quote
    )
