"""``/v1/…`` of payments: one router per topic (QR, wallets, intents, refunds, payouts), joined here."""

from __future__ import annotations

from fastapi import APIRouter

from digiplus.payments.api import accounts, intents, payouts, qr, wallets

router = APIRouter()
router.include_router(qr.router)
router.include_router(wallets.router)
router.include_router(intents.router)
router.include_router(accounts.router)
router.include_router(payouts.router)
