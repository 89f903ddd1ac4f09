"""Requests per second and latency of the HTTP API through uvicorn, against the bare-FastAPI floor.

    python benchmarks/api_request.py                     # SQLite, then PostgreSQL if it answers
    python benchmarks/api_request.py --no-pg --duration 5
    python benchmarks/api_request.py --pg-url postgresql+psycopg://postgres@127.0.0.1:5432/api_bench
    python benchmarks/api_request.py --workers 2         # uvicorn processes serving the app

The server is a real uvicorn (httptools, uvloop) in its own process; the load comes from
``wrk`` (``apt-get install wrk``) in another, or from a Python client when wrk is missing
(which then shares the two cores with the server, so its figures are lower). Workloads:

* ``floor``: a bare ``FastAPI()`` app with one sync route returning the same JSON shape;
* ``GET /healthz``: every middleware of ``create_app()`` (request id, access log, metrics,
  version, body limit, idempotency), no auth and no database;
* ``GET /v1/account``: the above plus key authentication, the rate limiter and one
  organisation read;
* ``POST /v1/bench/rows``: an authenticated POST that inserts one row through the app's own
  ``SessionDep`` and ``requires()`` — a route built in this script only (not a public route),
  the floor that module benchmarks (payments) compare their POSTs against;
* ``POST /v1/ledger/transfers``: one transfer per request (batch 1), unique ids.

Each runs at concurrency 1 and at ``--concurrency`` (default 32) for ``--duration`` seconds
after a warm-up. Besides requests/s and latency it reports the server's CPU time per
request (user + system, from /proc): on a machine shared with other work, requests/s
follows whatever CPU is left, CPU per request much less so. Prints a table, writes ``var/bench/api_request.json``. PostgreSQL's
``public`` schema is dropped and re-created: use a database of your own.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
from digiplus.core.api.auth import requires  # noqa: E402
from digiplus.core.api.deps import SessionDep  # noqa: E402
from digiplus.core.context import Caller  # noqa: E402
from digiplus.core.db import UTCDateTime, utcnow  # noqa: E402
from digiplus.core.ids import new_id  # noqa: E402
from digiplus.core.permissions import grant  # noqa: E402

OUT = ROOT / "var" / "bench" / "api_request.json"
RATE_LIMIT = "1000000/second"  # the limiter still runs on every request; it just never refuses


def _environment(url: str, data_dir: str) -> dict[str, str]:
    return {
        "DIGIPLUS_DATABASE_URL": url,
        "DIGIPLUS_DATA_DIR": data_dir,
        "DIGIPLUS_WORKER_ENABLED": "false",
        "DIGIPLUS_LOG_LEVEL": "WARNING",  # the access log line is built but not written
        "DIGIPLUS_RATE_LIMIT": RATE_LIMIT,
    }


# --- the server side (runs in the uvicorn process) ------------------------------------------


def floor_app() -> Any:
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/v1/account")
    def account() -> dict[str, Any]:
        return {"id": "org_01JD3Y0R6C9W4QK3F7S2N8M5TB", "object": "organization", "name": "Bench", "livemode": False}

    return app


class BenchBase(DeclarativeBase):
    pass


class BenchRow(BenchBase):
    """The benchmark's own table (created by this script, not by the migrations)."""

    __tablename__ = "bench_rows"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(String(40), index=True)
    livemode: Mapped[bool]
    note: Mapped[str] = mapped_column(String(200))
    created: Mapped[datetime] = mapped_column(UTCDateTime())


Writer = Annotated[Caller, requires("bench.write")]


class RowCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str = Field(max_length=200)


def bench_app() -> Any:
    """``create_app()`` plus one benchmark-only route: an authenticated POST inserting one row."""
    from digiplus.app import create_app

    grant("developer", "bench.write")
    router = APIRouter(prefix="/v1/bench")

    @router.post("/rows")
    def create_row(body: RowCreate, session: SessionDep, caller: Writer) -> dict[str, Any]:
        row = BenchRow(
            id=new_id("row"), org_id=caller.org_id, livemode=caller.livemode, note=body.note, created=utcnow()
        )
        session.add(row)
        session.flush()
        return {"id": row.id, "object": "bench_row", "note": row.note, "livemode": row.livemode}

    app = create_app(run_worker=False)
    app.include_router(router)
    return app


def serve(which: str, port: int, workers: int) -> None:
    import uvicorn

    sys.path.insert(0, str(Path(__file__).parent))
    uvicorn.run(
        f"api_request:{'floor_app' if which == 'floor' else 'bench_app'}",
        factory=True,
        host="127.0.0.1",
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
        log_config=None,
    )


# --- the client side -------------------------------------------------------------------------


def prepare(url: str, data_dir: str) -> dict[str, Any]:
    """A migrated database with one org, a developer key and two ledger accounts."""
    os.environ.update(_environment(url, data_dir))
    from digiplus.settings import get_settings

    get_settings.cache_clear()
    from digiplus.core.context import Caller
    from digiplus.core.db import Database, set_database
    from digiplus.core.migrate import upgrade
    from digiplus.identity import service
    from digiplus.identity.schemas import ApiKeyCreate, OrganizationCreate
    from digiplus.ledger import AccountInput, create_accounts
    from digiplus.registry import load_models

    load_models()
    db = Database(url)
    set_database(db)
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    upgrade(url)
    BenchBase.metadata.create_all(db.engine)
    with db.session() as session:
        org = service.create_organization(session, OrganizationCreate(name="士林夜市 Bench Stall", kind="merchant"))
        caller = Caller.system(org.id, False)
        _, secret = service.create_api_key(session, caller, ApiKeyCreate(name="bench", role="developer"))
        create_accounts(session, caller, [AccountInput(id=f"acct_{i}", ledger="TWD", code=1) for i in range(1000)])
    db.dispose()
    set_database(None)
    return {"secret": secret}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, which: str, url: str, data_dir: str, workers: int) -> None:
        self.port = _free_port()
        env = {**os.environ, **_environment(url, data_dir)}
        self.proc = subprocess.Popen(  # noqa: S603  (this script, with its own arguments)
            [sys.executable, __file__, "--serve", which, "--port", str(self.port), "--workers", str(workers)],
            env=env,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                if self.proc.poll() is not None:
                    raise SystemExit(f"server exited with {self.proc.returncode}") from None
                time.sleep(0.2)
        raise SystemExit("server did not start")

    def cpu_seconds(self) -> float | None:
        """User + system CPU of the server and its child processes so far (Linux /proc), else None."""
        if not Path(f"/proc/{self.proc.pid}/stat").exists():
            return None
        total, todo = 0, [self.proc.pid]
        while todo:
            pid = todo.pop()
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])  # utime, stime (threads included)
                for task in Path(f"/proc/{pid}/task").iterdir():
                    todo.extend(int(c) for c in (task / "children").read_text().split())
            except OSError:  # a thread or child that ended meanwhile
                continue
        return total / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


_WRK_SCRIPT = r"""
local counter = 0
local thread_id = 0
local threads = {}
setup = function(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end
init = function(args)
  thread_id = tid
  math.randomseed(os.time() + tid)
end
request = function()
  if BENCH_KIND == "transfer" then
    counter = counter + 1
    local dr = math.random(0, 999)
    local cr = (dr + math.random(1, 998)) % 1000
    local body = string.format(
      '{"transfers":[{"id":"w%%s_%%d_%%d","debit_account_id":"acct_%%d","credit_account_id":"acct_%%d",'
      .. '"amount":5,"ledger":"TWD","code":1}]}', RUN, thread_id, counter, dr, cr)
    return wrk.format("POST", nil, nil, body)
  end
  return wrk.format(nil, nil, nil, nil)
end
done = function(summary, latency, requests)
  local f = io.open(OUT_FILE, "w")
  f:write(string.format('{"requests": %%d, "errors": %%d, "status_errors": %%d, "p50_us": %%d, "p99_us": %%d}',
    summary.requests, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, latency:percentile(50), latency:percentile(99)))
  f:close()
end
"""


def run_wrk(
    port: int, method: str, path: str, headers: dict[str, str], body: str | None, kind: str, conc: int, secs: float
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.json"
        script = Path(tmp) / "bench.lua"
        lua = (
            f'BENCH_KIND = "{kind}"\nRUN = "{time.time_ns()}"\nOUT_FILE = "{out}"\n'
            f'wrk.method = "{method}"\n'
            + "".join(f'wrk.headers["{k}"] = "{v}"\n' for k, v in headers.items())
            + (f"wrk.body = {json.dumps(body)}\n" if body is not None else "")
            + _WRK_SCRIPT.replace("%%", "%")
        )
        script.write_text(lua)
        threads = max(1, min(conc, 2))
        cmd = ["wrk", "-t", str(threads), "-c", str(conc), "-d", f"{max(1, round(secs))}s", "--timeout", "10s"]
        cmd += ["-s", str(script)]
        done = subprocess.run(  # noqa: S603  (wrk, with arguments built here)
            [*cmd, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, timeout=secs + 60
        )
        if done.returncode != 0 or not out.exists():
            raise SystemExit(f"wrk failed: {done.stdout}{done.stderr}")
        result = json.loads(out.read_text())
    return {
        "requests_per_s": round(result["requests"] / secs, 1),
        "p50_ms": round(result["p50_us"] / 1000, 2),
        "p99_ms": round(result["p99_us"] / 1000, 2),
        "errors": result["errors"] + result["status_errors"],
    }


def run_python_client(
    port: int, method: str, path: str, headers: dict[str, str], body: str | None, kind: str, conc: int, secs: float
) -> dict[str, Any]:
    """The fallback without wrk: ``conc`` threads, each with a keep-alive httpx client."""
    import random

    import httpx

    timings: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop_at = time.perf_counter() + secs
    run = time.time_ns()

    def worker(n: int) -> None:
        nonlocal errors
        rng = random.Random(n)
        local: list[float] = []
        bad = 0
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers) as client:
            i = 0
            while time.perf_counter() < stop_at:
                i += 1
                content = body
                if kind == "transfer":
                    dr = rng.randrange(1000)
                    cr = (dr + rng.randrange(1, 999)) % 1000
                    content = json.dumps(
                        {
                            "transfers": [
                                {
                                    "id": f"p{run}_{n}_{i}",
                                    "debit_account_id": f"acct_{dr}",
                                    "credit_account_id": f"acct_{cr}",
                                    "amount": 5,
                                    "ledger": "TWD",
                                    "code": 1,
                                }
                            ]
                        }
                    )
                started = time.perf_counter()
                response = client.request(method, path, content=content)
                local.append(time.perf_counter() - started)
                bad += response.status_code >= 300
        with lock:
            timings.extend(local)
            errors += bad

    pool = [threading.Thread(target=worker, args=(n,)) for n in range(conc)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    ordered = sorted(timings)
    return {
        "requests_per_s": round(len(ordered) / secs, 1),
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p99_ms": round(ordered[max(0, int(len(ordered) * 0.99) - 1)] * 1000, 2),
        "errors": errors,
    }


WORKLOADS: list[tuple[str, str, str, str, bool, str | None, str]] = [
    # (name, server, method, path, authenticated, body, kind)
    ("bare FastAPI route (floor)", "floor", "GET", "/v1/account", False, None, "plain"),
    ("GET /healthz (middleware)", "app", "GET", "/healthz", False, None, "plain"),
    ("GET /v1/account (auth + read)", "app", "GET", "/v1/account", True, None, "plain"),
    ("POST /v1/bench/rows (1 insert)", "app", "POST", "/v1/bench/rows", True, '{"note": "bench"}', "plain"),
    ("POST ledger transfer (batch 1)", "app", "POST", "/v1/ledger/transfers", True, None, "transfer"),
]


def bench_backend(name: str, url: str, args: argparse.Namespace, rows: list[dict[str, Any]]) -> None:
    client = run_wrk if shutil.which("wrk") and not args.python_client else run_python_client
    with tempfile.TemporaryDirectory() as data_dir:
        seeded = prepare(url, data_dir)
        auth = {"Authorization": f"Bearer {seeded['secret']}"}
        servers: dict[str, Server] = {}
        try:
            for which in ("floor", "app"):
                servers[which] = Server(which, url, data_dir, args.workers)
                for workload, server, method, path, authed, body, kind in WORKLOADS:
                    if server != which:
                        continue
                    headers = {**(auth if authed else {}), "Content-Type": "application/json"}
                    port = servers[which].port
                    client(port, method, path, headers, body, kind, 4, min(2.0, args.duration))  # warm-up
                    for conc in (1, args.concurrency):
                        cpu_before = servers[which].cpu_seconds()
                        result = client(port, method, path, headers, body, kind, conc, args.duration)
                        cpu_after = servers[which].cpu_seconds()
                        served = result["requests_per_s"] * args.duration
                        cpu_ms = (
                            round((cpu_after - cpu_before) * 1000 / served, 3)
                            if cpu_before is not None and cpu_after is not None and served
                            else None
                        )
                        row = {"database": name, "workload": workload, "concurrency": conc, **result}
                        row["server_cpu_ms_per_request"] = cpu_ms
                        rows.append(row)
                        print(
                            f"  {name:10} {workload:<32} c={conc:<3} {row['requests_per_s']:>8,.0f}/s"
                            f"  p50 {row['p50_ms']:>7.2f} ms  p99 {row['p99_ms']:>7.2f} ms"
                            f"  cpu/req {cpu_ms if cpu_ms is not None else '-'} ms  errors {row['errors']}",
                            flush=True,
                        )
                servers.pop(which).stop()
        finally:
            for server in servers.values():
                server.stop()


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
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per cell")
    parser.add_argument("--concurrency", type=int, default=32, help="connections of the loaded cell")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("DIGIPLUS_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/api_bench"),
    )
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument("--python-client", action="store_true", help="use the Python client even if wrk exists")
    parser.add_argument("--serve", choices=["floor", "app"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port, args.workers)
        return

    client = "wrk" if shutil.which("wrk") and not args.python_client else "python threads (shares the CPUs)"
    machine = {
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "client": client,
        "server": f"uvicorn, {args.workers} process(es)",
    }
    print(f"machine: {machine['cpu_count']} CPUs, {machine['platform']}, Python {machine['python']}")
    print(f"client: {client}; {args.duration:g} s per cell; server: {machine['server']}\n")
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        bench_backend("sqlite", f"sqlite:///{tmp}/bench.db", args, rows)
    if not args.no_pg and pg_reachable(args.pg_url):
        bench_backend("postgresql", args.pg_url, args, rows)

    floor = {(r["database"], r["concurrency"]): r["requests_per_s"] for r in rows if r["workload"].startswith("bare")}
    print(
        f"\n{'database':10} {'workload':<32} {'conc':>4} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}"
        f" {'cpu ms/req':>10} {'of floor':>8}"
    )
    for r in rows:
        base = floor.get((r["database"], r["concurrency"]))
        share = r["requests_per_s"] / base if base else 0
        r["share_of_floor"] = round(share, 3)
        print(
            f"{r['database']:10} {r['workload']:<32} {r['concurrency']:>4} {r['requests_per_s']:>8,.0f}"
            f" {r['p50_ms']:>8.2f} {r['p99_ms']:>8.2f} {r['server_cpu_ms_per_request'] or 0:>10.3f} {share:>8.0%}"
        )
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"benchmark": "api_request", "machine": machine, "results": rows}, indent=2) + "\n")
    print(f"\nwrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
