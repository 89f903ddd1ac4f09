"""Harvest tables: the sources an org harvests, each run's report, and the link from a
source's original identifier to the catalogue row it became (so a re-harvest updates
instead of duplicating)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from digiplus.core.db import Base
from digiplus.core.tenancy import OrgOwned


class HarvestSource(OrgOwned, Base):
    """A catalogue harvested into the owning org: another DCAT catalogue, a CKAN portal or data.gov.tw."""

    __tablename__ = "data_harvest_sources"
    __object_name__ = "harvest_source"
    __table_args__ = (UniqueConstraint("org_id", "livemode", "url", name="uq_data_harvest_sources_url"),)

    url: Mapped[str] = mapped_column(String(2000))
    kind: Mapped[str] = mapped_column(String(20))  # dcat | ckan | datagovtw
    title: Mapped[str] = mapped_column(String(500), default="")
    # The access given to what is harvested (public | restricted); a source's own NON_PUBLIC wins.
    access_rights: Mapped[str] = mapped_column(String(20), default="public")
    last_run_id: Mapped[str | None] = mapped_column(String(40))
    last_run_at: Mapped[datetime | None]


class HarvestRun(OrgOwned, Base):
    """One run of a source: what it created, updated, left unchanged and could not read, and why."""

    __tablename__ = "data_harvest_runs"
    __object_name__ = "harvest_run"

    source_id: Mapped[str] = mapped_column(ForeignKey("data_harvest_sources.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20))  # succeeded | failed
    error: Mapped[str] = mapped_column(Text, default="")
    pages: Mapped[int] = mapped_column(Integer, default=0)
    created_count: Mapped[int] = mapped_column(Integer, default=0)
    updated_count: Mapped[int] = mapped_column(Integer, default=0)
    unchanged_count: Mapped[int] = mapped_column(Integer, default=0)
    failed_count: Mapped[int] = mapped_column(Integer, default=0)
    failures: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # the first 500
    started: Mapped[datetime]
    finished: Mapped[datetime]


class HarvestedRecord(OrgOwned, Base):
    """(source, original identifier) → the dataset or series it became, with a hash of what came."""

    __tablename__ = "data_harvested_records"
    __object_name__ = "harvested_record"
    __table_args__ = (
        UniqueConstraint("source_id", "record_kind", "original_id", name="uq_data_harvested_records_original"),
    )

    source_id: Mapped[str] = mapped_column(ForeignKey("data_harvest_sources.id", ondelete="CASCADE"))
    record_kind: Mapped[str] = mapped_column(String(10))  # dataset | series
    original_id: Mapped[str] = mapped_column(String(500))
    dataset_id: Mapped[str | None] = mapped_column(ForeignKey("data_datasets.id", ondelete="CASCADE"), index=True)
    series_id: Mapped[str | None] = mapped_column(ForeignKey("data_dataset_series.id", ondelete="CASCADE"))
    content_hash: Mapped[str] = mapped_column(String(64))
    # The source's dct:publisher ({"name": {lang: text}, "uri": …}): the catalogue's own publisher is
    # the harvesting org, but DCAT output names the agency the dataset came from.
    publisher: Mapped[dict[str, Any] | None] = mapped_column(JSON)
