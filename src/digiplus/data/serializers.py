"""Models → the API's public shapes (schemas.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from digiplus.data.models import Dataset, DatasetRevision, DatasetSeries, Distribution, IngestJob
from digiplus.data.schemas import (
    ContactPoint,
    DatasetPublic,
    DistributionPublic,
    IngestJobPublic,
    RevisionPublic,
    RowErrorPublic,
    SearchHit,
    SeriesPublic,
)
from digiplus.data.service.search import SearchHitRow
from digiplus.data.vocab import LICENCES


def _ts(value: datetime) -> int:
    return int(value.timestamp())


def dataset_public(d: Dataset, formats: list[str]) -> DatasetPublic:
    return DatasetPublic(
        id=d.id,
        created=_ts(d.created),
        livemode=d.livemode,
        publisher=d.org_id,
        title={"zh-TW": d.title_zh, "en": d.title_en},
        description={"zh-TW": d.description_zh, "en": d.description_en},
        keywords={"zh-TW": list(d.keywords_zh), "en": list(d.keywords_en)},
        themes=list(d.themes),
        contact_point=ContactPoint(name=d.contact_name, email=d.contact_email),
        licence=d.licence,
        licence_uri=LICENCES[d.licence].uri if d.licence in LICENCES else "",
        access_rights=d.access_rights,  # type: ignore[arg-type]
        access_alliance_id=d.access_alliance_id,
        accrual_periodicity=d.accrual_periodicity,
        temporal={
            "start": d.temporal_start.isoformat() if d.temporal_start else None,
            "end": d.temporal_end.isoformat() if d.temporal_end else None,
        },
        spatial={"label": d.spatial_label, "uri": d.spatial_uri},
        landing_page=d.landing_page,
        series_id=d.series_id,
        version=d.version,
        source_uri=d.source_uri,
        issued=_ts(d.issued),
        modified=_ts(d.modified),
        formats=formats,
    )


def search_hit(d: Dataset | SearchHitRow, formats: list[str]) -> SearchHit:
    return SearchHit(**search_hit_json(d, formats))


def search_hit_json(d: Dataset | SearchHitRow, formats: list[str]) -> dict[str, Any]:
    """A ``SearchHit`` as plain JSON values: the search route answers with these directly (no
    model built and validated per hit on the hot path); ``search_hit`` keeps the two equal."""
    return {
        "id": d.id,
        "publisher": d.org_id,
        "title": {"zh-TW": d.title_zh, "en": d.title_en},
        "description": {"zh-TW": d.description_zh[:300], "en": d.description_en[:300]},
        "themes": list(d.themes),
        "licence": d.licence,
        "access_rights": d.access_rights,
        "formats": sorted(formats),
        "modified": _ts(d.modified),
    }


def distribution_public(x: Distribution) -> DistributionPublic:
    download = f"/v1/datasets/{x.dataset_id}/download.csv" if x.kind == "file" and x.lake_path else None
    return DistributionPublic(
        id=x.id,
        created=_ts(x.created),
        livemode=x.livemode,
        dataset=x.dataset_id,
        kind=x.kind,  # type: ignore[arg-type]
        title=x.title,
        description=x.description,
        format=x.format,
        media_type=x.media_type,
        access_url=x.access_url or (f"/v1/datasets/{x.dataset_id}/preview" if x.kind == "file" else ""),
        download_url=download,
        original_filename=x.original_filename,
        original_format=x.original_format,
        byte_size=x.byte_size,
        checksum_sha256=x.checksum_sha256,
        row_count=x.row_count,
        revision=x.revision_id,
        modified=_ts(x.modified),
    )


def job_public(j: IngestJob) -> IngestJobPublic:
    progress = 1.0 if j.status == "succeeded" else (j.bytes_read / j.bytes_total if j.bytes_total else 0.0)
    return IngestJobPublic(
        id=j.id,
        created=_ts(j.created),
        livemode=j.livemode,
        dataset=j.dataset_id,
        status=j.status,  # type: ignore[arg-type]
        filename=j.filename,
        format=j.format,
        encoding=j.encoding,
        delimiter=j.delimiter,
        bytes_total=j.bytes_total,
        bytes_read=j.bytes_read,
        rows_read=j.rows_read,
        progress=round(min(progress, 1.0), 4),
        table_schema=j.table_schema,
        error_count=j.error_count,
        errors=[RowErrorPublic(**e) for e in j.errors or []],
        failure=j.failure,
        revision=j.revision_id,
        distribution=j.distribution_id,
        started=_ts(j.started) if j.started else None,
        finished=_ts(j.finished) if j.finished else None,
    )


def revision_public(r: DatasetRevision) -> RevisionPublic:
    return RevisionPublic(
        id=r.id,
        created=_ts(r.created),
        livemode=r.livemode,
        dataset=r.dataset_id,
        version=r.version,
        change_note=r.change_note,
        row_count=r.row_count,
        distribution=r.distribution_id,
        ingest_job=r.ingest_job_id,
    )


def series_public(s: DatasetSeries) -> SeriesPublic:
    return SeriesPublic(
        id=s.id,
        created=_ts(s.created),
        livemode=s.livemode,
        publisher=s.org_id,
        title={"zh-TW": s.title_zh, "en": s.title_en},
        description={"zh-TW": s.description_zh, "en": s.description_en},
        modified=_ts(s.modified),
    )
