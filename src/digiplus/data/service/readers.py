"""Reading uploads as a stream of Arrow batches: CSV (encoding and delimiter detected),
Excel (.xlsx through calamine) and Parquet. Each batch comes with the file row number
of each of its rows, so that errors name the line a publisher sees in a spreadsheet.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import IO, Any

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from digiplus.core.errors import ValidationFailed
from digiplus.data.service.tableschema import RowError

FORMATS_BY_EXTENSION = {
    "csv": "CSV",
    "tsv": "CSV",
    "txt": "CSV",
    "xlsx": "XLSX",
    "parquet": "PARQUET",
    "pq": "PARQUET",
}
ENCODINGS = ("utf-8", "utf-8-sig", "cp950", "big5", "big5hkscs", "utf-16")
DELIMITERS = (",", "\t", ";", "|")
_SAMPLE = 1 << 20
_BLOCK = 16 << 20
_EXCEL_BATCH = 50_000


def detect_format(filename: str, head: bytes) -> str:
    if head.startswith(b"PAR1"):
        return "PARQUET"
    if head.startswith(b"PK\x03\x04"):
        return "XLSX"
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return FORMATS_BY_EXTENSION.get(ext, "CSV")


def detect_encoding(sample: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 by its BOM, else CP950 (Big5 as Windows writes it)."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    for encoding in ("utf-8", "cp950"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
            return encoding
        except UnicodeDecodeError:
            continue
    raise ValidationFailed(
        "The file's encoding is neither UTF-8 nor Big5 (CP950); give it with 'encoding'.",
        param="encoding",
        code="encoding_unknown",
    )


def detect_delimiter(text: str) -> str:
    lines = text.splitlines()[:50]
    if not lines:
        return ","
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        counts = {d: lines[0].count(d) for d in DELIMITERS}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


class CountingReader(io.RawIOBase):
    """A read-only stream that counts the bytes read from it (progress)."""

    def __init__(self, raw: IO[bytes], on_read: Callable[[int], None] | None = None) -> None:
        self.raw = raw
        self.count = 0
        self.on_read = on_read

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.count += n
        if self.on_read is not None:
            self.on_read(self.count)
        return n


@dataclass
class Source:
    """What a reader yields: column names, then batches with their file row numbers."""

    names: list[str]
    batches: Iterator[tuple[pa.RecordBatch, pa.Array]]
    encoding: str = ""
    delimiter: str = ""
    structural_errors: list[RowError] = field(default_factory=list)  # filled while reading
    structural_count: list[int] = field(default_factory=lambda: [0])


def _header_names(raw: list[str]) -> list[str]:
    """Blank or repeated headers get a usable name (``field_3``, ``name_2``)."""
    names: list[str] = []
    for i, name in enumerate(raw):
        base = name.strip() or f"field_{i + 1}"
        candidate, n = base, 2
        while candidate in names:
            candidate, n = f"{base}_{n}", n + 1
        names.append(candidate)
    return names


def read_csv(
    stream: IO[bytes], head: bytes, *, encoding: str | None, delimiter: str | None, max_errors: int = 100
) -> Source:
    """``head``: the file's first bytes (up to 1 MiB), read before ``stream`` starts."""
    encoding = encoding or detect_encoding(head)
    try:
        text = codecs.getincrementaldecoder(encoding)().decode(head, final=False)
    except (UnicodeError, LookupError) as exc:
        raise ValidationFailed(f"The file cannot be read as {encoding}: {exc}", param="encoding") from None
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise ValidationFailed("The file is empty.", param="file", code="file_empty")
    delimiter = delimiter or detect_delimiter(text)
    header_row = next(csv.reader(io.StringIO(text.split("\n", 1)[0]), delimiter=delimiter), [])
    names = _header_names(header_row)
    internal = [f"c{i}" for i in range(len(names))]
    source = Source(names=names, batches=iter(()), encoding=encoding, delimiter=delimiter)
    skipped: list[int] = []

    def on_invalid(row: Any) -> str:
        source.structural_count[0] += 1
        number = int(row.number) if row.number is not None else None
        if number is not None:
            skipped.append(number)
        if len(source.structural_errors) < max_errors:
            code = "extra-cell" if row.actual_columns > row.expected_columns else "missing-cell"
            source.structural_errors.append(
                RowError(
                    code,
                    f"The row has {row.actual_columns} cells; the header has {row.expected_columns}.",
                    row=number,
                )
            )
        return "skip"

    arrow_encoding = "utf8" if encoding in ("utf-8", "utf-8-sig") else encoding
    reader = pa_csv.open_csv(
        stream,
        read_options=pa_csv.ReadOptions(
            skip_rows=1, column_names=internal, block_size=_BLOCK, use_threads=False, encoding=arrow_encoding
        ),
        parse_options=pa_csv.ParseOptions(delimiter=delimiter, invalid_row_handler=on_invalid),
        convert_options=pa_csv.ConvertOptions(
            column_types=dict.fromkeys(internal, pa.string()),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )

    def batches() -> Iterator[tuple[pa.RecordBatch, pa.Array]]:
        # Line of a data row = its index + 2 (the header is line 1), plus the rows skipped before it.
        seen = 0
        for batch in reader:
            n = batch.num_rows
            numbers = _row_numbers(seen, n, skipped)
            seen += n
            yield batch, numbers

    source.batches = batches()
    return source


def _row_numbers(seen: int, n: int, skipped: list[int]) -> pa.Array:
    if not skipped:
        return pa.array(range(seen + 2, seen + 2 + n), pa.int64())
    ordered = sorted(skipped)
    out: list[int] = []
    line = seen + 2 + sum(1 for s in ordered if s < seen + 2)
    k = 0
    while k < len(ordered) and ordered[k] < line:
        k += 1
    for _ in range(n):
        while k < len(ordered) and ordered[k] == line:
            line += 1
            k += 1
        out.append(line)
        line += 1
    return pa.array(out, pa.int64())


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value)


def read_xlsx(stream: IO[bytes], *, max_errors: int = 100) -> Source:
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(stream)
        sheet = book.get_sheet_by_index(0)
    except Exception as exc:  # calamine raises its own error types for a broken workbook
        raise ValidationFailed(f"The Excel file cannot be read: {exc}", param="file", code="file_unreadable") from None
    rows = sheet.iter_rows()
    header = next(rows, None)
    if header is None:
        raise ValidationFailed("The first sheet is empty.", param="file", code="file_empty")
    names = _header_names([_cell(v) for v in header])
    width = len(names)
    source = Source(names=names, batches=iter(()))

    def batches() -> Iterator[tuple[pa.RecordBatch, pa.Array]]:
        line = 1
        columns: list[list[str]] = [[] for _ in range(width)]
        numbers: list[int] = []
        for row in rows:
            line += 1
            cells = [_cell(v) for v in row]
            if len(cells) > width and any(c != "" for c in cells[width:]):
                source.structural_count[0] += 1
                if len(source.structural_errors) < max_errors:
                    source.structural_errors.append(
                        RowError("extra-cell", f"The row has cells beyond the header's {width} columns.", row=line)
                    )
                continue
            if all(c == "" for c in cells):
                continue
            cells += [""] * (width - len(cells))
            for i in range(width):
                columns[i].append(cells[i])
            numbers.append(line)
            if len(numbers) >= _EXCEL_BATCH:
                yield _string_batch(columns, width), pa.array(numbers, pa.int64())
                columns, numbers = [[] for _ in range(width)], []
        if numbers:
            yield _string_batch(columns, width), pa.array(numbers, pa.int64())

    source.batches = batches()
    return source


def _string_batch(columns: list[list[str]], width: int) -> pa.RecordBatch:
    return pa.RecordBatch.from_arrays(
        [pa.array(c, pa.string()) for c in columns], names=[f"c{i}" for i in range(width)]
    )


def read_parquet(stream: IO[bytes]) -> Source:
    try:
        pf = pq.ParquetFile(stream)
    except (pa.ArrowInvalid, OSError) as exc:
        raise ValidationFailed(
            f"The Parquet file cannot be read: {exc}", param="file", code="file_unreadable"
        ) from None
    names = _header_names(list(pf.schema_arrow.names))

    def batches() -> Iterator[tuple[pa.RecordBatch, pa.Array]]:
        seen = 0
        for batch in pf.iter_batches(batch_size=65536):
            n = batch.num_rows
            yield batch, pa.array(range(seen + 1, seen + 1 + n), pa.int64())
            seen += n

    return Source(names=names, batches=batches())


SAMPLE_BYTES = _SAMPLE


def open_source(
    stream: IO[bytes], fmt: str, *, head: bytes = b"", encoding: str | None = None, delimiter: str | None = None
) -> Source:
    if fmt == "CSV":
        return read_csv(stream, head, encoding=encoding, delimiter=delimiter)
    if fmt == "XLSX":
        return read_xlsx(stream)
    if fmt == "PARQUET":
        return read_parquet(stream)
    raise ValidationFailed(f"Unknown format '{fmt}'; upload CSV, XLSX or Parquet.", param="format")
