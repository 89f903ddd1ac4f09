"""What every payments page shares: who may see it (org kind, role), amounts as people write and
read them, labels of states and scenarios, and form errors that name the field."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Annotated, Any, TypeVar

from fastapi import Depends
from sqlalchemy.orm import Session

from digiplus.core.context import Caller
from digiplus.core.errors import DigiplusError, InvalidRequest
from digiplus.core.money import display_amount, to_minor
from digiplus.core.permissions import require
from digiplus.web import i18n
from digiplus.web.deps import CallerDep, PageDep
from digiplus.web.i18n import N_
from digiplus.web.shell import PageContext

T = TypeVar("T")
ID_PATTERN = r"^[A-Za-z0-9_]+$"

STATUS_LABELS = {
    "requires_payment_method": N_("Waiting for payment"),
    "requires_confirmation": N_("Waiting for payment"),
    "requires_action": N_("QR code shown"),
    "payer_authentication": N_("Waiting for the payer's approval"),  # requires_action, next_action.type
    "requires_capture": N_("Authorised, to capture"),
    "processing": N_("Processing"),
    "succeeded": N_("Paid"),
    "canceled": N_("Canceled"),
    "pending": N_("Pending"),
    "failed": N_("Failed"),
    "in_transit": N_("In transit"),
    "paid": N_("Paid out"),
    "posted": N_("Posted"),
    "voided": N_("Voided"),
    "expired": N_("Expired"),
}
STATUS_BADGES = {"succeeded": "badge-ok", "paid": "badge-ok", "canceled": "badge-bad", "failed": "badge-bad"}
SCENARIO_LABELS = {
    "livelihood_consumption": N_("Livelihood consumption"),
    "public_services": N_("Public services"),
    "transportation": N_("Transportation"),
    "leisure_tourism": N_("Leisure and tourism"),
    "medical_institutions": N_("Medical institutions"),
    "campus": N_("Campus"),
    "cultural_exhibitions": N_("Cultural exhibitions"),
    "other": N_("Other"),
}
METHOD_LABELS = {"wallet": N_("Wallet (QR)"), "payment_code": N_("Payment code"), "qr": N_("QR code")}
REFUND_STATUS_LABELS = {"pending": N_("Pending"), "succeeded": N_("Refunded"), "failed": N_("Failed")}
# Accounts of the platform's books by their id's prefix (service/books.py names them).
ACCOUNT_LABELS = (
    ("w_", N_("Payer's wallet")),
    ("mp_", N_("Pending settlement")),
    ("ma_", N_("Available balance")),
    ("platform_fees_", N_("Platform fees")),
    ("fx_liquidity_", N_("FX liquidity")),
    ("bank_clearing_", N_("Bank")),
)
ENTRY_LABELS = {  # wallet history: the ledger transfer code's name
    "topup": N_("Top-up"),
    "withdrawal": N_("Withdrawal"),
    "wallet_transfer": N_("Transfer"),
    "payment": N_("Payment"),
    "fx_payment_in": N_("Payment (foreign currency)"),
    "refund": N_("Refund"),
    "fx_refund": N_("Refund (foreign currency)"),
    "other": N_("Other"),
}

# Form fields as the pages name them in an error ("Amount: …").
FIELD_LABELS = {
    "amount": N_("Amount"),
    "amount_to_capture": N_("Amount to capture"),
    "reason": N_("Reason"),
    "cancellation_reason": N_("Reason"),
    "payload": N_("QR code"),
    "qr_payload": N_("QR code"),
    "image": N_("QR image"),
    "payment_intent": N_("Payment"),
    "fx_quote": N_("Exchange rate"),
    "wallet": N_("Wallet"),
    "to_wallet": N_("Recipient wallet"),
    "bank_account": N_("Bank account"),
    "bank_code": N_("Bank code"),
    "account_number": N_("Account number"),
    "holder_name": N_("Account holder"),
    "display_name": N_("Shop name"),
    "city": N_("City"),
    "mcc": N_("Merchant category code"),
    "currency": N_("Currency"),
    "description": N_("Description"),
    "id": N_("Payment"),
}
# Errors the pages explain in the reader's language (other errors show the service's words).
CODE_MESSAGES = {
    "amount_invalid": N_("Enter a positive amount, in the currency's usual units."),
    "amount_too_precise": N_("The amount has more decimals than the currency allows."),
    "amount_too_large": N_("The amount is more than what is left."),
    "amount_required": N_("Enter the amount to pay."),
    "amount_mismatch": N_("The amount differs from the payment's."),
    "charge_already_refunded": N_("This payment is fully refunded already."),
    "insufficient_funds": N_("The wallet's balance is not enough for this payment."),
    "wallet_limit_exceeded": N_("This is over the wallet's limit."),
    "invalid_qr_payload": N_("This is not a valid payment QR code."),
    "qr_not_payable": N_("This code belongs to another payment network; a digiplus wallet pays digiplus merchants."),
    "qr_image_missing": N_("Choose an image file, or paste the code's text."),
    "qr_image_unreadable": N_("This file is not an image that can be read (PNG, JPEG, WebP)."),
    "qr_image_no_code": N_("No QR code could be read in this image."),
    "payment_intent_unexpected_state": N_("This payment cannot do that in its current state."),
    "fx_quote_expired": N_("The exchange rate has expired; a new rate is shown."),
    "fx_quote_used": N_("This exchange rate was used already."),
    "currency_mismatch": N_("The currencies do not match."),
    "same_wallet": N_("A wallet cannot send to itself."),
    "resource_missing": N_("Not found."),
    "parameter_invalid": N_("This value is not valid."),
    "merchant_insufficient_funds": N_("The merchant's balance does not cover this refund."),
    "payer_authentication_failed": N_("The payer's approval failed; the payment is declined."),
    "processing_failed": N_("The payment failed while processing; the held amount is available again."),
}


def error_text(page: PageContext, exc: DigiplusError) -> str:
    """ "Amount: The amount is more than what is left." in the page's language."""
    known = CODE_MESSAGES.get(exc.code)
    message = page.gettext(known) if known else page.gettext(exc.message)
    label = FIELD_LABELS.get(exc.param or "")
    if not label:
        return message
    return i18n.translate(page.locale, N_("%(field)s: %(error)s")) % {"field": page.gettext(label), "error": message}


def attempt(session: Session, call: Callable[[], T]) -> tuple[T | None, DigiplusError | None]:
    """Run one service call in a savepoint: on a domain error everything it wrote is undone and the
    error is returned for the form to show (the request itself still succeeds and commits nothing)."""
    try:
        with session.begin_nested():
            return call(), None
    except DigiplusError as exc:
        return None, exc


def minor_amount(text: str, currency: str, param: str = "amount") -> int:
    """A written amount ("120", "35.50") as minor units; empty or bad text names the field."""
    if not text.strip():
        raise InvalidRequest("Enter an amount.", param=param, code="amount_invalid")
    return to_minor(text, currency, param=param)


def amount_formatter(page: PageContext) -> Callable[..., str]:
    return partial(display_amount, locale=page.locale)


def labels(page: PageContext) -> dict[str, Any]:
    """Template helpers: ``amount(minor, cur)``, ``status_label`` (``intent_status_label(p)`` for a
    payment intent), ``scenario_label``, ``method_label``."""

    def pick(table: dict[str, str], key: str | None) -> str:
        return page.gettext(table[key]) if key in table else (key or "—")

    def intent_status(p: Any) -> str:
        """A payment's state; ``requires_action`` says whether a QR code is shown or the payer must approve."""
        status, next_action = (p["status"], p["next_action"]) if isinstance(p, dict) else (p.status, p.next_action)
        action = (next_action or {}).get("type") if status == "requires_action" else None
        return pick(STATUS_LABELS, action if action == "payer_authentication" else status)

    return {
        "amount": amount_formatter(page),
        "status_label": partial(pick, STATUS_LABELS),
        "intent_status_label": intent_status,
        "status_badge": lambda s: STATUS_BADGES.get(s, "badge-neutral"),
        "scenario_label": partial(pick, SCENARIO_LABELS),
        "method_label": partial(pick, METHOD_LABELS),
        "entry_label": partial(pick, ENTRY_LABELS),
        "refund_status_label": partial(pick, REFUND_STATUS_LABELS),
        "account_label": lambda account_id: next(
            (page.gettext(label) for prefix, label in ACCOUNT_LABELS if account_id.startswith(prefix)), account_id
        ),
    }


def _org_kind(page: PageContext, caller: Caller, kind: str, message: str) -> Caller:
    org = page.org
    if org is None or org.kind != kind:
        raise InvalidRequest(message, code=f"org_not_{kind}")
    return caller


def merchant_caller(page: PageDep, caller: CallerDep) -> Caller:
    require(caller.role, "payments.read")
    return _org_kind(
        page, caller, "merchant", N_("These pages are for merchant organizations. Switch to a merchant organization.")
    )


def consumer_caller(page: PageDep, caller: CallerDep) -> Caller:
    require(caller.role, "payments.read")
    return _org_kind(
        page, caller, "consumer", N_("The wallet is for consumer organizations. Switch to your personal organization.")
    )


MerchantDep = Annotated[Caller, Depends(merchant_caller)]
ConsumerDep = Annotated[Caller, Depends(consumer_caller)]
