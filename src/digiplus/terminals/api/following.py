"""Following a payment without polling hard: Server-Sent Events, or one long poll (ADR 0018)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from digiplus.settings import get_settings
from digiplus.terminals.api.signed import RESPONSES, TerminalDep
from digiplus.terminals.schemas import SalePublic
from digiplus.terminals.service import following
from digiplus.terminals.service.access import TerminalIdentity

router = APIRouter(prefix="/v1/terminal", tags=["terminal device"], responses=RESPONSES)
IntentId = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_]+$")]
STREAM_LIFETIME = 600.0  # the terminal reconnects (signing anew) after this


async def _frames(terminal: TerminalIdentity, intent_id: str, keepalive: float) -> AsyncIterator[str]:
    yield "retry: 1000\n\n"
    async for state in following.follow(terminal, intent_id, keepalive=keepalive, lifetime=STREAM_LIFETIME):
        if state is None:
            yield ": keep-alive\n\n"
        else:
            yield f"event: payment\nid: {state['status']}\ndata: {json.dumps(state, separators=(',', ':'))}\n\n"


@router.get(
    "/payments/{intent_id}/events",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"text/event-stream": {}},
            "description": "`event: payment` with the payment now, then on every change, until it is final "
            "(succeeded, canceled, requires_capture); a `: keep-alive` comment in silences",
        }
    },
    summary="Follow a payment as Server-Sent Events (it turns to paid the moment it succeeds)",
)
async def payment_events(intent_id: IntentId, terminal: TerminalDep) -> StreamingResponse:
    await run_in_threadpool(following.payment_state, terminal, intent_id)  # 404 before the stream starts
    keepalive = min(15.0, get_settings().terminal_wait_seconds)
    return StreamingResponse(
        _frames(terminal, intent_id, keepalive),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


@router.get(
    "/payments/{intent_id}/wait",
    response_model=SalePublic,
    summary="Long poll: the payment as soon as its status is no longer `status` (or after `timeout` seconds)",
)
async def wait_for_payment(
    intent_id: IntentId,
    terminal: TerminalDep,
    status: Annotated[str | None, Query(max_length=40, pattern=r"^[a-z_]+$")] = None,
    timeout: Annotated[float | None, Query(gt=0, le=300)] = None,
) -> dict[str, Any]:
    limit = min(timeout or get_settings().terminal_wait_seconds, get_settings().terminal_wait_seconds)
    return await following.wait_for_change(terminal, intent_id, seen_status=status, timeout=limit)
