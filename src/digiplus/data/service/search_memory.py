"""Catalogue search from the in-memory index (search_store.py), kept in step with the
database in every process (ADR 0013, amended).

Each search reads the index version (``data_search_version``: one row, drawn again by every
transaction that changes the index, service/search_index.py). When it differs from the
version this process loaded, the process lists the document ids in the index, loads the
documents it lacks (a new segment) and masks out those gone; a large change (a reindex,
the first search) loads everything. Writes in other processes are seen by the next search
here, with no message between processes: the database is the only channel.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from digiplus.core.context import Caller
from digiplus.core.db import Database
from digiplus.core.warmup import warmup
from digiplus.data.models import SearchIndexVersion
from digiplus.data.service.access import member_alliance_ids
from digiplus.data.service.search_results import SearchOutcome, SearchQuery, ordered, page_outcome
from digiplus.data.service.search_store import DocRow, Snapshot, Visibility, build, search_snapshot
from digiplus.data.service.tokens import query_terms
from digiplus.settings import get_settings

# Read per search through the driver (no statement to compile or result to process).
_VERSION = f"SELECT version FROM {SearchIndexVersion.__tablename__} WHERE id = 1"  # noqa: S608  (a constant)
# The tokens as UTF-8 bytes: Arrow takes bytes as they are, a str it must encode first.
_ROWS = (
    "SELECT d.doc_id, d.dataset_id, d.org_id, d.livemode, d.access_rights, d.alliance_id, d.licence, "
    "d.theme_bits, d.format_bits, d.title_sort, d.modified, {title}, {body} "
    "FROM data_search_docs d JOIN data_search_text t ON t.doc_id = d.doc_id"
)
_BYTES = {"sqlite": "CAST({} AS BLOB)", "postgresql": "convert_to({}, 'UTF8')"}
_IDS = "SELECT doc_id FROM data_search_docs"
_CHUNK = 500  # ids per IN list when catching up
# Above this share of new documents, loading everything again is cheaper (and compacts).
_RELOAD_SHARE = 0.1
# The delta segment is rebuilt at each catch-up: past this share, load everything again.
_DELTA_SHARE = 0.02
_LOAD_SLICE = 25_000


@dataclass
class _Loaded:
    snapshot: Snapshot | None = None
    version: int | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


_loaded: dict[str, _Loaded] = {}
_loaded_lock = threading.Lock()


def _holder(url: str) -> _Loaded:
    with _loaded_lock:
        held = _loaded.get(url)
        if held is None:
            held = _loaded[url] = _Loaded()
        return held


def forget_loaded_indexes() -> None:
    """Drop every process-held index (tests that need a cold start)."""
    with _loaded_lock:
        _loaded.clear()


def current_snapshot(session: Session) -> Snapshot:
    """The in-memory index as of the database ``session`` reads, loaded or caught up first
    if the index version moved. One primary-key read when nothing changed."""
    version = session.connection().exec_driver_sql(_VERSION).scalar()
    held = _holder(str(session.get_bind().engine.url))
    snap = held.snapshot
    if snap is not None and held.version == version:
        return snap
    with held.lock:
        if held.snapshot is not None and held.version == version:
            return held.snapshot
        held.snapshot = _catch_up(session, held.snapshot)
        held.version = version
        return held.snapshot


@warmup
def load_search_index(db: Database) -> None:
    """As a server process starts: load the index, so its first search does not wait for it."""
    if get_settings().data_search_in_memory:
        with db.read_session() as session:
            current_snapshot(session)


def _rows_sql(dialect: str) -> str:
    as_bytes = _BYTES.get(dialect, "{}")
    return _ROWS.format(title=as_bytes.format("t.title_tokens"), body=as_bytes.format("t.body_tokens"))


def _catch_up(session: Session, snap: Snapshot | None) -> Snapshot:
    conn = session.connection()
    rows_sql = _rows_sql(conn.dialect.name)
    if snap is None:
        return _load_all(conn, rows_sql)
    present = np.fromiter((r[0] for r in conn.exec_driver_sql(_IDS)), dtype=np.int64)
    held_ids = snap.doc_ids[snap.alive]
    new = np.setdiff1d(present, held_ids, assume_unique=True)
    gone = np.setdiff1d(held_ids, present, assume_unique=True)
    delta = snap.size - snap.delta_from + len(new)
    if len(new) > max(1000, _RELOAD_SHARE * len(present)) or delta > max(2000, _DELTA_SHARE * len(present)):
        return _load_all(conn, rows_sql)
    rows: list[Any] = []
    ids = [int(i) for i in new]
    for at in range(0, len(ids), _CHUNK):
        part = ids[at : at + _CHUNK]
        marks = ", ".join("?" if conn.dialect.paramstyle == "qmark" else "%s" for _ in part)
        rows += conn.exec_driver_sql(f"{rows_sql} WHERE d.doc_id IN ({marks})", tuple(part)).all()
    rows.sort(key=lambda r: r[0])
    return build(_rows(rows), snap, [int(i) for i in gone], as_delta=True)


def _load_all(conn: Connection, rows_sql: str) -> Snapshot:
    """Every document, a slice at a time (the driver's rows of one slice in memory at once)."""
    snap = build([])
    for part in conn.exec_driver_sql(rows_sql).partitions(_LOAD_SLICE):
        snap = build(_rows(part), snap)
    return snap


def _rows(rows: Sequence[Any]) -> list[DocRow]:
    return [tuple(r) for r in rows]


def search_memory(session: Session, caller: Caller | None, query: SearchQuery) -> SearchOutcome:
    """Datasets matching ``query`` that ``caller`` may see, one page, with facet counts,
    from the in-memory index. Reads only."""
    snap = current_snapshot(session)
    alliances = member_alliance_ids(session, caller)
    who = Visibility(
        livemode=caller.livemode if caller else True,
        org_id=caller.org_id if caller else None,
        alliances=tuple(alliances),
    )
    result = search_snapshot(
        snap,
        query_terms(query.q),
        who,
        {k: v for k, v in query.filters.items() if v},
        query.sort,
        (query.page - 1) * query.limit,
        query.limit,
    )
    facets = {facet: ordered(result.facets[facet]) for facet in ("publisher", "theme", "licence", "format", "access")}
    return page_outcome(session, result.total, facets, result.page)
