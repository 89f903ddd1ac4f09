"""How fast a waiting terminal sees its payment succeed, with 200 terminals waiting at once.

The real app runs as ``digiplus serve --workers 2`` (two uvicorn processes, ``--no-worker``)
on a SQLite file (or PostgreSQL with ``--pg-url``; its schema is dropped and re-created).
Set-up through the services, not timed: one merchant, ``--terminals`` paired terminals, a few
funded wallets. Then, for each way of waiting, every terminal opens one waiting QR sale
(a signed ``POST /v1/terminal/payments``) and waits for it:

* ``sse``: ``GET /v1/terminal/payments/{id}/events`` (Server-Sent Events; the server's
  per-process watcher reads the outbox every ``DIGIPLUS_TERMINAL_WATCH_INTERVAL_MS``);
* ``poll 1 s`` (the baseline): ``GET /v1/terminal/payments/{id}`` every second, each
  terminal's polls spread over the second.

First ``--idle`` seconds with nobody paying (the server's CPU while 200 terminals wait),
then the payer pays every sale, one after another at ``--rate`` per second, from this
process straight through the payments service (a separate connection, as another server
would). The latency of one payment is from the moment the payer's transaction committed to
the moment its terminal received the succeeded state; both clocks are this process's
``perf_counter``. The server's CPU (user + system, from /proc, both workers) is reported
per second of waiting and per payment seen. Prints a table, writes ``var/bench/terminals.json``.

    python benchmarks/terminals.py                       # SQLite, 200 terminals
    python benchmarks/terminals.py --quick               # 50 terminals, shorter
    python benchmarks/terminals.py --pg-url postgresql+psycopg://postgres@127.0.0.1:5432/terminals_bench
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import platform
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
OUT = ROOT / "var" / "bench" / "terminals.json"


def _env(url: str, data_dir: str) -> dict[str, str]:
    return {
        "DIGIPLUS_DATABASE_URL": url,
        "DIGIPLUS_DATA_DIR": data_dir,
        "DIGIPLUS_WORKER_ENABLED": "false",
        "DIGIPLUS_LOG_LEVEL": "WARNING",
        "DIGIPLUS_RATE_LIMIT": "1000000/second",
    }


@dataclass
class World:
    org: str
    terminals: list[tuple[str, str]]  # (id, secret)
    payers: list[tuple[str, str]]  # (org, wallet)


def prepare(url: str, data_dir: str, terminals: int, payers: int) -> World:
    os.environ.update(_env(url, data_dir))
    from digiplus.settings import get_settings

    get_settings.cache_clear()
    from digiplus.core.context import Caller
    from digiplus.core.db import Database, set_database
    from digiplus.core.migrate import upgrade
    from digiplus.identity import service as identity
    from digiplus.identity.schemas import OrganizationCreate
    from digiplus.payments.service import banks, merchants, topups, wallets
    from digiplus.registry import load_models
    from digiplus.terminals.service import access, fleet

    load_models()
    db = Database(url)
    set_database(db)
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    upgrade(url)
    with db.session() as s:
        org = identity.create_organization(s, OrganizationCreate(name="Bench night market", kind="merchant"))
        shop = Caller.system(org.id, False)
        bank = banks.create_bank_account(
            s, shop, bank_code="004", account_number="100000001", holder_name="Bench", currency_code="TWD"
        )
        merchants.upsert_profile(
            s, shop, display_name="Bench stall", city="Taipei", mcc="5812", bank_account_id=bank.id
        )
        codes = []
        for i in range(terminals):
            t = fleet.create_terminal(s, shop, name=f"Counter {i + 1}", location="Bench")
            codes.append(fleet.issue_pairing_code(s, shop, t.id)[1])
        people = []
        for i in range(payers):
            who_org = identity.create_organization(s, OrganizationCreate(name=f"Bench payer {i}", kind="consumer"))
            who = Caller.system(who_org.id, False)
            wallet = wallets.create_wallet(s, who, "TWD")
            wallets.set_verification_level(s, who, 2)
            own = banks.create_bank_account(
                s, who, bank_code="812", account_number=f"{200000000 + i}", holder_name="P", currency_code="TWD"
            )
            topups.top_up(s, who, wallet.id, bank_account_id=own.id, amount=50_000_00)
            people.append((who_org.id, wallet.id))
    paired = []
    for code in codes:
        t, secret = access.pair(db, code=code, app_version="bench", ip="127.0.0.1", request_id=None)
        paired.append((t.id, secret))
    return World(org.id, paired, people)


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process, its threads and its children so far (Linux /proc)."""
    total, todo = 0, [pid]
    while todo:
        one = todo.pop()
        try:
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
            for task in Path(f"/proc/{one}/task").iterdir():
                todo.extend(int(c) for c in (task / "children").read_text().split())
        except OSError:
            continue
    return total / os.sysconf("SC_CLK_TCK")


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_up(base: str, proc: subprocess.Popen[bytes]) -> None:
    import httpx

    for _ in range(600):
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with {proc.returncode}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit("the server did not come up")


# --- one way of waiting -------------------------------------------------------------------


@dataclass
class Run:
    mode: str
    committed: dict[str, float] = field(default_factory=dict)  # intent -> perf_counter at the payer's commit
    seen: dict[str, float] = field(default_factory=dict)  # intent -> perf_counter when its terminal saw it
    requests: int = 0
    ready: int = 0


def _signed(terminal: tuple[str, str], method: str, path: str, body: bytes = b"") -> dict[str, str]:
    from digiplus.terminals import signing

    return {"Authorization": signing.sign(terminal[1], terminal[0], method, path, body)}


async def _open_sales(client: Any, world: World, tag: str) -> list[str]:
    async def one(i: int, terminal: tuple[str, str]) -> str:
        body = json.dumps({"client_reference": f"{tag}-{i}", "amount": 10_00 + i}).encode()
        headers = {**_signed(terminal, "POST", "/v1/terminal/payments", body), "Content-Type": "application/json"}
        r = await client.post("/v1/terminal/payments", content=body, headers=headers)
        r.raise_for_status()
        return str(r.json()["id"])

    out: list[str] = []
    for start in range(0, len(world.terminals), 20):
        chunk = list(enumerate(world.terminals))[start : start + 20]
        out += await asyncio.gather(*(one(i, t) for i, t in chunk))
    return out


async def _sse(client: Any, terminal: tuple[str, str], intent: str, run: Run, stop: asyncio.Event) -> None:
    path = f"/v1/terminal/payments/{intent}/events"
    while not stop.is_set() and intent not in run.seen:
        run.requests += 1
        async with client.stream("GET", path, headers=_signed(terminal, "GET", path)) as r:
            buffer, counted = "", False
            async for chunk in r.aiter_text():
                buffer += chunk
                while "\n\n" in buffer:
                    frame, buffer = buffer.split("\n\n", 1)
                    data = [line[5:] for line in frame.split("\n") if line.startswith("data:")]
                    if not data:
                        continue
                    state = json.loads("".join(data))
                    if not counted:
                        counted, run.ready = True, run.ready + 1
                    if state["status"] == "succeeded":
                        run.seen[intent] = time.perf_counter()
                        return


async def _poll(
    client: Any, terminal: tuple[str, str], intent: str, run: Run, stop: asyncio.Event, offset: float
) -> None:
    path = f"/v1/terminal/payments/{intent}"
    await asyncio.sleep(offset)
    first = True
    while not stop.is_set():
        run.requests += 1
        r = await client.get(path, headers=_signed(terminal, "GET", path))
        if first:
            first, run.ready = False, run.ready + 1
        if r.status_code == 200 and r.json()["status"] == "succeeded":
            run.seen[intent] = time.perf_counter()
            return
        await asyncio.sleep(1.0)


def _pay_all(url: str, data_dir: str, intents: list[str], payers: list[tuple[str, str]], rate: float, out: Any) -> None:
    """The payer, in a process of its own (so its work does not delay this process's event loop):
    pays each intent at its turn and reports when its transaction committed (CLOCK_MONOTONIC,
    the same clock in every process of the machine)."""
    os.environ.update(_env(url, data_dir))
    from digiplus.core.context import Caller
    from digiplus.core.db import Database
    from digiplus.payments.service import paying
    from digiplus.registry import load_models

    load_models()
    db = Database(url, pool_size=2, max_overflow=0)
    committed: dict[str, float] = {}
    start = time.perf_counter()
    for i, intent in enumerate(intents):
        due = start + i / rate
        if (wait := due - time.perf_counter()) > 0:
            time.sleep(wait)
        org, wallet = payers[i % len(payers)]
        with db.session() as s:
            paying.pay_from_wallet(
                s, Caller.system(org, False), wallet, qr_payload=None, payment_intent=intent, amount=None, fx_quote=None
            )
        committed[intent] = time.perf_counter()
    db.dispose()
    out.put(committed)


async def measure(base: str, world: World, mode: str, server_pid: int, args: argparse.Namespace) -> dict[str, Any]:
    import httpx

    run = Run(mode)
    limits = httpx.Limits(
        max_connections=len(world.terminals) + 20, max_keepalive_connections=len(world.terminals) + 20
    )
    async with httpx.AsyncClient(base_url=base, timeout=httpx.Timeout(60.0), limits=limits) as client:
        intents = await _open_sales(client, world, mode.replace(" ", ""))
        stop = asyncio.Event()
        n = len(intents)
        if mode == "sse":
            tasks = [
                asyncio.create_task(_sse(client, t, i, run, stop))
                for t, i in zip(world.terminals, intents, strict=True)
            ]
        else:
            tasks = [
                asyncio.create_task(_poll(client, t, i, run, stop, offset=k / n))
                for k, (t, i) in enumerate(zip(world.terminals, intents, strict=True))
            ]
        deadline = time.perf_counter() + 60
        while run.ready < n and time.perf_counter() < deadline:
            await asyncio.sleep(0.05)
        cpu0, mine0, t0, req0 = cpu_seconds(server_pid), own_cpu(), time.perf_counter(), run.requests
        await asyncio.sleep(args.idle)
        idle_s = time.perf_counter() - t0
        idle_cpu = cpu_seconds(server_pid) - cpu0
        idle_requests = run.requests - req0
        cpu1 = cpu_seconds(server_pid)
        spawn = multiprocessing.get_context("spawn")
        results = spawn.Queue()
        payer = spawn.Process(
            target=_pay_all, args=(args.db_url, args.data_dir, intents, world.payers, args.rate, results), daemon=True
        )
        payer.start()
        while payer.is_alive() and results.empty():
            await asyncio.sleep(0.05)
        # Off the event loop: a blocking get or join here would stall the terminals' own
        # reading and add the payer's exit time to the last payments' latency.
        run.committed = await asyncio.to_thread(results.get, True, 60)
        await asyncio.to_thread(payer.join, 10)
        deadline = time.perf_counter() + 10
        while len(run.seen) < n and time.perf_counter() < deadline:
            await asyncio.sleep(0.05)
        pay_cpu = cpu_seconds(server_pid) - cpu1
        client_cpu = own_cpu() - mine0
        stop.set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    latencies = sorted((run.seen[i] - run.committed[i]) * 1000 for i in intents if i in run.seen and i in run.committed)

    def pct(q: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(q * len(latencies)))], 1) if latencies else float("nan")

    return {
        "mode": mode,
        "terminals": n,
        "seen": len(latencies),
        "p50_ms": round(statistics.median(latencies), 1) if latencies else None,
        "p90_ms": pct(0.90),
        "p99_ms": pct(0.99),
        "max_ms": round(latencies[-1], 1) if latencies else None,
        "idle_server_cpu_pct": round(idle_cpu / idle_s * 100, 1),
        "idle_requests_per_s": round(idle_requests / idle_s, 1),
        "server_cpu_ms_per_payment": round(pay_cpu * 1000 / max(1, len(latencies)), 2),
        "client_cpu_s": round(client_cpu, 2),
        # The payments (by their turn in the payer's sequence) seen later than 250 ms: a tail at
        # the start points at warm-up, one spread out at a periodic stall.
        "slow": [
            (k, round((run.seen[i] - run.committed[i]) * 1000, 1))
            for k, i in enumerate(intents)
            if i in run.seen and i in run.committed and run.seen[i] - run.committed[i] > 0.25
        ],
    }


def bench(url: str | None, args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as data_dir:
        db_url = url or f"sqlite:///{data_dir}/bench.db"
        database = "postgresql" if db_url.startswith("postgresql") else "sqlite (file, WAL)"
        t = time.perf_counter()
        args.db_url, args.data_dir = db_url, data_dir
        world = prepare(db_url, data_dir, args.terminals, args.payers)
        print(
            f"[{database}] {len(world.terminals)} terminals paired, {len(world.payers)} wallets funded in {time.perf_counter() - t:.1f}s"
        )
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            **_env(db_url, data_dir),
            "PYTHONPATH": str(ROOT / "src"),
            "DIGIPLUS_TERMINAL_WATCH_INTERVAL_MS": str(args.watch_interval_ms),
        }
        if db_url.startswith("postgresql"):
            # The shared PostgreSQL allows 100 connections for everyone: each server process keeps
            # a small pool (requests wait for a connection instead of failing to open one).
            env |= {"DIGIPLUS_DB_POOL_SIZE": str(args.pg_pool_size), "DIGIPLUS_DB_MAX_OVERFLOW": "0"}
        server = subprocess.Popen(  # noqa: S603 -- our own interpreter and the digiplus CLI
            [
                sys.executable,
                "-c",
                "from digiplus.cli import app; app()",
                "serve",
                "--port",
                str(port),
                "--workers",
                str(args.workers),
                "--no-worker",
            ],
            env=env,
        )
        rows = []
        try:
            _wait_up(base, server)
            for mode in ("sse", "poll 1 s") if args.baseline else ("sse",):
                row = asyncio.run(measure(base, world, mode, server.pid, args))
                rows.append({"database": database, **row})
                print(
                    f"  {mode:9} seen {row['seen']:>4}/{row['terminals']}  p50 {row['p50_ms']:>7} ms  p90 {row['p90_ms']:>7} ms"
                    f"  p99 {row['p99_ms']:>7} ms  max {row['max_ms']:>7} ms  idle: server CPU {row['idle_server_cpu_pct']:>5}%"
                    f" {row['idle_requests_per_s']:>6} req/s  server CPU {row['server_cpu_ms_per_payment']:>6} ms/payment",
                    flush=True,
                )
        finally:
            server.terminate()
            server.wait(timeout=30)
        from digiplus.core.db import get_database

        get_database().dispose()
        return {"database": database, "rows": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--terminals", type=int, default=200)
    parser.add_argument("--payers", type=int, default=10)
    parser.add_argument("--rate", type=float, default=20.0, help="payments per second, one after another")
    parser.add_argument("--idle", type=float, default=5.0, help="seconds of waiting before anyone pays")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--watch-interval-ms", type=int, default=100, help="DIGIPLUS_TERMINAL_WATCH_INTERVAL_MS of the server"
    )
    parser.add_argument("--pg-url", default=None)
    parser.add_argument("--pg-only", action="store_true", help="with --pg-url: skip the SQLite run")
    parser.add_argument("--no-baseline", dest="baseline", action="store_false", help="skip the 1 s polling baseline")
    parser.add_argument("--pg-pool-size", type=int, default=10, help="PostgreSQL connections per server process")
    parser.add_argument("--quick", action="store_true", help="50 terminals, 2 s idle")
    args = parser.parse_args()
    if args.quick:
        args.terminals, args.idle = 50, 2.0
    results = [] if args.pg_only else [bench(None, args)]
    if args.pg_url:
        results.append(bench(args.pg_url, args))
    print()
    print(
        f"{'database':18} {'mode':9} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'idle CPU %':>10} {'idle req/s':>10} {'CPU ms/pay':>10}"
    )
    for result in results:
        for r in result["rows"]:
            print(
                f"{r['database']:18} {r['mode']:9} {r['p50_ms']!s:>8} {r['p99_ms']!s:>8} {r['max_ms']!s:>8} "
                f"{r['idle_server_cpu_pct']:>10} {r['idle_requests_per_s']:>10} {r['server_cpu_ms_per_payment']:>10}"
            )
        by = {r["mode"]: r for r in result["rows"]}
        if "sse" in by and "poll 1 s" in by and by["sse"]["p99_ms"] and by["poll 1 s"]["p99_ms"]:
            print(
                f"  {result['database']}: SSE p99 is {by['poll 1 s']['p99_ms'] / by['sse']['p99_ms']:.1f}x lower than polling; "
                f"idle CPU {by['sse']['idle_server_cpu_pct']}% vs {by['poll 1 s']['idle_server_cpu_pct']}%; "
                f"target p99 <= 250 ms: {'met' if by['sse']['p99_ms'] <= 250 else 'MISSED'}"
            )
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(
        json.dumps(
            {
                "machine": {
                    "cpus": os.cpu_count(),
                    "python": platform.python_version(),
                    "platform": platform.platform(),
                },
                "args": {k: v for k, v in vars(args).items() if k not in ("db_url", "data_dir")},
                "results": results,
            },
            indent=2,
        )
    )
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
