"""Pure-ASGI middleware: request ids and access logs, metrics, API version, body size limit."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from urllib.parse import parse_qsl

import structlog
from prometheus_client import Counter, Histogram
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from digiplus.core.api.errors import error_response
from digiplus.core.ids import id_for

SUPPORTED_VERSIONS = ("2026-11-27",)

log = structlog.get_logger("digiplus.http")
REQUESTS = Counter("digiplus_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram("digiplus_http_request_seconds", "HTTP request latency", ["method", "route"])
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")


def _route_of(scope: Scope) -> str:
    route = scope.get("route")
    return getattr(route, "path", None) or "unmatched"


class RequestContextMiddleware:
    """Gives every request an id (``Request-Id``), logs it as JSON, counts it for /metrics."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = Headers(scope=scope).get("x-request-id", "")
        request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else id_for("request")
        scope.setdefault("state", {})["request_id"] = request_id
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)["Request-Id"] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            elapsed = time.perf_counter() - started
            route = _route_of(scope)
            REQUESTS.labels(scope["method"], route, str(status)).inc()
            LATENCY.labels(scope["method"], route).observe(elapsed)
            log.info(
                "request",
                method=scope["method"],
                path=scope["path"],
                status=status,
                duration_ms=round(elapsed * 1000, 2),
            )
            structlog.contextvars.unbind_contextvars("request_id")


class ApiVersionMiddleware:
    """Refuses a NUL character in any query string; checks ``Digiplus-Version`` on /v1 requests and
    states the version in every API response."""

    def __init__(self, app: ASGIApp, default_version: str) -> None:
        self.app = app
        self.default_version = default_version

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and b"%00" in scope.get("query_string", b""):
            # PostgreSQL text cannot hold NUL: refuse it at the edge, on every database and every route.
            name = next((k for k, v in parse_qsl(scope["query_string"].decode("latin-1")) if "\x00" in k + v), None)
            response = error_response(
                422, "invalid_request_error", "parameter_invalid", "must not contain NUL characters", name
            )
            await response(scope, receive, send)
            return
        if scope["type"] != "http" or not scope["path"].startswith("/v1/"):
            await self.app(scope, receive, send)
            return
        asked = Headers(scope=scope).get("digiplus-version")
        if asked is not None and asked not in SUPPORTED_VERSIONS:
            response = error_response(
                400,
                "invalid_request_error",
                "api_version_invalid",
                f"Unknown Digiplus-Version '{asked}'; supported: {', '.join(SUPPORTED_VERSIONS)}.",
                "Digiplus-Version",
            )
            await response(scope, receive, send)
            return
        version = asked or self.default_version

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["Digiplus-Version"] = version
            await send(message)

        await self.app(scope, receive, send_wrapper)


_LARGE_BODIES: dict[str, Callable[[], int]] = {}
_LARGE_BODY_PATTERNS: list[tuple[re.Pattern[str], Callable[[], int]]] = []


def allow_large_bodies(path: str, max_bytes: Callable[[], int]) -> None:
    """Let ``POST``/``PUT`` to exactly ``path`` (an upload route) send up to ``max_bytes()``."""
    _LARGE_BODIES[path] = max_bytes


def allow_large_bodies_matching(pattern: str, max_bytes: Callable[[], int]) -> None:
    """The same for upload routes with an id in the path: ``pattern`` must match the whole path."""
    _LARGE_BODY_PATTERNS.append((re.compile(pattern), max_bytes))


def _large_body_limit(path: str) -> Callable[[], int] | None:
    found = _LARGE_BODIES.get(path)
    if found is None:
        found = next((limit for pattern, limit in _LARGE_BODY_PATTERNS if pattern.fullmatch(path)), None)
    return found


class BodySizeLimitMiddleware:
    """Refuses bodies over the limit with 413 before any handler reads them."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.default_max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        large = _large_body_limit(scope["path"]) if scope.get("method") in ("POST", "PUT") else None
        max_bytes = large() if large is not None else self.default_max_bytes
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > max_bytes:
            await self._refuse(scope, receive, send, max_bytes)
            return
        received = 0
        response_started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_bytes:
                    raise _TooLarge(413, f"The request body is larger than {max_bytes} bytes.")
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            response_started = response_started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not response_started:
                await self._refuse(scope, receive, send, max_bytes)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, max_bytes: int) -> None:
        response = error_response(
            413,
            "invalid_request_error",
            "body_too_large",
            f"The request body is larger than {max_bytes} bytes.",
        )
        await response(scope, receive, send)


class _TooLarge(HTTPException):
    """An HTTPException, so that FastAPI's body parsing passes it on unchanged."""
