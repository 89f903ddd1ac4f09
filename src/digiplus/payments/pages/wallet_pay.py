"""Paying from the wallet: paste a QR code's text or upload a photo of it, see who and how much
(with the exchange rate for a wallet in another currency), enter the amount for a static code,
confirm, and get the receipt."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import File, Form, Path, UploadFile
from starlette.responses import Response

from digiplus.core.api.deps import SessionDep
from digiplus.core.errors import DigiplusError
from digiplus.core.money import format_minor
from digiplus.core.permissions import require
from digiplus.payments.pages.common import CODE_MESSAGES, ID_PATTERN, ConsumerDep, attempt, error_text
from digiplus.payments.pages.wallet import wallet_context
from digiplus.payments.service import approval, checkout, reports, scanning
from digiplus.payments.service.checkout import PaymentPlan
from digiplus.web.deps import CsrfDep, PageDep
from digiplus.web.errors import page_router
from digiplus.web.i18n import N_
from digiplus.web.shell import PageContext, page_response, redirect

router = page_router()
MAX_IMAGE_BYTES = 1_000_000  # the app's request cap is 1 MiB; the page shrinks bigger photos before sending
WalletField = Annotated[str, Form(max_length=64, pattern=ID_PATTERN)]
PayloadField = Annotated[str, Form(max_length=4096)]


def _pay_form(
    session: SessionDep, page: PageContext, caller: ConsumerDep, wallet: str | None, **extra: Any
) -> Response:
    context = wallet_context(session, page, caller, wallet)
    context |= {"payload": "", **extra}
    return page_response(page, "payments/wallet/pay.html", context, status_code=400 if context["error"] else 200)


@router.get("/wallet/pay")
def pay_form(session: SessionDep, page: PageDep, caller: ConsumerDep) -> Response:
    return _pay_form(session, page, caller, page.request.query_params.get("wallet") or None)


def _confirm(
    session: SessionDep,
    page: PageContext,
    caller: ConsumerDep,
    wallet: str,
    payload: str,
    plan: PaymentPlan,
    **extra: Any,
) -> Response:
    context = wallet_context(session, page, caller, wallet)
    quote = plan.quote
    context |= {
        "payload": payload,
        "plan": plan,
        "preview": plan.preview,
        "quote": quote,
        "quote_seconds": max(0, int((quote.expires_at - quote.created).total_seconds())) if quote else 0,
        "amount_text": "",
        "form_token": checkout.new_form_token(),  # a double submit of this form pays once
        **extra,
    }
    return page_response(page, "payments/wallet/confirm.html", context, status_code=400 if context["error"] else 200)


@router.post("/wallet/scan")
def scan(
    session: SessionDep,
    page: PageDep,
    caller: ConsumerDep,
    _csrf: CsrfDep,
    wallet: WalletField,
    payload: PayloadField = "",
    amount: Annotated[str, Form(max_length=30)] = "",
    image: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """The confirmation screen of a pasted or photographed code (an amount entered for a static code
    comes back here to be priced)."""
    text = payload.strip()
    try:
        if not text:
            data = image.file.read(MAX_IMAGE_BYTES + 1) if image is not None and image.filename else b""
            if len(data) > MAX_IMAGE_BYTES:
                data = b"\x00"  # refused as unreadable rather than decoded half
            text = scanning.read_qr_image(data)
    except DigiplusError as exc:
        return _pay_form(session, page, caller, wallet, error=error_text(page, exc))
    plan, error = attempt(
        session, lambda: checkout.plan_payment(session, caller, wallet, qr_payload=text, amount=amount)
    )
    if error is not None or plan is None:
        if error is not None and error.param == "amount":
            # a static code whose amount was mistyped: ask again on the confirmation screen
            again, _ = attempt(session, lambda: checkout.plan_payment(session, caller, wallet, qr_payload=text))
            if again is not None:
                return _confirm(
                    session, page, caller, wallet, text, again, error=error_text(page, error), amount_text=amount
                )
        return _pay_form(session, page, caller, wallet, payload=text, error=error_text(page, error) if error else "")
    return _confirm(session, page, caller, wallet, text, plan, amount_text=amount)


@router.post("/wallet/pay")
def pay(
    session: SessionDep,
    page: PageDep,
    caller: ConsumerDep,
    _csrf: CsrfDep,
    wallet: WalletField,
    payload: PayloadField,
    amount: Annotated[int | None, Form(ge=1)] = None,
    fx_quote: Annotated[str, Form(max_length=64)] = "",
    form_token: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    require(caller.role, "payments.write")
    submitted, error = attempt(
        session,
        lambda: (
            checkout.pay_once(
                session,
                caller,
                wallet,
                form_token=form_token,
                qr_payload=payload,
                amount=amount,
                fx_quote=fx_quote or None,
            )
            if form_token
            else checkout.FormPayment(
                checkout.pay(session, caller, wallet, qr_payload=payload, amount=amount, fx_quote=fx_quote or None)
            )
        ),
    )
    if submitted is not None and submitted.earlier is not None:  # submitted twice: show the first payment
        return redirect(page, f"/wallet/payments/{submitted.earlier}")
    done = submitted.attempt if submitted is not None else None
    if done is not None and done.declined is None:
        return redirect(page, f"/wallet/payments/{done.intent.id}")
    problem = done.declined if done is not None else error
    message = error_text(page, problem) if problem else ""
    # Show the confirmation again (a fresh rate when the old one expired), with what went wrong.
    amount_text = ""
    again, _ = attempt(session, lambda: checkout.plan_payment(session, caller, wallet, qr_payload=payload))
    if again is not None and again.amount is None and amount is not None:
        again, _ = attempt(
            session,
            lambda: checkout.plan_payment(
                session, caller, wallet, qr_payload=payload, amount=_major(amount, again.preview["currency"])
            ),
        )
        amount_text = _major(amount, again.preview["currency"]) if again else ""
    if again is None:
        return _pay_form(session, page, caller, wallet, payload=payload, error=message)
    return _confirm(session, page, caller, wallet, payload, again, error=message, amount_text=amount_text)


def _major(minor: int, currency: str) -> str:
    return format_minor(minor, currency)


@router.get("/wallet/payments/{intent_id}")
def receipt_page(
    intent_id: Annotated[str, Path(max_length=64, pattern=ID_PATTERN)],
    session: SessionDep,
    page: PageDep,
    caller: ConsumerDep,
) -> Response:
    receipt = reports.payer_receipt(session, caller, intent_id)
    context = wallet_context(session, page, caller, None)
    error = receipt["last_payment_error"] or {}
    known = CODE_MESSAGES.get(str(error.get("code")))
    context |= {"r": receipt, "decline": page.gettext(known) if known else error.get("message", "")}
    return page_response(page, "payments/wallet/receipt.html", context)


@router.post("/wallet/payments/{intent_id}/approve")
def approve(
    intent_id: Annotated[str, Path(max_length=64, pattern=ID_PATTERN)],
    session: SessionDep,
    page: PageDep,
    caller: ConsumerDep,
    _csrf: CsrfDep,
    wallet: WalletField,
) -> Response:
    """The payer approves a payment that waits for them; it is booked (or declined) at once."""
    require(caller.role, "payments.write")
    done, error = attempt(session, lambda: approval.approve_payment(session, caller, wallet, intent_id))
    problem = done.declined if done is not None else error
    if problem is not None:
        return redirect(
            page,
            f"/wallet/payments/{intent_id}",
            flash=N_("Not approved: %(reason)s"),
            kind="error",
            reason=error_text(page, problem),
        )
    return redirect(page, f"/wallet/payments/{intent_id}", flash=N_("The payment was approved."))
