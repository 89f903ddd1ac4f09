"""The merchant profile: what a QR code and a payment show, the MCC and scenario, the fee plan,
the settlement currency and the bank account payouts go to."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from digiplus.core import audit
from digiplus.core.context import Caller
from digiplus.core.errors import InvalidRequest, NotFound, ValidationFailed
from digiplus.core.ids import id_for
from digiplus.core.money import currency
from digiplus.core.tenancy import scoped
from digiplus.payments.models import MerchantProfile
from digiplus.payments.service import books
from digiplus.payments.service.banks import get_bank_account
from digiplus.payments.service.scenarios import scenario_for_mcc
from digiplus.payments.service.wallets import require_org_kind


def upsert_profile(
    session: Session,
    caller: Caller,
    *,
    display_name: str,
    city: str,
    mcc: str,
    settlement_currency: str = "TWD",
    bank_account_id: str | None = None,
) -> MerchantProfile:
    require_org_kind(session, caller, "merchant")
    if not (len(mcc) == 4 and mcc.isdigit()):
        raise ValidationFailed("mcc is a 4-digit merchant category code (ISO 18245)", param="mcc")
    cur = currency(settlement_currency, param="settlement_currency").code
    if bank_account_id is not None:
        bank = get_bank_account(session, caller, bank_account_id, param="bank_account")
        if bank.currency != cur:
            raise InvalidRequest(
                f"The bank account holds {bank.currency}, not {cur}.", param="bank_account", code="currency_mismatch"
            )
    profile = session.scalars(scoped(MerchantProfile, caller).with_for_update()).one_or_none()
    before = None
    if profile is None:
        # A new merchant starts on the standard plan; only an operator assigns another (fee_plans.assign_fee_plan).
        profile = MerchantProfile(
            id=id_for("merchant_profile"), org_id=caller.org_id, livemode=caller.livemode, fee_plan="standard"
        )
        session.add(profile)
    else:
        before = {"display_name": profile.display_name, "mcc": profile.mcc, "fee_plan": profile.fee_plan}
        if profile.settlement_currency != cur:
            raise InvalidRequest(
                "The settlement currency cannot change once set.", param="settlement_currency", code="immutable"
            )
    profile.display_name, profile.city, profile.mcc = display_name, city, mcc
    profile.scenario = scenario_for_mcc(mcc)
    profile.settlement_currency, profile.bank_account_id = cur, bank_account_id
    session.flush()
    ledger_books = books.platform_books(session, caller.livemode, on_behalf_of=caller)
    books.ensure_accounts(session, ledger_books, books.merchant_accounts(caller.org_id, cur))
    audit.record(
        session,
        caller,
        "merchant_profile.updated" if before else "merchant_profile.created",
        "merchant_profile",
        profile.id,
        before=before,
        after={"display_name": display_name, "mcc": mcc, "scenario": profile.scenario},
    )
    return profile


_PROFILE_OF = select(MerchantProfile).where(
    MerchantProfile.org_id == bindparam("org"), MerchantProfile.livemode == bindparam("mode")
)  # built once: every payment intent reads it


def get_profile(session: Session, caller: Caller) -> MerchantProfile:
    profile = session.scalars(_PROFILE_OF, {"org": caller.org_id, "mode": caller.livemode}).one_or_none()
    if profile is None:
        raise NotFound("This organization has no merchant profile yet.", param="merchant_profile")
    return profile


def profile_of(session: Session, org_id: str, livemode: bool) -> MerchantProfile | None:
    """A merchant's profile by org (the payer's side: a QR names the merchant)."""
    return session.scalars(_PROFILE_OF, {"org": org_id, "mode": livemode}).one_or_none()
