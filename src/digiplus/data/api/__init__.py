"""``/v1/…`` of the catalogue: one router per topic, joined here.

The DCAT router comes first: ``/v1/datasets/{id}.jsonld`` must be matched before
``/v1/datasets/{dataset_id}``.
"""

from __future__ import annotations

from fastapi import APIRouter

from digiplus.data.api import alliances, datasets, dcat, demands, ingest, search

router = APIRouter()
router.include_router(dcat.router)
router.include_router(search.router)
router.include_router(datasets.router)
router.include_router(ingest.router)
router.include_router(alliances.router)
router.include_router(demands.router)
