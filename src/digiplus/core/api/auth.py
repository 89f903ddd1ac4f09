"""The API-key caller every ``/v1`` router depends on, and the permission check on top of it.

Core must not import identity (which owns the keys), so identity hands core the
function that turns a secret into a :class:`Caller` when it is imported
(``use_api_key_authenticator``); every module, core or domain, then depends on
``ApiCaller`` / ``requires("x.write")`` from here.

These dependencies are ``async`` and do no blocking work themselves: the authenticator
answers from its cache or does its own database work in a worker thread, apart from
the request's session (see ADR 0009), so a request makes one thread hop for its route
instead of one per dependency.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from digiplus.core.api.ratelimit import check_rate_limit
from digiplus.core.context import Caller
from digiplus.core.errors import AuthenticationFailed
from digiplus.core.permissions import require

ApiKeyAuthenticator = Callable[[str, str | None], Awaitable[Caller]]
"""``async (secret, request_id) -> Caller``; raises ``AuthenticationFailed`` for a bad key."""

_authenticators: list[ApiKeyAuthenticator] = []

_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer sk_test_…`")


def use_api_key_authenticator(authenticator: ApiKeyAuthenticator) -> None:
    _authenticators[:] = [authenticator]


async def get_api_caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Caller:
    if credentials is None or not credentials.credentials:
        raise AuthenticationFailed(
            "You did not provide an API key. Send it as 'Authorization: Bearer sk_test_…'.",
            code="api_key_missing",
        )
    if not _authenticators:
        raise RuntimeError("no API-key authenticator registered (digiplus.identity.deps was never imported)")
    caller = await _authenticators[0](credentials.credentials, getattr(request.state, "request_id", None))
    await check_rate_limit(caller.actor_id)
    return caller


ApiCaller = Annotated[Caller, Depends(get_api_caller)]


async def get_optional_api_caller(request: Request, credentials: HTTPAuthorizationCredentials | None) -> Caller | None:
    """For public reads: None for an anonymous request (rate-limited per client address, at the
    lower ``anonymous_rate_limit``); a key that is sent must be valid (401 otherwise)."""
    if credentials is None or not credentials.credentials:
        await check_rate_limit(request.client.host if request.client else "unknown", anonymous=True)
        return None
    return await get_api_caller(request, credentials)


def requires(permission: str) -> Any:
    """A dependency returning the caller, or 403 ``permission_error`` without ``permission``."""

    async def _check(caller: ApiCaller) -> Caller:
        require(caller.role, permission)
        return caller

    return Depends(_check)
