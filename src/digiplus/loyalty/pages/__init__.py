"""Loyalty pages: the merchant's programmes and members (``/loyalty…``) and the consumer's
wallet loyalty page (``/wallet/loyalty``)."""

from __future__ import annotations

from digiplus.loyalty.pages import merchant, wallet
from digiplus.web.errors import page_router
from digiplus.web.shell import NavItem

router = page_router()
router.include_router(merchant.router)
router.include_router(wallet.router)
NAV: tuple[NavItem, ...] = (*merchant.NAV, *wallet.NAV)
