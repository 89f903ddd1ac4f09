"""Consumer-presented payment codes: 18 digits (the length of Taiwanese wallets' barcodes),
valid ``DIGIPLUS_PAYMENT_CODE_TTL_SECONDS`` (60 s), single use, stored only as a SHA-256 digest.

The consumer makes one and shows it; the merchant's terminal sends it with
``POST /v1/payment_intents/{id}/confirm`` and the wallet behind it is charged.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from digiplus.core import audit
from digiplus.core.context import Caller
from digiplus.core.db import utcnow
from digiplus.core.errors import InvalidRequest
from digiplus.core.ids import id_for
from digiplus.payments.models import PaymentCode, Wallet
from digiplus.payments.service.errors import Expired
from digiplus.payments.service.wallets import get_wallet
from digiplus.settings import get_settings

CODE_DIGITS = 18


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def create_payment_code(session: Session, caller: Caller, wallet_id: str) -> tuple[PaymentCode, str]:
    """A new code for the caller's wallet; the code itself is returned once and never stored."""
    wallet = get_wallet(session, caller, wallet_id, param="wallet")
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    row = PaymentCode(
        id=id_for("payment_code"),
        org_id=caller.org_id,
        livemode=caller.livemode,
        wallet_id=wallet.id,
        code_hash=_digest(code),
        last4=code[-4:],
        expires_at=utcnow() + timedelta(seconds=get_settings().payment_code_ttl_seconds),
    )
    session.add(row)
    session.flush()
    audit.record(session, caller, "payment_code.created", "payment_code", row.id, after={"wallet": wallet.id})
    return row, code


def redeem(session: Session, livemode: bool, code: str, payment_intent_id: str) -> tuple[PaymentCode, Wallet]:
    """Use a code once (row-locked): the wallet it charges. Unknown, used and expired codes are refused."""
    if not (len(code) == CODE_DIGITS and code.isdigit()):
        raise InvalidRequest(
            f"A payment code is {CODE_DIGITS} digits.", param="payment_method[code]", code="payment_code_invalid"
        )
    row = session.scalars(
        select(PaymentCode)
        .where(PaymentCode.code_hash == _digest(code), PaymentCode.livemode == livemode)
        .with_for_update()
    ).one_or_none()
    if row is None:
        raise InvalidRequest("No such payment code.", param="payment_method[code]", code="payment_code_invalid")
    if row.used_at is not None:
        raise InvalidRequest(
            "This payment code was used already; ask for a new one.",
            param="payment_method[code]",
            code="payment_code_used",
        )
    if row.expires_at <= utcnow():
        raise Expired(
            "This payment code has expired; ask the customer to show a new one.",
            param="payment_method[code]",
            code="payment_code_expired",
        )
    row.used_at = utcnow()
    row.payment_intent_id = payment_intent_id
    wallet = session.get(Wallet, row.wallet_id)
    if wallet is None:  # the foreign key makes this impossible
        raise InvalidRequest("No such payment code.", param="payment_method[code]", code="payment_code_invalid")
    return row, wallet
