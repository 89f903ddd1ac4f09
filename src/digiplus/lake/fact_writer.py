"""Writing fact rows into their date partitions (``facts.py`` is the layout).

``write_facts`` groups rows by table and business day (Asia/Taipei) and writes one Parquet file
per group, named after the group's first and last record. Each file appears whole or not at all
(``Lake.parquet_writer``). Writing the same group again replaces the file; for the sync, an
earlier attempt of the same batch that was cut short before its commit (same first event, another
last one, because more events had arrived by the re-run) is removed, so a re-run never leaves
the rows twice.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa

from digiplus.lake.facts import FACT_TABLES, FactTable
from digiplus.lake.store import Lake

TAIPEI = ZoneInfo("Asia/Taipei")
SOURCES = ("sync", "import")


def business_day(moment: datetime) -> date:
    """The fact's partition: its date in Asia/Taipei."""
    return moment.astimezone(TAIPEI).date()


@dataclass(frozen=True, slots=True)
class Fact:
    """One row of a fact table; ``record_id`` orders and names the file (the event id for the sync)."""

    table: str
    record_id: str
    at: datetime
    row: dict[str, Any]


@dataclass(frozen=True)
class WrittenFile:
    table: str
    day: date
    key: str
    rows: int


def partition_prefix(table: FactTable, day: date) -> str:
    return f"{table.prefix}date={day.isoformat()}/"


def file_name(key: str) -> str:
    return key.rsplit("/", 1)[-1]


def write_facts(lake: Lake, facts: list[Fact], *, source: str) -> list[WrittenFile]:
    """One file per (table, day) of ``facts`` (kept in the order given); returns what was written."""
    if source not in SOURCES:
        raise ValueError(f"unknown fact source {source!r}")
    groups: dict[tuple[str, date], list[Fact]] = defaultdict(list)
    for fact in facts:
        groups[fact.table, business_day(fact.at)].append(fact)
    written = []
    for (table_name, day), group in sorted(groups.items()):
        table = FACT_TABLES[table_name]
        first, last = group[0].record_id, group[-1].record_id
        key = table.key(day, source, first, last)
        arrow = pa.Table.from_pylist([f.row for f in group], schema=table.schema)
        with lake.parquet_writer(key, table.schema) as sink:
            sink.write_batch(arrow)
        if source == "sync":
            _remove_earlier_attempts(lake, table, day, first, key)
        written.append(WrittenFile(table_name, day, key, len(group)))
    return written


def _remove_earlier_attempts(lake: Lake, table: FactTable, day: date, first: str, key: str) -> None:
    """A file of this partition starting at the same event is the same batch's uncommitted attempt.

    Once a batch commits, its events are never handed over again, so no committed file can start
    at ``first``; only a run cut short between its write and its commit leaves one."""
    stem = f"sync-{first}-"
    for other in lake.keys(partition_prefix(table, day)):
        if other != key and file_name(other).startswith(stem):
            lake.delete(other)


def parse_file_name(name: str) -> tuple[str, str, str] | None:
    """``(source, first, last)`` of a fact file's name, or None for a foreign file."""
    if not name.endswith(".parquet"):
        return None
    stem = name[: -len(".parquet")]
    source, sep, rest = stem.partition("-")
    if not sep or source not in SOURCES:
        return None
    first, sep, last = rest.partition("-")
    return (source, first, last) if sep and first and last else None
