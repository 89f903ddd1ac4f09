"""The catalogue's web pages, one router per topic joined here; ``NAV`` lists their side-navigation entries.

Public (anonymous allowed): the catalogue home and search, dataset and publisher pages, the
alliance and demand-board pages. Logged in with ``data.write``: the publishing flow and the
harvest sources.
"""

from __future__ import annotations

from digiplus.data.pages import alliances, catalogue, dataset, demands, harvest, publish
from digiplus.web.errors import page_router
from digiplus.web.i18n import N_
from digiplus.web.shell import NavItem

router = page_router()
for part in (catalogue, dataset, publish, harvest, alliances, demands):
    router.include_router(part.router)

NAV = (
    NavItem(N_("Data catalogue"), "/data", "data", order=40),
    NavItem(N_("Publish data"), "/data/publish", "data-publish", permission="data.write", order=41),
    NavItem(N_("Alliances"), "/data/alliances", "data-alliances", order=42),
    NavItem(N_("Demand board"), "/data/demands", "data-demands", order=43),
)
