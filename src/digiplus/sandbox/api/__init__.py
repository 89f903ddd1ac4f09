"""``/v1/sandbox/…``: magic values, experiments (applicant and agency), participation, reports."""

from __future__ import annotations

from fastapi import APIRouter

from digiplus.sandbox.api import experiments, supervision

router = APIRouter()
router.include_router(experiments.router)
router.include_router(supervision.router)
