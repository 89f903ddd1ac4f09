"""``create_app()``: the FastAPI application, every module mounted from one registry."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from digiplus.core import health
from digiplus.core.api.errors import install_error_handlers
from digiplus.core.api.idempotency import IdempotencyMiddleware
from digiplus.core.api.middleware import ApiVersionMiddleware, BodySizeLimitMiddleware, RequestContextMiddleware
from digiplus.core.api.routing import index_routes
from digiplus.core.db import get_database
from digiplus.core.logging import configure_logging
from digiplus.core.warmup import start_warmups
from digiplus.core.worker import Worker
from digiplus.registry import load_modules, parts
from digiplus.settings import Settings, get_settings
from digiplus.web.errors import install_page_error_handlers

STATIC_DIR = Path(__file__).parent / "web" / "static"

# Importing the app registers every module's worker tasks (the worker thread and `digiplus worker` need them).
load_modules()

DESCRIPTION = """
The digiplus HTTP API. Authenticate with an API key: `Authorization: Bearer sk_test_…`
(test mode) or `sk_live_…` (live mode); a key sees only its own organisation's objects
in its own mode. Amounts are integers in minor units. Every POST accepts an
`Idempotency-Key`; errors are `{"error": {"type", "code", "message", "param"}}`;
lists are `{"object": "list", "data", "has_more"}` paged with `limit`, `starting_after`
and `ending_before`. Send `Digiplus-Version` to pin the API version.
"""


def create_app(settings: Settings | None = None, *, run_worker: bool | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level, settings.log_json)
    start_worker = settings.worker_enabled if run_worker is None else run_worker

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        worker = Worker() if start_worker else None
        if worker:
            worker.start_thread()
        if settings.warm_up:
            start_warmups(get_database())
        try:
            yield
        finally:
            if worker:
                worker.stop()

    app = FastAPI(
        title="digiplus API",
        version=settings.api_version,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url=None,
    )
    install_error_handlers(app)
    install_page_error_handlers(app)  # pages answer errors in HTML, the API in JSON
    app.include_router(health.router)
    for api in parts("api"):
        app.include_router(api.router)
    for pages in parts("pages"):
        app.include_router(pages.router, include_in_schema=False)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    index_routes(app)  # match a request only against the routers its path can reach
    # Added innermost first: the request id wraps everything, idempotency sits next to the routes.
    app.add_middleware(IdempotencyMiddleware, ttl_hours=settings.idempotency_ttl_hours)
    app.add_middleware(ApiVersionMiddleware, default_version=settings.api_version)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestContextMiddleware)
    return app
