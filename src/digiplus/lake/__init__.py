"""The lake: Parquet files (and the originals they came from) in a folder or an
S3-compatible bucket, reached through fsspec.

``DIGIPLUS_LAKE_URL`` picks the place: a path (default ``<data_dir>/lake``) or any
fsspec URL (``s3://bucket/prefix``, ``memory://lake`` in tests). Keys are ``/``-separated
paths below it. The whole surface::

    from digiplus.lake import Lake, get_lake

    lake = get_lake()
    with lake.parquet_writer("datasets/org=org_1/ds_1/dsr_1.parquet", schema) as writer:
        writer.write_batch(batch)          # nothing is visible under the key until the block ends
    with lake.file_writer("originals/ij_1.csv") as out:
        out.write(chunk)                   # same rule for any file
    lake.read_table(key, columns=[...], limit=100)   # a pyarrow.Table
    lake.iter_batches(key, batch_size=65536)         # streams, never the whole file
    lake.open(key) / lake.keys(prefix) / lake.exists(key) / lake.size(key) / lake.delete(key) / lake.local_path(key)

Every write goes to a temporary key under ``_tmp/`` and is moved to its key only when
the block ends without an exception (a rename on a local disk; a copy on object storage,
where an object appears whole or not at all); on an exception the temporary file is
removed. A failed writer therefore never leaves a half file under a real key.
"""

from digiplus.lake.store import Lake, LakeWriteResult, get_lake, lake_url

__all__ = ["Lake", "LakeWriteResult", "get_lake", "lake_url"]
