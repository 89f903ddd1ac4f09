"""Latency of one API request through the full stack, against the bare-FastAPI floor.

Three workloads in the same process, each a sequence of in-process ASGI requests
(httpx.ASGITransport, no sockets), on a fresh SQLite database:

* ``GET /v1/account`` on ``create_app()``: every middleware (request id and access
  log, metrics, API version, body limit, idempotency), key authentication (SHA-256
  lookup), the rate limiter and one organisation read;
* ``GET /healthz`` on ``create_app()``: the middleware stack without auth or database;
* the floor: a bare ``FastAPI()`` with one sync route returning the same JSON shape.

Prints a table and writes ``var/bench/api_request.json``.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

REQUESTS = int(os.environ.get("BENCH_REQUESTS", "1000"))
WARMUP = 200
OUT = Path("var/bench/api_request.json")


def _configure(data_dir: str) -> None:
    os.environ.update(
        DIGIPLUS_DATA_DIR=data_dir,
        DIGIPLUS_DATABASE_URL=f"sqlite:///{data_dir}/bench.db",
        DIGIPLUS_WORKER_ENABLED="false",
        DIGIPLUS_LOG_LEVEL="WARNING",  # the access log line is built but not written
        DIGIPLUS_RATE_LIMIT="1000000/second",  # the limiter still runs on every request, it just never refuses
    )


def _seed() -> str:
    from digiplus.core.context import Caller
    from digiplus.core.db import get_database
    from digiplus.core.migrate import upgrade
    from digiplus.identity import service
    from digiplus.identity.schemas import ApiKeyCreate, OrganizationCreate

    upgrade()
    with get_database().session() as session:
        org = service.create_organization(session, OrganizationCreate(name="士林夜市 Bench Stall", kind="merchant"))
        _, secret = service.create_api_key(session, Caller.system(org.id, False), ApiKeyCreate(name="bench"))
    return secret


def _floor_app() -> Any:
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/v1/account")
    def account() -> dict[str, Any]:
        return {"id": "org_01JD3Y0R6C9W4QK3F7S2N8M5TB", "object": "organization", "name": "Bench", "livemode": False}

    return app


async def _measure(app: Any, path: str, headers: dict[str, str]) -> list[float]:
    transport = httpx.ASGITransport(app=app)
    timings: list[float] = []
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        for i in range(WARMUP + REQUESTS):
            started = time.perf_counter()
            response = await client.get(path, headers=headers)
            elapsed = time.perf_counter() - started
            if response.status_code != 200:
                raise SystemExit(f"{path}: HTTP {response.status_code} {response.text}")
            if i >= WARMUP:
                timings.append(elapsed)
    return timings


def _summary(name: str, timings: list[float]) -> dict[str, Any]:
    ordered = sorted(timings)
    return {
        "workload": name,
        "requests": len(timings),
        "median_ms": round(statistics.median(ordered) * 1000, 3),
        "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1] * 1000, 3),
        "p99_ms": round(ordered[int(len(ordered) * 0.99) - 1] * 1000, 3),
        "requests_per_s": round(len(ordered) / sum(ordered), 1),
    }


def main() -> None:
    with tempfile.TemporaryDirectory() as data_dir:
        _configure(data_dir)
        secret = _seed()
        from digiplus.app import create_app

        app = create_app(run_worker=False)
        auth = {"Authorization": f"Bearer {secret}"}
        results = [
            _summary("GET /v1/account, full stack", asyncio.run(_measure(app, "/v1/account", auth))),
            _summary("GET /healthz, middleware only", asyncio.run(_measure(app, "/healthz", {}))),
            _summary("bare FastAPI route (floor)", asyncio.run(_measure(_floor_app(), "/v1/account", {}))),
        ]
    floor = results[-1]["median_ms"]
    for row in results:
        row["x_floor"] = round(row["median_ms"] / floor, 2)

    machine = {
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "database": "sqlite (file, WAL)",
    }
    print(f"api_request: {REQUESTS} sequential in-process requests after {WARMUP} warm-up")
    print(f"machine: {machine['cpu_count']} CPUs, {machine['platform']}, Python {machine['python']}\n")
    print(f"{'workload':<32} {'median ms':>10} {'p95 ms':>8} {'p99 ms':>8} {'req/s':>8} {'x floor':>8}")
    for row in results:
        print(
            f"{row['workload']:<32} {row['median_ms']:>10.3f} {row['p95_ms']:>8.3f} {row['p99_ms']:>8.3f}"
            f" {row['requests_per_s']:>8.1f} {row['x_floor']:>8.2f}"
        )
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"benchmark": "api_request", "machine": machine, "results": results}, indent=2) + "\n")
    print(f"\nwrote {OUT}")


if __name__ == "__main__":
    main()
