"""The API-key caller every ``/v1`` router depends on, and the permission check on top of it.

Core must not import identity (which owns the keys), so identity hands core the
function that turns a secret into a :class:`Caller` when it is imported
(``use_api_key_authenticator``); every module, core or domain, then depends on
``ApiCaller`` / ``requires("x.write")`` from here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from digiplus.core.api.deps import SessionDep
from digiplus.core.api.ratelimit import check_rate_limit
from digiplus.core.context import Caller
from digiplus.core.errors import AuthenticationFailed
from digiplus.core.permissions import require

ApiKeyAuthenticator = Callable[[Session, str, str | None], Caller]
"""``(session, secret, request_id) -> Caller``; raises ``AuthenticationFailed`` for a bad key."""

_authenticators: list[ApiKeyAuthenticator] = []

_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer sk_test_…`")


def use_api_key_authenticator(authenticator: ApiKeyAuthenticator) -> None:
    _authenticators[:] = [authenticator]


def get_api_caller(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Caller:
    if credentials is None or not credentials.credentials:
        raise AuthenticationFailed(
            "You did not provide an API key. Send it as 'Authorization: Bearer sk_test_…'.",
            code="api_key_missing",
        )
    if not _authenticators:
        raise RuntimeError("no API-key authenticator registered (digiplus.identity.deps was never imported)")
    caller = _authenticators[0](session, credentials.credentials, getattr(request.state, "request_id", None))
    check_rate_limit(caller.actor_id)
    return caller


ApiCaller = Annotated[Caller, Depends(get_api_caller)]


def requires(permission: str) -> Any:
    """A dependency returning the caller, or 403 ``permission_error`` without ``permission``."""

    def _check(caller: ApiCaller) -> Caller:
        require(caller.role, permission)
        return caller

    return Depends(_check)
