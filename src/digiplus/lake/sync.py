"""``digiplus lake sync``: the outbox consumer that keeps the fact tables up to date.

The consumer ``lake.sync`` (``core.events.consumers``) hands over the payment, refund and
wallet events it has not seen (``sync_sources.EXTRACTORS``), oldest first, in batches. For each batch, in the transaction that
advances its cursor, the handler reads what the events lack from the payment tables
(``sync_sources``) and writes one Parquet file per table and business day, named after the
batch's first and last event (``fact_writer``). So:

- no gaps: the cursor moves only in the transaction that follows a complete write;
- no duplicates: a batch whose commit failed is handed over again and rewrites the same key;
  if more events had arrived meanwhile, the re-run's batch is longer, and the earlier file
  (same first event) is removed when the new one is in place.

The worker runs it with every other consumer (task ``event_consumers``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy.orm import Session

from digiplus.core.db import Database
from digiplus.core.events import Event, pending_count, register_consumer, run_consumer
from digiplus.lake.fact_writer import write_facts
from digiplus.lake.store import get_lake
from digiplus.lake.sync_sources import EXTRACTORS, facts_for_events

CONSUMER = "lake.sync"
DEFAULT_BATCH = 2000


def write_batch(session: Session, events: Sequence[Event]) -> None:
    """The consumer's handler: the batch's facts into the lake (idempotent, see the module doc)."""
    write_facts(get_lake(), facts_for_events(session, events), source="sync")


register_consumer(CONSUMER, sorted(EXTRACTORS), write_batch)


def pending_events(db: Database) -> int:
    return pending_count(db, CONSUMER)


def sync_lake(db: Database, *, batch_size: int = DEFAULT_BATCH, progress: Callable[[int], None] | None = None) -> int:
    """Catch up with the outbox; returns the number of events handled."""
    return run_consumer(db, CONSUMER, batch_size=batch_size, progress=progress)
