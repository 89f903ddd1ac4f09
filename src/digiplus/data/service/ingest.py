"""Ingest: stage an upload in the lake, then stream it through the Table Schema into a
Parquet file, as a job whose progress can be polled.

A job never leaves half a dataset: the Parquet file is written under a temporary key and
moved into place only when every row passed; the distribution, the revision, the search
document, the audit entry and the event are then written in one transaction, and if that
fails the Parquet file is removed again. A failed job keeps its staged original and its
(inferred) schema, so the publisher can correct the schema and run it again.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import IO, Any

import pyarrow as pa
import structlog
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from digiplus.core import audit
from digiplus.core.context import Caller
from digiplus.core.db import Database, utcnow
from digiplus.core.errors import NotFound, PayloadTooLarge, ValidationFailed
from digiplus.core.events import emit
from digiplus.core.ids import id_for
from digiplus.core.tenancy import get_owned, scoped
from digiplus.core.worker import task
from digiplus.data.models import Dataset, DatasetRevision, Distribution, IngestJob
from digiplus.data.schemas import SchemaPatch
from digiplus.data.service import readers
from digiplus.data.service.profile import TableProfile
from digiplus.data.service.search import index_dataset
from digiplus.data.service.tableschema import BatchConverter, RowError, arrow_schema, check_descriptor, infer_schema
from digiplus.data.vocab import FORMATS
from digiplus.lake import get_lake
from digiplus.settings import get_settings

log = structlog.get_logger("digiplus.data.ingest")
MAX_ERRORS = 100
_PROGRESS_SECONDS = 0.5
_EXTENSIONS = {"CSV": "csv", "XLSX": "xlsx", "PARQUET": "parquet"}

Progress = Callable[[IngestJob], None]


def staged_key(job: IngestJob) -> str:
    return f"data/org={job.org_id}/{job.dataset_id}/uploads/{job.id}.{_EXTENSIONS.get(job.format, 'bin')}"


def parquet_key(org_id: str, dataset_id: str, revision_id: str) -> str:
    return f"data/org={org_id}/{dataset_id}/{revision_id}.parquet"


def stage_upload(
    session: Session,
    caller: Caller,
    dataset_id: str,
    stream: IO[bytes],
    filename: str,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    version: str = "",
    change_note: str = "",
) -> IngestJob:
    """Copy the upload into the lake (streamed, hashed, size-limited) and queue its job."""
    dataset = get_owned(session, Dataset, dataset_id, caller, param="dataset")
    if encoding is not None and encoding not in readers.ENCODINGS:
        raise ValidationFailed(
            f"Unknown encoding '{encoding}'; use one of {', '.join(readers.ENCODINGS)}.", param="encoding"
        )
    if delimiter is not None and delimiter not in readers.DELIMITERS:
        raise ValidationFailed("The delimiter must be one of , ; | or a tab.", param="delimiter")
    head = stream.read(8)
    fmt = readers.detect_format(filename, head)
    job = IngestJob(
        id=id_for("ingest_job"),
        org_id=caller.org_id,
        livemode=caller.livemode,
        dataset_id=dataset.id,
        filename=filename[-500:],
        format=fmt,
        encoding=encoding or "",
        delimiter=delimiter or "",
        version=version,
        change_note=change_note,
    )
    job.staged_path = staged_key(job)
    limit = get_settings().data_max_upload_bytes
    digest = hashlib.sha256()
    size = 0
    with get_lake().file_writer(job.staged_path) as out:
        chunk = head
        while chunk:
            size += len(chunk)
            if size > limit:
                raise PayloadTooLarge(f"The file is larger than {limit} bytes.", param="file")
            digest.update(chunk)
            out.write(chunk)
            chunk = stream.read(1 << 20)
    if size == 0:
        get_lake().delete(job.staged_path)
        raise ValidationFailed("The file is empty.", param="file", code="file_empty")
    job.bytes_total = size
    job.errors = []
    session.add(job)
    session.flush()
    audit.record(
        session,
        caller,
        "data.ingest_job.created",
        "ingest_job",
        job.id,
        after={"filename": job.filename, "bytes": size, "sha256": digest.hexdigest()},
    )
    return job


def get_job(session: Session, caller: Caller, job_id: str) -> IngestJob:
    return get_owned(session, IngestJob, job_id, caller)


def _latest_staged_job(session: Session, caller: Caller, dataset_id: str) -> IngestJob | None:
    return session.scalars(
        scoped(IngestJob, caller)
        .where(
            IngestJob.dataset_id == dataset_id,
            IngestJob.staged_path != "",
            IngestJob.status.in_(("succeeded", "failed")),
        )
        .order_by(IngestJob.id.desc())
        .limit(1)
    ).one_or_none()


def current_schema(
    session: Session, caller: Caller | None, dataset: Dataset
) -> tuple[str, str | None, dict[str, Any] | None]:
    """(status, job id, schema): the newest ingest's schema — "draft" when that ingest failed
    (only the publisher sees drafts), "current" when it is the schema of the data."""
    if caller is not None and caller.org_id == dataset.org_id:
        job = _latest_staged_job(session, caller, dataset.id)
        if job is not None and job.status == "failed" and job.table_schema:
            return "draft", job.id, job.table_schema
    dist = file_distribution(session, dataset.id)
    if dist is not None and dist.table_schema:
        return "current", None, dist.table_schema
    return "none", None, None


def file_distribution(session: Session, dataset_id: str) -> Distribution | None:
    return session.scalars(
        select(Distribution).where(Distribution.dataset_id == dataset_id, Distribution.kind == "file").limit(1)
    ).one_or_none()


def correct_schema(session: Session, caller: Caller, dataset_id: str, patch: SchemaPatch) -> IngestJob:
    """Apply the publisher's corrections to the newest schema and queue a job that validates
    the staged original again with it (a new revision when every row passes)."""
    dataset = get_owned(session, Dataset, dataset_id, caller)
    base = _latest_staged_job(session, caller, dataset.id)
    if base is None or not base.table_schema:
        raise ValidationFailed("The dataset has no uploaded file whose schema could be corrected.", param="fields")
    descriptor = {
        "fields": [dict(f) for f in base.table_schema["fields"]],
        "missingValues": list(base.table_schema.get("missingValues", [""])),
    }
    by_name = {f["name"]: f for f in descriptor["fields"]}
    for i, change in enumerate(patch.fields):
        target = by_name.get(change.name)
        if target is None:
            raise ValidationFailed(f"The schema has no field '{change.name}'.", param=f"fields[{i}].name")
        for key in ("type", "format", "title", "description", "constraints"):
            value = getattr(change, key)
            if value is not None:
                target[key] = value
        if change.type is not None and change.type != "date" and change.format is None:
            target.pop("format", None)
        if change.new_name is not None:
            target["name"] = change.new_name
    if patch.missing_values is not None:
        descriptor["missingValues"] = patch.missing_values
    check_descriptor(descriptor)
    job = IngestJob(
        id=id_for("ingest_job"),
        org_id=caller.org_id,
        livemode=caller.livemode,
        dataset_id=dataset.id,
        filename=base.filename,
        format=base.format,
        encoding=base.encoding,
        delimiter=base.delimiter,
        staged_path=base.staged_path,
        bytes_total=base.bytes_total,
        table_schema=descriptor,
        schema_given=True,
        change_note=patch.change_note or "schema corrected",
        errors=[],
    )
    session.add(job)
    session.flush()
    audit.record(
        session,
        caller,
        "data.schema.corrected",
        "dataset",
        dataset.id,
        after={"ingest_job": job.id, "fields": [c.model_dump(exclude_none=True) for c in patch.fields]},
    )
    return job


class _Failed(Exception):
    def __init__(self, message: str, errors: list[RowError] | None = None, count: int = 0) -> None:
        super().__init__(message)
        self.message, self.errors, self.count = message, errors or [], count


def claim_job(db: Database, job_id: str) -> bool:
    now = utcnow()
    with db.session() as session:
        result = session.execute(
            update(IngestJob)
            .where(IngestJob.id == job_id, IngestJob.status == "queued")
            .values(
                status="running", started=now, heartbeat=now, attempts=IngestJob.attempts + 1, bytes_read=0, rows_read=0
            )
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


def _save_progress(db: Database, job_id: str, bytes_read: int, rows: int) -> None:
    with db.session() as session:
        session.execute(
            update(IngestJob)
            .where(IngestJob.id == job_id)
            .values(bytes_read=bytes_read, rows_read=rows, heartbeat=utcnow())
        )


def run_ingest_job(db: Database, job_id: str, on_progress: Progress | None = None) -> IngestJob:
    """Run a queued job to its end (succeeded or failed); returns the job as it ends."""
    if claim_job(db, job_id):
        with db.session() as session:
            job = session.get_one(IngestJob, job_id)
            session.expunge(job)
        try:
            _run(db, job, on_progress)
        except _Failed as failed:
            _finish_failed(db, job, failed.message, failed.errors, failed.count)
        except Exception as exc:  # a bug or the lake failing: the job says so, nothing half-written
            log.exception("ingest_failed", job=job_id)
            _finish_failed(db, job, f"The ingest stopped: {type(exc).__name__}: {exc}", [], 0)
    with db.session() as session:
        ended = session.get(IngestJob, job_id)
        if ended is None:
            raise NotFound(f"No such ingest_job: '{job_id}'")
        session.expunge(ended)
        return ended


def _finish_failed(db: Database, job: IngestJob, message: str, errors: list[RowError], count: int) -> None:
    with db.session() as session:
        session.execute(
            update(IngestJob)
            .where(IngestJob.id == job.id)
            .values(
                status="failed",
                failure=message,
                errors=[e.as_dict() for e in errors[:MAX_ERRORS]],
                error_count=count,
                table_schema=job.table_schema,
                encoding=job.encoding,
                delimiter=job.delimiter,
                rows_read=job.rows_read,
                finished=utcnow(),
            )
        )


def _open(job: IngestJob, counter: list[int]) -> tuple[readers.Source, Any]:
    lake = get_lake()
    handle = lake.open(job.staged_path)
    if job.format == "CSV":
        head = handle.read(readers.SAMPLE_BYTES)
        handle.seek(0)

        def on_read(n: int) -> None:
            counter[0] = n

        stream = io.BufferedReader(readers.CountingReader(handle, on_read), buffer_size=1 << 20)
        try:
            source = readers.open_source(
                stream, "CSV", head=head, encoding=job.encoding or None, delimiter=job.delimiter or None
            )
        except pa.ArrowInvalid as exc:
            raise _Failed(f"The CSV file cannot be read: {exc}") from None
        return source, handle
    return readers.open_source(handle, job.format), handle


def _batches(source: readers.Source) -> Iterator[tuple[pa.RecordBatch, pa.Array]]:
    try:
        yield from source.batches
    except pa.ArrowInvalid as exc:
        message = str(exc)
        if "straddling" in message or "block size" in message:
            raise _Failed(f"A row is larger than the reader's block (16 MiB): huge-cell. {message}") from None
        raise _Failed(f"The file cannot be read: {message}") from None
    except UnicodeDecodeError as exc:
        raise _Failed(f"The file is not valid {source.encoding}: {exc.reason} at byte {exc.start}.") from None
    except UnicodeError as exc:
        raise _Failed(f"The file is not valid {source.encoding}: {exc}.") from None


def _run(db: Database, job: IngestJob, on_progress: Progress | None) -> None:
    settings = get_settings()
    counter = [0]
    try:
        source, handle = _open(job, counter)
    except ValidationFailed as exc:
        raise _Failed(exc.message) from None
    with contextlib.closing(handle):
        job.encoding, job.delimiter = source.encoding or job.encoding, source.delimiter or job.delimiter
        batches = _batches(source)
        first = next(batches, None)
        if job.table_schema is None or not job.schema_given:
            sample = (
                first[0]
                if first is not None
                else pa.RecordBatch.from_arrays(
                    [pa.array([], pa.string()) for _ in source.names], names=[f"c{i}" for i in range(len(source.names))]
                )
            )
            job.table_schema = infer_schema(source.names, sample)
        descriptor = job.table_schema
        if len(descriptor["fields"]) != len(source.names):
            raise _Failed(
                f"The schema has {len(descriptor['fields'])} fields but the file has {len(source.names)} columns."
            )
        converter = BatchConverter(descriptor, max_cell_bytes=settings.data_max_cell_bytes, max_errors=MAX_ERRORS)
        profile = TableProfile(descriptor)
        errors: list[RowError] = []
        count = 0
        revision_id = id_for("dataset_revision")
        key = parquet_key(job.org_id, job.dataset_id, revision_id)
        last = time.monotonic()
        with get_lake().parquet_writer(key, arrow_schema(descriptor)) as sink:
            pending = [first] if first is not None else []
            for batch, numbers in _chain(pending, batches):
                converted = converter.convert(batch, numbers)
                count += converted.error_count
                errors.extend(converted.errors[: MAX_ERRORS - len(errors)])
                if count == 0 and not source.structural_count[0]:
                    sink.write_batch(converted.table)
                    profile.add(converted.table)
                job.rows_read += batch.num_rows
                if time.monotonic() - last > _PROGRESS_SECONDS:
                    last = time.monotonic()
                    job.bytes_read = counter[0] or job.bytes_read
                    _save_progress(db, job.id, job.bytes_read, job.rows_read)
                    if on_progress is not None:
                        on_progress(job)
            structural = source.structural_count[0]
            if count or structural:
                every = sorted(source.structural_errors + errors, key=lambda e: (e.row or 0, e.field or ""))
                raise _Failed(
                    f"{count + structural} problem(s) in the data; nothing was published.",
                    every[:MAX_ERRORS],
                    count + structural,
                )
            if job.rows_read == 0 and not source.names:
                raise _Failed("The file has no columns.")
        job.bytes_read = job.bytes_total
        try:
            _publish(db, job, revision_id, key, profile)
        except Exception:
            get_lake().delete(key)
            raise
        if on_progress is not None:
            on_progress(job)


def _sha256(key: str) -> str:
    digest = hashlib.sha256()
    with get_lake().open(key) as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _chain(
    first: list[tuple[pa.RecordBatch, pa.Array]], rest: Iterator[tuple[pa.RecordBatch, pa.Array]]
) -> Iterator[tuple[pa.RecordBatch, pa.Array]]:
    yield from first
    yield from rest


def _publish(db: Database, job: IngestJob, revision_id: str, key: str, profile: TableProfile) -> None:
    """The one transaction that makes the new data visible."""
    caller = Caller.system(job.org_id, job.livemode)
    with db.session() as session:
        dataset = get_owned(session, Dataset, job.dataset_id, caller, for_update=True)
        n = (
            session.scalar(
                select(func.count()).select_from(DatasetRevision).where(DatasetRevision.dataset_id == dataset.id)
            )
            or 0
        )
        version = job.version or str(n + 1)
        dist = file_distribution(session, dataset.id)
        if dist is None:
            dist = Distribution(
                id=id_for("distribution"), org_id=job.org_id, livemode=job.livemode, dataset_id=dataset.id, kind="file"
            )
            session.add(dist)
        dist.format = "PARQUET"
        dist.media_type = FORMATS["PARQUET"]
        dist.title = job.filename
        dist.original_filename = job.filename
        dist.original_format = job.format
        dist.original_path = job.staged_path
        dist.lake_path = key
        dist.byte_size = get_lake().size(key)
        dist.checksum_sha256 = _sha256(key)
        dist.row_count = profile.rows
        dist.table_schema = job.table_schema
        dist.profile = profile.as_dict()
        dist.revision_id = revision_id
        dist.modified = utcnow()
        session.flush()
        session.add(
            DatasetRevision(
                id=revision_id,
                org_id=job.org_id,
                livemode=job.livemode,
                dataset_id=dataset.id,
                distribution_id=dist.id,
                version=version,
                change_note=job.change_note,
                ingest_job_id=job.id,
                lake_path=key,
                row_count=profile.rows,
                table_schema=job.table_schema,
            )
        )
        dataset.version = version
        dataset.modified = utcnow()
        session.execute(
            update(IngestJob)
            .where(IngestJob.id == job.id)
            .values(
                status="succeeded",
                table_schema=job.table_schema,
                encoding=job.encoding,
                delimiter=job.delimiter,
                bytes_read=job.bytes_total,
                rows_read=job.rows_read,
                revision_id=revision_id,
                distribution_id=dist.id,
                error_count=0,
                errors=[],
                finished=utcnow(),
            )
        )
        session.flush()
        index_dataset(session, dataset)
        audit.record(
            session,
            caller,
            "data.revision.created",
            "dataset",
            dataset.id,
            after={"revision": revision_id, "version": version, "rows": profile.rows},
        )
        emit(
            session,
            caller,
            "data.revision.created",
            {"id": revision_id, "dataset": dataset.id, "version": version, "rows": profile.rows},
        )
    job.status, job.revision_id, job.distribution_id = "succeeded", revision_id, dist.id


# A running job saves its progress (and heartbeat) every _PROGRESS_SECONDS while it reads; one
# silent this long was left by a process that stopped (a crash, a redeploy): the worker runs it
# again from the staged file (a run publishes only at its end, so nothing is half-written), up
# to MAX_ATTEMPTS runs in all, then marks it failed.
STALE_AFTER = timedelta(minutes=15)
MAX_ATTEMPTS = 3


def recover_stale_jobs(session: Session, *, now: datetime | None = None) -> int:
    """Jobs a stopped process left ``running``: queued again, or failed after ``MAX_ATTEMPTS`` runs."""
    now = now or utcnow()
    stale = (IngestJob.status == "running") & (IngestJob.heartbeat < now - STALE_AFTER)
    failed = session.execute(
        update(IngestJob)
        .where(stale, IngestJob.attempts >= MAX_ATTEMPTS)
        .values(
            status="failed",
            failure=f"The ingest stopped {MAX_ATTEMPTS} times without finishing (the server stopped while it ran).",
            finished=now,
        )
    )
    again = session.execute(update(IngestJob).where(stale).values(status="queued"))
    return int(failed.rowcount or 0) + int(again.rowcount or 0)  # type: ignore[attr-defined]


@task("data.ingest_jobs")
def run_queued_ingest_jobs(db: Database) -> int:
    """The worker's share: jobs whose request did not run them, and jobs a stopped process left running."""
    with db.session() as session:
        recover_stale_jobs(session)
    with db.session() as session:
        ids = list(
            session.scalars(select(IngestJob.id).where(IngestJob.status == "queued").order_by(IngestJob.id).limit(5))
        )
    for job_id in ids:
        run_ingest_job(db, job_id)
    return len(ids)
