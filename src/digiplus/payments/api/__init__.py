"""``/v1/…`` of payments: one router per topic (QR, wallets, intents, refunds, payouts), joined here."""

from __future__ import annotations

from fastapi import APIRouter

from digiplus.payments.api.qr import router as qr_router

router = APIRouter()
router.include_router(qr_router)
