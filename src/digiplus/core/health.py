"""``/healthz`` (the process is up), ``/readyz`` (the database answers), ``/metrics``."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from digiplus.core.db import get_database

router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="Liveness")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="Readiness: the database answers", responses={503: {"description": "Not ready"}})
def readyz() -> JSONResponse:
    try:
        with get_database().engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any failure means not ready
        return JSONResponse({"status": "unavailable", "database": str(exc.__class__.__name__)}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
