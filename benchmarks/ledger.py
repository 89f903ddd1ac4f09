"""Ledger throughput: transfers per second by batch size and contention, SQLite and PostgreSQL,
beside a naive ORM baseline (per transfer: lock both rows, check, update, insert) in the same run.

    python benchmarks/ledger.py --quick          # a few seconds per cell
    python benchmarks/ledger.py                  # the full run (100,000 accounts)
    python benchmarks/ledger.py --pg-url postgresql+psycopg://postgres@127.0.0.1:5432/ledger_bench

Prints a table and the machine, writes var/bench/ledger.json. Every measured batch is its
own committed transaction. PostgreSQL is measured when the URL answers (its schema is
dropped and re-created: use a database of your own).

Besides transfers/s (wall clock: whatever share of the 2 shared cores the run got) each cell
reports CPU per transfer, this process's plus, on PostgreSQL, the server backends' (from
/proc), and the rate one CPU-second of that work allows. The largest batch of each row also
gets a breakdown of its CPU by phase and the floor of its insert alone (the same rows through
one bare executemany / COPY, rolled back). Batch 1 over HTTP runs through a real uvicorn
(benchmarks/api_request.py: wrk if installed, else Python threads) with 1 and 2 worker
processes, beside a bare FastAPI route and an authenticated one-row POST in the same run.
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
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from digiplus.core.context import Caller  # noqa: E402
from digiplus.core.db import Database, set_database  # noqa: E402
from digiplus.settings import get_settings  # noqa: E402

sys.path.insert(0, str(ROOT / "benchmarks"))
from ledger_probes import CpuMeter, Timed, http_cells, insert_floor, phases  # noqa: E402


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


def make_batches(accounts: list[str], batch: int, total: int, ids: Ids) -> list[list[Any]]:
    from digiplus.ledger import TransferInput

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
    return batches


def engine_run(db: Database, meter: CpuMeter, caller: Caller, batches: list[list[Any]]) -> dict[str, float]:
    """Each batch in its own committed transaction; wall and CPU of the batches only."""
    from digiplus.ledger import create_transfers

    timed = Timed(meter)
    with timed.stretch():
        for items in batches:
            with db.session() as s:
                out = create_transfers(s, caller, items)
            assert out[-1].result == "ok", out[-1]
    return timed.result(sum(len(b) for b in batches))


def phase_run(db: Database, meter: CpuMeter, caller: Caller, items: list[Any]) -> tuple[dict[str, float], list[Any]]:
    """One more batch with every phase timed (client + server CPU per transfer), and its insert rows."""
    from digiplus.ledger import create_transfers
    from digiplus.ledger.service import store

    spent: Counter[str] = Counter()
    captured: list[Any] = []
    insert = store.insert_transfers

    def keep(session: Any, rows: Any) -> None:
        captured.extend(rows)
        insert(session, rows)

    store.insert_transfers = keep  # type: ignore[assignment]
    try:
        with phases(meter, spent) as stretch:
            c0, s0 = meter.sample()
            with db.sessionmaker() as s:
                s.begin()
                create_transfers(s, caller, items)
                with stretch("commit"):
                    s.commit()
            c1, s1 = meter.sample()
    finally:
        store.insert_transfers = insert  # type: ignore[assignment]
    spent["other (service glue, session)"] = (c1 - c0) + (s1 - s0) - sum(spent.values())
    return {k: round(v / len(items) * 1e6, 2) for k, v in spent.most_common()}, captured


def naive_run(
    db: Database, meter: CpuMeter, caller: Caller, accounts: list[str], batch: int, total: int, ids: Ids
) -> dict[str, float]:
    """The common ORM way: per transfer, lock both rows in id order, check, update both, insert."""
    from digiplus.ledger.models import LedgerAccount, LedgerTransfer

    rng = random.Random(batch + 1)
    pairs = [rng.sample(accounts, 2) for _ in range(max(min(batch, total), total // batch * batch))]
    timed = Timed(meter)
    done = 0
    with timed.stretch():
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
    return timed.result(done)


def median_of(samples: list[dict[str, float]]) -> dict[str, float]:
    return {k: statistics.median(s[k] for s in samples) for k in samples[0]}


def bench_backend(name: str, url: str, args: argparse.Namespace, rows: list[dict[str, Any]]) -> None:
    quick, runs = args.quick, args.runs
    naive_runs = args.naive_runs or runs
    with tempfile.TemporaryDirectory() as tmp:
        db = prepare(url, tmp)
        meter = CpuMeter(db)
        caller = make_org(db, f"Bench {name}")
        low = make_accounts(db, caller, 10_000 if quick else 100_000)
        hot_caller = make_org(db, f"Bench {name} hot")
        hot = make_accounts(db, hot_caller, 10)
        meter.refresh()
        ids = Ids("t")
        totals = {1: 300 if quick else 2000, 100: 3000 if quick else 20_000, 8190: 8190 if quick else 8190 * 4}
        naive_totals = {1: 300 if quick else 2000, 100: 2000 if quick else 10_000, 8190: 8190}
        if args.naive_max:  # the baseline's cost is per transfer: fewer of them, in one transaction, on a slow day
            naive_totals = {b: min(t, args.naive_max) for b, t in naive_totals.items()}
        for contention, who, accts in (("low", caller, low), ("high", hot_caller, hot)):
            for batch in args.batches:
                engine_run(db, meter, who, make_batches(accts, batch, min(totals[batch], 3 * batch), ids))  # warm-up
                eng = median_of(
                    [engine_run(db, meter, who, make_batches(accts, batch, totals[batch], ids)) for _ in range(runs)]
                )
                base = median_of(
                    [naive_run(db, meter, who, accts, batch, naive_totals[batch], ids) for _ in range(naive_runs)]
                )
                row: dict[str, Any] = {
                    "database": name,
                    "contention": contention,
                    "accounts": len(accts),
                    "batch": batch,
                    "ledger_tps": round(eng["tps"]),
                    "naive_tps": round(base["tps"]),
                    "speedup": round(eng["tps"] / base["tps"], 1),
                    "ledger_client_cpu_us": round(eng["client_cpu_us"], 1),
                    "ledger_server_cpu_us": round(eng["server_cpu_us"], 1),
                    "naive_cpu_us": round(base["client_cpu_us"] + base["server_cpu_us"], 1),
                }
                cpu = eng["client_cpu_us"] + eng["server_cpu_us"]
                row["ledger_tps_per_cpu_second"] = round(1e6 / cpu) if cpu else None
                if batch == max(args.batches):
                    row["phases_us"], inserted = phase_run(db, meter, who, make_batches(accts, batch, batch, ids)[0])
                    floor = insert_floor(db, meter, inserted)
                    row["insert_floor_cpu_us"] = round(floor["client_cpu_us"] + floor["server_cpu_us"], 1)
                    row["insert_floor_tps"] = round(floor["tps"])
                rows.append(row)
                print(
                    f"  {name:10} {contention:4} batch {batch:>5}: ledger {eng['tps']:>10,.0f}/s"
                    f" ({eng['client_cpu_us']:.0f}+{eng['server_cpu_us']:.0f} us CPU)"
                    f"  naive {base['tps']:>9,.0f}/s ({row['naive_cpu_us']:.0f} us CPU)",
                    flush=True,
                )
        from digiplus.ledger import verify_ledger

        with db.session() as s:
            report = verify_ledger(s)
        assert report.ok, report.problems[:5]
        db.dispose()
    if not args.no_http:
        http_rows.extend(http_cells(name, url, args))


http_rows: list[dict[str, Any]] = []


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


def print_tables(rows: list[dict[str, Any]]) -> None:
    """Rates (wall clock: what the shared machine gave), CPU per transfer (client + PostgreSQL
    server), the rate one CPU-second of that work allows, and the naive baseline beside it."""
    print()
    print(
        f"{'database':10} {'contention':10} {'accounts':>8} {'batch':>5} {'ledger/s':>10} {'naive/s':>8} {'x':>6}"
        f" {'cpu us/t':>10} {'naive us':>9} {'/s per CPU':>10} {'insert floor us':>15}"
    )
    for r in rows:
        cpu = f"{r['ledger_client_cpu_us']:.0f}+{r['ledger_server_cpu_us']:.0f}"
        floor = f"{r['insert_floor_cpu_us']:.1f}" if "insert_floor_cpu_us" in r else "-"
        print(
            f"{r['database']:10} {r['contention']:10} {r['accounts']:>8} {r['batch']:>5} {r['ledger_tps']:>10,}"
            f" {r['naive_tps']:>8,} {r['speedup']:>6} {cpu:>10} {r['naive_cpu_us']:>9.0f}"
            f" {r['ledger_tps_per_cpu_second'] or 0:>10,} {floor:>15}"
        )
    for r in rows:
        if "phases_us" in r:
            spent = ", ".join(f"{k} {v:.1f}" for k, v in r["phases_us"].items())
            print(f"  {r['database']} {r['contention']} batch {r['batch']}, CPU us per transfer: {spent}")
    if http_rows:
        print(
            f"\n{'database':10} {'HTTP workload':<38} {'workers':>7} {'conc':>4} {'req/s':>8} {'p50 ms':>8} {'cpu ms/req':>10}"
        )
        for h in http_rows:
            print(
                f"{h['database']:10} {h['workload']:<38} {h['workers']:>7} {h['concurrency']:>4}"
                f" {h['requests_per_s']:>8,.0f} {h['p50_ms']:>8.2f} {h['server_cpu_ms_per_request'] or 0:>10.3f}"
            )


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
    parser.add_argument("--no-http", action="store_true", help="leave out the HTTP batch-1 cells")
    parser.add_argument(
        "--http-workers",
        type=lambda v: [int(w) for w in v.split(",")],
        default=[1, 2],
        help="uvicorn processes of the HTTP cells, e.g. 1,2 (default)",
    )
    parser.add_argument("--http-seconds", type=float, default=5.0, help="seconds per HTTP cell")
    parser.add_argument(
        "--batches",
        type=lambda v: [int(b) for b in v.split(",")],
        default=[1, 100, 8190],
        help="batch sizes to measure, of 1, 100, 8190 (default: all three)",
    )
    parser.add_argument("--naive-runs", type=int, default=0, help="runs of the naive baseline (default: --runs)")
    parser.add_argument(
        "--naive-max",
        type=int,
        default=0,
        help="at most this many naive transfers per run (default: as many as the cell)",
    )
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
    print_tables(rows)
    machine["load_average_at_end"] = [round(v, 1) for v in os.getloadavg()]
    print(f"load average at start {machine['load_average_at_start']}, at end {machine['load_average_at_end']}")
    out = Path(args.out) if args.out else ROOT / "var" / "bench" / "ledger.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    report = {"machine": machine, "quick": args.quick, "runs": args.runs, "results": rows, "http": http_rows}
    out.write_text(json.dumps(report, indent=2))
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
