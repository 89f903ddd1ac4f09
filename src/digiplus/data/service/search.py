"""Catalogue search: one token string per dataset (service/tokens.py) in an FTS5 table on
SQLite and a weighted tsvector with a GIN index on PostgreSQL; facets from
``data_search_facets``; the access rule inside the query (service/access.py).

The index is written in the transaction of the change it reflects (``index_dataset``).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import (
    Connection,
    Select,
    Table,
    bindparam,
    column,
    delete,
    func,
    insert,
    literal_column,
    select,
    table,
    text,
)
from sqlalchemy.orm import Session

from digiplus.core.context import Caller
from digiplus.data.models import Dataset, Distribution, SearchDoc, SearchFacet
from digiplus.data.service.access import visible_docs
from digiplus.data.service.tokens import query_terms, token_string

FACETS = ("publisher", "theme", "licence", "format", "access")
Sort = Literal["relevance", "title", "modified"]

_FTS_DDL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS data_search_fts USING fts5("
    "title_tokens, body_tokens, content='data_search_docs', content_rowid='doc_id', "
    "tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER IF NOT EXISTS data_search_docs_ai AFTER INSERT ON data_search_docs BEGIN "
    "INSERT INTO data_search_fts(rowid, title_tokens, body_tokens) "
    "VALUES (new.doc_id, new.title_tokens, new.body_tokens); END",
    "CREATE TRIGGER IF NOT EXISTS data_search_docs_ad AFTER DELETE ON data_search_docs BEGIN "
    "INSERT INTO data_search_fts(data_search_fts, rowid, title_tokens, body_tokens) "
    "VALUES ('delete', old.doc_id, old.title_tokens, old.body_tokens); END",
    "CREATE TRIGGER IF NOT EXISTS data_search_docs_au AFTER UPDATE ON data_search_docs BEGIN "
    "INSERT INTO data_search_fts(data_search_fts, rowid, title_tokens, body_tokens) "
    "VALUES ('delete', old.doc_id, old.title_tokens, old.body_tokens); "
    "INSERT INTO data_search_fts(rowid, title_tokens, body_tokens) "
    "VALUES (new.doc_id, new.title_tokens, new.body_tokens); END",
)
_FTS = table("data_search_fts", column("rowid"))
# Core inserts (executemany) of plain dicts: several times faster than the ORM's bulk path.
_DOCS: Table = SearchDoc.__table__  # type: ignore[assignment]
_FACETS: Table = SearchFacet.__table__  # type: ignore[assignment]
_ensured: set[str] = set()
_ensure_lock = threading.Lock()


def is_postgres(session: Session | Connection) -> bool:
    return (
        session.get_bind().dialect.name == "postgresql"
        if isinstance(session, Session)
        else (session.dialect.name == "postgresql")
    )


def ensure_search_tables(session: Session) -> None:
    """SQLite: the FTS5 table and the triggers that keep it equal to ``data_search_docs``.

    They are not models (Alembic cannot describe a virtual table), so they are made on first
    use, in the caller's transaction; documents indexed before are loaded with 'rebuild'.
    """
    if is_postgres(session):
        return
    url = str(session.get_bind().engine.url)
    if url in _ensured:
        return
    with _ensure_lock:
        exists = session.execute(
            text("SELECT 1 FROM sqlite_master WHERE type='table' AND name='data_search_fts'")
        ).first()
        for ddl in _FTS_DDL:
            session.execute(text(ddl))
        if exists is None:
            session.execute(text("INSERT INTO data_search_fts(data_search_fts) VALUES ('rebuild')"))
        _ensured.add(url)


def _fts_ready(session: Session) -> bool:
    """Whether SQLite's FTS5 table exists (it is made by the first indexed write). A search
    cannot make it: it may run in a read-only session, or beside its own request's write
    transaction. Without it no document has been indexed yet, so nothing can match."""
    if is_postgres(session):
        return True
    url = str(session.get_bind().engine.url)
    if url in _ensured:
        return True
    present = session.execute(
        text(
            "SELECT count(*) FROM sqlite_master WHERE name IN "
            "('data_search_fts', 'data_search_docs_ai', 'data_search_docs_ad', 'data_search_docs_au')"
        )
    ).scalar()
    if present == 4:
        _ensured.add(url)
        return True
    return False


def forget_search_tables() -> None:
    """Tests that drop the schema call this so the next use makes the FTS table again."""
    _ensured.clear()


@dataclass
class DocInput:
    dataset: Any  # a Dataset, or a row with the same attribute names (reindex_all)
    publisher_name: str
    formats: list[str]
    column_names: list[str]


def _doc_values(doc: DocInput) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    d = doc.dataset
    title_tokens = token_string(d.title_zh, d.title_en)
    body_tokens = token_string(
        d.description_zh,
        d.description_en,
        " ".join(d.keywords_zh),
        " ".join(d.keywords_en),
        " ".join(doc.column_names),
        doc.publisher_name,
        d.spatial_label,
    )
    values = {
        "dataset_id": d.id,
        "org_id": d.org_id,
        "livemode": d.livemode,
        "access_rights": d.access_rights,
        "alliance_id": d.access_alliance_id,
        "title_tokens": title_tokens,
        "body_tokens": body_tokens,
        "title_sort": (d.title_zh or d.title_en).strip().lower()[:200],
        "modified": d.modified,
    }
    facets = [("publisher", d.org_id), ("licence", d.licence), ("access", d.access_rights)]
    facets += [("theme", t) for t in dict.fromkeys(d.themes)]
    facets += [("format", f) for f in dict.fromkeys(doc.formats)]
    return values, facets


def _tsv_expression(title: Any = SearchDoc.title_tokens, body: Any = SearchDoc.body_tokens) -> Any:
    return func.setweight(func.array_to_tsvector(func.string_to_array(title, " ")), literal_column("'A'")).op("||")(
        func.setweight(func.array_to_tsvector(func.string_to_array(body, " ")), literal_column("'B'"))
    )


def _insert_docs(session: Session, rows: list[dict[str, Any]], pg: bool) -> None:
    """On PostgreSQL the tsvector is computed in the INSERT itself (one write per row and per
    GIN entry, not an INSERT then an UPDATE)."""
    stmt = insert(_DOCS)
    if pg:
        stmt = stmt.values(tsv=_tsv_expression(bindparam("t_title"), bindparam("t_body")))
        rows = [{**r, "t_title": r["title_tokens"], "t_body": r["body_tokens"]} for r in rows]
    session.execute(stmt, rows)


def doc_input(session: Session, dataset: Dataset) -> DocInput:
    from digiplus.identity.models import Organization

    name = session.scalar(select(Organization.name).where(Organization.id == dataset.org_id)) or ""
    dists = session.scalars(select(Distribution).where(Distribution.dataset_id == dataset.id)).all()
    columns: list[str] = []
    for dist in dists:
        for f in (dist.table_schema or {}).get("fields", []):
            columns += [f.get("name", ""), f.get("title", "")]
    return DocInput(dataset, name, [d.format for d in dists], columns)


def index_dataset(session: Session, dataset: Dataset) -> None:
    """Write (or rewrite) the dataset's search document and facets in the current transaction."""
    write_docs(session, [doc_input(session, dataset)])


def write_docs(session: Session, docs: list[DocInput], *, replace: bool = True) -> None:
    ensure_search_tables(session)
    if not docs:
        return
    ids = [d.dataset.id for d in docs]
    if replace:
        session.execute(delete(SearchDoc).where(SearchDoc.dataset_id.in_(ids)))
    rows, facet_rows = [], []
    for doc in docs:
        values, facets = _doc_values(doc)
        rows.append(values)
        facet_rows.append(facets)
    _insert_docs(session, rows, is_postgres(session))
    doc_ids = dict(
        session.execute(select(SearchDoc.dataset_id, SearchDoc.doc_id).where(SearchDoc.dataset_id.in_(ids))).all()
    )
    facets_out = [
        {"doc_id": doc_ids[values["dataset_id"]], "facet": f, "value": v}
        for values, facets in zip(rows, facet_rows, strict=True)
        for f, v in facets
    ]
    if facets_out:
        session.execute(insert(_FACETS), facets_out)


def remove_dataset(session: Session, dataset_id: str) -> None:
    ensure_search_tables(session)
    session.execute(delete(SearchDoc).where(SearchDoc.dataset_id == dataset_id))


@dataclass
class SearchQuery:
    q: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    sort: Sort = "relevance"
    page: int = 1
    limit: int = 20


@dataclass
class SearchOutcome:
    total: int
    datasets: list[Dataset]
    formats: dict[str, list[str]]
    facets: dict[str, list[tuple[str, int]]]
    suggestion: str | None = None


def search(session: Session, caller: Caller | None, query: SearchQuery) -> SearchOutcome:
    """Datasets matching ``query`` that ``caller`` may see, one page, with facet counts.
    Reads only: callers may give a read-only session (``Database.read_session``)."""
    terms = query_terms(query.q)
    if terms and not _fts_ready(session):
        return SearchOutcome(total=0, datasets=[], formats={}, facets={f: [] for f in FACETS})
    where = [visible_docs(session, caller)]
    for facet, values in query.filters.items():
        if values:
            where.append(
                SearchDoc.doc_id.in_(
                    select(SearchFacet.doc_id).where(SearchFacet.facet == facet, SearchFacet.value.in_(values))
                )
            )
    pg = is_postgres(session)
    if terms and pg:
        tsq = " & ".join(f"'{t}'" for t in terms)
        # The tsquery literal, not to_tsquery(): our tokens are final, and PostgreSQL's parser
        # would drop CJK characters under a C locale.
        tsquery = text("CAST(:tsq AS tsquery)").bindparams(tsq=tsq)
        matched: Select[Any, Any] = select(
            SearchDoc.doc_id, (-func.ts_rank(SearchDoc.tsv, tsquery)).label("score")
        ).where(SearchDoc.tsv.op("@@")(tsquery), *where)
    elif terms:
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
        matched = (
            select(SearchDoc.doc_id, fts.c.score)
            .select_from(fts)
            .join(SearchDoc, SearchDoc.doc_id == fts.c.doc_id)
            .where(*where)
        )
    else:
        matched = select(SearchDoc.doc_id, literal_column("0").label("score")).where(*where)
    hits = matched.subquery("hits")
    order: list[Any]
    if query.sort == "title":
        order = [SearchDoc.title_sort.asc(), SearchDoc.doc_id.asc()]
    elif query.sort == "modified" or not terms:
        order = [SearchDoc.modified.desc(), SearchDoc.doc_id.desc()]
    else:
        order = [hits.c.score.asc(), SearchDoc.modified.desc()]
    page_ids = list(
        session.execute(
            select(SearchDoc.dataset_id)
            .join(hits, hits.c.doc_id == SearchDoc.doc_id)
            .order_by(*order)
            .limit(query.limit)
            .offset((query.page - 1) * query.limit)
        ).scalars()
    )
    by_id = {d.id: d for d in session.scalars(select(Dataset).where(Dataset.id.in_(page_ids)))}
    datasets = [by_id[i] for i in page_ids if i in by_id]
    formats: dict[str, list[str]] = {i: [] for i in page_ids}
    for dataset_id, fmt in session.execute(
        select(SearchDoc.dataset_id, SearchFacet.value)
        .join(SearchFacet, SearchFacet.doc_id == SearchDoc.doc_id)
        .where(SearchDoc.dataset_id.in_(page_ids), SearchFacet.facet == "format")
    ):
        formats[dataset_id].append(fmt)
    facets: dict[str, list[tuple[str, int]]] = {f: [] for f in FACETS}
    for facet, value, count in session.execute(
        select(SearchFacet.facet, SearchFacet.value, func.count())
        .select_from(hits)
        .join(SearchFacet, SearchFacet.doc_id == hits.c.doc_id)
        .group_by(SearchFacet.facet, SearchFacet.value)
        .order_by(func.count().desc(), SearchFacet.value)
    ):
        facets.setdefault(facet, []).append((value, int(count)))
    # Every document has exactly one access value, so its counts add up to the total.
    total = sum(count for _, count in facets["access"])
    return SearchOutcome(total=total, datasets=datasets, formats=formats, facets=facets)


def reindex_all(session: Session, *, batch: int = 5000) -> int:
    """Rebuild every search document (``digiplus data reindex``) in the caller's transaction;
    returns how many. On SQLite the FTS5 table is dropped and rebuilt in one pass at the end
    instead of being kept in step row by row."""
    from digiplus.identity.models import Organization

    names = dict(session.execute(select(Organization.id, Organization.name)).all())
    columns: dict[str, list[str]] = {}
    formats: dict[str, list[str]] = {}
    for dataset_id, fmt, schema in session.execute(
        select(Distribution.dataset_id, Distribution.format, Distribution.table_schema)
    ):
        formats.setdefault(dataset_id, []).append(fmt)
        for f in (schema or {}).get("fields", []):
            columns.setdefault(dataset_id, []).extend([f.get("name", ""), f.get("title", "")])
    pg = is_postgres(session)
    if not pg:
        for ddl in _FTS_DROP:
            session.execute(text(ddl))
        _ensured.discard(str(session.get_bind().engine.url))
    session.execute(delete(SearchFacet))
    session.execute(delete(SearchDoc))
    fields = [Dataset.__table__.c[name] for name in _DOC_FIELDS]
    done = 0
    chunk: list[DocInput] = []
    for row in session.execute(select(*fields).order_by(Dataset.id).execution_options(yield_per=batch)):
        chunk.append(DocInput(row, names.get(row.org_id, ""), formats.get(row.id, []), columns.get(row.id, [])))
        if len(chunk) >= batch:
            _write_fresh(session, chunk, pg)
            done += len(chunk)
            chunk = []
    if chunk:
        _write_fresh(session, chunk, pg)
        done += len(chunk)
    ensure_search_tables(session)  # makes the FTS5 table again and fills it ('rebuild')
    return done


_DOC_FIELDS = (
    "id",
    "org_id",
    "livemode",
    "title_zh",
    "title_en",
    "description_zh",
    "description_en",
    "keywords_zh",
    "keywords_en",
    "themes",
    "licence",
    "access_rights",
    "access_alliance_id",
    "spatial_label",
    "modified",
)
_FTS_DROP = (
    "DROP TRIGGER IF EXISTS data_search_docs_ai",
    "DROP TRIGGER IF EXISTS data_search_docs_ad",
    "DROP TRIGGER IF EXISTS data_search_docs_au",
    "DROP TABLE IF EXISTS data_search_fts",
)


def _write_fresh(session: Session, docs: list[DocInput], pg: bool) -> None:
    """Documents into emptied tables: no deletes, and on SQLite no FTS5 table yet."""
    rows, facets_out = [], []
    for doc in docs:
        values, facets = _doc_values(doc)
        rows.append(values)
        facets_out.append(facets)
    _insert_docs(session, rows, pg)
    ids = [r["dataset_id"] for r in rows]
    doc_ids = dict(
        session.execute(select(SearchDoc.dataset_id, SearchDoc.doc_id).where(SearchDoc.dataset_id.in_(ids))).all()
    )
    session.execute(
        insert(_FACETS),
        [
            {"doc_id": doc_ids[r["dataset_id"]], "facet": f, "value": v}
            for r, facets in zip(rows, facets_out, strict=True)
            for f, v in facets
        ],
    )
