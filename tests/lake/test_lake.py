"""The lake: atomic writes (a failed writer leaves no file), reads, on a folder and on an
fsspec memory filesystem (the stand-in for object storage)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from digiplus.lake import Lake

SCHEMA = pa.schema([("id", pa.int64()), ("name", pa.string())])


@pytest.fixture(params=["folder", "memory"])
def lake(request: pytest.FixtureRequest, tmp_path: Path) -> Lake:
    if request.param == "folder":
        return Lake(str(tmp_path / "lake"))
    return Lake(f"memory://lake-{tmp_path.name}")


def _batch(start: int, n: int) -> pa.RecordBatch:
    return pa.RecordBatch.from_pydict(
        {"id": list(range(start, start + n)), "name": [f"n{i}" for i in range(start, start + n)]}, schema=SCHEMA
    )


def test_parquet_written_in_batches_reads_back(lake: Lake) -> None:
    with lake.parquet_writer("t/a.parquet", SCHEMA) as sink:
        sink.write_batch(_batch(0, 1000))
        sink.write_batch(_batch(1000, 500))
    assert sink.rows == 1500
    assert lake.exists("t/a.parquet")
    table = lake.read_table("t/a.parquet")
    assert table.num_rows == 1500 and table.column("id").to_pylist()[-1] == 1499
    head = lake.read_table("t/a.parquet", columns=["name"], limit=3)
    assert head.to_pydict() == {"name": ["n0", "n1", "n2"]}
    assert sum(b.num_rows for b in lake.iter_batches("t/a.parquet", batch_size=100)) == 1500
    assert lake.keys() == ["t/a.parquet"]


def _fail_parquet(lake: Lake) -> None:
    with lake.parquet_writer("t/b.parquet", SCHEMA) as sink:
        sink.write_batch(_batch(0, 10))
        raise RuntimeError("disk on fire")


def _fail_file(lake: Lake, key: str, data: bytes, exc: Exception) -> None:
    with lake.file_writer(key) as out:
        out.write(data)
        raise exc


def test_a_failed_writer_leaves_no_file_not_even_a_temporary_one(lake: Lake) -> None:
    with pytest.raises(RuntimeError, match="disk on fire"):
        _fail_parquet(lake)
    assert not lake.exists("t/b.parquet")
    with pytest.raises(ValueError, match="stop"):
        _fail_file(lake, "t/c.csv", b"a,b\n", ValueError("stop"))
    assert not lake.exists("t/c.csv")
    assert lake.keys() == []
    assert lake.fs.find(lake.root) == [] or all("_tmp" not in p for p in lake.fs.find(lake.root))


def test_an_existing_file_is_replaced_whole(lake: Lake) -> None:
    lake.put_bytes("x/one.bin", b"first")
    with pytest.raises(KeyError):
        _fail_file(lake, "x/one.bin", b"second, half", KeyError("abort"))
    with lake.open("x/one.bin") as handle:
        assert handle.read() == b"first"
    lake.put_bytes("x/one.bin", b"second")
    assert lake.size("x/one.bin") == 6
    lake.delete("x/one.bin")
    assert not lake.exists("x/one.bin")


def test_keys_cannot_climb_out_of_the_lake(lake: Lake) -> None:
    for key in ("../etc/passwd", "a/../../b", "", "/"):
        with pytest.raises(ValueError, match="invalid lake key"):
            lake.path(key)
