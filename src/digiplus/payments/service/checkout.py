"""The wallet page's pay flow: what a scanned code asks for (with an FX quote when the wallet's
currency differs), then paying it. The pages call these; the API has its own edges over ``paying``.

The confirmation form carries a one-time token (``new_form_token``): ``pay_once`` claims it in the
payment's transaction, so a form submitted twice (a double tap, a reload) pays once and the second
submit shows the first payment. The claim is a row with a unique (org, mode, token): on
PostgreSQL a concurrent second submit waits for the first to commit and then finds its payment;
on SQLite the write lock orders them the same way."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from digiplus.core.context import Caller
from digiplus.core.db import utcnow
from digiplus.core.ids import id_for
from digiplus.core.money import to_minor
from digiplus.payments.models import FxQuote, PaymentFormToken
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


@dataclass(frozen=True, slots=True)
class FormPayment:
    """What a pay form's submit did: ``attempt`` when it paid (or was declined) now, or ``earlier``, the
    intent a previous submit of the same form paid (nothing was paid again)."""

    attempt: paying.Attempt | None
    earlier: str | None = None


def new_form_token() -> str:
    """A one-time token for a pay form (random; it means nothing until a submit claims it)."""
    return secrets.token_urlsafe(24)


def pay_once(
    session: Session,
    caller: Caller,
    wallet_id: str,
    *,
    form_token: str,
    qr_payload: str,
    amount: int | None,
    fx_quote: str | None,
) -> FormPayment:
    """``pay`` at most once per ``form_token``: a token that already paid answers with that payment.
    A declined or refused attempt releases the token (the payer may top up and submit again)."""
    scope = (PaymentFormToken.org_id == caller.org_id, PaymentFormToken.livemode == caller.livemode)
    try:
        with session.begin_nested():
            session.execute(
                insert(PaymentFormToken).values(
                    id=id_for("payment_form_token"),
                    org_id=caller.org_id,
                    livemode=caller.livemode,
                    created=utcnow(),
                    token=form_token,
                    payment_intent_id=None,
                )
            )
    except IntegrityError:  # submitted before (a concurrent first submit has committed by now)
        earlier = session.scalar(
            select(PaymentFormToken.payment_intent_id).where(*scope, PaymentFormToken.token == form_token)
        )
        if earlier is not None:
            return FormPayment(None, earlier)
        # a first submit that did not pay left no row; one still in flight elsewhere is not possible
        # (the insert waited for it): pay now
    attempt = pay(session, caller, wallet_id, qr_payload=qr_payload, amount=amount, fx_quote=fx_quote)
    mine = (*scope, PaymentFormToken.token == form_token)
    if attempt.declined is None:
        session.execute(update(PaymentFormToken).where(*mine).values(payment_intent_id=attempt.intent.id))
    else:
        session.execute(delete(PaymentFormToken).where(*mine))
    return FormPayment(attempt)
