"""SME mobile payment: QR codes (EMVCo, TWQR), e-wallets, payment intents, refunds,
fees, settlement, payouts and cross-border payments — every amount through the ledger."""

from digiplus.payments.service.guards import (
    PaymentContext,
    PaymentRefused,
    register_payment_guard,
    run_payment_guards,
)

__all__ = ["PaymentContext", "PaymentRefused", "register_payment_guard", "run_payment_guards"]
