"""The one Ibis connection factory: every analysis of the lake's facts is an Ibis expression
run on DuckDB (the embedded default) or on Spark (``DIGIPLUS_ANALYTICS_BACKEND=spark``).

::

    from digiplus.lake.analytics import connect, fact_table

    con = connect()                        # DuckDB, or Spark when the setting says so
    payments = fact_table(con, "payments")  # an ibis.Table with exactly facts.PAYMENTS_V1's columns
    payments.group_by("merchant_id").agg(n=payments.count()).to_pyarrow()

Where the Parquet is read from (docs/adr/0015-insight-analytics.md):

- a local lake (a folder): both engines read the files directly;
- any other fsspec URL (``memory://`` in tests, ``s3://…``): DuckDB is handed the lake's own
  fsspec filesystem (``DuckDBPyConnection.register_filesystem``), so it reads exactly what the
  lake wrote with the lake's credentials. For S3 at volume, DuckDB's ``httpfs`` extension
  (``CREATE SECRET (TYPE s3, …)``) reads ``s3://`` faster than fsspec; Spark reads ``s3a://``
  with ``hadoop-aws`` configured on the cluster. Spark has no fsspec bridge: for a lake that is
  neither local nor ``s3://`` it is given the files' rows through Arrow (tests only).

Both sessions run in UTC, so a timestamp's parts mean the same thing on both engines; the
analyses move to the business time zone themselves (digiplus.insight.service.frame).
"""

from __future__ import annotations

import os
import threading
from typing import Any, Literal

import ibis
import pyarrow as pa

from digiplus.lake.facts import FACT_TABLES
from digiplus.lake.store import Lake, get_lake

Backend = Literal["duckdb", "spark"]
BACKENDS: tuple[Backend, ...] = ("duckdb", "spark")
_spark_lock = threading.Lock()
_spark_session: Any = None


def backend_name(backend: str | None = None) -> Backend:
    """``backend``, else ``DIGIPLUS_ANALYTICS_BACKEND``, else ``duckdb``."""
    name = (backend or os.environ.get("DIGIPLUS_ANALYTICS_BACKEND") or "duckdb").strip().lower()
    if name not in BACKENDS:
        raise ValueError(f"DIGIPLUS_ANALYTICS_BACKEND must be one of {', '.join(BACKENDS)}, got {name!r}")
    return "spark" if name == "spark" else "duckdb"


def spark_session() -> Any:
    """The process's one SparkSession (local mode unless ``SPARK_MASTER`` / ``spark.master`` says otherwise)."""
    global _spark_session
    with _spark_lock:
        if _spark_session is None:
            from pyspark.sql import SparkSession

            builder = (
                SparkSession.builder.appName("digiplus-insight")
                .master(os.environ.get("SPARK_MASTER", "local[2]"))
                .config("spark.sql.session.timeZone", "UTC")
                .config("spark.sql.shuffle.partitions", os.environ.get("DIGIPLUS_SPARK_SHUFFLE_PARTITIONS", "4"))
                .config("spark.ui.enabled", "false")
                .config("spark.ui.showConsoleProgress", "false")
                .config("spark.sql.ansi.enabled", "false")
            )
            # Small data (tests, one merchant): compiling generated code costs more than it saves.
            if os.environ.get("DIGIPLUS_SPARK_SMALL"):
                builder = (
                    builder.config("spark.sql.codegen.wholeStage", "false")
                    .config("spark.sql.adaptive.enabled", "false")
                    .config("spark.default.parallelism", "1")
                )
            _spark_session = builder.getOrCreate()
            _spark_session.sparkContext.setLogLevel("ERROR")
        return _spark_session


def connect(backend: str | None = None, *, threads: int | None = None) -> Any:
    """A new Ibis connection on the chosen engine (DuckDB: one per call, cheap; Spark: over the one session)."""
    name = backend_name(backend)
    if name == "spark":
        return ibis.pyspark.connect(spark_session())
    con = ibis.duckdb.connect()
    con.raw_sql("SET TimeZone = 'UTC'")
    if threads:
        con.raw_sql(f"SET threads = {int(threads)}")
    return con


def is_spark(con: Any) -> bool:
    return bool(con.name == "pyspark")


def _empty(schema: pa.Schema) -> Any:
    return ibis.memtable(schema.empty_table())


def fact_table(con: Any, name: str, lake: Lake | None = None) -> Any:
    """The fact table ``name`` of ``FACT_TABLES`` (its current schema version) as an Ibis table.

    Reads every ``date=…`` partition below ``facts/<name>/v<version>/``; the partition folder is
    not added as a column (``hive_partitioning`` off), so the table has exactly the schema's columns.
    A lake with no file of the table yet gives an empty table of that schema.
    """
    table = FACT_TABLES[name]
    lake = lake or get_lake()
    keys = [k for k in lake.keys(table.prefix) if k.endswith(".parquet")]
    if not keys:
        return _empty(table.schema)
    columns = table.schema.names
    if is_spark(con):
        if lake.is_local or lake.url.startswith("s3"):
            path = lake.path(table.prefix).rstrip("/")
            if lake.url.startswith("s3://"):
                path = "s3a://" + path
            frame = con._session.read.option("recursiveFileLookup", "true").parquet(path)
            view = f"facts_{name}_{abs(hash(path)) % 10**8}"
            frame.select(*columns).createOrReplaceTempView(view)
            return con.table(view)
        arrow = pa.concat_tables([lake.read_table(k).select(columns).cast(table.schema) for k in keys])
        return con.create_table(f"facts_{name}", arrow.to_pandas(), overwrite=True, temp=True)
    if lake.is_local:
        pattern = f"{lake.path(table.prefix)}/**/*.parquet"
    else:
        protocol = lake.fs.protocol if isinstance(lake.fs.protocol, str) else lake.fs.protocol[0]
        if protocol not in con.con.list_filesystems():
            con.con.register_filesystem(lake.fs)
        pattern = f"{protocol}://{lake.path(table.prefix).lstrip('/')}/**/*.parquet"
    relation = con.read_parquet(pattern, hive_partitioning=False, union_by_name=True)
    return relation.select(*columns)
