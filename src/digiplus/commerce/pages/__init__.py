"""Commerce pages: the public storefronts and the merchant's admin."""

from __future__ import annotations

from fastapi import APIRouter

from digiplus.commerce.pages import admin, storefront

router = APIRouter()
router.include_router(storefront.router)
router.include_router(admin.router)
