"""SME mobile payment: QR codes (EMVCo, TWQR), e-wallets, payment intents, refunds,
fees, settlement, payouts and cross-border payments — every amount through the ledger.

The public surface other modules use (import-linter forbids them the submodules):
commerce pays orders through it, loyalty applies discounts before payment, terminals
take payments at a counter, and the sandbox guards live payments under an experiment."""

from digiplus.payments.models import FxQuote, MerchantProfile, PaymentIntent, Refund
from digiplus.payments.qr import render_svg as qr_svg
from digiplus.payments.service.books import TransferCode
from digiplus.payments.service.counter import qr_payload_of
from digiplus.payments.service.discounts import IntentView, apply_discount, intent_view, remove_discount
from digiplus.payments.service.errors import PaymentDeclined
from digiplus.payments.service.fx import rate_source
from digiplus.payments.service.guards import (
    PaymentContext,
    PaymentParked,
    PaymentRefused,
    register_payment_guard,
    run_payment_guards,
)
from digiplus.payments.service.intents import SUCCEEDED as PAYMENT_SUCCEEDED
from digiplus.payments.service.intents import cancel as cancel_intent
from digiplus.payments.service.intents import create_intent, get_intent
from digiplus.payments.service.intents import intent_data as payment_intent_data
from digiplus.payments.service.merchants import get_profile as get_merchant_profile
from digiplus.payments.service.merchants import profile_of as merchant_profile_of
from digiplus.payments.service.paying import Attempt as PaymentAttempt
from digiplus.payments.service.paying import confirm as confirm_intent
from digiplus.payments.service.paying import pay_from_wallet
from digiplus.payments.service.refunds import create_refund, refund_data
from digiplus.payments.service.reports import BookedTransfer, payment_refunds, payment_transfers
from digiplus.payments.service.settlement import taipei_date, taipei_midnight
from digiplus.payments.service.wallets import wallets_query

__all__ = [
    "PAYMENT_SUCCEEDED",
    "BookedTransfer",
    "FxQuote",
    "IntentView",
    "MerchantProfile",
    "PaymentAttempt",
    "PaymentContext",
    "PaymentDeclined",
    "PaymentIntent",
    "PaymentParked",
    "PaymentRefused",
    "Refund",
    "TransferCode",
    "apply_discount",
    "cancel_intent",
    "confirm_intent",
    "create_intent",
    "create_refund",
    "get_intent",
    "get_merchant_profile",
    "intent_view",
    "merchant_profile_of",
    "pay_from_wallet",
    "payment_intent_data",
    "payment_refunds",
    "payment_transfers",
    "qr_payload_of",
    "qr_svg",
    "rate_source",
    "refund_data",
    "register_payment_guard",
    "remove_discount",
    "run_payment_guards",
    "taipei_date",
    "taipei_midnight",
    "wallets_query",
]
