"""The terminals pages: the merchant's fleet (``/terminals…``) and the software terminal (``/terminal``)."""

from __future__ import annotations

from digiplus.terminals.pages import counter, fleet
from digiplus.web.errors import page_router
from digiplus.web.shell import NavItem

router = page_router()
router.include_router(counter.router)
router.include_router(fleet.router)
NAV: tuple[NavItem, ...] = fleet.NAV
