"""The catalogue's callers: anonymous visitors may read public data, keys may do more."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from digiplus.core.api.auth import get_optional_api_caller, requires
from digiplus.core.context import Caller
from digiplus.core.permissions import grant

grant("admin", "data.write")
grant("developer", "data.write")

_optional_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="OptionalApiKey",
    description="Optional on public reads: without a key you see the public, live catalogue.",
)


async def get_optional_caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_optional_bearer)],
) -> Caller | None:
    """None for an anonymous request (rate-limited per address); a sent key must be valid (401 otherwise)."""
    return await get_optional_api_caller(request, credentials)


MaybeCaller = Annotated[Caller | None, Depends(get_optional_caller)]
Writer = Annotated[Caller, requires("data.write")]
Reader = Annotated[Caller, requires("data.read")]
