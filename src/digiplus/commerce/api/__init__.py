"""``/v1/commerce/…``: one router per topic, joined here."""

from __future__ import annotations

from fastapi import APIRouter

from digiplus.commerce.api import catalogue, discounts, orders, setup

router = APIRouter()
router.include_router(setup.router)
router.include_router(catalogue.router)
router.include_router(orders.router)
router.include_router(discounts.router)
