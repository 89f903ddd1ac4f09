"""Catalogue search: one token string per dataset (service/tokens.py) in an FTS5 table on
SQLite and a weighted tsvector with a GIN index on PostgreSQL (ADR 0007); the access rule
inside the query (service/access.py).

A search is one statement (ADR 0013): the matched documents the caller may see are
materialised once, and from them come the publisher counts, the counts of every
(licence, access, themes, formats) combination — from which the facets and the total are
added up — and the page, ranked (bm25 / ts_rank) or sorted. The page's datasets are then
read by primary key. The empty query's counts (the catalogue home) are remembered per
process, keyed by the index's (newest id, size), which changes with every write.

The index is written in the transaction of the change it reflects (service/search_index.py).
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    String,
    cast,
    column,
    false,
    func,
    literal_column,
    null,
    select,
    table,
    text,
    union_all,
)
from sqlalchemy.orm import Session

from digiplus.core.context import Caller
from digiplus.data.models import Dataset, SearchDoc
from digiplus.data.service.access import member_alliance_ids, rule
from digiplus.data.service.search_facets import bits_of, codes_of, count_bits
from digiplus.data.service.search_index import (
    DocInput,
    ensure_search_tables,
    forget_search_tables,
    fts_ready,
    index_dataset,
    is_postgres,
    remove_dataset,
    write_docs,
)
from digiplus.data.service.search_reindex import reindex_all
from digiplus.data.service.tokens import query_terms

FACETS = ("publisher", "theme", "licence", "format", "access")
Sort = Literal["relevance", "title", "modified"]
_FTS = table("data_search_fts", column("rowid"))
_CACHE_SIZE = 512
_empty_query_cache: dict[tuple[Any, ...], tuple[int, dict[str, list[tuple[str, int]]]]] = {}
_cache_lock = threading.Lock()

__all__ = [
    "FACETS",
    "DocInput",
    "SearchHitRow",
    "SearchOutcome",
    "SearchQuery",
    "ensure_search_tables",
    "forget_search_tables",
    "index_dataset",
    "is_postgres",
    "reindex_all",
    "remove_dataset",
    "search",
    "write_docs",
]


@dataclass
class SearchQuery:
    q: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    sort: Sort = "relevance"
    page: int = 1
    limit: int = 20


@dataclass(frozen=True, slots=True)
class SearchHitRow:
    """What a hit list shows of a dataset (the same attribute names as ``Dataset``)."""

    id: str
    org_id: str
    title_zh: str
    title_en: str
    description_zh: str
    description_en: str
    themes: list[str]
    licence: str
    access_rights: str
    modified: datetime


@dataclass
class SearchOutcome:
    total: int
    datasets: list[SearchHitRow]
    formats: dict[str, list[str]]
    facets: dict[str, list[tuple[str, int]]]
    suggestion: str | None = None


def _filters(filters: dict[str, list[str]]) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    for facet, values in filters.items():
        if not values:
            continue
        if facet in ("theme", "format"):
            mask = bits_of(facet, values)
            col = SearchDoc.theme_bits if facet == "theme" else SearchDoc.format_bits
            where.append(col.bitwise_and(mask) != 0 if mask else false())
        elif facet == "publisher":
            where.append(SearchDoc.org_id.in_(values))
        elif facet == "licence":
            where.append(SearchDoc.licence.in_(values))
        elif facet == "access":
            where.append(SearchDoc.access_rights.in_(values))
    return where


def _matched(session: Session, terms: list[str], where: list[ColumnElement[bool]]) -> Any:
    """The documents that match, with a score (lower ranks first). Without words only the
    facet columns: the page is read apart (``search``)."""
    facet_cols = (
        SearchDoc.org_id,
        SearchDoc.licence,
        SearchDoc.access_rights,
        SearchDoc.theme_bits,
        SearchDoc.format_bits,
    )
    if not terms:
        return select(*facet_cols).where(*where)
    cols = (*facet_cols, SearchDoc.doc_id, SearchDoc.dataset_id, SearchDoc.title_sort, SearchDoc.modified)
    if is_postgres(session):
        # The tsquery literal, not to_tsquery(): our tokens are final, and PostgreSQL's parser
        # would drop CJK characters under a C locale.
        tsquery = text("CAST(:tsq AS tsquery)").bindparams(tsq=" & ".join(f"'{t}'" for t in terms))
        return select(*cols, (-func.ts_rank(SearchDoc.tsv, tsquery)).label("score")).where(
            SearchDoc.tsv.op("@@")(tsquery), *where
        )
    expr = " AND ".join('"' + t.replace('"', '""') + '"' for t in terms)
    # Materialised first, so the full-text index drives: left to itself SQLite may walk the
    # documents and run the MATCH once per row.
    fts = (
        select(_FTS.c.rowid.label("doc_id"), literal_column("bm25(data_search_fts, 10.0, 1.0)").label("score"))
        .select_from(_FTS)
        .where(text("data_search_fts MATCH :fts_q").bindparams(fts_q=expr))
        .cte("fts_hits")
        .prefix_with("MATERIALIZED")
    )
    return select(*cols, fts.c.score).select_from(fts).join(SearchDoc, SearchDoc.doc_id == fts.c.doc_id).where(*where)


def _order(source: Any, sort: Sort, terms: list[str]) -> list[Any]:
    if sort == "title":
        return [source.c.title_sort.asc(), source.c.doc_id.asc()]
    if sort == "modified" or not terms:
        return [source.c.modified.desc(), source.c.doc_id.desc()]
    return [source.c.score.asc(), source.c.modified.desc(), source.c.doc_id.desc()]


def search(session: Session, caller: Caller | None, query: SearchQuery) -> SearchOutcome:
    """Datasets matching ``query`` that ``caller`` may see, one page, with facet counts.
    Reads only: callers may give a read-only session (``Database.read_session``)."""
    terms = query_terms(query.q)
    if terms and not fts_ready(session):
        return SearchOutcome(total=0, datasets=[], formats={}, facets={f: [] for f in FACETS})
    alliances = member_alliance_ids(session, caller)
    where = [rule(SearchDoc, caller, alliances), *_filters(query.filters)]
    offset = (query.page - 1) * query.limit
    key: tuple[Any, ...] | None = None
    if not terms:
        newest, size = session.execute(select(func.max(SearchDoc.doc_id), func.count())).one()
        key = (
            str(session.get_bind().engine.url),
            caller.livemode if caller else True,
            caller.org_id if caller else None,
            tuple(sorted(alliances)),
            tuple(sorted((k, tuple(sorted(v))) for k, v in query.filters.items() if v)),
            newest,
            size,
        )
        cached = _empty_query_cache.get(key)
        if cached is not None:
            # The page alone, walked in (livemode, modified) / (livemode, title_sort) order.
            rows = session.execute(
                select(SearchDoc.dataset_id, SearchDoc.format_bits)
                .where(*where)
                .order_by(*_order(SearchDoc.__table__, query.sort, terms))
                .limit(query.limit)
                .offset(offset)
            ).all()
            total, facets = cached
            return _outcome(session, total, facets, [(r[0], r[1]) for r in rows])
    hits = _matched(session, terms, where).cte("hits").prefix_with("MATERIALIZED")
    if terms:
        page = select(hits).order_by(*_order(hits, query.sort, terms))
    else:
        # Without words the page is walked in an index's order, not sorted out of every match.
        page = select(SearchDoc.__table__).where(*where).order_by(*_order(SearchDoc.__table__, query.sort, terms))
    paged = page.limit(query.limit).offset(offset).subquery("page")
    no_text, no_int = cast(null(), String), cast(null(), BigInteger)
    statement = union_all(
        select(_part(0), hits.c.org_id, no_text, no_int, no_int, func.count()).group_by(hits.c.org_id),
        select(
            _part(1), hits.c.licence, hits.c.access_rights, hits.c.theme_bits, hits.c.format_bits, func.count()
        ).group_by(hits.c.licence, hits.c.access_rights, hits.c.theme_bits, hits.c.format_bits),
        select(
            _part(2),
            paged.c.dataset_id,
            no_text,
            func.row_number().over(order_by=_order(paged, query.sort, terms)),
            paged.c.format_bits,
            no_int,
        ),
    )
    publishers: dict[str, int] = {}
    licences: Counter[str] = Counter()
    access: Counter[str] = Counter()
    themes: list[tuple[int, int]] = []
    formats: list[tuple[int, int]] = []
    ranked: list[tuple[int, str, int]] = []
    for kind, k1, k2, a, b, n in session.execute(statement):
        if kind == 0:
            publishers[k1] = int(n)
        elif kind == 1:
            licences[k1] += int(n)
            access[k2] += int(n)
            themes.append((int(a), int(n)))
            formats.append((int(b), int(n)))
        else:
            ranked.append((int(a), k1, int(b)))
    facets = {
        "publisher": _ordered(publishers),
        "theme": _ordered(count_bits("theme", themes)),
        "licence": _ordered(licences),
        "format": _ordered(count_bits("format", formats)),
        "access": _ordered(access),
    }
    total = sum(publishers.values())
    if key is not None:
        with _cache_lock:
            if len(_empty_query_cache) >= _CACHE_SIZE:
                _empty_query_cache.clear()
            _empty_query_cache[key] = (total, facets)
    return _outcome(session, total, facets, [(dataset_id, bits) for _, dataset_id, bits in sorted(ranked)])


def _part(n: int) -> Any:
    """Which part of the one statement a row belongs to (0 publishers, 1 combinations, 2 page)."""
    return literal_column(str(n), Integer)


def _ordered(counts: dict[str, int]) -> list[tuple[str, int]]:
    return sorted(((v, c) for v, c in counts.items() if c), key=lambda vc: (-vc[1], vc[0]))


def _outcome(
    session: Session, total: int, facets: dict[str, list[tuple[str, int]]], page: list[tuple[str, int]]
) -> SearchOutcome:
    """The page's datasets, read by primary key in one statement (no ORM objects)."""
    ids = [dataset_id for dataset_id, _ in page]
    by_id: dict[str, SearchHitRow] = {}
    if ids:
        for row in session.execute(
            select(
                Dataset.id,
                Dataset.org_id,
                Dataset.title_zh,
                Dataset.title_en,
                Dataset.description_zh,
                Dataset.description_en,
                Dataset.themes,
                Dataset.licence,
                Dataset.access_rights,
                Dataset.modified,
            ).where(Dataset.id.in_(ids))
        ):
            by_id[row.id] = SearchHitRow(**row._mapping)
    datasets = [by_id[i] for i in ids if i in by_id]
    formats = {dataset_id: sorted(codes_of("format", bits)) for dataset_id, bits in page}
    return SearchOutcome(total=total, datasets=datasets, formats=formats, facets=facets)
