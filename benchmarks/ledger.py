"""Ledger throughput: transfers per second by batch size and contention, SQLite and PostgreSQL,
beside a naive ORM baseline (per transfer: lock both rows, check, update, insert) in the same run.

    python benchmarks/ledger.py --quick          # a few seconds per cell
    python benchmarks/ledger.py                  # the full run (100,000 accounts)
    python benchmarks/ledger.py --pg-url postgresql+psycopg://postgres@127.0.0.1:5432/ledger_bench

Prints a table and the machine, writes var/bench/ledger.json. Every measured batch is its
own committed transaction. PostgreSQL is measured when the URL answers (its schema is
dropped and re-created: use a database of your own).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from digiplus.core.context import Caller  # noqa: E402
from digiplus.core.db import Database, set_database  # noqa: E402
from digiplus.settings import get_settings  # noqa: E402


def prepare(url: str, data_dir: str) -> Database:
    os.environ.update(
        DIGIPLUS_DATABASE_URL=url,
        DIGIPLUS_DATA_DIR=data_dir,
        DIGIPLUS_WORKER_ENABLED="false",
        DIGIPLUS_LOG_LEVEL="WARNING",
        DIGIPLUS_RATE_LIMIT="1000000/second",
    )
    get_settings.cache_clear()
    from digiplus.registry import load_models

    load_models()
    db = Database(url)
    set_database(db)
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    from digiplus.core.migrate import upgrade

    upgrade(url)
    return db


def make_org(db: Database, name: str) -> Caller:
    from digiplus.identity import service
    from digiplus.identity.schemas import OrganizationCreate

    with db.session() as s:
        org = service.create_organization(s, OrganizationCreate(name=name, kind="operator"))  # type: ignore[arg-type]
    return Caller.system(org.id, False)


def make_accounts(db: Database, caller: Caller, n: int) -> list[str]:
    from digiplus.ledger import AccountInput, create_accounts

    ids = [f"a{i}" for i in range(n)]
    for start in range(0, n, 8190):
        with db.session() as s:
            create_accounts(s, caller, [AccountInput(id=i, ledger="TWD", code=1) for i in ids[start : start + 8190]])
    return ids


class Ids:
    def __init__(self, prefix: str) -> None:
        self.prefix, self.n = prefix, 0

    def next(self) -> str:
        self.n += 1
        return f"{self.prefix}{self.n}"


def engine_run(db: Database, caller: Caller, accounts: list[str], batch: int, total: int, ids: Ids) -> float:
    from digiplus.ledger import TransferInput, create_transfers

    rng = random.Random(batch)
    batches = []
    for _ in range(max(1, total // batch)):
        items = []
        for _ in range(batch):
            dr, cr = rng.sample(accounts, 2)
            items.append(
                TransferInput(
                    id=ids.next(),
                    debit_account_id=dr,
                    credit_account_id=cr,
                    amount=rng.randint(1, 1000),
                    ledger="TWD",
                    code=1,
                )
            )
        batches.append(items)
    started = time.perf_counter()
    for items in batches:
        with db.session() as s:
            out = create_transfers(s, caller, items)
        assert out[-1].result == "ok", out[-1]
    return sum(len(b) for b in batches) / (time.perf_counter() - started)


def naive_run(db: Database, caller: Caller, accounts: list[str], batch: int, total: int, ids: Ids) -> float:
    """The common ORM way: per transfer, lock both rows in id order, check, update both, insert."""
    from digiplus.ledger.models import LedgerAccount, LedgerTransfer

    rng = random.Random(batch + 1)
    pairs = [rng.sample(accounts, 2) for _ in range(max(batch, total // batch * batch))]
    started = time.perf_counter()
    done = 0
    for start in range(0, len(pairs), batch):
        with db.session() as s:
            for dr_id, cr_id in pairs[start : start + batch]:
                rows = {
                    a.id: a
                    for a in s.scalars(
                        select(LedgerAccount)
                        .where(
                            LedgerAccount.org_id == caller.org_id,
                            LedgerAccount.livemode == caller.livemode,
                            LedgerAccount.id.in_(sorted((dr_id, cr_id))),
                        )
                        .order_by(LedgerAccount.id)
                        .with_for_update()
                    )
                }
                dr, cr = rows[dr_id], rows[cr_id]
                amount = rng.randint(1, 1000)
                if dr.ledger != cr.ledger:
                    continue
                dr.debits_posted += amount
                cr.credits_posted += amount
                s.add(
                    LedgerTransfer(
                        id=ids.next(),
                        org_id=caller.org_id,
                        livemode=False,
                        debit_account_id=dr.id,
                        credit_account_id=cr.id,
                        debit_account_seq=dr.seq,
                        credit_account_seq=cr.seq,
                        amount=amount,
                        ledger="TWD",
                        code=1,
                        flags=0,
                        timeout=0,
                        dr_debits_pending=dr.debits_pending,
                        dr_debits_posted=dr.debits_posted,
                        dr_credits_pending=dr.credits_pending,
                        dr_credits_posted=dr.credits_posted,
                        cr_debits_pending=cr.debits_pending,
                        cr_debits_posted=cr.debits_posted,
                        cr_credits_pending=cr.credits_pending,
                        cr_credits_posted=cr.credits_posted,
                    )
                )
                s.flush()
                done += 1
    return done / (time.perf_counter() - started)


def http_run(db: Database, caller: Caller, accounts: list[str], total: int, ids: Ids) -> float:
    from fastapi.testclient import TestClient

    from digiplus.app import create_app
    from digiplus.identity import service
    from digiplus.identity.schemas import ApiKeyCreate

    with db.session() as s:
        _, secret = service.create_api_key(s, caller, ApiKeyCreate(role="developer"))  # type: ignore[call-arg]
    rng = random.Random(7)
    headers = {"Authorization": f"Bearer {secret}"}
    with TestClient(create_app(run_worker=False)) as client:
        bodies = []
        for _ in range(total):
            dr, cr = rng.sample(accounts, 2)
            bodies.append(
                {
                    "transfers": [
                        {
                            "id": ids.next(),
                            "debit_account_id": dr,
                            "credit_account_id": cr,
                            "amount": 5,
                            "ledger": "TWD",
                            "code": 1,
                        }
                    ]
                }
            )
        started = time.perf_counter()
        for body in bodies:
            r = client.post("/v1/ledger/transfers", json=body, headers=headers)
            assert r.status_code == 200 and r.json()["created"] == 1, r.text
        return total / (time.perf_counter() - started)


def measure(fn: Callable[[], float], runs: int) -> float:
    return statistics.median(fn() for _ in range(runs))


def bench_backend(name: str, url: str, args: argparse.Namespace, rows: list[dict[str, Any]]) -> None:
    quick, runs = args.quick, args.runs
    naive_runs = args.naive_runs or runs
    with tempfile.TemporaryDirectory() as tmp:
        db = prepare(url, tmp)
        caller = make_org(db, f"Bench {name}")
        low = make_accounts(db, caller, 10_000 if quick else 100_000)
        hot_caller = make_org(db, f"Bench {name} hot")
        hot = make_accounts(db, hot_caller, 10)
        ids = Ids("t")
        totals = {1: 300 if quick else 2000, 100: 3000 if quick else 20_000, 8190: 8190 if quick else 8190 * 4}
        naive_totals = {1: 300 if quick else 2000, 100: 2000 if quick else 10_000, 8190: 8190}
        for contention, who, accts in (("low", caller, low), ("high", hot_caller, hot)):
            for batch in args.batches:
                tps = measure(lambda: engine_run(db, who, accts, batch, totals[batch], ids), runs)  # noqa: B023
                base = measure(lambda: naive_run(db, who, accts, batch, naive_totals[batch], ids), naive_runs)  # noqa: B023
                rows.append(
                    {
                        "database": name,
                        "contention": contention,
                        "accounts": len(accts),
                        "batch": batch,
                        "ledger_tps": round(tps),
                        "naive_tps": round(base),
                        "speedup": round(tps / base, 1),
                    }
                )
                print(
                    f"  {name:10} {contention:4} batch {batch:>5}: ledger {tps:>10,.0f}/s  naive {base:>9,.0f}/s",
                    flush=True,
                )
        if args.no_http:
            db.dispose()
            return
        tps = measure(lambda: http_run(db, caller, low, 200 if quick else 1000, ids), runs)
        rows.append(
            {
                "database": name,
                "contention": "low",
                "accounts": len(low),
                "batch": "1 (HTTP)",
                "ledger_tps": round(tps),
                "naive_tps": None,
                "speedup": None,
            }
        )
        print(f"  {name:10} HTTP batch 1: {tps:,.0f}/s", flush=True)
        from digiplus.ledger import verify_ledger

        with db.session() as s:
            report = verify_ledger(s)
        assert report.ok, report.problems[:5]
        db.dispose()


def pg_reachable(url: str) -> bool:
    try:
        from sqlalchemy import create_engine

        engine = create_engine(url)
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception as exc:  # any failure to connect means: skip PostgreSQL, say why
        print(f"PostgreSQL not measured ({url}): {type(exc).__name__}: {str(exc).splitlines()[0]}")
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="10,000 accounts, fewer transfers")
    parser.add_argument("--runs", type=int, default=3, help="runs per cell (the median is reported)")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("DIGIPLUS_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/ledger_bench"),
    )
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument("--out", default="", help="the JSON file (default var/bench/ledger.json)")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--no-http", action="store_true", help="leave out the HTTP batch-1 run")
    parser.add_argument(
        "--batches",
        type=lambda v: [int(b) for b in v.split(",")],
        default=[1, 100, 8190],
        help="batch sizes to measure, of 1, 100, 8190 (default: all three)",
    )
    parser.add_argument("--naive-runs", type=int, default=0, help="runs of the naive baseline (default: --runs)")
    args = parser.parse_args()
    machine = {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "processor": platform.processor() or platform.machine(),
        "load_average_at_start": [round(v, 1) for v in os.getloadavg()],
    }
    print(f"machine: {machine['cpus']} CPUs, {machine['platform']}, Python {machine['python']}")
    rows: list[dict[str, Any]] = []
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            bench_backend("sqlite", f"sqlite:///{tmp}/bench.db", args, rows)
    if not args.no_pg and pg_reachable(args.pg_url):
        bench_backend("postgresql", args.pg_url, args, rows)
    print()
    print(f"{'database':10} {'contention':10} {'accounts':>8} {'batch':>9} {'ledger/s':>10} {'naive/s':>9} {'x':>6}")
    for r in rows:
        naive = f"{r['naive_tps']:,}" if r["naive_tps"] else "-"
        speed = f"{r['speedup']}" if r["speedup"] else "-"
        print(
            f"{r['database']:10} {r['contention']:10} {r['accounts']:>8} {r['batch']!s:>9} "
            f"{r['ledger_tps']:>10,} {naive:>9} {speed:>6}"
        )
    machine["load_average_at_end"] = [round(v, 1) for v in os.getloadavg()]
    print(f"load average at start {machine['load_average_at_start']}, at end {machine['load_average_at_end']}")
    out = Path(args.out) if args.out else ROOT / "var" / "bench" / "ledger.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"machine": machine, "quick": args.quick, "runs": args.runs, "results": rows}, indent=2))
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
