"""SME mobile payment: QR codes (EMVCo, TWQR), e-wallets, payment intents, refunds,
fees, settlement, payouts and cross-border payments — every amount through the ledger.

Other modules use this surface only (commerce pays orders through it; loyalty applies
discounts before payment and reads what an intent is)."""

from digiplus.payments.models import PaymentIntent, Refund
from digiplus.payments.qr import render_svg as qr_svg
from digiplus.payments.service.counter import qr_payload_of
from digiplus.payments.service.discounts import IntentView, apply_discount, intent_view, remove_discount
from digiplus.payments.service.errors import PaymentDeclined
from digiplus.payments.service.fx import rate_source
from digiplus.payments.service.intents import cancel as cancel_intent
from digiplus.payments.service.intents import create_intent, get_intent
from digiplus.payments.service.merchants import profile_of as merchant_profile_of
from digiplus.payments.service.paying import confirm as confirm_intent
from digiplus.payments.service.paying import pay_from_wallet
from digiplus.payments.service.refunds import create_refund
from digiplus.payments.service.wallets import wallets_query

__all__ = [
    "IntentView",
    "PaymentDeclined",
    "PaymentIntent",
    "Refund",
    "apply_discount",
    "cancel_intent",
    "confirm_intent",
    "create_intent",
    "create_refund",
    "get_intent",
    "intent_view",
    "merchant_profile_of",
    "pay_from_wallet",
    "qr_payload_of",
    "qr_svg",
    "rate_source",
    "remove_discount",
    "wallets_query",
]
