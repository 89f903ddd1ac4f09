"""The payments pages, one router per topic joined here; ``NAV`` lists their side-navigation entries.

The counter's fixed paths (``/payments/new``, ``/payments/sticker``, …) are joined before the
merchant pages' ``/payments/{intent_id}``, which would otherwise take them."""

from __future__ import annotations

from digiplus.payments.pages import counter, merchant, wallet, wallet_pay
from digiplus.payments.pages.qr import NAV as QR_NAV
from digiplus.payments.pages.qr import router as qr_router
from digiplus.web.errors import page_router
from digiplus.web.shell import NavItem

router = page_router()
router.include_router(qr_router)
router.include_router(counter.router)
router.include_router(merchant.router)
router.include_router(wallet.router)
router.include_router(wallet_pay.router)
NAV: tuple[NavItem, ...] = (*QR_NAV, *counter.NAV, *wallet.NAV)
