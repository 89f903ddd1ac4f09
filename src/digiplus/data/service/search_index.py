"""Writing the search index: one row per dataset in ``data_search_docs`` (access, facet and
sort values) and its tokens in ``data_search_text``, kept in step by every write in its own
transaction, and rebuilt in bulk by ``reindex_all`` (search_reindex.py).

SQLite: an external-content FTS5 table over ``data_search_text``, kept equal by triggers.
PostgreSQL: a weighted tsvector computed in the INSERT itself, under a GIN index. ADR 0007
(the tokeniser) and ADR 0013 (the row's shape, the bulk paths).
"""

from __future__ import annotations

import json
import secrets
import threading
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, bindparam, delete, event, func, insert, literal_column, select, text, update
from sqlalchemy.orm import Session

from digiplus.core.db import insert_ignore
from digiplus.data.models import Dataset, Distribution, SearchDoc, SearchIndexVersion, SearchText
from digiplus.data.service.search_facets import bits_of
from digiplus.data.service.tokens import token_string

_FTS_DDL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS data_search_fts USING fts5("
    "title_tokens, body_tokens, content='data_search_text', content_rowid='doc_id', "
    "tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER IF NOT EXISTS data_search_text_ai AFTER INSERT ON data_search_text BEGIN "
    "INSERT INTO data_search_fts(rowid, title_tokens, body_tokens) "
    "VALUES (new.doc_id, new.title_tokens, new.body_tokens); END",
    "CREATE TRIGGER IF NOT EXISTS data_search_text_ad AFTER DELETE ON data_search_text BEGIN "
    "INSERT INTO data_search_fts(data_search_fts, rowid, title_tokens, body_tokens) "
    "VALUES ('delete', old.doc_id, old.title_tokens, old.body_tokens); END",
    "CREATE TRIGGER IF NOT EXISTS data_search_text_au AFTER UPDATE ON data_search_text BEGIN "
    "INSERT INTO data_search_fts(data_search_fts, rowid, title_tokens, body_tokens) "
    "VALUES ('delete', old.doc_id, old.title_tokens, old.body_tokens); "
    "INSERT INTO data_search_fts(rowid, title_tokens, body_tokens) "
    "VALUES (new.doc_id, new.title_tokens, new.body_tokens); END",
)
_FTS_OBJECTS = ("data_search_fts", "data_search_text_ai", "data_search_text_ad", "data_search_text_au")
_FTS_DROP = (
    "DROP TRIGGER IF EXISTS data_search_text_ai",
    "DROP TRIGGER IF EXISTS data_search_text_ad",
    "DROP TRIGGER IF EXISTS data_search_text_au",
    "DROP TABLE IF EXISTS data_search_fts",
)
# Core inserts (executemany) of plain dicts: several times faster than the ORM's bulk path.
_DOCS: Table = SearchDoc.__table__  # type: ignore[assignment]
_TEXT: Table = SearchText.__table__  # type: ignore[assignment]
_VERSION: Table = SearchIndexVersion.__table__  # type: ignore[assignment]
_ensured: set[str] = set()
_ensure_lock = threading.Lock()
_CHANGED = "data.search_index_changed"


def mark_index_changed(session: Session) -> None:
    """The transaction changes the search index: draw a new index version as it commits.

    Every write of the index calls this (and ``delete_dataset``, whose document goes by
    cascade). The version row is updated in ``before_commit``, the transaction's last
    statement, so the row lock it takes is never held while waiting for another lock."""
    session.info[_CHANGED] = True


def index_changed_in(session: Session) -> bool:
    """Whether ``session`` holds index changes not committed yet (its searches must then
    read the database, not the shared in-memory index)."""
    return bool(session.info.get(_CHANGED))


@event.listens_for(Session, "before_commit")
def _draw_index_version(session: Session) -> None:
    if not session.info.pop(_CHANGED, False):
        return
    version = secrets.randbits(62)
    moved = session.execute(update(_VERSION).where(_VERSION.c.id == 1).values(version=version))
    if not moved.rowcount:  # type: ignore[attr-defined]
        insert_ignore(session, _VERSION, {"id": 1, "version": version})
        session.execute(update(_VERSION).where(_VERSION.c.id == 1).values(version=version))


@event.listens_for(Session, "after_rollback")
def _forget_index_change(session: Session) -> None:
    if not session.in_transaction():
        session.info.pop(_CHANGED, None)


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


def fts_ready(session: Session) -> bool:
    """Whether SQLite's FTS5 table exists (it is made by the first indexed write). A search
    cannot make it: it may run in a read-only session, or beside its own request's write
    transaction. Without it no document has been indexed yet, so nothing can match."""
    if is_postgres(session):
        return True
    url = str(session.get_bind().engine.url)
    if url in _ensured:
        return True
    present = session.execute(
        text("SELECT count(*) FROM sqlite_master WHERE name IN :names").bindparams(
            bindparam("names", list(_FTS_OBJECTS), expanding=True)
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
    dataset: Any  # a Dataset, or a row with the same attribute names
    publisher_name: str
    formats: list[str]
    column_names: list[str]


def doc_values(doc: DocInput) -> dict[str, Any]:
    """The search document of one dataset (every column but the key and the tsvector)."""
    d = doc.dataset
    return _values(
        d.id,
        d.org_id,
        d.livemode,
        d.access_rights,
        d.access_alliance_id,
        d.licence,
        d.themes,
        doc.formats,
        d.title_zh,
        d.title_en,
        d.modified,
        token_string(d.title_zh, d.title_en),
        token_string(
            d.description_zh,
            d.description_en,
            " ".join(d.keywords_zh),
            " ".join(d.keywords_en),
            " ".join(doc.column_names),
            doc.publisher_name,
            d.spatial_label,
        ),
    )


def _values(
    dataset_id: str,
    org_id: str,
    livemode: Any,
    access_rights: str,
    alliance_id: str | None,
    licence: str,
    themes: list[str],
    formats: list[str],
    title_zh: str,
    title_en: str,
    modified: Any,
    title_tokens: str,
    body_tokens: str,
) -> dict[str, Any]:
    return {
        "dataset_id": dataset_id,
        "org_id": org_id,
        "livemode": livemode,
        "access_rights": access_rights,
        "alliance_id": alliance_id,
        "licence": licence,
        "theme_bits": bits_of("theme", themes),
        "format_bits": bits_of("format", formats),
        "title_sort": (title_zh or title_en).strip().lower()[:200],
        "modified": modified,
        "title_tokens": title_tokens,
        "body_tokens": body_tokens,
    }


def tsv_expression(title: Any, body: Any) -> Any:
    """PostgreSQL: the tokens as a tsvector, titles weighted A and the rest B (no text parser)."""
    return func.setweight(func.array_to_tsvector(func.string_to_array(title, " ")), literal_column("'A'")).op("||")(
        func.setweight(func.array_to_tsvector(func.string_to_array(body, " ")), literal_column("'B'"))
    )


def _insert_docs(session: Session, rows: list[dict[str, Any]]) -> None:
    """The documents, then their tokens under the ids they got. On PostgreSQL the tsvector is
    computed in the INSERT itself (one write per row and per GIN entry, not an INSERT then an
    UPDATE)."""
    stmt = insert(_DOCS)
    docs = [{k: v for k, v in r.items() if k not in ("title_tokens", "body_tokens")} for r in rows]
    if is_postgres(session):
        stmt = stmt.values(tsv=tsv_expression(bindparam("t_title"), bindparam("t_body")))
        docs = [
            {**d, "t_title": r["title_tokens"], "t_body": r["body_tokens"]} for d, r in zip(docs, rows, strict=True)
        ]
    ids = session.execute(stmt.returning(_DOCS.c.doc_id, sort_by_parameter_order=True), docs).scalars().all()
    session.execute(
        insert(_TEXT),
        [
            {"doc_id": doc_id, "title_tokens": r["title_tokens"], "body_tokens": r["body_tokens"]}
            for doc_id, r in zip(ids, rows, strict=True)
        ],
    )


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
    """Write (or rewrite) the dataset's search document in the current transaction."""
    write_docs(session, [doc_input(session, dataset)])


def write_docs(session: Session, docs: list[DocInput], *, replace: bool = True) -> None:
    """A rewritten document gets a new ``doc_id`` (delete, then insert): ids only grow, which
    the empty query's facet cache relies on (``search.py``)."""
    ensure_search_tables(session)
    if not docs:
        return
    mark_index_changed(session)
    if replace:
        session.execute(delete(SearchDoc).where(SearchDoc.dataset_id.in_([d.dataset.id for d in docs])))
    _insert_docs(session, [doc_values(doc) for doc in docs])


def remove_dataset(session: Session, dataset_id: str) -> None:
    ensure_search_tables(session)
    mark_index_changed(session)
    session.execute(delete(SearchDoc).where(SearchDoc.dataset_id == dataset_id))


def _json_list(value: Any) -> list[Any]:
    """A JSON column read without SQLAlchemy's result processing: text on SQLite, already
    decoded by psycopg on PostgreSQL."""
    if value is None:
        return []
    return list(json.loads(value)) if isinstance(value, (str, bytes)) else list(value)
