"""Reading published data: preview, profile and downloads (CSV with formula cells
neutralised, or the Parquet file itself), each behind the access rule."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
from sqlalchemy.orm import Session

from digiplus.core.context import Caller
from digiplus.core.errors import NotFound
from digiplus.data.models import Dataset, DatasetRevision, Distribution
from digiplus.data.service.access import get_visible_dataset
from digiplus.data.service.ingest import file_distribution
from digiplus.lake import get_lake

# A cell starting with one of these is a formula to Excel and LibreOffice (CSV injection).
_FORMULA = r"^[=+\-@\t\r]"


def _file(session: Session, caller: Caller | None, dataset_id: str) -> tuple[Dataset, Distribution]:
    dataset = get_visible_dataset(session, caller, dataset_id)
    dist = file_distribution(session, dataset.id)
    if dist is None or not dist.lake_path:
        raise NotFound(f"The dataset '{dataset_id}' has no uploaded data yet.", param="id", code="no_data")
    return dataset, dist


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, float) and value != value:  # NaN is not JSON
        return None
    return value


def preview(session: Session, caller: Caller | None, dataset_id: str, limit: int) -> dict[str, Any]:
    dataset, dist = _file(session, caller, dataset_id)
    table = get_lake().read_table(dist.lake_path, limit=limit)
    columns = table.column_names
    rows = [[_plain(v) for v in row.values()] for row in table.to_pylist()]
    return {
        "dataset": dataset.id,
        "revision": dist.revision_id or "",
        "columns": columns,
        "rows": rows,
        "row_count": dist.row_count or 0,
    }


def profile(session: Session, caller: Caller | None, dataset_id: str) -> dict[str, Any]:
    dataset, dist = _file(session, caller, dataset_id)
    data = dist.profile or {"rows": 0, "columns": []}
    return {"dataset": dataset.id, "revision": dist.revision_id, "rows": data["rows"], "columns": data["columns"]}


def _revision_path(session: Session, dataset: Dataset, dist: Distribution, revision_id: str | None) -> str:
    if revision_id is None:
        return dist.lake_path
    revision = session.get(DatasetRevision, revision_id)
    if revision is None or revision.dataset_id != dataset.id or not revision.lake_path:
        raise NotFound(f"No such dataset_revision: '{revision_id}'", param="revision")
    return revision.lake_path


def neutralise_formulas(column: pa.Array) -> pa.Array:
    """Prefix text cells that a spreadsheet would run as a formula with an apostrophe (OWASP)."""
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        return column
    risky = pc.match_substring_regex(column, _FORMULA)
    return pc.if_else(risky, pc.binary_join_element_wise("'", column, ""), column)


def csv_download(
    session: Session, caller: Caller | None, dataset_id: str, revision_id: str | None = None
) -> tuple[str, Iterator[bytes]]:
    """(file name, CSV chunks): UTF-8 with BOM so Excel in Taiwan opens Chinese text right."""
    dataset, dist = _file(session, caller, dataset_id)
    key = _revision_path(session, dataset, dist, revision_id)

    def chunks() -> Iterator[bytes]:
        yield b"\xef\xbb\xbf"
        header = True
        for batch in get_lake().iter_batches(key, batch_size=65536):
            safe = pa.RecordBatch.from_arrays([neutralise_formulas(c) for c in batch.columns], names=batch.schema.names)
            out = io.BytesIO()
            pa_csv.write_csv(safe, out, write_options=pa_csv.WriteOptions(include_header=header))
            header = False
            yield out.getvalue()

    return f"{dataset.id}.csv", chunks()


def parquet_download(
    session: Session, caller: Caller | None, dataset_id: str, revision_id: str | None = None
) -> tuple[str, Iterator[bytes]]:
    dataset, dist = _file(session, caller, dataset_id)
    key = _revision_path(session, dataset, dist, revision_id)

    def chunks() -> Iterator[bytes]:
        with get_lake().open(key) as handle:
            while chunk := handle.read(1 << 20):
                yield chunk

    return f"{dataset.id}.parquet", chunks()
