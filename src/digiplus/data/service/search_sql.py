"""Catalogue search in SQL (ADR 0013): the matched documents the caller may see are
materialised once, and from them come, in one statement, the publisher counts, the counts
of every (licence, access, themes, formats) combination — from which the facets and the
total are added up — and the page, ranked (bm25 / ts_rank) or sorted. The page's datasets
are then read by primary key. The empty query's counts (the catalogue home) are remembered
per process, keyed by the index's (newest id, size), which changes with every write.

The in-memory engine (search_memory.py) answers the same; this one answers searches inside
a transaction that changed the index, and when ``DIGIPLUS_DATA_SEARCH_IN_MEMORY`` is off.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

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
from digiplus.data.models import SearchDoc
from digiplus.data.service.access import member_alliance_ids, rule
from digiplus.data.service.search_facets import bits_of, count_bits
from digiplus.data.service.search_index import fts_ready, is_postgres
from digiplus.data.service.search_results import FACETS, SearchOutcome, SearchQuery, Sort, ordered, page_outcome
from digiplus.data.service.tokens import query_terms

_FTS = table("data_search_fts", column("rowid"))
_CACHE_SIZE = 512
_empty_query_cache: dict[tuple[Any, ...], tuple[int, dict[str, list[tuple[str, int]]]]] = {}
_cache_lock = threading.Lock()


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


def search_sql(session: Session, caller: Caller | None, query: SearchQuery) -> SearchOutcome:
    """The search in SQL: datasets matching ``query`` that ``caller`` may see, one page,
    with facet counts. Reads only: callers may give a read-only session."""
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
            return page_outcome(session, total, facets, [(r[0], r[1]) for r in rows])
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
        "publisher": ordered(publishers),
        "theme": ordered(count_bits("theme", themes)),
        "licence": ordered(licences),
        "format": ordered(count_bits("format", formats)),
        "access": ordered(access),
    }
    total = sum(publishers.values())
    if key is not None:
        with _cache_lock:
            if len(_empty_query_cache) >= _CACHE_SIZE:
                _empty_query_cache.clear()
            _empty_query_cache[key] = (total, facets)
    return page_outcome(session, total, facets, [(dataset_id, bits) for _, dataset_id, bits in sorted(ranked)])


def _part(n: int) -> Any:
    """Which part of the one statement a row belongs to (0 publishers, 1 combinations, 2 page)."""
    return literal_column(str(n), Integer)
