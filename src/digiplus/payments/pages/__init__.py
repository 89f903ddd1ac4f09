"""The payments pages, one router per topic joined here; ``NAV`` lists their side-navigation entries."""

from __future__ import annotations

from digiplus.payments.pages.qr import NAV as QR_NAV
from digiplus.payments.pages.qr import router as qr_router
from digiplus.web.errors import page_router
from digiplus.web.shell import NavItem

router = page_router()
router.include_router(qr_router)
NAV: tuple[NavItem, ...] = (*QR_NAV,)
