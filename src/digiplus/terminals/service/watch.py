"""How a waiting terminal hears that its payment changed, in every server process (ADR 0018).

Payments write an event to the outbox in the transaction that changes an intent
(``payment_intent.succeeded``, ``….payment_failed``, ``….canceled``, ``….processing``,
``refund.succeeded``…).
Each server process runs one watcher while at least one terminal waits in it: every
``DIGIPLUS_TERMINAL_WATCH_INTERVAL_MS`` (100 ms) it reads the outbox rows of those types
newer than its cursor (one indexed range query, whatever the number of waiting terminals)
and wakes the waiters of the intents named there; a woken waiter reads its payment again.
With no waiter the watcher stops and costs nothing. This works on SQLite and PostgreSQL
alike and across ``--workers N`` processes or hosts, because the outbox is the database.

PostgreSQL commits transactions out of ``created`` order: the cursor looks back
``OVERLAP`` (2 s) and remembers the ids it has handed out in that span, so a late commit is
still seen once. Waiters also read their payment again every ``RECHECK_SECONDS`` whatever
the watcher says, the safety net if an event is ever missed.
"""

from __future__ import annotations

import asyncio
import weakref
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

import anyio
import structlog
from sqlalchemy import select

from digiplus.core.db import Database, get_database, utcnow
from digiplus.core.events.models import Event
from digiplus.settings import get_settings

log = structlog.get_logger("digiplus.terminals.watch")

WATCHED_TYPES = (
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
    "payment_intent.canceled",
    "payment_intent.amount_capturable_updated",
    "payment_intent.requires_action",  # e.g. the payer must approve in the wallet
    "payment_intent.processing",
    "refund.succeeded",
)
OVERLAP = timedelta(seconds=2)
RECHECK_SECONDS = 15.0
BATCH = 2000


# The intent an event names, read in SQL (json_extract on SQLite, #>> on PostgreSQL): the
# watcher never loads the events' whole payloads, only two short strings per row.
_OBJECT_ID = Event.data[("object", "id")].as_string()
_OBJECT_INTENT = Event.data[("object", "payment_intent")].as_string()


def _intent_of(event_type: str, object_id: str | None, object_intent: str | None) -> str | None:
    return object_intent if event_type.startswith("refund.") else object_id


class Subscription:
    """One waiter's interest in one payment intent; ``changed()`` returns once something happened."""

    def __init__(self, watch: PaymentWatch, intent_id: str) -> None:
        self.watch, self.intent_id = watch, intent_id
        self.flag = asyncio.Event()

    async def changed(self, timeout: float) -> bool:
        """True when the watcher saw an event for the intent (False: ``timeout`` passed first)."""
        with anyio.move_on_after(timeout):
            await self.flag.wait()
        woke = self.flag.is_set()
        self.flag.clear()
        return woke


class PaymentWatch:
    """The watcher of one server process (one per event loop)."""

    def __init__(self) -> None:
        self._waiters: dict[str, set[Subscription]] = defaultdict(set)
        self._task: asyncio.Task[None] | None = None
        self._since: datetime | None = None
        self._seen: dict[str, datetime] = {}
        # Its own gate to the worker threads: the watcher's one query never queues behind the
        # request threads (anyio's default limiter), or every waiter would wait with it.
        self._limiter = anyio.CapacityLimiter(1)
        self.polls = 0

    @property
    def waiting(self) -> int:
        return sum(len(subs) for subs in self._waiters.values())

    @contextmanager
    def subscribe(self, intent_id: str) -> Iterator[Subscription]:
        """Register before reading the payment's state, so no change falls between the read and the wait."""
        sub = Subscription(self, intent_id)
        self._waiters[intent_id].add(sub)
        if self._task is None:
            self._since, self._seen = utcnow() - OVERLAP, {}
            self._task = asyncio.get_running_loop().create_task(self._run(get_database()))
        try:
            yield sub
        finally:
            subs = self._waiters.get(intent_id)
            if subs is not None:
                subs.discard(sub)
                if not subs:
                    del self._waiters[intent_id]

    async def _run(self, db: Database) -> None:
        interval = get_settings().terminal_watch_interval_ms / 1000
        try:
            while self._waiters:
                await asyncio.sleep(interval)
                try:
                    changed = await anyio.to_thread.run_sync(self._fetch, db, limiter=self._limiter)
                except Exception:  # a failed look is retried next tick; waiters also re-check on their own
                    log.exception("terminal_watch_failed")
                    continue
                for intent_id in changed:
                    for sub in self._waiters.get(intent_id, ()):
                        sub.flag.set()
        finally:
            self._task = None

    def _fetch(self, db: Database) -> set[str]:
        """The intents named by outbox events not handed out yet (runs in a worker thread)."""
        since = self._since or utcnow()
        self.polls += 1
        look_from = since - OVERLAP
        with db.read_session() as session:
            rows = session.execute(
                select(Event.id, Event.created, Event.type, _OBJECT_ID, _OBJECT_INTENT)
                .where(Event.type.in_(WATCHED_TYPES), Event.created > look_from)
                .order_by(Event.created, Event.id)
                .limit(BATCH)
            ).all()
        changed: set[str] = set()
        for event_id, created, event_type, object_id, object_intent in rows:
            if event_id in self._seen:
                continue
            self._seen[event_id] = created
            since = max(since, created)
            intent_id = _intent_of(event_type, object_id, object_intent)
            if intent_id:
                changed.add(intent_id)
        self._since = since
        horizon = since - OVERLAP
        self._seen = {k: v for k, v in self._seen.items() if v > horizon}
        return changed


_watches: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, PaymentWatch] = weakref.WeakKeyDictionary()


def current_watch() -> PaymentWatch:
    """This process's watcher (per event loop: a test client's loop gets its own)."""
    loop = asyncio.get_running_loop()
    watch = _watches.get(loop)
    if watch is None:
        watch = _watches[loop] = PaymentWatch()
    return watch
