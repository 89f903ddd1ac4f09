"""``/v1/…`` of payments: one router per topic (QR, wallets, intents, refunds, payouts), joined here."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
