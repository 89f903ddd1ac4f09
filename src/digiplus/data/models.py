"""The catalogue's tables: datasets (DCAT-AP 3 shaped), distributions, revisions, series,
ingest jobs, and the search documents every write keeps in step.

Vocabularies (themes, licences, frequencies, access rights) are code tables in
``digiplus.data.vocab``; rows store their codes.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from digiplus.core.db import Base, utcnow
from digiplus.core.migrate import unmanaged_tables
from digiplus.core.tenancy import OrgOwned

# PostgreSQL keeps the search tokens as a tsvector with a GIN index; SQLite keeps the column
# empty (NULL) and searches an FTS5 table instead (service/search_sqlite.py).
TsVector = TSVECTOR().with_variant(Text(), "sqlite")
unmanaged_tables("data_search_fts")


class DatasetSeries(OrgOwned, Base):
    """dcat:DatasetSeries: groups datasets published as one series (a yearly survey, a feed)."""

    __tablename__ = "data_dataset_series"
    __object_name__ = "dataset_series"

    title_zh: Mapped[str] = mapped_column(String(500), default="")
    title_en: Mapped[str] = mapped_column(String(500), default="")
    description_zh: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    modified: Mapped[datetime] = mapped_column(default=utcnow)


class Dataset(OrgOwned, Base):
    """dcat:Dataset, published by the owning org (dct:publisher)."""

    __tablename__ = "data_datasets"
    __object_name__ = "dataset"
    __table_args__ = (UniqueConstraint("org_id", "livemode", "source_uri", name="uq_data_datasets_source"),)

    title_zh: Mapped[str] = mapped_column(String(500), default="")
    title_en: Mapped[str] = mapped_column(String(500), default="")
    description_zh: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    keywords_zh: Mapped[list[str]] = mapped_column(JSON, default=list)
    keywords_en: Mapped[list[str]] = mapped_column(JSON, default=list)
    themes: Mapped[list[str]] = mapped_column(JSON, default=list)  # EU data-theme codes: TRAN, ECON…
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    licence: Mapped[str] = mapped_column(String(40))  # vocab.LICENCES code
    access_rights: Mapped[str] = mapped_column(String(20), default="public")  # public | alliance | restricted
    # The alliance whose members may see an alliance-only dataset (alliances arrive with the
    # second part of the data module; a plain id until then).
    access_alliance_id: Mapped[str | None] = mapped_column(String(40), index=True)
    accrual_periodicity: Mapped[str] = mapped_column(String(20), default="UNKNOWN")  # EU frequency code
    temporal_start: Mapped[date | None]
    temporal_end: Mapped[date | None]
    spatial_label: Mapped[str] = mapped_column(String(200), default="")
    spatial_uri: Mapped[str] = mapped_column(String(500), default="")  # e.g. a GeoNames URI
    landing_page: Mapped[str] = mapped_column(String(1000), default="")
    series_id: Mapped[str | None] = mapped_column(ForeignKey("data_dataset_series.id"), index=True)
    version: Mapped[str] = mapped_column(String(40), default="")  # of the newest revision
    # The dataset's URI in the catalogue it was harvested from (None for datasets made here).
    source_uri: Mapped[str | None] = mapped_column(String(1000))
    issued: Mapped[datetime] = mapped_column(default=utcnow)
    modified: Mapped[datetime] = mapped_column(default=utcnow)


class Distribution(OrgOwned, Base):
    """dcat:Distribution: an uploaded file (kept as Parquet in the lake, with the original)
    or an external API registered by its URL."""

    __tablename__ = "data_distributions"
    __object_name__ = "distribution"

    dataset_id: Mapped[str] = mapped_column(ForeignKey("data_datasets.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # file | api
    title: Mapped[str] = mapped_column(String(500), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    format: Mapped[str] = mapped_column(String(20))  # EU file-type code: CSV, XLSX, PARQUET, JSON…
    media_type: Mapped[str] = mapped_column(String(100), default="")
    access_url: Mapped[str] = mapped_column(String(1000), default="")  # api: the endpoint
    original_filename: Mapped[str] = mapped_column(String(500), default="")
    original_format: Mapped[str] = mapped_column(String(20), default="")
    original_path: Mapped[str] = mapped_column(String(1000), default="")  # lake key of the upload
    lake_path: Mapped[str] = mapped_column(String(1000), default="")  # lake key of the Parquet
    byte_size: Mapped[int | None] = mapped_column(BigInteger)
    checksum_sha256: Mapped[str] = mapped_column(String(64), default="")
    row_count: Mapped[int | None] = mapped_column(BigInteger)
    table_schema: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # Frictionless Table Schema
    profile: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    revision_id: Mapped[str | None] = mapped_column(String(40))
    modified: Mapped[datetime] = mapped_column(default=utcnow)


class DatasetRevision(OrgOwned, Base):
    """One version of a dataset's data (AWS Data Exchange's revision): made by every ingest."""

    __tablename__ = "data_dataset_revisions"
    __object_name__ = "dataset_revision"

    dataset_id: Mapped[str] = mapped_column(ForeignKey("data_datasets.id", ondelete="CASCADE"), index=True)
    distribution_id: Mapped[str | None] = mapped_column(String(40))
    version: Mapped[str] = mapped_column(String(40))
    change_note: Mapped[str] = mapped_column(Text, default="")
    ingest_job_id: Mapped[str | None] = mapped_column(String(40))
    lake_path: Mapped[str] = mapped_column(String(1000), default="")
    row_count: Mapped[int | None] = mapped_column(BigInteger)
    table_schema: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class IngestJob(OrgOwned, Base):
    """An upload being read, validated and written to the lake; polled for progress."""

    __tablename__ = "data_ingest_jobs"
    __object_name__ = "ingest_job"

    dataset_id: Mapped[str] = mapped_column(ForeignKey("data_datasets.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="queued")  # queued|running|succeeded|failed
    filename: Mapped[str] = mapped_column(String(500), default="")
    format: Mapped[str] = mapped_column(String(20), default="")  # CSV | XLSX | PARQUET
    encoding: Mapped[str] = mapped_column(String(20), default="")
    delimiter: Mapped[str] = mapped_column(String(4), default="")
    staged_path: Mapped[str] = mapped_column(String(1000), default="")  # lake key of the original
    bytes_total: Mapped[int] = mapped_column(BigInteger, default=0)
    bytes_read: Mapped[int] = mapped_column(BigInteger, default=0)
    rows_read: Mapped[int] = mapped_column(BigInteger, default=0)
    table_schema: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # inferred or corrected
    schema_given: Mapped[bool] = mapped_column(default=False)
    version: Mapped[str] = mapped_column(String(40), default="")
    change_note: Mapped[str] = mapped_column(Text, default="")
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # the first 100
    failure: Mapped[str] = mapped_column(Text, default="")
    revision_id: Mapped[str | None] = mapped_column(String(40))
    distribution_id: Mapped[str | None] = mapped_column(String(40))
    started: Mapped[datetime | None]
    heartbeat: Mapped[datetime | None]  # while running: the last progress saved (a crash stops it)
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # runs started (a crash leaves one running)
    finished: Mapped[datetime | None]


class SearchDoc(Base):
    """One row per dataset: its tokens (service/tokens.py) and every value the access rule, the
    facets and the sorts need, so a search reads the matched rows of this table and nothing
    else until it has its page (ADR 0013). Themes and formats, which a dataset has several of,
    are bit sets over the vocabularies (``service/search_facets.py``)."""

    __tablename__ = "data_search_docs"
    __table_args__ = (
        Index("ix_data_search_docs_tsv", "tsv", postgresql_using="gin"),
        Index("ix_data_search_docs_org", "org_id"),
        # The empty query's pages: walked in order, the access rule checked on the way.
        Index("ix_data_search_docs_modified", "livemode", "modified"),
        Index("ix_data_search_docs_title_sort", "livemode", "title_sort"),
        # Ids never come back after a delete: (max id, count) then changes with every change
        # of the index, which is what the empty query's facet cache keys on.
        {"sqlite_autoincrement": True},
    )

    doc_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dataset_id: Mapped[str] = mapped_column(
        ForeignKey("data_datasets.id", ondelete="CASCADE"), unique=True, index=False
    )
    org_id: Mapped[str] = mapped_column(String(40))
    livemode: Mapped[bool]
    access_rights: Mapped[str] = mapped_column(String(20))
    alliance_id: Mapped[str | None] = mapped_column(String(40))
    licence: Mapped[str] = mapped_column(String(40), default="")
    theme_bits: Mapped[int] = mapped_column(BigInteger, default=0)
    format_bits: Mapped[int] = mapped_column(BigInteger, default=0)
    title_sort: Mapped[str] = mapped_column(String(200), default="")
    modified: Mapped[datetime] = mapped_column(default=utcnow)
    # PostgreSQL only (NULL on SQLite): matched and ranked on the row that also holds the facets.
    tsv: Mapped[str | None] = mapped_column(TsVector)


class SearchText(Base):
    """A search document's tokens, apart from its row in ``data_search_docs`` so that the rows a
    search reads per match stay narrow: SQLite's FTS5 table indexes this table (external
    content), PostgreSQL's tsvector is computed from it when the document is written."""

    __tablename__ = "data_search_text"

    doc_id: Mapped[int] = mapped_column(
        ForeignKey("data_search_docs.doc_id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    title_tokens: Mapped[str] = mapped_column(Text, default="")
    body_tokens: Mapped[str] = mapped_column(Text, default="")


class SearchIndexVersion(Base):
    """One row: a random number drawn again by every transaction that changes the search
    index, as it commits. Processes that hold the index in memory (service/search_memory.py)
    read it per search and catch up when it differs; random, not a counter, so a rolled-back
    or wiped state can never look like one they have already seen."""

    __tablename__ = "data_search_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger)


# Alliances and the demand board (data module part 2) keep their tables in their own file.
from digiplus.data import models_alliances as _alliances  # noqa: E402, F401
from digiplus.data.models_harvest import HarvestedRecord, HarvestRun, HarvestSource  # noqa: E402, F401  (one metadata)
