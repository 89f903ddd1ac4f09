"""Per-key rate limits with the ``limits`` library (memory by default, Redis when configured)."""

from __future__ import annotations

import math
import time
from functools import lru_cache

from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from digiplus.core.errors import RateLimited
from digiplus.settings import get_settings


@lru_cache
def _limiter(storage_uri: str) -> MovingWindowRateLimiter:
    return MovingWindowRateLimiter(storage_from_string(storage_uri))


def check_rate_limit(identity: str) -> None:
    settings = get_settings()
    item = parse(settings.rate_limit)
    limiter = _limiter(settings.rate_limit_storage)
    if not limiter.hit(item, "api", identity):
        reset_at, _remaining = limiter.get_window_stats(item, "api", identity)
        retry = max(1, math.ceil(reset_at - time.time()))
        raise RateLimited(
            f"Too many requests for this key (limit {settings.rate_limit}); retry in {retry} s.",
            headers={"Retry-After": str(retry)},
        )


def reset_rate_limits() -> None:
    _limiter.cache_clear()
