"""Rows per second of ``digiplus lake sync`` (outbox → Parquet fact tables), beside two baselines.

    python benchmarks/lake_sync.py                  # 100,000 payment events, 3 runs each
    python benchmarks/lake_sync.py --events 20000 --runs 5
    python benchmarks/lake_sync.py --pg-url postgresql+psycopg://postgres@127.0.0.1:5432/lake_bench

A fresh SQLite database (or the PostgreSQL one given: its ``public`` schema is dropped) gets N
``payment_intent.succeeded`` events with their intents and payers over the last ``--days`` days
(default 7: a week's backlog; a batch writes one file per day it covers, so a year's history in
one run means more, smaller files), written in bulk the way the demo writes its past year (no
ledger: the sync never reads it). Then, each run from an empty lake
and a reset cursor:

* ``lake sync``: the real consumer (``digiplus.lake.sync.sync_lake``, default batch 2,000): reads
  the events, completes them from the payment tables, pseudonymises the payer, writes one file per
  batch and business day and advances the cursor, batch by batch, in transactions;
* ``naive``: what one writes first: per event, read its intent and payer (one query each) and
  write one Parquet file (measured on the first ``--naive-events`` events, rate extrapolated);
* ``floor``: the finished rows, already in memory as Python dicts, into one Arrow table and one
  Parquet file (no database, no batching): what the writing alone costs.

Reports the median rows/s over the runs, CPU seconds per 1,000 rows (user + system of this
process: on a shared 2-core machine rows/s follows whatever CPU is left, CPU per row much less so)
and the ratio to each baseline. Prints a table and writes ``var/bench/lake_sync.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
OUT = ROOT / "var" / "bench" / "lake_sync.json"


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _setup_env(url: str, data_dir: str) -> None:
    os.environ.update(
        {
            "DIGIPLUS_DATABASE_URL": url,
            "DIGIPLUS_DATA_DIR": data_dir,
            "DIGIPLUS_LAKE_URL": str(Path(data_dir) / "lake"),
            "DIGIPLUS_CONSUMER_LAG_SECONDS": "0",
            "DIGIPLUS_WORKER_ENABLED": "false",
            "DIGIPLUS_LOG_LEVEL": "WARNING",
        }
    )


def seed(db: Any, events: int, days: int, merchants: int = 50, payers: int = 5_000) -> None:
    """N succeeded payments over the last ``days`` days: intents, their events, merchant and payer orgs."""
    from sqlalchemy import insert

    from digiplus.core.events import Event
    from digiplus.core.ids import new_id
    from digiplus.identity.models import Organization
    from digiplus.payments.models import PaymentIntent
    from digiplus.payments.service.intents import intent_data

    rng = random.Random(6)
    now = datetime.now(UTC)
    merchant_ids = [new_id("org") for _ in range(merchants)]
    payer_ids = [new_id("org") for _ in range(payers)]
    orgs = [
        {"id": m, "name": f"m{n}", "kind": "merchant", "country": "TW", "default_currency": "TWD", "created": now}
        for n, m in enumerate(merchant_ids)
    ]
    orgs += [
        {
            "id": p,
            "name": f"p{n}",
            "kind": "consumer",
            "country": rng.choice(["TW", "TW", "TW", "TW", "JP", "KR", "US"]),
            "default_currency": "TWD",
            "created": now,
        }
        for n, p in enumerate(payer_ids)
    ]
    start = now - timedelta(days=days)
    step = timedelta(days=days) / max(1, events)
    with db.session() as session:
        session.execute(insert(Organization), orgs)
        for lo in range(0, events, 5_000):
            intents, evts = [], []
            for i in range(lo, min(events, lo + 5_000)):
                when = start + step * i
                amount = rng.randint(30, 3_000) * 100
                items = "OYS-01:1:70;TEA:2:30" if i % 3 == 0 else None
                intent = PaymentIntent(
                    id=new_id("pi"),
                    org_id=rng.choice(merchant_ids),
                    livemode=False,
                    created=when,
                    amount=amount,
                    currency="TWD",
                    status="succeeded",
                    capture_method="automatic",
                    description=None,
                    mcc="5812",
                    scenario="livelihood_consumption",
                    amount_capturable=0,
                    amount_received=amount,
                    amount_refunded=0,
                    fee_amount=amount // 50,
                    payment_method_type="wallet",
                    payer_org_id=rng.choice(payer_ids),
                    payer_wallet_id=None,
                    wallet_currency="TWD",
                    wallet_amount=amount,
                    wallet_amount_refunded=0,
                    confirmed_at=when,
                    captured_at=when,
                    meta={"items": items} if items else None,
                    transfer_ids={},
                )
                intents.append({a.key: getattr(intent, a.key) for a in PaymentIntent.__mapper__.column_attrs})
                evts.append(
                    {
                        "id": new_id("evt"),
                        "org_id": intent.org_id,
                        "livemode": False,
                        "created": when,
                        "type": "payment_intent.succeeded",
                        "data": {"object": intent_data(intent)},
                        "api_version": "2026-11-27",
                        "request_id": None,
                        "endpoint_id": None,
                        "dispatched_at": when,
                    }
                )
            session.execute(insert(PaymentIntent), intents)
            session.execute(insert(Event), evts)


def reset(db: Any, lake_dir: Path) -> None:
    from sqlalchemy import delete

    from digiplus.core.events.models import EventConsumerCursor

    with db.session() as session:
        session.execute(delete(EventConsumerCursor))
    shutil.rmtree(lake_dir, ignore_errors=True)


def run_sync(db: Any, batch: int) -> tuple[int, float, float]:
    from digiplus.lake.sync import sync_lake

    cpu, started = _cpu(), time.perf_counter()
    done = sync_lake(db, batch_size=batch)
    return done, time.perf_counter() - started, _cpu() - cpu


def run_naive(db: Any, lake_dir: Path, limit: int) -> tuple[int, float, float]:
    """Per event: one query for the intent and its payer, one Parquet file."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from sqlalchemy import select

    from digiplus.core.events import Event
    from digiplus.identity.models import Organization
    from digiplus.lake.fact_writer import business_day
    from digiplus.lake.facts import PAYMENTS_V1
    from digiplus.lake.items import parse_items
    from digiplus.lake.pseudonyms import customer_ref, payer_identity
    from digiplus.payments.models import PaymentIntent

    cpu, started = _cpu(), time.perf_counter()
    done = 0
    with db.session() as session:
        events = session.scalars(select(Event).order_by(Event.created, Event.id).limit(limit))
        for event in events:
            obj = event.data["object"]
            intent = session.get(PaymentIntent, obj["id"])
            assert intent is not None
            payer = session.get(Organization, intent.payer_org_id)
            meta = obj.get("metadata") or {}
            row = {
                "payment_id": obj["id"],
                "merchant_id": event.org_id,
                "livemode": False,
                "source": "sync",
                "customer_ref": customer_ref(event.org_id, payer_identity(intent.payer_org_id or "")),
                "paid_at": intent.captured_at,
                "amount": obj["amount_received"],
                "currency": obj["currency"],
                "payer_currency": obj["wallet_currency"],
                "payer_amount": obj["wallet_amount"],
                "payer_country": payer.country if payer else None,
                "scenario": obj["scenario"],
                "mcc": obj["mcc"],
                "payment_method": obj["payment_method_type"],
                "items": parse_items(meta["items"], "TWD") if meta.get("items") else None,
            }
            folder = lake_dir / "naive" / f"date={business_day(intent.captured_at).isoformat()}"  # type: ignore[arg-type]
            folder.mkdir(parents=True, exist_ok=True)
            pq.write_table(pa.Table.from_pylist([row], schema=PAYMENTS_V1), folder / f"{event.id}.parquet")
            done += 1
    return done, time.perf_counter() - started, _cpu() - cpu


def floor_rows(lake_dir: Path) -> list[dict[str, Any]]:
    import pyarrow as pa

    from digiplus.lake.facts import PAYMENTS_V1

    tables = [pa.parquet.read_table(p, schema=PAYMENTS_V1) for p in sorted((lake_dir / "facts").rglob("*.parquet"))]
    return pa.concat_tables(tables).to_pylist()  # type: ignore[no-any-return]


def run_floor(rows: list[dict[str, Any]], lake_dir: Path) -> tuple[int, float, float]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from digiplus.lake.facts import PAYMENTS_V1

    lake_dir.mkdir(parents=True, exist_ok=True)
    cpu, started = _cpu(), time.perf_counter()
    pq.write_table(pa.Table.from_pylist(rows, schema=PAYMENTS_V1), lake_dir / "floor.parquet", compression="zstd")
    return len(rows), time.perf_counter() - started, _cpu() - cpu


def bench_backend(name: str, url: str, args: argparse.Namespace) -> dict[str, Any]:
    import pyarrow.parquet  # noqa: F401  (pa.parquet for floor_rows)

    from digiplus.core.db import Database, set_database
    from digiplus.core.migrate import upgrade
    from digiplus.registry import load_models
    from digiplus.settings import get_settings

    data_dir = tempfile.mkdtemp(prefix="lake-bench-")
    if url.startswith("sqlite"):
        url = f"sqlite:///{data_dir}/bench.db"
    _setup_env(url, data_dir)
    get_settings.cache_clear()
    load_models()
    import digiplus.lake.sync  # noqa: F401  (registers the consumer)

    db = Database(url)
    set_database(db)
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    upgrade(url)
    t0 = time.perf_counter()
    seed(db, args.events, args.days)
    print(f"  {name}: seeded {args.events:,} events in {time.perf_counter() - t0:.1f} s", flush=True)
    lake_dir = Path(data_dir) / "lake"
    measures: dict[str, list[tuple[int, float, float]]] = {"sync": [], "naive": [], "floor": []}
    rows: list[dict[str, Any]] = []
    for run in range(args.runs):
        reset(db, lake_dir)
        measures["sync"].append(run_sync(db, args.batch))
        if run == 0:
            rows = floor_rows(lake_dir)
            assert len(rows) == args.events, (len(rows), args.events)
        measures["floor"].append(run_floor(rows, Path(data_dir) / "floor"))
        measures["naive"].append(run_naive(db, Path(data_dir) / "naive", args.naive_events))
        shutil.rmtree(Path(data_dir) / "naive", ignore_errors=True)
        print(f"  {name}: run {run + 1}/{args.runs} done", flush=True)
    result: dict[str, Any] = {"database": name, "events": args.events, "batch": args.batch, "days": args.days}
    for key, values in measures.items():
        result[key] = {
            "rows": values[0][0],
            "rows_per_s": statistics.median(n / s for n, s, _ in values),
            "cpu_ms_per_1000_rows": statistics.median(c / n * 1e6 for n, _, c in values),
            "seconds": [round(s, 3) for _, s, _ in values],
        }
    db.dispose()
    set_database(None)
    shutil.rmtree(data_dir, ignore_errors=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=2_000, help="the sync's batch size")
    parser.add_argument(
        "--days", type=int, default=7, help="the events' time span: a batch writes one file per day it covers"
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--naive-events", type=int, default=2_000, help="events the naive writer handles per run")
    parser.add_argument("--pg-url", default=None, help="also measure on this PostgreSQL database (schema dropped)")
    args = parser.parse_args()
    machine = {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "load_average_at_start": os.getloadavg(),
    }
    print(f"machine: {machine['cpus']} CPUs, {machine['platform']}, Python {machine['python']}", flush=True)
    results = [bench_backend("SQLite", "sqlite://", args)]
    if args.pg_url:
        results.append(bench_backend("PostgreSQL", args.pg_url, args))
    machine["load_average_at_end"] = os.getloadavg()
    print()
    header = f"{'database':10} {'workload':10} {'rows':>9} {'rows/s':>10} {'CPU ms/1k rows':>15} {'sync ÷ it':>10}"
    print(header)
    print("-" * len(header))
    for r in results:
        for key in ("sync", "naive", "floor"):
            m = r[key]
            ratio = r["sync"]["rows_per_s"] / m["rows_per_s"]
            print(
                f"{r['database']:10} {key:10} {m['rows']:>9,} {m['rows_per_s']:>10,.0f} "
                f"{m['cpu_ms_per_1000_rows']:>15.1f} {ratio:>9.2f}×"
            )
    print(f"\nload average at start {machine['load_average_at_start']}, at end {machine['load_average_at_end']}")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"machine": machine, "args": vars(args), "results": results}, indent=2, default=str))
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
