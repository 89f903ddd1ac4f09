"""The data module's HTTP API: one router per topic, combined here.

The DCAT router comes first: ``/v1/datasets/{id}.jsonld`` must be matched before
``/v1/datasets/{dataset_id}``.
"""

from __future__ import annotations

from fastapi import APIRouter

from digiplus.data.api import dcat

router = APIRouter()
router.include_router(dcat.router)
