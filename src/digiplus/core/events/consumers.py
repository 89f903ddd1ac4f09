"""Consumers of the outbox: modules that act on events after they commit (loyalty
earning, the lake sync), each with its own cursor.

A consumer is registered once with the event types it wants and a handler::

    register_consumer("loyalty.earn", ["payment_intent.succeeded"], earn_for_events)

``run_consumer`` hands the handler every event it has not seen yet, oldest first,
in batches. Each batch runs in one transaction together with the cursor's advance,
so what a handler writes to the database happens exactly once. A handler with
effects outside the database (a Parquet file) must make them idempotent (the lake
names its file after the batch's first and last event), because a crash between
the effect and the commit hands the same batch over again.

Ordering and gaps: the cursor is the ``(created, id)`` of the last event handled.
On SQLite writes are serialised, so events commit in ``created`` order and the
cursor never skips one. On PostgreSQL transactions overlap: an event stamped at T
may commit after one stamped later. Events younger than ``consumer_lag_seconds``
are therefore left for the next run; a transaction that stays open longer than
that lag could still be skipped, which is why the setting is well above the
longest transaction the platform runs (statement timeouts are shorter).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from digiplus.core.db import Database, utcnow
from digiplus.core.events.models import Event, EventConsumerCursor
from digiplus.core.worker import task
from digiplus.settings import get_settings

Handler = Callable[[Session, Sequence[Event]], None]


@dataclass(frozen=True)
class Consumer:
    name: str
    event_types: tuple[str, ...]
    handler: Handler


_CONSUMERS: dict[str, Consumer] = {}


def register_consumer(name: str, event_types: Sequence[str], handler: Handler) -> Consumer:
    """Declare a consumer; the worker runs every registered one (``run_consumers``)."""
    if not event_types:
        raise ValueError(f"consumer {name!r} names no event types")
    consumer = Consumer(name, tuple(event_types), handler)
    _CONSUMERS[name] = consumer
    return consumer


def registered_consumers() -> dict[str, Consumer]:
    return dict(_CONSUMERS)


def _lag(db: Database) -> timedelta:
    if db.engine.dialect.name == "sqlite":
        return timedelta(0)
    return timedelta(seconds=get_settings().consumer_lag_seconds)


def _after(cursor: EventConsumerCursor) -> ColumnElement[bool]:
    """Events past the cursor in ``(created, id)`` order."""
    if cursor.last_created is None or cursor.last_event_id is None:
        return Event.id.is_not(None)
    return or_(
        Event.created > cursor.last_created,
        and_(Event.created == cursor.last_created, Event.id > cursor.last_event_id),
    )


def pending_count(db: Database, name: str) -> int:
    """Events the consumer has not handled yet (for progress bars)."""
    consumer = _CONSUMERS[name]
    with db.session() as session:
        cursor = session.get(EventConsumerCursor, name)
        stmt = select(func.count()).select_from(Event).where(Event.type.in_(consumer.event_types))
        if cursor is not None:
            stmt = stmt.where(_after(cursor))
        return int(session.scalar(stmt) or 0)


def run_consumer(
    db: Database,
    name: str,
    *,
    batch_size: int = 500,
    max_batches: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Hand the consumer's unseen events to its handler, batch by batch; returns how many it handled.

    Stops when no event is left (or after ``max_batches``). ``progress`` is called
    with the size of every committed batch."""
    consumer = _CONSUMERS[name]
    handled = batches = 0
    while max_batches is None or batches < max_batches:
        with db.session() as session:
            cursor = session.get(EventConsumerCursor, name, with_for_update=True)
            if cursor is None:
                cursor = EventConsumerCursor(consumer=name, handled=0)
                session.add(cursor)
                session.flush()
            stmt = (
                select(Event)
                .where(Event.type.in_(consumer.event_types), Event.created <= utcnow() - _lag(db))
                .order_by(Event.created, Event.id)
                .limit(batch_size)
            )
            stmt = stmt.where(_after(cursor))
            events = list(session.scalars(stmt))
            if not events:
                return handled
            consumer.handler(session, events)
            cursor.last_created, cursor.last_event_id = events[-1].created, events[-1].id
            cursor.handled += len(events)
            cursor.updated = utcnow()
        handled += len(events)
        batches += 1
        if progress is not None:
            progress(len(events))
    return handled


@task("event_consumers")
def run_consumers(db: Database) -> int:
    """The worker's round: a few batches of every registered consumer."""
    return sum(run_consumer(db, name, max_batches=4) for name in list(_CONSUMERS))
