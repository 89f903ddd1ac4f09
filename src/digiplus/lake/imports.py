"""History imports: a merchant's past sales from its old point of sale, into the lake.

``stage_import`` copies the upload into the lake (streamed, hashed) and queues a
``HistoryImport``; ``run_import`` reads it with ``pyarrow.csv`` in blocks, checks every row
(``import_rows``), streams the good rows to a staging Parquet file, then writes them as
``payments`` facts with ``source = "import"``, one file per business day, named after the
day's first and last payment id, skipping ids the lake holds already. Nothing goes to the
ledger: these sales happened elsewhere, their money never moved here.

Safe to re-run: the same file gives the same ids and the same keys; rows already in the lake
are counted as ``rows_already_imported``, never written twice. Who may import: a merchant for
itself; the platform operator (an org of kind ``operator``) for any merchant.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import IO, Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from sqlalchemy import Select, or_, select, update
from sqlalchemy.orm import Session

from digiplus.core import audit
from digiplus.core.context import Caller
from digiplus.core.db import Database, utcnow
from digiplus.core.errors import NotFound, PermissionDenied, ValidationFailed
from digiplus.core.ids import id_for
from digiplus.core.worker import task
from digiplus.identity.models import Organization
from digiplus.lake.fact_writer import file_name, parse_file_name, partition_prefix
from digiplus.lake.facts import FACT_TABLES, PAYMENTS_V1
from digiplus.lake.import_rows import OPTIONAL, REQUIRED, RowChecker, canonical_columns
from digiplus.lake.models import HistoryImport
from digiplus.lake.store import Lake, get_lake
from digiplus.payments.models import MerchantProfile

MAX_ERRORS = 1000
_PROGRESS_SECONDS = 0.5
_BLOCK = 1 << 20
STAGING_SCHEMA = PAYMENTS_V1.append(pa.field("day", pa.date32()))

Progress = Callable[[HistoryImport], None]


class _CountingReader:
    """A binary stream that counts what was read from it (pyarrow's reader pulls blocks)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw, self.read_bytes = raw, 0
        self.closed = False

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.read_bytes += len(data)
        return data

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self.closed = True


def original_key(job: HistoryImport) -> str:
    return f"imports/org={job.org_id}/{job.id}.csv"


def _staging_key(job: HistoryImport) -> str:
    return f"imports/org={job.org_id}/{job.id}.accepted.parquet"


def merchant_for(session: Session, caller: Caller, merchant_id: str | None) -> str:
    """The org the import is for: the caller's own, or (operator only) the one named."""
    kind = session.scalar(select(Organization.kind).where(Organization.id == caller.org_id))
    if merchant_id is None or merchant_id == caller.org_id:
        if kind != "merchant":
            raise ValidationFailed(
                "Only a merchant has a sales history to import; the operator names the merchant.", param="merchant"
            )
        return caller.org_id
    if kind != "operator":
        raise PermissionDenied("A merchant imports only its own history.", code="not_your_merchant")
    target = session.scalar(select(Organization.kind).where(Organization.id == merchant_id))
    if target is None:
        raise NotFound(f"No such organization: '{merchant_id}'", param="merchant")
    if target != "merchant":
        raise ValidationFailed(f"'{merchant_id}' is not a merchant.", param="merchant")
    return merchant_id


def stage_import(
    session: Session, caller: Caller, stream: IO[bytes], filename: str, *, merchant_id: str | None = None
) -> HistoryImport:
    """Copy the upload into the lake and queue its import (run it with ``run_import``)."""
    org_id = merchant_for(session, caller, merchant_id)
    job = HistoryImport(
        id=id_for("history_import"),
        org_id=org_id,
        livemode=caller.livemode,
        requested_by_org_id=caller.org_id,
        status="queued",
        filename=filename[:500],
        errors=[],
    )
    digest, size = hashlib.sha256(), 0
    with get_lake().file_writer(original_key(job)) as out:
        while chunk := stream.read(_BLOCK):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    if size == 0:
        get_lake().delete(original_key(job))
        raise ValidationFailed("The file is empty.", param="file")
    job.sha256, job.bytes_total, job.staged_key = digest.hexdigest(), size, original_key(job)
    session.add(job)
    session.flush()
    audit.record(
        session, caller, "history_import.created", "history_import", job.id, after={"org": org_id, "bytes": size}
    )
    return job


def imports_query(caller: Caller) -> Select[HistoryImport]:
    """The imports the caller may see: of its org, or asked for by it (the operator's)."""
    return select(HistoryImport).where(
        HistoryImport.livemode.is_(caller.livemode),
        or_(HistoryImport.org_id == caller.org_id, HistoryImport.requested_by_org_id == caller.org_id),
    )


def get_import(session: Session, caller: Caller, import_id: str) -> HistoryImport:
    job = session.scalars(imports_query(caller).where(HistoryImport.id == import_id)).one_or_none()
    if job is None:
        raise NotFound(f"No such history import: '{import_id}'", param="id")
    return job


def _claim(db: Database, import_id: str) -> bool:
    with db.session() as session:
        claimed = session.execute(
            update(HistoryImport)
            .where(HistoryImport.id == import_id, HistoryImport.status == "queued")
            .values(status="running", started=utcnow())
        )
        return bool(getattr(claimed, "rowcount", 0))


def _loaded(session: Session, import_id: str) -> HistoryImport:
    job = session.get(HistoryImport, import_id)
    if job is None:
        raise NotFound(f"No such history import: '{import_id}'", param="id")
    return job


def _save(db: Database, import_id: str, **values: Any) -> HistoryImport:
    with db.session() as session:
        session.execute(update(HistoryImport).where(HistoryImport.id == import_id).values(**values))
        job = _loaded(session, import_id)
        session.expunge(job)
        return job


def run_import(db: Database, import_id: str, *, progress: Progress | None = None, lake: Lake | None = None) -> str:
    """Run a queued import to its end; returns its status (``succeeded`` or ``failed``)."""
    if not _claim(db, import_id):
        with db.session() as session:
            job = session.get(HistoryImport, import_id)
            return job.status if job else "missing"
    lake = lake or get_lake()
    with db.session() as session:
        job = _loaded(session, import_id)
        profile = session.scalars(
            select(MerchantProfile).where(
                MerchantProfile.org_id == job.org_id, MerchantProfile.livemode == job.livemode
            )
        ).first()
        session.expunge(job)
    context = (profile.scenario, profile.mcc) if profile else (None, None)
    try:
        counts = _validate_and_stage(db, lake, job, context, progress)
        if isinstance(counts, str):
            _save(db, job.id, status="failed", failure=counts, finished=utcnow())
            return "failed"
        written = _write_days(lake, job)
    except ValidationFailed as exc:
        _save(db, job.id, status="failed", failure=exc.message, finished=utcnow())
        return "failed"
    except Exception as exc:
        _save(db, job.id, status="failed", failure=f"internal error: {type(exc).__name__}", finished=utcnow())
        raise
    finally:
        lake.delete(_staging_key(job))
    done = _save(db, job.id, status="succeeded", finished=utcnow(), **written)
    if progress is not None:
        progress(done)
    return "succeeded"


def _validate_and_stage(
    db: Database, lake: Lake, job: HistoryImport, context: tuple[str | None, str | None], progress: Progress | None
) -> dict[str, Any] | str:
    """Pass 1: every row checked, the good ones to the staging file; a string says why the file is refused."""
    checker = RowChecker(job.org_id, job.livemode, utcnow())
    errors: list[dict[str, Any]] = []
    rows_read = rejected = 0
    last_report = time.monotonic()
    scenario, mcc = context
    header = _header(lake, job.staged_key)
    if header is None:
        return "The file is not a UTF-8 CSV with a header row."
    positions, problems = canonical_columns(header)
    if problems:
        return "; ".join(problems) + f" (columns: {', '.join((*REQUIRED, *OPTIONAL))})"
    with contextlib.closing(lake.open(job.staged_key)) as raw:
        counting = _CountingReader(raw)
        try:
            reader = pacsv.open_csv(
                counting,
                read_options=pacsv.ReadOptions(block_size=_BLOCK, encoding="utf-8"),
                # every column as text: the checks are ours, and a type guessed from the first
                # block would make a later block fail as a whole
                convert_options=pacsv.ConvertOptions(
                    column_types=dict.fromkeys(header, pa.string()),
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
                parse_options=pacsv.ParseOptions(newlines_in_values=False),
            )
        except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
            return f"The file is not a readable UTF-8 CSV: {exc}"
        wanted = {name: reader.schema.names[n] for name, n in positions.items()}
        with lake.parquet_writer(_staging_key(job), STAGING_SCHEMA) as sink:
            for batch in _batches(reader):
                columns = {name: batch.column(src).cast(pa.string()).to_pylist() for name, src in wanted.items()}
                good = []
                for i in range(batch.num_rows):
                    row_number = rows_read + i + 2  # the header is row 1, as a spreadsheet shows it
                    cells = {name: (values[i] or "") for name, values in columns.items()}
                    outcome = checker.check(row_number, cells)
                    if isinstance(outcome, list):
                        rejected += 1
                        if len(errors) < MAX_ERRORS:
                            errors += outcome[: MAX_ERRORS - len(errors)]
                        continue
                    fact, day = outcome
                    fact["scenario"], fact["mcc"], fact["day"] = scenario, mcc, day
                    good.append(fact)
                rows_read += batch.num_rows
                if good:
                    sink.write_batch(pa.Table.from_pylist(good, schema=STAGING_SCHEMA))
                if progress is not None or time.monotonic() - last_report > _PROGRESS_SECONDS:
                    job = _save(db, job.id, rows_read=rows_read, rows_rejected=rejected, bytes_read=counting.read_bytes)
                    last_report = time.monotonic()
                    if progress is not None:
                        progress(job)
    _save(db, job.id, rows_read=rows_read, rows_rejected=rejected, bytes_read=job.bytes_total, errors=errors)
    return {"rows_read": rows_read}


def _header(lake: Lake, key: str) -> list[str] | None:
    with contextlib.closing(lake.open(key)) as raw:
        head = raw.read(65536)
    line = head.split(b"\n", 1)[0].rstrip(b"\r")
    try:
        text = line.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    try:
        names = next(csv.reader([text]), [])
    except csv.Error:  # e.g. a bare carriage return inside the header line
        return None
    return names if any(n.strip() for n in names) else None


def _batches(reader: pacsv.CSVStreamingReader) -> Iterator[pa.RecordBatch]:
    try:
        yield from reader
    except pa.ArrowInvalid as exc:
        raise ValidationFailed(f"The CSV could not be read: {exc}", param="file") from None


def _existing_ids(lake: Lake, day: date) -> set[str]:
    ids: set[str] = set()
    for key in lake.keys(partition_prefix(FACT_TABLES["payments"], day)):
        parsed = parse_file_name(file_name(key))
        if parsed and parsed[0] == "import":
            with contextlib.suppress(FileNotFoundError):  # compaction may have just merged it
                ids.update(lake.read_table(key, columns=["payment_id"])["payment_id"].to_pylist())
    return ids


def _write_days(lake: Lake, job: HistoryImport) -> dict[str, Any]:
    """Pass 2: the staged rows by day, minus those already in the lake, one file per day."""
    fact = FACT_TABLES["payments"]
    if not lake.exists(_staging_key(job)):
        return {"rows_imported": 0, "rows_already_imported": 0, "files_written": 0}
    staged = lake.read_table(_staging_key(job))
    imported = already = files = 0
    days: list[date] = []
    if staged.num_rows:
        staged = staged.sort_by([("day", "ascending"), ("paid_at", "ascending"), ("payment_id", "ascending")])
        day_values = staged["day"].to_pylist()
        start = 0
        while start < len(day_values):
            day = day_values[start]
            end = start
            while end < len(day_values) and day_values[end] == day:
                end += 1
            rows = staged.slice(start, end - start)
            start = end
            days.append(day)
            known = _existing_ids(lake, day)
            if known:
                keep = pc.invert(pc.is_in(rows["payment_id"], value_set=pa.array(sorted(known), pa.string())))
                already += rows.num_rows - pc.sum(keep.cast(pa.int64())).as_py()
                rows = rows.filter(keep)
            if not rows.num_rows:
                continue
            ids = rows["payment_id"]
            key = fact.key(day, "import", pc.min(ids).as_py(), pc.max(ids).as_py())
            with lake.parquet_writer(key, fact.schema) as sink:
                sink.write_batch(rows.drop_columns(["day"]).cast(fact.schema))
            imported += rows.num_rows
            files += 1
    return {
        "rows_imported": imported,
        "rows_already_imported": already,
        "files_written": files,
        "first_day": min(days) if days else None,
        "last_day": max(days) if days else None,
    }


STALE_AFTER = timedelta(hours=1)


@task("lake.history_imports")
def run_queued_imports(db: Database) -> int:
    """The worker runs an import its request could not (the server stopped before it ran), and
    runs again one a crash left ``running`` for over an hour (a re-run is safe: known ids are skipped)."""
    with db.session() as session:
        session.execute(
            update(HistoryImport)
            .where(HistoryImport.status == "running", HistoryImport.started < utcnow() - STALE_AFTER)
            .values(status="queued")
        )
    with db.session() as session:
        queued = list(session.scalars(select(HistoryImport.id).where(HistoryImport.status == "queued").limit(5)))
    for import_id in queued:
        run_import(db, import_id)
    return len(queued)


def server_caller(session: Session, merchant_id: str, livemode: bool) -> Caller:
    """For the CLI on the server (trusted, like the operator): act as the merchant itself."""
    kind = session.scalar(select(Organization.kind).where(Organization.id == merchant_id))
    if kind is None:
        raise NotFound(f"No such organization: '{merchant_id}'", param="merchant")
    if kind != "merchant":
        raise ValidationFailed(f"'{merchant_id}' is not a merchant.", param="merchant")
    return Caller.system(merchant_id, livemode)
