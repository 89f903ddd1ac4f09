"""SME mobile payment: QR codes (EMVCo, TWQR), e-wallets, payment intents, refunds,
fees, settlement, payouts and cross-border payments — every amount through the ledger.

The public surface other modules use (``digiplus.terminals`` takes payments at a counter
through it; import-linter forbids them the submodules)."""

from digiplus.payments.models import FxQuote, MerchantProfile, PaymentIntent, Refund
from digiplus.payments.qr import render_svg as render_qr_svg
from digiplus.payments.service.books import TransferCode
from digiplus.payments.service.errors import PaymentDeclined
from digiplus.payments.service.intents import SUCCEEDED as PAYMENT_SUCCEEDED
from digiplus.payments.service.intents import cancel as cancel_payment_intent
from digiplus.payments.service.intents import create_intent as create_payment_intent
from digiplus.payments.service.intents import get_intent as get_payment_intent
from digiplus.payments.service.intents import intent_data as payment_intent_data
from digiplus.payments.service.merchants import get_profile as get_merchant_profile
from digiplus.payments.service.paying import Attempt as PaymentAttempt
from digiplus.payments.service.paying import confirm as confirm_payment_intent
from digiplus.payments.service.refunds import create_refund, refund_data
from digiplus.payments.service.reports import BookedTransfer, payment_refunds, payment_transfers
from digiplus.payments.service.settlement import taipei_date, taipei_midnight

__all__ = [
    "PAYMENT_SUCCEEDED",
    "BookedTransfer",
    "FxQuote",
    "MerchantProfile",
    "PaymentAttempt",
    "PaymentDeclined",
    "PaymentIntent",
    "Refund",
    "TransferCode",
    "cancel_payment_intent",
    "confirm_payment_intent",
    "create_payment_intent",
    "create_refund",
    "get_merchant_profile",
    "get_payment_intent",
    "payment_intent_data",
    "payment_refunds",
    "payment_transfers",
    "refund_data",
    "render_qr_svg",
    "taipei_date",
    "taipei_midnight",
]
