"""A per-process memory of checked API keys, so that most requests authenticate without SQL.

An entry maps the SHA-256 digest of a secret to the key's caller, for
``DIGIPLUS_API_KEY_CACHE_SECONDS`` (300 by default; 0 turns the cache off). Revoking a key
forgets it in this process when the revocation commits. Revocations made by another process
(a second ``digiplus serve`` worker, another host, the CLI) are picked up by a check that runs
at most every ``DIGIPLUS_API_KEY_REVOCATION_CHECK_SECONDS`` (1 by default): no cached key is
used while a check is due, and the check drops every entry of a key revoked since the last one
(with a look-back of a minute for clocks and transactions that commit late). So a revoked key is
refused everywhere at most that long after its revocation commits (ADR 0011). Unknown and
revoked keys are never remembered: they are looked up every time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import event
from sqlalchemy.orm import Session

from digiplus.core.context import Caller
from digiplus.core.db import utcnow

MAX_ENTRIES = 10_000
REVOCATION_LOOK_BACK = timedelta(minutes=1)  # revoked_at is the revoking process's clock, before its commit


@dataclass
class CachedKey:
    caller: Caller  # without a request id
    last_used_at: datetime | None  # as last written by this process (or read)
    fresh_until: float  # by the cache's clock (time.monotonic)


class ApiKeyCache:
    def __init__(self, max_entries: int = MAX_ENTRIES, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_entries = max_entries
        self.clock = clock
        self._entries: dict[str, CachedKey] = {}
        self._lock = threading.Lock()
        self._forgotten = 0  # counts forget() calls: a lookup that overlapped one is not remembered
        self._checked_until = float("-inf")  # by the clock: no revocation check is due before then
        self._last_check: datetime | None = None  # wall time at which the last check began
        self._check_lock = threading.Lock()

    def generation(self) -> int:
        """Take this before reading a key from the database and give it to ``put``."""
        return self._forgotten

    def get(self, secret_digest: str) -> CachedKey | None:
        entry = self._entries.get(secret_digest)
        if entry is None or entry.fresh_until <= self.clock():
            return None
        return entry

    def put(
        self, secret_digest: str, caller: Caller, last_used_at: datetime | None, ttl_seconds: float, generation: int
    ) -> None:
        if ttl_seconds <= 0:
            return
        with self._lock:
            if generation != self._forgotten:  # a key was revoked while this one was read: it may be that one
                return
            self._entries.pop(secret_digest, None)
            while len(self._entries) >= self.max_entries:  # drop the oldest (dicts keep insertion order)
                del self._entries[next(iter(self._entries))]
            self._entries[secret_digest] = CachedKey(caller, last_used_at, self.clock() + ttl_seconds)

    def forget(self, secret_digest: str) -> None:
        with self._lock:
            self._forgotten += 1
            self._entries.pop(secret_digest, None)

    def forget_when_committed(self, session: Session, secret_digest: str) -> None:
        """Forget now and again after ``session`` commits: a lookup that read the row before the commit
        either overlapped a ``forget`` (and is not remembered) or is dropped by the second one."""
        self.forget(secret_digest)
        event.listen(session, "after_commit", lambda _s: self.forget(secret_digest), once=True)

    def clear(self) -> None:
        """Forget every key; a revocation check is due again."""
        with self._lock:
            self._forgotten += 1
            self._entries.clear()
            self._checked_until = float("-inf")

    def revocations_due(self) -> bool:
        """True when the entries may not be used before ``check_revocations`` has run."""
        return self.clock() >= self._checked_until

    def check_revocations(self, revoked_since: Callable[[datetime], Iterable[str]], every_seconds: float) -> None:
        """Drop the entries of keys revoked since the last check (``revoked_since(t)``: their digests).

        One thread at a time; a thread that waited finds the check done and returns. The next check
        is due ``every_seconds`` after this one began."""
        with self._check_lock:
            if not self.revocations_due():
                return
            began, wall = self.clock(), utcnow()
            since = (self._last_check or wall) - REVOCATION_LOOK_BACK
            revoked = list(revoked_since(since))
            with self._lock:
                for secret_digest in revoked:
                    self._entries.pop(secret_digest, None)
            self._last_check = wall
            self._checked_until = began + every_seconds


api_key_cache = ApiKeyCache()
