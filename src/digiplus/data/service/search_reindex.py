"""``reindex_all``: every search document rebuilt from the datasets in one transaction
(``digiplus data reindex``), on the databases' bulk paths (ADR 0013):

* rows are read and written without the ORM or SQLAlchemy's type processing (plain tuples
  through the driver), tokenised once each;
* ids are given here (drawn from the sequence on PostgreSQL, continuing SQLite's
  ``AUTOINCREMENT`` sequence — never reused: the empty query's facet cache keys on them), so
  the documents and their tokens go in without a round trip per row for the ids;
* SQLite: the FTS5 table and its triggers are dropped first, the documents and tokens
  inserted with ``executemany`` into the bare tables, and the FTS5 index built in one
  ``'rebuild'`` pass;
* PostgreSQL: the documents are ``COPY``-ed into a temporary table and moved with one
  ``INSERT … SELECT`` that computes the tsvectors (so the GIN index is fed in one
  statement), and one that moves the tokens.

Readers keep seeing the old index until the transaction commits (WAL / MVCC).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, select
from sqlalchemy.orm import Session

from digiplus.data.models import SearchDoc, SearchText
from digiplus.data.service import search_index
from digiplus.data.service.search_index import (
    _FTS_DROP,
    _json_list,
    _values,
    ensure_search_tables,
    is_postgres,
    mark_index_changed,
)
from digiplus.data.service.tokens import token_string

_COLUMNS = (
    "doc_id",
    "dataset_id",
    "org_id",
    "livemode",
    "access_rights",
    "alliance_id",
    "licence",
    "theme_bits",
    "format_bits",
    "title_sort",
    "modified",
)
_ALL = (*_COLUMNS, "title_tokens", "body_tokens")
_DATASETS = (
    "SELECT id, org_id, livemode, access_rights, access_alliance_id, licence, themes, title_zh, title_en, "
    "modified, description_zh, description_en, keywords_zh, keywords_en, spatial_label FROM data_datasets"
)
_PG_LOAD = (
    "CREATE TEMPORARY TABLE data_search_load (doc_id integer, dataset_id varchar(40), org_id varchar(40), livemode boolean, "
    "access_rights varchar(20), alliance_id varchar(40), licence varchar(40), theme_bits bigint, "
    "format_bits bigint, title_sort varchar(200), modified timestamptz, title_tokens text, body_tokens text) "
    "ON COMMIT DROP"
)
# Statements built from the constant column names above, never from input.
_SQLITE_DOCS = f"INSERT INTO data_search_docs ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' for _ in _COLUMNS)})"  # noqa: S608
_SQLITE_TEXT = "INSERT INTO data_search_text (doc_id, title_tokens, body_tokens) VALUES (?, ?, ?)"
_PG_MOVE = (
    f"INSERT INTO data_search_docs ({', '.join(_COLUMNS)}, tsv) SELECT {', '.join(_COLUMNS)}, "  # noqa: S608
    "setweight(array_to_tsvector(string_to_array(title_tokens, ' ')), 'A') || "
    "setweight(array_to_tsvector(string_to_array(body_tokens, ' ')), 'B') FROM data_search_load",
    "INSERT INTO data_search_text (doc_id, title_tokens, body_tokens) "
    "SELECT doc_id, title_tokens, body_tokens FROM data_search_load",
)
_PG_IDS = "SELECT nextval(pg_get_serial_sequence('data_search_docs', 'doc_id')) FROM generate_series(1, %s)"


def reindex_all(session: Session, *, batch: int = 10_000) -> int:
    """Rebuild every search document in the caller's transaction; returns how many."""
    from digiplus.identity.models import Organization

    conn = session.connection()
    pg = is_postgres(session)
    mark_index_changed(session)
    names: dict[str, str] = dict(session.execute(select(Organization.id, Organization.name)).all())
    formats: dict[str, list[str]] = {}
    columns: dict[str, list[str]] = {}
    for dataset_id, fmt, schema in conn.exec_driver_sql(
        "SELECT dataset_id, format, table_schema FROM data_distributions"
    ):
        formats.setdefault(dataset_id, []).append(fmt)
        fields = (_json_schema(schema) or {}).get("fields", [])
        if fields:
            out = columns.setdefault(dataset_id, [])
            for f in fields:
                out += [f.get("name", ""), f.get("title", "")]
    next_id = 0
    if not pg:
        for ddl in _FTS_DROP:
            conn.exec_driver_sql(ddl)
        search_index._ensured.discard(str(conn.engine.url))
        seq = conn.exec_driver_sql("SELECT seq FROM sqlite_sequence WHERE name = 'data_search_docs'").scalar()
        next_id = int(seq or 0) + 1
    session.execute(delete(SearchText))
    session.execute(delete(SearchDoc))
    if pg:
        conn.exec_driver_sql("DROP TABLE IF EXISTS data_search_load")
        conn.exec_driver_sql(_PG_LOAD)
    done = 0
    result = conn.exec_driver_sql(_DATASETS, execution_options={"stream_results": True, "yield_per": batch})
    for rows in result.partitions(batch):
        if pg:
            # Ids drawn from the sequence itself, so a document written meanwhile by another
            # transaction (which also draws from it) can never get one of them.
            ids = list(conn.exec_driver_sql(_PG_IDS, (len(rows),)).scalars())
        else:
            ids = list(range(next_id + done, next_id + done + len(rows)))
        docs = [_row(doc_id, r, names, formats, columns) for doc_id, r in zip(ids, rows, strict=True)]
        if pg:
            _copy(conn, docs)
        else:
            conn.exec_driver_sql(_SQLITE_DOCS, [d[: len(_COLUMNS)] for d in docs])
            conn.exec_driver_sql(_SQLITE_TEXT, [(d[0], *d[len(_COLUMNS) :]) for d in docs])
        done += len(docs)
    if pg:
        for statement in _PG_MOVE:
            conn.exec_driver_sql(statement)
        conn.exec_driver_sql("DROP TABLE data_search_load")
    else:
        ensure_search_tables(session)  # makes the FTS5 table again and fills it ('rebuild')
    return done


def _json_schema(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if isinstance(value, (str, bytes)):
        import json

        decoded = json.loads(value)
        return decoded if isinstance(decoded, dict) else None
    return value if isinstance(value, dict) else None


def _row(
    doc_id: int, r: Any, names: dict[str, str], formats: dict[str, list[str]], columns: dict[str, list[str]]
) -> tuple[Any, ...]:
    (dataset_id, org_id, livemode, access, alliance, licence, themes, title_zh, title_en, modified) = r[:10]
    description_zh, description_en, keywords_zh, keywords_en, spatial_label = r[10:]
    values = _values(
        dataset_id,
        org_id,
        livemode,
        access,
        alliance,
        licence,
        _json_list(themes),
        formats.get(dataset_id, []),
        title_zh,
        title_en,
        modified,
        token_string(title_zh, title_en),
        token_string(
            description_zh,
            description_en,
            " ".join(_json_list(keywords_zh)),
            " ".join(_json_list(keywords_en)),
            " ".join(columns.get(dataset_id, [])),
            names.get(org_id, ""),
            spatial_label,
        ),
    )
    values["doc_id"] = doc_id
    return tuple(values[c] for c in _ALL)


def _copy(conn: Connection, docs: list[tuple[Any, ...]]) -> None:
    driver = conn.connection.driver_connection
    with driver.cursor() as cursor, cursor.copy(f"COPY data_search_load ({', '.join(_ALL)}) FROM STDIN") as copy:  # type: ignore[union-attr]
        for doc in docs:
            copy.write_row(doc)
