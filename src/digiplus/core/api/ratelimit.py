"""Per-key rate limits: a moving window, in this process's memory or in shared storage.

``DIGIPLUS_RATE_LIMIT`` uses the ``limits`` library's syntax (``100/second``). With the
default ``memory://`` storage the window is kept here, in a few lines, because the
library's memory storage starts a timer thread for expiry on every burst of hits (a
thread start per request under load). With any other storage (``redis://…``, shared by
every process) the ``limits`` moving-window limiter does the counting, in a worker
thread since its client blocks.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from functools import lru_cache

from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from starlette.concurrency import run_in_threadpool

from digiplus.core.errors import RateLimited
from digiplus.settings import get_settings


class LocalMovingWindow:
    """At most ``amount`` hits in any ``seconds``-long window, per identity, in memory."""

    def __init__(self, amount: int, seconds: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.amount, self.seconds, self.clock = amount, seconds, clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._next_sweep = clock() + seconds

    def hit(self, identity: str) -> float | None:
        """Count a hit and return None, or refuse it and return the seconds until one is allowed."""
        now = self.clock()
        with self._lock:
            if now >= self._next_sweep:
                self._sweep(now)
            hits = self._hits.get(identity)
            if hits is None:
                hits = self._hits[identity] = deque()
            horizon = now - self.seconds
            while hits and hits[0] <= horizon:
                hits.popleft()
            if len(hits) >= self.amount:
                return hits[0] - horizon
            hits.append(now)
            return None

    def _sweep(self, now: float) -> None:
        """Forget identities idle for a whole window (keys seen once must not stay forever)."""
        horizon = now - self.seconds
        for identity in [i for i, hits in self._hits.items() if not hits or hits[-1] <= horizon]:
            del self._hits[identity]
        self._next_sweep = now + self.seconds


@lru_cache
def _item(rate_limit: str) -> RateLimitItem:
    return parse(rate_limit)


@lru_cache
def _local(rate_limit: str) -> LocalMovingWindow:
    item = _item(rate_limit)
    return LocalMovingWindow(item.amount, item.get_expiry())


@lru_cache
def _limiter(storage_uri: str) -> MovingWindowRateLimiter:
    return MovingWindowRateLimiter(storage_from_string(storage_uri))


def _shared_hit(rate_limit: str, storage_uri: str, identity: str) -> float | None:
    item = _item(rate_limit)
    limiter = _limiter(storage_uri)
    if limiter.hit(item, "api", identity):
        return None
    reset_at, _remaining = limiter.get_window_stats(item, "api", identity)
    return reset_at - time.time()


async def check_rate_limit(identity: str, *, anonymous: bool = False) -> None:
    """Count one request of ``identity``; raise ``RateLimited`` (429, ``Retry-After``) over the limit.

    ``anonymous`` requests (no API key; ``identity`` is the client address) count against
    the lower ``anonymous_rate_limit``."""
    settings = get_settings()
    rate_limit = settings.anonymous_rate_limit if anonymous else settings.rate_limit
    identity = f"anon:{identity}" if anonymous else identity
    if settings.rate_limit_storage == "memory://":
        wait = _local(rate_limit).hit(identity)
    else:
        wait = await run_in_threadpool(_shared_hit, rate_limit, settings.rate_limit_storage, identity)
    if wait is not None:
        retry = max(1, math.ceil(wait))
        who = "this address (no API key)" if anonymous else "this key"
        raise RateLimited(
            f"Too many requests for {who} (limit {rate_limit}); retry in {retry} s.",
            headers={"Retry-After": str(retry)},
        )


def reset_rate_limits() -> None:
    _local.cache_clear()
    _limiter.cache_clear()
