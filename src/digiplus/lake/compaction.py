"""``digiplus lake compact``: merge a day's small files into one per source.

The sync writes a file per batch and day, so a busy day collects many small files, and readers
pay per file. Compaction rewrites, per table, day and source, the files that are final into one
file named after the first and last record they held, with one row per fact id (the first one
met, files taken in name order), sorted by time; then it removes the inputs.

Which files are final: every ``import-…`` file; a ``sync-…`` file only when its last event is at
or before the sync's cursor, i.e. its batch committed. A file of a batch still running (or cut
short and waiting for its re-run, which removes or replaces it) is left alone, so compaction
never swallows rows that the re-run writes again.

Crash safety: the merged file appears whole (``Lake.parquet_writer``) before any input is removed;
a crash between the two leaves rows twice in that one partition until the next compaction run,
which merges the leftovers and drops the duplicate ids. A reader listing the partition in that
instant can see them twice too (a file lake has no multi-file transaction; docs/lake.md).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np
import pyarrow as pa
from sqlalchemy import select

from digiplus.core.db import Database
from digiplus.core.events.models import Event, EventConsumerCursor
from digiplus.lake.fact_writer import file_name, parse_file_name
from digiplus.lake.facts import FACT_ID_COLUMNS, FACT_TABLES, FactTable
from digiplus.lake.store import Lake
from digiplus.lake.sync import CONSUMER


@dataclass
class CompactionReport:
    partitions: int = 0  # partitions looked at
    merged_partitions: int = 0
    files_in: int = 0
    files_out: int = 0
    rows_in: int = 0
    rows_out: int = 0
    skipped_files: int = 0  # sync files of a batch not committed yet
    written: list[str] = field(default_factory=list)


def _day_of(prefix: str, key: str) -> date | None:
    part = key[len(prefix) :].split("/", 1)[0]
    if not part.startswith("date="):
        return None
    try:
        return date.fromisoformat(part[len("date=") :])
    except ValueError:
        return None


def _committed_sync_files(db: Database, keys: list[str]) -> set[str]:
    """The sync files whose last event the cursor has passed."""
    last_ids = {}
    for key in keys:
        parsed = parse_file_name(file_name(key))
        if parsed and parsed[0] == "sync":
            last_ids[key] = parsed[2]
    if not last_ids:
        return set()
    with db.session() as session:
        cursor = session.get(EventConsumerCursor, CONSUMER)
        if cursor is None or cursor.last_created is None or cursor.last_event_id is None:
            return set()
        mark: tuple[datetime, str] = (cursor.last_created, cursor.last_event_id)
        created: dict[str, datetime] = {}
        ids = sorted(set(last_ids.values()))
        for start in range(0, len(ids), 500):
            stmt = select(Event.id, Event.created).where(Event.id.in_(ids[start : start + 500]))
            created.update((row[0], row[1]) for row in session.execute(stmt))
    return {key for key, last in last_ids.items() if last in created and (created[last], last) <= mark}


def _deduplicated(table: pa.Table, fact: FactTable) -> pa.Table:
    """One row per id (the first met), sorted by time then id."""
    id_column = FACT_ID_COLUMNS[fact.name]
    numbered = table.select([id_column]).append_column("__n", pa.array(np.arange(table.num_rows, dtype=np.int64)))
    firsts = numbered.group_by(id_column, use_threads=False).aggregate([("__n", "min")])
    unique = table.take(np.sort(firsts["__n_min"].to_numpy()))
    return unique.sort_by([(fact.time_column, "ascending"), (id_column, "ascending")])


def compact(
    db: Database,
    lake: Lake,
    *,
    tables: list[str] | None = None,
    days: tuple[date, date] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> CompactionReport:
    """Compact every partition (or those of ``tables`` between ``days``) holding two or more final files."""
    report = CompactionReport()
    work: list[tuple[FactTable, date, list[str]]] = []
    for name in tables or sorted(FACT_TABLES):
        fact = FACT_TABLES[name]
        by_day: dict[date, list[str]] = defaultdict(list)
        for key in lake.keys(fact.prefix):
            day = _day_of(fact.prefix, key)
            if day is not None and (days is None or days[0] <= day <= days[1]):
                by_day[day].append(key)
        work += [(fact, day, keys) for day, keys in sorted(by_day.items())]
    for done, (fact, day, keys) in enumerate(work, start=1):
        report.partitions += 1
        _compact_partition(db, lake, fact, day, keys, report)
        if progress is not None:
            progress(done, len(work))
    return report


def _compact_partition(
    db: Database, lake: Lake, fact: FactTable, day: date, keys: list[str], report: CompactionReport
) -> None:
    committed = _committed_sync_files(db, keys)
    by_source: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for key in sorted(keys):
        parsed = parse_file_name(file_name(key))
        if parsed is None:
            continue
        source, first, last = parsed
        if source == "sync" and key not in committed:
            report.skipped_files += 1
            continue
        by_source[source].append((key, first, last))
    merged_any = False
    for source, files in sorted(by_source.items()):
        if len(files) < 2:
            continue
        merged_any = True
        tables = [lake.read_table(key) for key, _, _ in files]
        combined = pa.concat_tables([t.cast(fact.schema) for t in tables])
        unique = _deduplicated(combined, fact)
        first = min(f for _, f, _ in files)
        last = max(x for _, _, x in files)
        out = fact.key(day, source, first, last)
        with lake.parquet_writer(out, fact.schema) as sink:
            sink.write_batch(unique)
        for key, _, _ in files:
            if key != out:
                lake.delete(key)
        report.files_in += len(files)
        report.files_out += 1
        report.rows_in += combined.num_rows
        report.rows_out += unique.num_rows
        report.written.append(out)
    if merged_any:
        report.merged_partitions += 1
