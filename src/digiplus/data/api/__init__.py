"""``/v1/…`` of the catalogue: one router per topic, joined here."""

from __future__ import annotations

from fastapi import APIRouter

from digiplus.data.api import alliances, datasets, demands, ingest, search

router = APIRouter()
router.include_router(search.router)
router.include_router(datasets.router)
router.include_router(ingest.router)
router.include_router(alliances.router)
router.include_router(demands.router)
