"""SME mobile payment: QR codes (EMVCo, TWQR), e-wallets, payment intents, refunds,
fees, settlement, payouts and cross-border payments — every amount through the ledger."""
