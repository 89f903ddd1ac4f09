"""Catalogue search: one token string per dataset (service/tokens.py) in an FTS5 table on
SQLite and a weighted tsvector with a GIN index on PostgreSQL (ADR 0007); the access rule
applied before anything is counted (service/access.py).

Two engines give the same answer (ADR 0013): the in-memory index of each process
(search_memory.py, the default), and SQL (search_sql.py), which answers when the in-memory
one is switched off (``DIGIPLUS_DATA_SEARCH_IN_MEMORY=false``) and inside a transaction that
has changed the index and not committed yet (only it sees those changes).

The index is written in the transaction of the change it reflects (service/search_index.py).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from digiplus.core.context import Caller
from digiplus.data.service.search_index import (
    DocInput,
    ensure_search_tables,
    forget_search_tables,
    index_changed_in,
    index_dataset,
    is_postgres,
    mark_index_changed,
    remove_dataset,
    write_docs,
)
from digiplus.data.service.search_memory import search_memory
from digiplus.data.service.search_reindex import reindex_all
from digiplus.data.service.search_results import FACETS, SearchHitRow, SearchOutcome, SearchQuery, Sort
from digiplus.data.service.search_sql import search_sql
from digiplus.settings import get_settings

__all__ = [
    "FACETS",
    "DocInput",
    "SearchHitRow",
    "SearchOutcome",
    "SearchQuery",
    "Sort",
    "ensure_search_tables",
    "forget_search_tables",
    "index_dataset",
    "is_postgres",
    "mark_index_changed",
    "reindex_all",
    "remove_dataset",
    "search",
    "search_memory",
    "search_sql",
    "write_docs",
]


def search(session: Session, caller: Caller | None, query: SearchQuery) -> SearchOutcome:
    """Datasets matching ``query`` that ``caller`` may see, one page, with facet counts.
    Reads only: callers may give a read-only session (``Database.read_session``)."""
    if get_settings().data_search_in_memory and not index_changed_in(session):
        return search_memory(session, caller, query)
    return search_sql(session, caller, query)
