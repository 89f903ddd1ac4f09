"""Reads the catalogue's pages need in one call each: a dataset with everything its page shows,
a publisher with its datasets, the publisher's own list with each dataset's newest ingest job.

Each applies the same access rule as the API (service/access.py): what the caller may not see
answers ``NotFound``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from digiplus.core.context import Caller
from digiplus.core.errors import NotFound
from digiplus.core.tenancy import scoped
from digiplus.data.models import Dataset, DatasetRevision, DatasetSeries, Distribution, IngestJob
from digiplus.data.models_alliances import Alliance
from digiplus.data.service import reads
from digiplus.data.service.access import get_visible_dataset, visible_datasets
from digiplus.data.service.ingest import current_schema, file_distribution
from digiplus.data.vocab import FORMATS
from digiplus.lake import get_lake

PREVIEW_ROWS = 20


def org_names(session: Session, org_ids: list[str]) -> dict[str, str]:
    from digiplus.identity.models import Organization

    if not org_ids:
        return {}
    return dict(session.execute(select(Organization.id, Organization.name).where(Organization.id.in_(org_ids))).all())


@dataclass
class DatasetView:
    dataset: Dataset
    publisher_name: str
    distributions: list[Distribution]
    revisions: list[DatasetRevision]
    series: DatasetSeries | None
    alliance: Alliance | None
    schema_status: str  # current | draft | none
    schema: dict[str, Any] | None
    preview: dict[str, Any] | None
    profile: dict[str, Any] | None
    latest_job: IngestJob | None = None
    is_publisher: bool = False

    @property
    def file(self) -> Distribution | None:
        return next((d for d in self.distributions if d.kind == "file" and d.lake_path), None)


def dataset_view(session: Session, caller: Caller | None, dataset_id: str) -> DatasetView:
    """The dataset page: metadata, distributions, revisions (newest first), the Table Schema, a
    preview and the per-column profile; the publisher also gets its newest ingest job."""
    dataset = get_visible_dataset(session, caller, dataset_id)
    distributions = list(
        session.scalars(select(Distribution).where(Distribution.dataset_id == dataset.id).order_by(Distribution.id))
    )
    revisions = list(
        session.scalars(
            select(DatasetRevision).where(DatasetRevision.dataset_id == dataset.id).order_by(DatasetRevision.id.desc())
        )
    )
    series = session.get(DatasetSeries, dataset.series_id) if dataset.series_id else None
    alliance = session.get(Alliance, dataset.access_alliance_id) if dataset.access_alliance_id else None
    status, _, schema = current_schema(session, caller, dataset)
    has_data = any(d.kind == "file" and d.lake_path for d in distributions)
    preview = reads.preview(session, caller, dataset.id, PREVIEW_ROWS) if has_data else None
    profile = reads.profile(session, caller, dataset.id) if has_data else None
    mine = caller is not None and caller.org_id == dataset.org_id
    job = latest_job(session, caller, dataset.id) if mine and caller is not None else None
    return DatasetView(
        dataset=dataset,
        publisher_name=org_names(session, [dataset.org_id]).get(dataset.org_id, ""),
        distributions=distributions,
        revisions=revisions,
        series=series,
        alliance=alliance,
        schema_status=status,
        schema=schema,
        preview=preview,
        profile=profile,
        latest_job=job,
        is_publisher=mine,
    )


def latest_job(session: Session, caller: Caller, dataset_id: str) -> IngestJob | None:
    return session.scalars(
        scoped(IngestJob, caller).where(IngestJob.dataset_id == dataset_id).order_by(IngestJob.id.desc()).limit(1)
    ).one_or_none()


@dataclass
class Publisher:
    id: str
    name: str
    kind: str
    dataset_count: int
    themes: list[tuple[str, int]] = field(default_factory=list)


def get_publisher(session: Session, caller: Caller | None, org_id: str) -> Publisher:
    """An org as a publisher: answers ``NotFound`` unless it has a dataset the caller may see
    (an org's existence is not public otherwise)."""
    from digiplus.identity.models import Organization

    count = session.scalar(
        select(func.count()).select_from(Dataset).where(Dataset.org_id == org_id, visible_datasets(session, caller))
    )
    org = session.get(Organization, org_id)
    if org is None or not count:
        raise NotFound(f"No such publisher: '{org_id}'", param="org_id")
    themes: dict[str, int] = {}
    for (codes,) in session.execute(
        select(Dataset.themes).where(Dataset.org_id == org_id, visible_datasets(session, caller))
    ):
        for code in codes or []:
            themes[code] = themes.get(code, 0) + 1
    ranked = sorted(themes.items(), key=lambda kv: (-kv[1], kv[0]))
    return Publisher(id=org.id, name=org.name, kind=org.kind, dataset_count=int(count), themes=ranked)


@dataclass
class OwnDataset:
    dataset: Dataset
    job: IngestJob | None
    rows: int | None


def own_datasets(session: Session, caller: Caller, *, limit: int = 200) -> list[OwnDataset]:
    """The caller's org's datasets, newest change first, each with its newest ingest job."""
    datasets = list(session.scalars(scoped(Dataset, caller).order_by(Dataset.modified.desc()).limit(limit)))
    ids = [d.id for d in datasets]
    newest = (
        select(IngestJob.dataset_id, func.max(IngestJob.id).label("job_id"))
        .where(IngestJob.dataset_id.in_(ids))
        .group_by(IngestJob.dataset_id)
        .subquery()
    )
    jobs = {j.dataset_id: j for j in session.scalars(select(IngestJob).join(newest, newest.c.job_id == IngestJob.id))}
    rows = dict(
        session.execute(
            select(Distribution.dataset_id, Distribution.row_count).where(
                Distribution.dataset_id.in_(ids), Distribution.kind == "file"
            )
        ).all()
    )
    return [OwnDataset(d, jobs.get(d.id), rows.get(d.id)) for d in datasets]


def own_alliances(session: Session, caller: Caller) -> list[Alliance]:
    """The alliances the caller's org is an active member of (to share a dataset with)."""
    from digiplus.data.service.access import member_alliance_ids

    ids = member_alliance_ids(session, caller)
    if not ids:
        return []
    return list(session.scalars(select(Alliance).where(Alliance.id.in_(ids)).order_by(Alliance.id)))


def original_download(session: Session, caller: Caller | None, dataset_id: str) -> tuple[str, str, Iterator[bytes]]:
    """(file name, media type, chunks) of the file as it was uploaded, behind the access rule.

    The original is served as an attachment of its own type: a CSV keeps its encoding (Big5
    included) and is not neutralised, which is why the page offers the cleaned CSV first."""
    dataset = get_visible_dataset(session, caller, dataset_id)
    dist = file_distribution(session, dataset.id)
    if dist is None or not dist.original_path:
        raise NotFound(f"The dataset '{dataset_id}' has no uploaded file.", param="id", code="no_data")
    media = FORMATS.get(dist.original_format, "application/octet-stream")
    name = dist.original_filename or f"{dataset.id}.{dist.original_format.lower()}"

    def chunks() -> Iterator[bytes]:
        with get_lake().open(dist.original_path) as handle:
            while chunk := handle.read(1 << 20):
                yield chunk

    return name, media, chunks()
