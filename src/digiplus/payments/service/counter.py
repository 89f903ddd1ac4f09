"""The merchant's counter: show a dynamic QR for an amount, the static code for the counter
sticker, and the merchant settings form (profile and payout bank account in one step)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from digiplus.core.context import Caller
from digiplus.core.money import to_minor
from digiplus.payments import qr
from digiplus.payments.models import MerchantProfile, PaymentIntent
from digiplus.payments.service import banks, intents, merchants, paying


def show_dynamic_qr(
    session: Session, caller: Caller, *, amount: str, description: str | None, capture_method: str = "automatic"
) -> PaymentIntent:
    """A new intent for ``amount`` (written in major units of the merchant's currency, e.g. "120" or
    "35.50"), confirmed for a dynamic QR: its payload is in ``next_action.display_qr_code.data``."""
    profile = merchants.get_profile(session, caller)
    minor = to_minor(amount, profile.settlement_currency, param="amount")
    intent = intents.create_intent(
        session,
        caller,
        amount=minor,
        currency_code=profile.settlement_currency,
        capture_method=capture_method,
        description=description,
        metadata=None,
    )
    return paying.confirm(session, caller, intent.id, {"type": "qr"}).intent


def qr_payload_of(intent: PaymentIntent) -> str | None:
    """The dynamic QR payload an intent shows, while it waits for the payer."""
    action = intent.next_action or {}
    data = (action.get("display_qr_code") or {}).get("data")
    return data if isinstance(data, str) else None


def static_qr(session: Session, caller: Caller) -> tuple[MerchantProfile, str]:
    """The merchant's static code (no amount: the payer enters it) for the counter sticker."""
    profile = merchants.get_profile(session, caller)
    payload = qr.merchant_qr(
        merchant_id=profile.org_id,
        merchant_name=profile.display_name,
        merchant_city=profile.city,
        mcc=profile.mcc,
        currency=profile.settlement_currency,
    )
    return profile, payload


def save_settings(
    session: Session,
    caller: Caller,
    *,
    display_name: str,
    city: str,
    mcc: str,
    bank_account_id: str | None,
    new_bank_code: str | None = None,
    new_account_number: str | None = None,
    new_holder_name: str | None = None,
) -> MerchantProfile:
    """Create or update the profile; a new payout account given here is linked first (one transaction)."""
    current = merchants.profile_of(session, caller.org_id, caller.livemode)
    currency = current.settlement_currency if current else "TWD"
    if new_account_number:
        bank = banks.create_bank_account(
            session,
            caller,
            bank_code=new_bank_code or "",
            account_number=new_account_number,
            holder_name=new_holder_name or display_name,
            currency_code=currency,
        )
        bank_account_id = bank.id
    return merchants.upsert_profile(
        session,
        caller,
        display_name=display_name,
        city=city,
        mcc=mcc,
        settlement_currency=currency,
        bank_account_id=bank_account_id,
    )
