"""The lake's one implementation over fsspec (see the package docstring)."""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import fsspec
import pyarrow as pa
import pyarrow.parquet as pq
from fsspec.implementations.local import LocalFileSystem

from digiplus.settings import get_settings

_TMP = "_tmp"


def lake_url() -> str:
    """``DIGIPLUS_LAKE_URL``, or ``<data_dir>/lake``."""
    settings = get_settings()
    return settings.lake_url or str((settings.data_dir / "lake").resolve())


@dataclass(frozen=True)
class LakeWriteResult:
    key: str
    bytes: int
    rows: int = 0


class ParquetSink:
    """What ``Lake.parquet_writer`` yields: write batches; rows are counted."""

    def __init__(self, writer: pq.ParquetWriter) -> None:
        self._writer = writer
        self.rows = 0

    def write_batch(self, batch: pa.RecordBatch | pa.Table) -> None:
        if isinstance(batch, pa.Table):
            self._writer.write_table(batch)
        else:
            self._writer.write_batch(batch)
        self.rows += batch.num_rows


class Lake:
    def __init__(self, url: str) -> None:
        self.url = url
        fs, root = fsspec.core.url_to_fs(url)
        self.fs: fsspec.AbstractFileSystem = fs
        self.root = root.rstrip("/")
        if self.is_local:
            Path(self.root).mkdir(parents=True, exist_ok=True)

    @property
    def is_local(self) -> bool:
        return isinstance(self.fs, LocalFileSystem)

    def path(self, key: str) -> str:
        parts = [p for p in key.split("/") if p]
        if not parts or any(p in (".", "..") for p in parts):
            raise ValueError(f"invalid lake key: {key!r}")
        return f"{self.root}/{'/'.join(parts)}"

    def local_path(self, key: str) -> Path | None:
        """The file's path on this machine for a local lake (DuckDB and PyArrow read it
        directly), or None on object storage."""
        return Path(self.path(key)) if self.is_local else None

    @contextlib.contextmanager
    def _staged(self, key: str) -> Iterator[str]:
        final = self.path(key)
        tmp = self.path(f"{_TMP}/{uuid.uuid4().hex}")
        if self.is_local:
            Path(tmp).parent.mkdir(parents=True, exist_ok=True)
        try:
            yield tmp
            if self.is_local:
                Path(final).parent.mkdir(parents=True, exist_ok=True)
            self.fs.mv(tmp, final)
        except BaseException:
            with contextlib.suppress(FileNotFoundError, OSError):
                self.fs.rm(tmp)
            raise

    @contextlib.contextmanager
    def file_writer(self, key: str) -> Iterator[IO[bytes]]:
        """A binary file that appears under ``key`` only if the block ends cleanly."""
        with self._staged(key) as tmp, self.fs.open(tmp, "wb") as out:
            yield out

    @contextlib.contextmanager
    def parquet_writer(self, key: str, schema: pa.Schema, *, compression: str = "zstd") -> Iterator[ParquetSink]:
        """A Parquet file written batch by batch, visible under ``key`` only if the block ends cleanly."""
        with self._staged(key) as tmp, self.fs.open(tmp, "wb") as out:
            writer = pq.ParquetWriter(out, schema, compression=compression)
            sink = ParquetSink(writer)
            try:
                yield sink
            finally:
                writer.close()

    def put_bytes(self, key: str, data: bytes) -> LakeWriteResult:
        with self.file_writer(key) as out:
            out.write(data)
        return LakeWriteResult(key=key, bytes=len(data))

    def open(self, key: str) -> IO[bytes]:
        handle: IO[bytes] = self.fs.open(self.path(key), "rb")
        return handle

    def exists(self, key: str) -> bool:
        return bool(self.fs.exists(self.path(key)))

    def size(self, key: str) -> int:
        return int(self.fs.size(self.path(key)))

    def delete(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.fs.rm(self.path(key))

    def keys(self, prefix: str = "") -> list[str]:
        """Keys below ``prefix`` (files only), temporary files left out."""
        base = self.path(prefix) if prefix else self.root
        if not self.fs.exists(base):
            return []
        found = self.fs.find(base)
        keys = [str(p)[len(self.root) + 1 :] for p in found]
        return sorted(k for k in keys if not k.startswith(f"{_TMP}/"))

    def parquet_file(self, key: str) -> pq.ParquetFile:
        return pq.ParquetFile(self.open(key))

    def read_table(self, key: str, *, columns: list[str] | None = None, limit: int | None = None) -> pa.Table:
        """The Parquet file as a table; with ``limit`` only the first row groups needed are read."""
        pf = self.parquet_file(key)
        if limit is None:
            return pf.read(columns=columns)
        batches: list[pa.RecordBatch] = []
        got = 0
        for batch in pf.iter_batches(batch_size=max(1, min(limit, 65536)), columns=columns):
            batches.append(batch)
            got += batch.num_rows
            if got >= limit:
                break
        table = pa.Table.from_batches(batches, schema=pf.schema_arrow if columns is None else None)
        return table.slice(0, limit)

    def iter_batches(
        self, key: str, *, batch_size: int = 65536, columns: list[str] | None = None
    ) -> Iterator[pa.RecordBatch]:
        pf = self.parquet_file(key)
        yield from pf.iter_batches(batch_size=batch_size, columns=columns)

    def metadata(self, key: str) -> Any:
        return self.parquet_file(key).metadata


_lakes: dict[str, Lake] = {}
_lock = threading.Lock()


def get_lake(url: str | None = None) -> Lake:
    """The process-wide lake for ``url`` (default: the settings')."""
    url = url or lake_url()
    with _lock:
        if url not in _lakes:
            _lakes[url] = Lake(url)
        return _lakes[url]
