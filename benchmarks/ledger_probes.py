"""Measuring helpers of benchmarks/ledger.py: CPU meters (this process and the PostgreSQL
backends of the benchmark's database), the per-phase breakdown of a batch, the floor of
the bare statements, and the HTTP cells through a real uvicorn (benchmarks/api_request.py).

Nothing here changes what the ledger does: the phase breakdown wraps the store's functions
for one extra batch per cell and puts them back; the floor runs in a transaction that is
rolled back.
"""

from __future__ import annotations

import argparse
import os
import shutil
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from digiplus.core.db import Database

_TICK = os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """CPU seconds (user + system) of this process and, on PostgreSQL, of every server backend
    connected to the benchmark's own database (the pool's connections; they serve nobody else)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.pg = db.engine.dialect.name == "postgresql"
        self._pids: list[int] = []

    def refresh(self) -> None:
        """Look up the backends again (call after the pool may have opened connections)."""
        if not self.pg:
            return
        with self.db.engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend'"
            )
            self._pids = [int(r[0]) for r in rows]

    def server(self) -> float:
        total = 0
        for pid in self._pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:  # a backend that ended, or a server on another machine
                continue
            total += int(fields[11]) + int(fields[12])
        return total / _TICK

    def sample(self) -> tuple[float, float]:
        return time.process_time(), self.server()


class Timed:
    """Wall, client CPU and server CPU of a measured stretch, per transfer."""

    def __init__(self, meter: CpuMeter) -> None:
        self.meter = meter
        self.wall = self.client = self.server = 0.0

    @contextmanager
    def stretch(self) -> Iterator[None]:
        w0, (c0, s0) = time.perf_counter(), self.meter.sample()
        yield
        c1, s1 = self.meter.sample()
        self.wall += time.perf_counter() - w0
        self.client += c1 - c0
        self.server += s1 - s0

    def result(self, transfers: int) -> dict[str, float]:
        return {
            "tps": transfers / self.wall,
            "client_cpu_us": self.client / transfers * 1e6,
            "server_cpu_us": self.server / transfers * 1e6,
        }


# --- where the time of a batch goes ------------------------------------------------------------

_PHASES = {
    "load_accounts": "read (and lock) accounts",
    "pending_account_ids": "read referenced pending transfers",
    "load_transfers": "read referenced pending transfers",
    "insert_transfers": "insert transfers",
    "update_accounts": "update balances",
    "update_pending_status": "update balances",
}


@contextmanager
def phases(meter: CpuMeter, into: Counter[str]) -> Iterator[Callable[[str], Any]]:
    """Wrap the store's statements and the engine so that each adds its client + server CPU to
    ``into``; yields a context manager factory for the caller's own stretches (the commit)."""
    from digiplus.ledger.service import store, transfers
    from digiplus.ledger.service.engine import TransferEngine

    saved: list[tuple[Any, str, Any]] = []

    def wrap(owner: Any, name: str, label: str) -> None:
        original = getattr(owner, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            c0, s0 = meter.sample()
            try:
                return original(*args, **kwargs)
            finally:
                c1, s1 = meter.sample()
                into[label] += (c1 - c0) + (s1 - s0)

        saved.append((owner, name, original))
        setattr(owner, name, timed)

    for name, label in _PHASES.items():
        wrap(store, name, label)
    wrap(TransferEngine, "run", "engine (checks, new balances, rows)")
    wrap(transfers, "_record_batch", "audit entry + outbox event")
    wrap(transfers, "lock_audit_chain", "lock the org's audit chain head")

    @contextmanager
    def stretch(label: str) -> Iterator[None]:
        c0, s0 = meter.sample()
        yield
        c1, s1 = meter.sample()
        into[label] += (c1 - c0) + (s1 - s0)

    try:
        yield stretch
    finally:
        for owner, name, original in reversed(saved):
            setattr(owner, name, original)


# --- the floor: the same rows through bare statements ------------------------------------------


def insert_floor(db: Database, meter: CpuMeter, rows: list[tuple[Any, ...]], runs: int = 3) -> dict[str, float]:
    """The insert of the same ``rows`` (new ids) with one bare ``executemany`` (SQLite) or binary
    ``COPY`` (PostgreSQL) into ledger_transfers and nothing else, rolled back: what the
    database and its driver cost for the rows alone. Median of ``runs``, per row."""
    from digiplus.ledger.service import store

    samples = []
    for run in range(runs):
        fresh = [(f"{row[0]}~floor{run}", *row[1:]) for row in rows]
        with db.sessionmaker() as session:
            session.begin()
            session.connection()
            timed = Timed(meter)
            with timed.stretch():
                store.insert_transfers(session, fresh)
            session.rollback()
        samples.append(timed.result(len(rows)))
    samples.sort(key=lambda s: s["client_cpu_us"] + s["server_cpu_us"])
    return samples[len(samples) // 2]


# --- HTTP through a real server ----------------------------------------------------------------

HTTP_WORKLOADS = [
    # (label, server, method, path, authenticated, body, kind) as in api_request.WORKLOADS
    ("bare FastAPI route (floor)", "floor", "GET", "/v1/account", False, None, "plain"),
    ("POST /v1/bench/rows: auth + 1 insert", "app", "POST", "/v1/bench/rows", True, '{"note": "bench"}', "plain"),
    ("POST /v1/ledger/transfers, batch 1", "app", "POST", "/v1/ledger/transfers", True, None, "transfer"),
]


def http_cells(name: str, url: str, args: argparse.Namespace) -> list[dict[str, Any]]:
    """Batch 1 over HTTP: uvicorn in its own process(es), load from wrk (or Python threads), beside
    the bare-route floor and an authenticated one-row POST, on a fresh database (1,000 accounts)."""
    import tempfile

    import api_request  # benchmarks/api_request.py: its server, seed data and clients

    client = api_request.run_wrk if shutil.which("wrk") else api_request.run_python_client
    out: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as data_dir:
        seeded = api_request.prepare(url, data_dir)
        auth = {"Authorization": f"Bearer {seeded['secret']}"}
        for workers in args.http_workers:
            for which in ("floor", "app"):
                try:
                    server = api_request.Server(which, url, data_dir, workers)
                except SystemExit as exc:  # did not answer within a minute (a loaded machine): say so, go on
                    print(f"  {name:10} HTTP {which} server with {workers} worker(s) not measured: {exc}", flush=True)
                    continue
                try:
                    for label, where, method, path, authed, body, kind in HTTP_WORKLOADS:
                        if where != which:
                            continue
                        headers = {**(auth if authed else {}), "Content-Type": "application/json"}
                        client(server.port, method, path, headers, body, kind, 4, 3.0)  # warm-up
                        for conc in (1, 32):
                            before = server.cpu_seconds()
                            result = client(server.port, method, path, headers, body, kind, conc, args.http_seconds)
                            after = server.cpu_seconds()
                            served = result["requests_per_s"] * args.http_seconds
                            cpu = (after - before) / served * 1e3 if before is not None and after and served else None
                            row = {
                                "database": name,
                                "workload": label,
                                "workers": workers,
                                "concurrency": conc,
                                "client": "wrk" if client is api_request.run_wrk else "python",
                                **result,
                                "server_cpu_ms_per_request": None if cpu is None else round(cpu, 3),
                            }
                            out.append(row)
                            print(
                                f"  {name:10} HTTP {label:<38} workers {workers} c={conc:<3}"
                                f" {result['requests_per_s']:>8,.0f}/s  p50 {result['p50_ms']:>7.2f} ms"
                                f"  server cpu {row['server_cpu_ms_per_request']} ms/request  errors {result['errors']}",
                                flush=True,
                            )
                finally:
                    server.stop()
        _verify_http_database(url, data_dir)
    return out


def _verify_http_database(url: str, data_dir: str) -> None:
    from digiplus.core.db import set_database
    from digiplus.ledger import verify_ledger

    db = Database(url)
    set_database(db)
    try:
        with db.session() as s:
            report = verify_ledger(s)
        assert report.ok, report.problems[:5]
    finally:
        db.dispose()
