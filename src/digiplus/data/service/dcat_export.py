"""The catalogue as DCAT-AP records, limited to what the caller may see (service/access.py).

Anonymous callers see the public, live catalogue. A harvested dataset keeps the
publisher of the catalogue it came from; the others are published by their org.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from digiplus.core.context import Caller
from digiplus.data.dcat import vocab as dcat_vocab
from digiplus.data.dcat.records import DcatAgent, DcatCatalog, DcatContact, DcatDataset, DcatDistribution, DcatSeries
from digiplus.data.models import Dataset, DatasetSeries, Distribution
from digiplus.data.models_harvest import HarvestedRecord
from digiplus.data.service.access import get_visible_dataset, visible_datasets
from digiplus.data.vocab import LICENCES, access_right_uri, frequency_uri, theme_uri
from digiplus.settings import get_settings

CHUNK = 500


def _utc(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def _texts(zh: str, en: str) -> dict[str, str]:
    return {k: v for k, v in (("zh-TW", zh), ("en", en)) if v}


def _distribution(base: str, dist: Distribution, licence: str | None) -> DcatDistribution:
    if dist.kind == "file":
        access = f"{base}/v1/datasets/{dist.dataset_id}"
        download = f"{base}/v1/datasets/{dist.dataset_id}/download.parquet" if dist.lake_path else None
        fmt = "PARQUET" if dist.lake_path else dist.format
    else:
        access, download, fmt = dist.access_url or f"{base}/v1/datasets/{dist.dataset_id}", None, dist.format
    return DcatDistribution(
        identifier=dist.id,
        access_url=access,
        download_url=download,
        title={"zh-TW": dist.title} if dist.title else {},
        description={"zh-TW": dist.description} if dist.description else {},
        media_type=dcat_vocab.media_type_for(fmt) or (dist.media_type or None),
        format=dcat_vocab.file_type_uri(fmt),
        byte_size=dist.byte_size,
        license=licence,
        modified=_utc(dist.modified),
    )


def _records(session: Session, datasets: list[Dataset]) -> list[DcatDataset]:
    from digiplus.identity.models import Organization

    base = get_settings().base_url.rstrip("/")
    ids = [d.id for d in datasets]
    dists: dict[str, list[Distribution]] = defaultdict(list)
    harvested: dict[str, HarvestedRecord] = {}
    for start in range(0, len(ids), CHUNK):
        batch = ids[start : start + CHUNK]
        for dist in session.scalars(
            select(Distribution).where(Distribution.dataset_id.in_(batch)).order_by(Distribution.id)
        ):
            dists[dist.dataset_id].append(dist)
        for link in session.scalars(select(HarvestedRecord).where(HarvestedRecord.dataset_id.in_(batch))):
            harvested[link.dataset_id or ""] = link
    org_rows = session.execute(
        select(Organization.id, Organization.name).where(Organization.id.in_({d.org_id for d in datasets}))
    )
    orgs: dict[str, str] = {row.id: row.name for row in org_rows}
    out = []
    for d in datasets:
        origin = harvested.get(d.id)
        if origin is not None and origin.publisher:
            publisher = DcatAgent(
                name=origin.publisher.get("name") or {"en": orgs.get(d.org_id, d.org_id)},
                uri=origin.publisher.get("uri"),
            )
        else:
            publisher = DcatAgent(name={"en": orgs.get(d.org_id, d.org_id)}, uri=f"{base}/v1/publishers/{d.org_id}")
        licence = LICENCES[d.licence].uri if d.licence in LICENCES else None
        keywords = {k: tuple(v) for k, v in (("zh-TW", d.keywords_zh), ("en", d.keywords_en)) if v}
        out.append(
            DcatDataset(
                identifier=d.id,
                title=_texts(d.title_zh, d.title_en),
                description=_texts(d.description_zh, d.description_en),
                publisher=publisher,
                contact_point=DcatContact(name=d.contact_name or None, email=d.contact_email or None),
                themes=tuple(theme_uri(t) for t in d.themes),
                keywords=keywords,
                license=licence,
                access_rights=access_right_uri(d.access_rights),
                accrual_periodicity=frequency_uri(d.accrual_periodicity) if d.accrual_periodicity else None,
                temporal_start=d.temporal_start,
                temporal_end=d.temporal_end,
                spatial=(d.spatial_uri,) if d.spatial_uri else (),
                issued=_utc(d.issued),
                modified=_utc(d.modified),
                landing_page=d.landing_page or None,
                version=d.version or None,
                in_series=(d.series_id,) if d.series_id else (),
                distributions=tuple(_distribution(base, x, licence) for x in dists[d.id]),
                uri=f"{base}/v1/datasets/{d.id}",
            )
        )
    return out


def _series(session: Session, series_ids: set[str]) -> tuple[DcatSeries, ...]:
    base = get_settings().base_url.rstrip("/")
    rows: Iterable[DatasetSeries] = (
        session.scalars(select(DatasetSeries).where(DatasetSeries.id.in_(series_ids)).order_by(DatasetSeries.id))
        if series_ids
        else []
    )
    return tuple(
        DcatSeries(
            identifier=s.id,
            title=_texts(s.title_zh, s.title_en) or {"en": s.id},
            description=_texts(s.description_zh, s.description_en),
            uri=f"{base}/v1/dataset_series/{s.id}",
        )
        for s in rows
    )


def catalog_for(session: Session, caller: Caller | None, publisher: str | None = None) -> DcatCatalog:
    """Every dataset the caller may see (of one publishing org, if given), with their series."""
    base = get_settings().base_url.rstrip("/")
    stmt = select(Dataset).where(visible_datasets(session, caller)).order_by(Dataset.id)
    if publisher is not None:
        stmt = stmt.where(Dataset.org_id == publisher)
    datasets = list(session.scalars(stmt))
    records = _records(session, datasets)
    latest = max((d.modified for d in records if d.modified), default=None)
    return DcatCatalog(
        uri=f"{base}/v1/catalog",
        title={"zh-TW": "digiplus 資料目錄", "en": "digiplus data catalogue"},
        description={
            "zh-TW": "機關、企業與資料聯盟發布的資料集。",
            "en": "Datasets published by agencies, enterprises and data alliances.",
        },
        publisher=DcatAgent(name={"en": "digiplus", "zh-TW": "digiplus"}, uri=f"{base}/"),
        homepage=f"{base}/",
        language=("zh-TW", "en"),
        modified=latest,
        datasets=tuple(records),
        series=_series(session, {d.series_id for d in datasets if d.series_id}),
    )


def dataset_for(session: Session, caller: Caller | None, dataset_id: str) -> tuple[DcatDataset, tuple[DcatSeries, ...]]:
    """One dataset the caller may see (404 otherwise), with its series."""
    dataset = get_visible_dataset(session, caller, dataset_id)
    return _records(session, [dataset])[0], _series(session, {dataset.series_id} if dataset.series_id else set())
