"""The error object, documented once for OpenAPI and attached to every router."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ErrorDetail(BaseModel):
    type: str = Field(examples=["invalid_request_error"])
    code: str = Field(examples=["resource_missing"])
    message: str = Field(examples=["No such webhook_endpoint: 'we_123'"])
    param: str | None = Field(default=None, examples=["id"])


class ErrorObject(BaseModel):
    error: ErrorDetail


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorObject, "description": "Bad request"},
    401: {"model": ErrorObject, "description": "No valid API key"},
    403: {"model": ErrorObject, "description": "The key's role does not allow this"},
    404: {"model": ErrorObject, "description": "No such object in the caller's org and mode"},
    409: {"model": ErrorObject, "description": "Conflict (e.g. the Idempotency-Key is in use)"},
    413: {"model": ErrorObject, "description": "Request body too large"},
    422: {"model": ErrorObject, "description": "Invalid parameters or Idempotency-Key reuse"},
    429: {"model": ErrorObject, "description": "Rate limit exceeded"},
}
