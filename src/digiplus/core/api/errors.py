"""Every error leaves the API as ``{"error": {"type", "code", "message", "param"}}``."""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from digiplus.core.errors import DigiplusError

log = structlog.get_logger()

_STATUS_TYPES = {401: "authentication_error", 403: "permission_error", 429: "rate_limit_error"}


def error_response(
    status: int,
    error_type: str,
    code: str,
    message: str,
    param: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = {"error": {"type": error_type, "code": code, "message": message, "param": param}}
    return JSONResponse(body, status_code=status, headers=headers)


def _param_of(loc: tuple[Any, ...]) -> str | None:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    if not parts:
        return None
    head, *rest = parts
    return head + "".join(f"[{p}]" for p in rest)


def _validation_message(err: dict[str, Any], param: str | None) -> str:
    kind = err.get("type", "")
    if kind == "extra_forbidden":
        return f"Received unknown parameter: {param}"
    if kind == "missing":
        return f"Missing required param: {param}"
    if kind == "json_invalid":
        return "Invalid JSON in the request body."
    where = f"Invalid {param}: " if param else "Invalid request: "
    return where + str(err.get("msg", "invalid value")).rstrip(".") + "."


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DigiplusError)
    async def _domain(_: Request, exc: DigiplusError) -> JSONResponse:
        return error_response(exc.status_code, exc.error_type, exc.code, exc.message, exc.param, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = list(exc.errors())
        first = errors[0] if errors else {}
        param = _param_of(tuple(first.get("loc", ())))
        code = (
            "parameter_unknown"
            if first.get("type") == "extra_forbidden"
            else ("parameter_missing" if first.get("type") == "missing" else "parameter_invalid")
        )
        if first.get("type") == "json_invalid":
            code, param = "body_invalid_json", None
        return error_response(422, "invalid_request_error", code, _validation_message(first, param), param)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        status = exc.status_code
        if status == 404:
            return error_response(404, "invalid_request_error", "resource_missing", "Unrecognized request URL.")
        if status == 413:
            return error_response(413, "invalid_request_error", "body_too_large", str(exc.detail))
        if status == 405:
            return error_response(
                405, "invalid_request_error", "method_not_allowed", "Method not allowed for this URL."
            )
        return error_response(status, _STATUS_TYPES.get(status, "invalid_request_error"), "http_error", str(exc.detail))

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled_error", exc_info=exc)
        return error_response(500, "api_error", "internal_error", "An unexpected error occurred; it has been logged.")
