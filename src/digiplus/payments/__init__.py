"""SME mobile payment: QR codes (EMVCo, TWQR), e-wallets, payment intents, refunds,
fees, settlement, payouts and cross-border payments — every amount through the ledger.

Other modules use this surface only (loyalty: discounts before payment, what an intent is)."""

from digiplus.payments.service.discounts import IntentView, apply_discount, intent_view, remove_discount

__all__ = ["IntentView", "apply_discount", "intent_view", "remove_discount"]
