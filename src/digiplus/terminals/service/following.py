"""Following one payment from a terminal: an event stream (SSE) or one long poll.

Both subscribe to this process's watcher first, then read the payment, then wait; a wake-up
(or the periodic re-check) reads the payment again and reports it when it differs from what
the terminal last saw. The reads run in worker threads with read sessions of their own.
"""

from __future__ import annotations

import random
import time
from collections.abc import AsyncIterator
from typing import Any

from starlette.concurrency import run_in_threadpool

from digiplus.core.db import get_database
from digiplus.terminals.service.access import TerminalIdentity
from digiplus.terminals.service.selling import find_sale, sale_data
from digiplus.terminals.service.watch import RECHECK_SECONDS, current_watch

FINAL = ("succeeded", "canceled", "requires_capture")


def _recheck() -> float:
    """The safety-net re-read's period, spread so that many terminals that started waiting together
    do not all read at the same moment."""
    return RECHECK_SECONDS * random.uniform(0.75, 1.25)  # noqa: S311 -- timing jitter, not a secret


def payment_state(terminal: TerminalIdentity, intent_id: str) -> dict[str, Any]:
    with get_database().read_session() as session:
        return sale_data(find_sale(session, terminal, intent_id=intent_id))


def _fingerprint(state: dict[str, Any]) -> tuple[Any, ...]:
    error = state["last_payment_error"] or {}
    return state["status"], state["amount_refunded"], error.get("code"), state["wallet_amount"]


async def follow(
    terminal: TerminalIdentity, intent_id: str, *, keepalive: float, lifetime: float
) -> AsyncIterator[dict[str, Any] | None]:
    """Yield the payment now, then each time it changes, until it is final or ``lifetime`` passes;
    ``None`` every ``keepalive`` seconds of silence (the stream sends a comment, proxies keep it open)."""
    watch = current_watch()
    deadline = time.monotonic() + lifetime
    with watch.subscribe(intent_id) as sub:
        state = await run_in_threadpool(payment_state, terminal, intent_id)
        yield state
        last, quiet_since = _fingerprint(state), time.monotonic()
        while state["status"] not in FINAL and time.monotonic() < deadline:
            await sub.changed(min(_recheck(), max(0.0, deadline - time.monotonic())))
            state = await run_in_threadpool(payment_state, terminal, intent_id)
            if _fingerprint(state) != last:
                last, quiet_since = _fingerprint(state), time.monotonic()
                yield state
            elif time.monotonic() - quiet_since >= keepalive:
                quiet_since = time.monotonic()
                yield None


async def wait_for_change(
    terminal: TerminalIdentity, intent_id: str, *, seen_status: str | None, timeout: float
) -> dict[str, Any]:
    """The payment as soon as its status is not ``seen_status`` (at once when it already differs),
    or as it is after ``timeout`` seconds."""
    watch = current_watch()
    deadline = time.monotonic() + timeout
    with watch.subscribe(intent_id) as sub:
        state = await run_in_threadpool(payment_state, terminal, intent_id)
        while seen_status is not None and state["status"] == seen_status:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            await sub.changed(min(_recheck(), left))
            state = await run_in_threadpool(payment_state, terminal, intent_id)
        return state
