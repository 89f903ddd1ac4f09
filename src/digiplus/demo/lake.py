"""The demo world, the lake part: the year of payments synced into the fact tables and compacted.

Runs after the payments are committed, through the same outbox consumer as live payments
(``digiplus lake sync``), then merges each day's files into one (``digiplus lake compact``).
A re-run finds nothing new to sync and nothing to merge.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from digiplus.core.db import Database
from digiplus.lake import get_lake
from digiplus.lake.compaction import compact
from digiplus.lake.sync import sync_lake

DEMO_SYNC_BATCH = 200_000  # the whole year in one batch: one file per table and day, nothing to merge


@dataclass
class DemoLake:
    events: int
    files: int
    rows: int
    seconds: float

    def summary(self) -> str:
        return (
            f"  Lake      {self.rows:,} fact rows in {self.files:,} files ({self.events:,} events synced, "
            f"compacted; {self.seconds:.1f} s): {get_lake().url}"
        )


def build_demo_lake(db: Database) -> DemoLake:
    started = time.perf_counter()
    lake = get_lake()
    events = sync_lake(db, batch_size=DEMO_SYNC_BATCH)
    compact(db, lake)
    keys = [k for k in lake.keys("facts/") if k.endswith(".parquet")]
    rows = sum(lake.metadata(k).num_rows for k in keys)
    return DemoLake(events, len(keys), rows, time.perf_counter() - started)
