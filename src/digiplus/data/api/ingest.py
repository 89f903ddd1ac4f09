"""``/v1/ingest_jobs``: upload a file to a dataset and poll the job that ingests it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, File, Form, Path, UploadFile

from digiplus.core.api.deps import SessionDep
from digiplus.core.api.middleware import allow_large_bodies
from digiplus.core.api.responses import ERROR_RESPONSES
from digiplus.core.db import get_database
from digiplus.data.api.deps import Reader, Writer
from digiplus.data.schemas import IngestJobPublic
from digiplus.data.serializers import job_public
from digiplus.data.service import ingest
from digiplus.settings import get_settings

router = APIRouter(prefix="/v1", tags=["data"], responses=ERROR_RESPONSES)
allow_large_bodies("/v1/ingest_jobs", lambda: get_settings().data_max_upload_bytes + 65536)


def schedule(background: BackgroundTasks, job_id: str) -> None:
    """Run the job after the response (the job row is committed by then); the worker picks
    up any job a crashed request left queued."""
    background.add_task(ingest.run_ingest_job, get_database(), job_id)


@router.post(
    "/ingest_jobs",
    response_model=IngestJobPublic,
    summary="Upload a CSV, Excel (.xlsx) or Parquet file to a dataset; returns the job that ingests it",
)
def create_ingest_job(
    session: SessionDep,
    caller: Writer,
    background: BackgroundTasks,
    dataset: Annotated[str, Form(max_length=64, pattern=r"^ds_[A-Za-z0-9]+$")],
    file: Annotated[UploadFile, File(description="CSV (UTF-8, UTF-8 with BOM or Big5), .xlsx or .parquet")],
    encoding: Annotated[str | None, Form(max_length=20, description="Leave out to detect.")] = None,
    delimiter: Annotated[str | None, Form(max_length=2, description="Leave out to detect.")] = None,
    version: Annotated[str, Form(max_length=40)] = "",
    change_note: Annotated[str, Form(max_length=2000)] = "",
) -> IngestJobPublic:
    """The file is staged in the lake, then read, validated against an inferred Table Schema and
    written as Parquet in the background. Poll the job; when it fails, its `errors` name the row,
    the field and the reason, and `PATCH /v1/datasets/{id}/schema` can correct the schema."""
    job = ingest.stage_upload(
        session,
        caller,
        dataset,
        file.file,
        file.filename or "upload",
        encoding=encoding or None,
        delimiter=delimiter or None,
        version=version,
        change_note=change_note,
    )
    schedule(background, job.id)
    return job_public(job)


@router.get("/ingest_jobs/{job_id}", response_model=IngestJobPublic, summary="An ingest job: status, progress, errors")
def get_ingest_job(
    job_id: Annotated[str, Path(max_length=64, pattern=r"^ij_[A-Za-z0-9]+$")], session: SessionDep, caller: Reader
) -> IngestJobPublic:
    return job_public(ingest.get_job(session, caller, job_id))
