"""``/v1/terminals…`` (the merchant's, with API keys) and ``/v1/terminal/…`` (the device's, signed)."""

from __future__ import annotations

from fastapi import APIRouter

from digiplus.terminals.api import device, following, merchant

router = APIRouter()
router.include_router(merchant.router)
router.include_router(device.router)
router.include_router(following.router)
