"""The dependency every ``/v1/terminal/…`` route takes: a correctly signed request from an active terminal."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader
from starlette.concurrency import run_in_threadpool

from digiplus.core.api.ratelimit import check_rate_limit
from digiplus.core.api.responses import ERROR_RESPONSES
from digiplus.core.db import get_database
from digiplus.core.permissions import grant
from digiplus.terminals.service.access import TerminalIdentity, authenticate

grant("admin", "terminals.write")
grant("developer", "terminals.write")

_signature = APIKeyHeader(
    name="Authorization",
    scheme_name="TerminalSignature",
    auto_error=False,
    description="A signed terminal request: `DPT1-HMAC-SHA256 terminal=term_…,timestamp=…,nonce=…,signature=…` "
    "(docs/terminals.md). API keys are not accepted here.",
)


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


async def signed_terminal(
    request: Request, authorization: Annotated[str | None, Depends(_signature)]
) -> TerminalIdentity:
    body = await request.body()
    terminal = await run_in_threadpool(
        lambda: authenticate(
            get_database(),
            authorization=authorization,
            method=request.method,
            path=request.url.path,
            query=request.url.query,
            body=body,
            ip=client_ip(request),
            request_id=getattr(request.state, "request_id", None),
        )
    )
    await check_rate_limit(f"terminal:{terminal.terminal_id}")
    return terminal


TerminalDep = Annotated[TerminalIdentity, Depends(signed_terminal)]
RESPONSES: dict[int | str, dict[str, Any]] = {
    **ERROR_RESPONSES,
    401: {**ERROR_RESPONSES[401], "description": "The request is not signed by an active, paired terminal"},
}
