"""``lake compact``: a day's small files become one, with every fact once; unfinished batches are left alone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyarrow as pa
import pytest
from lake_helpers import parties, pay, read_facts

from digiplus.core.db import Database
from digiplus.core.events import consumers
from digiplus.lake import Lake
from digiplus.lake.compaction import compact
from digiplus.lake.sync import sync_lake


def test_compaction_merges_a_day_and_drops_duplicate_ids(
    db: Database, lake: Lake, api_for: Callable[..., Any], make_org: Callable[..., str]
) -> None:
    p = parties(api_for, make_org)
    ids = [pay(p["shop"], p["alice"], p["alice_wallet"], (n + 1) * 10_00) for n in range(5)]
    assert sync_lake(db, batch_size=2) == 6  # the wallet's top-up and five payments
    keys = lake.keys("facts/payments/")
    assert len(keys) == 3
    # a crash between a merge and the removal of its inputs left a merged file beside its inputs
    name0, name1 = (k.rsplit("/", 1)[1].split("-") for k in keys[:2])
    partition = keys[0].rsplit("/", 1)[0]
    both = pa.concat_tables([lake.read_table(keys[0]), lake.read_table(keys[1])])
    with lake.parquet_writer(f"{partition}/sync-{name0[1]}-{name1[2]}", both.schema) as sink:
        sink.write_batch(both)

    report = compact(db, lake)
    assert (report.partitions, report.merged_partitions, report.files_in, report.files_out) == (2, 1, 4, 1)
    assert (report.rows_in, report.rows_out, report.skipped_files) == (8, 5, 0)
    after = lake.keys("facts/payments/")
    assert len(after) == 1
    last = keys[-1].rsplit("/", 1)[1].split("-")[2]
    assert after[0] == f"{partition}/sync-{name0[1]}-{last}"
    assert lake.read_table(after[0])["payment_id"].to_pylist() == ids  # in time order, each once

    again = compact(db, lake)
    assert (again.merged_partitions, again.files_in) == (0, 0)  # nothing left to merge


def test_compaction_leaves_the_files_of_an_uncommitted_batch(
    db: Database, lake: Lake, api_for: Callable[..., Any], make_org: Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> None:
    p = parties(api_for, make_org)
    ids = [pay(p["shop"], p["alice"], p["alice_wallet"], 10_00) for _ in range(3)]
    assert sync_lake(db, batch_size=1) == 4  # the wallet's top-up and three payments
    later = [pay(p["shop"], p["alice"], p["alice_wallet"], 20_00) for _ in range(2)]
    real = consumers._CONSUMERS["lake.sync"]

    def crash(session: Any, events: Any) -> None:
        real.handler(session, events)
        raise RuntimeError("crash before the commit")

    monkeypatch.setitem(consumers._CONSUMERS, "lake.sync", consumers.Consumer("lake.sync", real.event_types, crash))
    with pytest.raises(RuntimeError):
        sync_lake(db)
    monkeypatch.setitem(consumers._CONSUMERS, "lake.sync", real)

    report = compact(db, lake)
    assert (report.files_in, report.files_out, report.skipped_files, report.rows_out) == (3, 1, 1, 3)
    # the re-run replaces the uncommitted file; nothing is counted twice
    assert sync_lake(db, batch_size=1) == 2
    assert sorted(read_facts(lake, "payments")["payment_id"].to_pylist()) == sorted(ids + later)
    assert compact(db, lake).rows_out == 5
    assert len(lake.keys("facts/payments/")) == 1
