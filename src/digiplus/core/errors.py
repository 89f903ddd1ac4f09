"""Domain errors raised by services, and their one mapping to the API error object.

Services raise these; ``core.api.errors`` turns them into
``{"error": {"type", "code", "message", "param"}}`` with the right HTTP status, and
the web pages turn them into flash messages.
"""

from __future__ import annotations


class DigiplusError(Exception):
    status_code = 400
    error_type = "invalid_request_error"
    code = "invalid_request"

    def __init__(
        self,
        message: str,
        *,
        param: str | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        self.headers = headers or {}
        if code is not None:
            self.code = code

    def to_dict(self) -> dict[str, str | None]:
        return {
            "type": self.error_type,
            "code": self.code,
            "message": self.message,
            "param": self.param,
        }


class InvalidRequest(DigiplusError):
    pass


class ValidationFailed(DigiplusError):
    status_code = 422
    code = "parameter_invalid"


class AuthenticationFailed(DigiplusError):
    status_code = 401
    error_type = "authentication_error"
    code = "invalid_api_key"


class PermissionDenied(DigiplusError):
    status_code = 403
    error_type = "permission_error"
    code = "insufficient_permissions"


class NotFound(DigiplusError):
    status_code = 404
    code = "resource_missing"


class Conflict(DigiplusError):
    status_code = 409
    code = "conflict"


class IdempotencyError(DigiplusError):
    status_code = 422
    error_type = "idempotency_error"
    code = "idempotency_key_reused"


class IdempotencyInProgress(DigiplusError):
    status_code = 409
    error_type = "idempotency_error"
    code = "idempotency_key_in_use"


class RateLimited(DigiplusError):
    status_code = 429
    error_type = "rate_limit_error"
    code = "rate_limit"


class PayloadTooLarge(DigiplusError):
    status_code = 413
    code = "body_too_large"
