"""Who is calling: the API-key caller every ``/v1`` router depends on."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from digiplus.core.api.deps import SessionDep
from digiplus.core.api.ratelimit import check_rate_limit
from digiplus.core.context import Caller
from digiplus.core.errors import AuthenticationFailed
from digiplus.core.permissions import require
from digiplus.identity.service import authenticate_api_key

_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer sk_test_…`")


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
    caller = authenticate_api_key(
        session, credentials.credentials, request_id=getattr(request.state, "request_id", None)
    )
    check_rate_limit(caller.actor_id)
    return caller


ApiCaller = Annotated[Caller, Depends(get_api_caller)]


def requires(permission: str) -> Any:
    """A dependency returning the caller, or 403 ``permission_error`` without ``permission``."""

    def _check(caller: ApiCaller) -> Caller:
        require(caller.role, permission)
        return caller

    return Depends(_check)
