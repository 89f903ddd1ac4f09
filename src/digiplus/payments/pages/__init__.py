"""The payments pages, one router per topic joined here; ``NAV`` lists their side-navigation entries."""

from __future__ import annotations

from digiplus.web.errors import page_router
from digiplus.web.shell import NavItem

router = page_router()
NAV: tuple[NavItem, ...] = ()
