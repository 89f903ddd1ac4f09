"""``/v1/datasets`` and ``/v1/dataset_series``: metadata, distributions, revisions, schema,
preview, profile and downloads. Reads are open to anonymous visitors (the public, live
catalogue); writes need a key with ``data.write``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Path, Query
from fastapi.responses import StreamingResponse

from digiplus.core.api.deps import SessionDep
from digiplus.core.api.pagination import ListParamsDep, ListResponse, paginate
from digiplus.core.api.responses import ERROR_RESPONSES
from digiplus.data.api.deps import MaybeCaller, Writer
from digiplus.data.api.ingest import schedule
from digiplus.data.models import Dataset, DatasetRevision, DatasetSeries, Distribution
from digiplus.data.schemas import (
    DatasetCreate,
    DatasetPublic,
    DatasetUpdate,
    DistributionCreate,
    DistributionPublic,
    IngestJobPublic,
    PreviewPublic,
    ProfilePublic,
    RevisionPublic,
    SchemaPatch,
    SeriesCreate,
    SeriesPublic,
    TableSchemaPublic,
)
from digiplus.data.serializers import dataset_public, distribution_public, job_public, revision_public, series_public
from digiplus.data.service import datasets as service
from digiplus.data.service import ingest, reads
from digiplus.data.service.access import get_visible_dataset

router = APIRouter(prefix="/v1", tags=["data"], responses=ERROR_RESPONSES)
DatasetId = Annotated[
    str, Path(max_length=64, pattern=r"^ds_[A-Za-z0-9]+$", examples=["ds_01JD5Z7K8M2N3P4Q5R6S7T8V9W"])
]
RevisionParam = Annotated[str | None, Query(max_length=64, pattern=r"^dsr_[A-Za-z0-9]+$")]


def _dataset(session: SessionDep, d: Dataset) -> DatasetPublic:
    return dataset_public(d, service.dataset_formats(session, [d.id])[d.id])


@router.post("/datasets", response_model=DatasetPublic, summary="Publish a dataset (its metadata)")
def create_dataset(body: DatasetCreate, session: SessionDep, caller: Writer) -> DatasetPublic:
    return _dataset(session, service.create_dataset(session, caller, body))


@router.get("/datasets", response_model=ListResponse[DatasetPublic], summary="List datasets, newest first")
def list_datasets(
    session: SessionDep,
    caller: MaybeCaller,
    params: ListParamsDep,
    mine: Annotated[bool, Query(description="Only the calling key's org's datasets.")] = False,
) -> dict[str, Any]:
    page = paginate(
        session, service.datasets_query(session, caller, mine=mine), Dataset.id, params, lambda d: d, "/v1/datasets"
    )
    formats = service.dataset_formats(session, [d.id for d in page["data"]])
    page["data"] = [dataset_public(d, formats[d.id]) for d in page["data"]]
    return page


@router.get("/datasets/{dataset_id}", response_model=DatasetPublic, summary="Retrieve a dataset's metadata")
def get_dataset(dataset_id: DatasetId, session: SessionDep, caller: MaybeCaller) -> DatasetPublic:
    return _dataset(session, service.get_dataset(session, caller, dataset_id))


@router.post("/datasets/{dataset_id}", response_model=DatasetPublic, summary="Update a dataset's metadata")
def update_dataset(dataset_id: DatasetId, body: DatasetUpdate, session: SessionDep, caller: Writer) -> DatasetPublic:
    return _dataset(session, service.update_dataset(session, caller, dataset_id, body))


@router.delete("/datasets/{dataset_id}", response_model=DatasetPublic, summary="Remove a dataset from the catalogue")
def delete_dataset(dataset_id: DatasetId, session: SessionDep, caller: Writer) -> DatasetPublic:
    dataset = service.get_dataset(session, caller, dataset_id)
    shown = _dataset(session, dataset)
    service.delete_dataset(session, caller, dataset_id)
    return shown


@router.get(
    "/datasets/{dataset_id}/distributions",
    response_model=ListResponse[DistributionPublic],
    summary="List a dataset's distributions",
)
def list_distributions(
    dataset_id: DatasetId, session: SessionDep, caller: MaybeCaller, params: ListParamsDep
) -> dict[str, Any]:
    stmt = service.distributions_query(session, caller, dataset_id)
    return paginate(
        session, stmt, Distribution.id, params, distribution_public, f"/v1/datasets/{dataset_id}/distributions"
    )


@router.post(
    "/datasets/{dataset_id}/distributions",
    response_model=DistributionPublic,
    summary="Register an external API (or any URL) as a distribution",
)
def add_distribution(
    dataset_id: DatasetId, body: DistributionCreate, session: SessionDep, caller: Writer
) -> DistributionPublic:
    return distribution_public(service.add_api_distribution(session, caller, dataset_id, body))


@router.get(
    "/datasets/{dataset_id}/revisions",
    response_model=ListResponse[RevisionPublic],
    summary="List a dataset's revisions (one per ingest), newest first",
)
def list_revisions(
    dataset_id: DatasetId, session: SessionDep, caller: MaybeCaller, params: ListParamsDep
) -> dict[str, Any]:
    stmt = service.revisions_query(session, caller, dataset_id)
    return paginate(session, stmt, DatasetRevision.id, params, revision_public, f"/v1/datasets/{dataset_id}/revisions")


@router.get("/datasets/{dataset_id}/schema", response_model=TableSchemaPublic, summary="The dataset's Table Schema")
def get_schema(dataset_id: DatasetId, session: SessionDep, caller: MaybeCaller) -> TableSchemaPublic:
    """`current` is the schema of the published data; the publisher also sees the `draft` of
    an ingest that failed validation, to correct it."""
    dataset = get_visible_dataset(session, caller, dataset_id)
    status, job_id, schema = ingest.current_schema(session, caller, dataset)
    schema = schema or {"fields": [], "missingValues": [""]}
    return TableSchemaPublic(
        dataset=dataset.id,
        status=status,  # type: ignore[arg-type]
        ingest_job=job_id,
        fields=schema["fields"],
        missingValues=schema.get("missingValues", [""]),
    )


@router.patch(
    "/datasets/{dataset_id}/schema",
    response_model=IngestJobPublic,
    summary="Correct field types, names or constraints and validate the data again",
)
def patch_schema(
    dataset_id: DatasetId, body: SchemaPatch, session: SessionDep, caller: Writer, background: BackgroundTasks
) -> IngestJobPublic:
    """Returns the ingest job that re-reads the uploaded file with the corrected schema; poll
    `/v1/ingest_jobs/{id}`. When every row passes, a new revision is published."""
    job = ingest.correct_schema(session, caller, dataset_id, body)
    schedule(background, job.id)
    return job_public(job)


@router.get("/datasets/{dataset_id}/preview", response_model=PreviewPublic, summary="The first rows of the data")
def preview(
    dataset_id: DatasetId,
    session: SessionDep,
    caller: MaybeCaller,
    limit: Annotated[int, Query(ge=1, le=500)] = 20,
) -> PreviewPublic:
    return PreviewPublic(**reads.preview(session, caller, dataset_id, limit))


@router.get("/datasets/{dataset_id}/profile", response_model=ProfilePublic, summary="Per-column profile of the data")
def profile(dataset_id: DatasetId, session: SessionDep, caller: MaybeCaller) -> ProfilePublic:
    return ProfilePublic(**reads.profile(session, caller, dataset_id))


_CSV = {200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "UTF-8 CSV with a BOM."}}
_PARQUET = {200: {"content": {"application/vnd.apache.parquet": {"schema": {"type": "string", "format": "binary"}}}}}


@router.get(
    "/datasets/{dataset_id}/download.csv",
    response_class=StreamingResponse,
    responses=_CSV,  # type: ignore[arg-type]
    summary="Download the data as CSV (cells that would run as formulas are neutralised)",
)
def download_csv(
    dataset_id: DatasetId, session: SessionDep, caller: MaybeCaller, revision: RevisionParam = None
) -> StreamingResponse:
    name, chunks = reads.csv_download(session, caller, dataset_id, revision)
    return StreamingResponse(
        chunks, media_type="text/csv; charset=utf-8", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.get(
    "/datasets/{dataset_id}/download.parquet",
    response_class=StreamingResponse,
    responses=_PARQUET,  # type: ignore[arg-type]
    summary="Download the data as Parquet",
)
def download_parquet(
    dataset_id: DatasetId, session: SessionDep, caller: MaybeCaller, revision: RevisionParam = None
) -> StreamingResponse:
    name, chunks = reads.parquet_download(session, caller, dataset_id, revision)
    return StreamingResponse(
        chunks,
        media_type="application/vnd.apache.parquet",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.post("/dataset_series", response_model=SeriesPublic, summary="Create a dataset series")
def create_series(body: SeriesCreate, session: SessionDep, caller: Writer) -> SeriesPublic:
    return series_public(service.create_series(session, caller, body))


@router.get("/dataset_series", response_model=ListResponse[SeriesPublic], summary="List dataset series")
def list_series(session: SessionDep, caller: MaybeCaller, params: ListParamsDep) -> dict[str, Any]:
    return paginate(
        session, service.series_query(caller), DatasetSeries.id, params, series_public, "/v1/dataset_series"
    )


@router.get("/dataset_series/{series_id}", response_model=SeriesPublic, summary="Retrieve a dataset series")
def get_series(
    series_id: Annotated[str, Path(max_length=64, pattern=r"^dss_[A-Za-z0-9]+$")],
    session: SessionDep,
    caller: MaybeCaller,
) -> SeriesPublic:
    return series_public(service.get_series(session, caller, series_id))
