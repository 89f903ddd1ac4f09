"""Work a server process does once, in the background, as soon as it starts.

Some state is built on a process's first use and makes that first request wait: the
catalogue's in-memory search index takes seconds to load at 100,000 datasets. A module
registers such a load with ``@warmup``; ``create_app``'s lifespan runs every one in a daemon
thread, so the process answers at once and the first search usually finds the work done
(a request that comes first simply does the load itself, under the same lock).
``DIGIPLUS_WARM_UP=false`` turns it off (the tests do: each test builds what it needs).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import structlog

from digiplus.core.db import Database

log = structlog.get_logger("digiplus.warmup")

Warmup = Callable[[Database], None]
_WARMUPS: dict[str, Warmup] = {}


def warmup(fn: Warmup) -> Warmup:
    """Register ``fn(db)`` to run once when a server process starts."""
    _WARMUPS[f"{fn.__module__}.{fn.__qualname__}"] = fn
    return fn


def run_warmups(db: Database) -> list[str]:
    """Every registered warm-up, in turn; one that fails is logged and the next still runs."""
    done = []
    for name, fn in _WARMUPS.items():
        try:
            fn(db)
            done.append(name)
        except Exception:  # a warm-up only saves time: the first request does the work instead
            log.exception("warmup_failed", warmup=name)
    return done


def start_warmups(db: Database) -> threading.Thread:
    thread = threading.Thread(target=run_warmups, args=(db,), name="digiplus-warmup", daemon=True)
    thread.start()
    return thread
