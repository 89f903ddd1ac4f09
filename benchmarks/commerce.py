"""Commerce over HTTP: the storefront's product page, checkouts, and re-pricing a catalogue.

The real app is served by uvicorn in a subprocess (SQLite file by default, ``--pg-url`` for
PostgreSQL — its schema is dropped and re-created: use a database of your own). Measured in
the same run, each beside its baseline:

* **product page** ``GET /shop/{slug}/p/{handle}`` (Japanese, JPY, JSON-LD) at a fixed offered
  load (``--rate``, 100/s, open loop: latency counted from each request's scheduled start, so a
  stall shows in the p99), beside the **floor**: ``GET /bench/floor`` added to the same app
  only here, with the same dependencies as a shop page (session, optional login) and one
  SELECT, rendering a one-line HTML page;
* **checkouts** ``POST /v1/commerce/carts/{id}/checkout`` flat out from ``--clients`` threads
  (carts filled beforehand, not timed): server recomputes the basket, validates the address,
  holds stock, creates and confirms a payment intent; beside the floor ``POST /bench/floor``
  (same API-key dependencies, one INSERT);
* **re-pricing** 10 000 variants into 20 markets in process: the bulk path (``reprice_all``:
  the factor once per market) and the DB path (read the base prices and the fixed prices,
  price every variant), beside the naive one-by-one ``market_price``.

Server CPU per request comes from ``/proc/<pid>/stat`` (user + system) over each phase.
Prints a table, writes ``var/bench/commerce.json``.

    python benchmarks/commerce.py --quick
"""

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
OUT = ROOT / "var" / "bench" / "commerce.json"
FLOOR_TABLE = "bench_floor"


def bench_app() -> Any:
    """``create_app()`` plus the floor endpoints (same dependencies as the measured ones)."""
    from typing import Annotated

    from fastapi import APIRouter
    from sqlalchemy import Column, DateTime, MetaData, String, Table, insert, select
    from starlette.responses import HTMLResponse

    from digiplus.app import create_app
    from digiplus.core.api.auth import requires
    from digiplus.core.api.deps import SessionDep
    from digiplus.core.context import Caller
    from digiplus.core.db import utcnow
    from digiplus.web.deps import OptionalPageDep

    floor = Table(
        FLOOR_TABLE,
        MetaData(),
        Column("id", String(40), primary_key=True),
        Column("org_id", String(40)),
        Column("created", DateTime),
    )
    router = APIRouter()
    writer = Annotated[Caller, requires("commerce.write")]

    @router.get("/bench/floor")
    def floor_page(session: SessionDep, page: OptionalPageDep) -> HTMLResponse:
        count = session.execute(select(floor.c.id).limit(1)).first()
        return HTMLResponse(f"<!doctype html><p>floor {count is not None}</p>")

    @router.post("/bench/floor")
    def floor_insert(session: SessionDep, caller: writer) -> dict[str, Any]:
        row_id = f"bf_{uuid.uuid4().hex}"
        session.execute(insert(floor).values(id=row_id, org_id=caller.org_id, created=utcnow()))
        return {"id": row_id}

    app = create_app(run_worker=False)
    app.include_router(router, include_in_schema=False)
    return app


def _env(url: str, data_dir: str) -> dict[str, str]:
    return {
        "DIGIPLUS_DATABASE_URL": url,
        "DIGIPLUS_DATA_DIR": data_dir,
        "DIGIPLUS_WORKER_ENABLED": "false",
        "DIGIPLUS_LOG_LEVEL": "WARNING",
        "DIGIPLUS_RATE_LIMIT": "1000000/second",
    }


def prepare(url: str, data_dir: str) -> None:
    os.environ.update(_env(url, data_dir))
    from digiplus.settings import get_settings

    get_settings.cache_clear()
    from sqlalchemy import text

    from digiplus.core.db import Database, set_database
    from digiplus.core.migrate import upgrade
    from digiplus.registry import load_models

    load_models()
    db = Database(url)
    set_database(db)
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    upgrade(url)
    with db.engine.begin() as conn:
        conn.execute(
            text(f"CREATE TABLE {FLOOR_TABLE} (id VARCHAR(40) PRIMARY KEY, org_id VARCHAR(40), created TIMESTAMP)")
        )


def seed(products: int, carts: int) -> dict[str, Any]:
    """A tea merchant (store, JP market, zone, products with stock), an API key and filled carts."""
    from digiplus.commerce.service import carts as cart_service
    from digiplus.commerce.service import catalogue, markets, shipping, stores
    from digiplus.core.context import Caller
    from digiplus.core.db import get_database
    from digiplus.identity import service as identity
    from digiplus.identity.schemas import ApiKeyCreate, OrganizationCreate
    from digiplus.payments.service import banks, merchants

    db = get_database()
    with db.session() as s:
        org = identity.create_organization(s, OrganizationCreate(name="Bench tea", kind="merchant"))
        who = Caller.system(org.id, False)
        bank = banks.create_bank_account(
            s, who, bank_code="004", account_number="123456789012", holder_name="x", currency_code="TWD"
        )
        merchants.upsert_profile(s, who, display_name="Bench tea", city="Chiayi", mcc="5499", bank_account_id=bank.id)
        store = stores.save_store(s, who, {"slug": "bench-tea", "name": "Bench tea"})
        markets.create_market(
            s, who, "jp", {"countries": ["JP"], "currency": "JPY", "languages": ["ja"], "rounding": "nearest_10"}
        )
        shipping.save_zone(
            s,
            who,
            None,
            {
                "name": "JP",
                "countries": ["JP"],
                "rates": [{"name": "EMS", "basis": "weight", "min": 0, "max": None, "amount": 45000}],
            },
        )
        variants = []
        for i in range(products):
            p = catalogue.save_product(
                s,
                who,
                None,
                {
                    "handle": f"tea-{i}",
                    "title": f"茶 {i}",
                    "hs_code": "090230",
                    "translations": {"ja": {"title": f"お茶 {i}"}},
                },
            )
            v = catalogue.add_variant(
                s, who, p.id, {"sku": f"T-{i}", "title": "150 g", "price": str(300 + i), "weight_grams": 200}
            )
            catalogue.set_stock(s, who, v.id, "Chiayi", 10_000_000)
            variants.append(v.id)
        _, key = identity.create_api_key(s, who, ApiKeyCreate(name="bench", role="developer"))
        store_row = store
    prepared = []
    for start in range(0, carts, 200):
        with db.session() as s:
            for i in range(start, min(carts, start + 200)):
                cart, _ = cart_service.create_cart(s, store_row, "JP", "ja")
                cart_service.set_line(s, store_row, cart, variants[i % len(variants)], 1)
                prepared.append(cart.id)
    return {"org": org.id, "key": key, "carts": prepared, "variants": variants}


def serve(port: int) -> None:
    import uvicorn

    uvicorn.run(
        "commerce:bench_app",
        factory=True,
        app_dir=str(Path(__file__).resolve().parent),
        host="127.0.0.1",
        port=port,
        workers=1,
        log_level="warning",
        access_log=False,
    )


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def open_loop(base: str, path: str, rate: float, seconds: float, pid: int) -> dict[str, Any]:
    """``rate`` GETs per second for ``seconds``; each latency from its scheduled start."""
    import httpx

    total = int(rate * seconds)
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    start = time.perf_counter() + 0.2
    slots = iter(range(total))

    def worker() -> None:
        with httpx.Client(base_url=base, timeout=30) as client:
            for i in slots:
                due = start + i / rate
                wait = due - time.perf_counter()
                if wait > 0:
                    time.sleep(wait)
                r = client.get(path)
                done = time.perf_counter()
                with lock:
                    latencies.append(done - due)
                    if r.status_code != 200:
                        failures[0] += 1

    cpu0 = cpu_seconds(pid)
    threads = [threading.Thread(target=worker) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    cpu = cpu_seconds(pid) - cpu0
    return {
        "requests": total,
        "offered_per_s": rate,
        "achieved_per_s": total / elapsed,
        "failures": failures[0],
        "p50_ms": pct(latencies, 0.5) * 1000,
        "p99_ms": pct(latencies, 0.99) * 1000,
        "server_cpu_ms_per_request": cpu / total * 1000,
    }


def closed_loop(base: str, key: str, jobs: list[tuple[str, dict[str, Any]]], clients: int, pid: int) -> dict[str, Any]:
    import httpx

    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    queue = iter(jobs)

    def worker() -> None:
        with httpx.Client(base_url=base, timeout=60, headers={"Authorization": f"Bearer {key}"}) as client:
            for path, body in queue:
                t0 = time.perf_counter()
                r = client.post(path, json=body)
                with lock:
                    latencies.append(time.perf_counter() - t0)
                    if r.status_code != 200:
                        failures[0] += 1

    cpu0, t0 = cpu_seconds(pid), time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed, cpu = time.perf_counter() - t0, cpu_seconds(pid) - cpu0
    return {
        "requests": len(jobs),
        "per_s": len(jobs) / elapsed,
        "failures": failures[0],
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": pct(latencies, 0.99) * 1000,
        "server_cpu_ms_per_request": cpu / len(jobs) * 1000,
    }


def repricing(variants: int, market_count: int) -> dict[str, Any]:
    """10 000 base prices into 20 markets: bulk, naive, and through the database."""
    from digiplus.commerce.service.pricing import PricingRule, Rate, market_price, reprice_all
    from digiplus.payments import rate_source

    currencies = [
        "JPY",
        "USD",
        "EUR",
        "GBP",
        "KRW",
        "SGD",
        "MYR",
        "THB",
        "VND",
        "IDR",
        "PHP",
        "INR",
        "AUD",
        "CAD",
        "HKD",
        "CNY",
    ]
    roundings = [
        "nearest_10",
        "ends_99",
        "ends_99",
        "ends_99",
        "nearest_100",
        "whole",
        "minor",
        "whole",
        "nearest_1000",
        "nearest_1000",
        "whole",
        "whole",
        "ends_99",
        "ends_99",
        "minor",
        "minor",
    ]
    rules = []
    for i in range(market_count):
        cur = currencies[i % len(currencies)]
        rate = rate_source().rate("TWD", cur)
        rules.append(
            PricingRule(
                "TWD",
                cur,
                Rate(rate.rate, rate.source, rate.as_of),
                (i * 137) % 2000 - 500,
                roundings[i % len(roundings)],
            )
        )
    bases = [10_000 + (i * 7919) % 500_000 for i in range(variants)]
    t0 = time.process_time()
    bulk = [reprice_all(bases, r) for r in rules]
    bulk_s = time.process_time() - t0
    t0 = time.process_time()
    naive = [[market_price(b, r).amount for b in bases] for r in rules]
    naive_s = time.process_time() - t0
    assert bulk == naive
    return {
        "variants": variants,
        "markets": market_count,
        "prices": variants * market_count,
        "bulk_cpu_s": bulk_s,
        "naive_cpu_s": naive_s,
        "naive_over_bulk": naive_s / bulk_s,
    }


def repricing_db(variants: int, market_count: int) -> dict[str, Any]:
    """The same through the database: one store with ``variants`` variants, ``market_count`` markets."""
    from sqlalchemy import insert

    from digiplus.commerce.models import Variant
    from digiplus.commerce.service import markets, stores
    from digiplus.core.context import Caller
    from digiplus.core.db import get_database, utcnow
    from digiplus.core.ids import id_for
    from digiplus.identity import service as identity
    from digiplus.identity.schemas import OrganizationCreate

    db = get_database()
    with db.session() as s:
        org = identity.create_organization(s, OrganizationCreate(name="Big catalogue", kind="merchant"))
        who = Caller.system(org.id, False)
        stores.save_store(s, who, {"slug": "big-catalogue", "name": "Big catalogue"})
        codes = [
            "JP",
            "US",
            "DE",
            "GB",
            "KR",
            "SG",
            "MY",
            "TH",
            "VN",
            "ID",
            "PH",
            "IN",
            "AU",
            "CA",
            "HK",
            "FR",
            "NL",
            "IE",
            "IT",
            "ES",
        ]
        curs = [
            "JPY",
            "USD",
            "EUR",
            "GBP",
            "KRW",
            "SGD",
            "MYR",
            "THB",
            "VND",
            "IDR",
            "PHP",
            "INR",
            "AUD",
            "CAD",
            "HKD",
            "EUR",
            "EUR",
            "EUR",
            "EUR",
            "EUR",
        ]
        for i in range(market_count):
            markets.create_market(
                s,
                who,
                f"m{i}",
                {"countries": [codes[i]], "currency": curs[i], "languages": ["en"], "adjustment_bps": 300},
            )
        from digiplus.commerce.models import Product

        product_id = id_for("product")
        s.execute(
            insert(Product).values(
                id=product_id,
                org_id=org.id,
                livemode=False,
                created=utcnow(),
                handle="bulk",
                title="bulk",
                description="",
                translations={},
                hs_code="090230",
                origin_country="TW",
                images=[],
                status="active",
            )
        )
        s.execute(
            insert(Variant),
            [
                {
                    "id": id_for("variant"),
                    "org_id": org.id,
                    "livemode": False,
                    "created": utcnow(),
                    "product_id": product_id,
                    "sku": f"B-{i}",
                    "title": "x",
                    "price": 10_000 + i,
                    "weight_grams": 100,
                    "position": i,
                }
                for i in range(variants)
            ],
        )
    t0, c0 = time.perf_counter(), time.process_time()
    with db.read_session() as s:
        store = stores.get_store(s, Caller.system(org.id, False))
        priced = sum(len(markets.price_list(s, store, m)) for m in markets.markets_of(s, org.id, False))
    return {"prices": priced, "wall_s": time.perf_counter() - t0, "cpu_s": time.process_time() - c0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pg-url", default=None)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--checkouts", type=int, default=1500)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--quick", action="store_true", help="short phases (a smoke run)")
    args = parser.parse_args()
    if args.quick:
        args.seconds, args.checkouts = 5.0, 300
    data_dir = tempfile.mkdtemp(prefix="commerce-bench-")
    url = args.pg_url or f"sqlite:///{data_dir}/bench.db"
    prepare(url, data_dir)
    world = seed(products=200, carts=args.checkouts)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, **_env(url, data_dir), "PYTHONPATH": str(ROOT / "src")}
    code = f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); import commerce; commerce.serve({port})"
    server = subprocess.Popen([sys.executable, "-c", code], env=env)  # noqa: S603  (our own interpreter and code)
    base = f"http://127.0.0.1:{port}"
    try:
        import httpx

        for _ in range(200):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        page = "/shop/bench-tea/p/tea-7?lang=ja&country=JP"
        for path in (page, "/bench/floor"):  # warm up
            for _ in range(50):
                httpx.get(base + path, timeout=60)
        results: dict[str, Any] = {
            "machine": {
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "database": "postgresql" if args.pg_url else "sqlite",
            }
        }
        results["product_page"] = open_loop(base, page, args.rate, args.seconds, server.pid)
        results["floor_page"] = open_loop(base, "/bench/floor", args.rate, args.seconds, server.pid)
        address = {"name": "Hanako", "line1": "1-2-3", "city": "Tokyo", "postal_code": "150-0002", "country": "JP"}
        # the expected total of each cart: one variant of price 300+i TWD → JPY, + EMS 2222, under ¥10,000: no duty
        from digiplus.commerce.service.pricing import PricingRule, Rate, market_price
        from digiplus.payments import rate_source

        rule = PricingRule("TWD", "JPY", Rate(rate_source().rate("TWD", "JPY").rate, "", None), 0, "nearest_10")
        jobs = []
        for i, cart in enumerate(world["carts"]):
            unit = market_price((300 + i % 200) * 100, rule).amount
            jobs.append(
                (
                    f"/v1/commerce/carts/{cart}/checkout",
                    {"email": "b@example.jp", "address": address, "expected_total": unit + 2222, "currency": "JPY"},
                )
            )
        results["checkout"] = closed_loop(base, world["key"], jobs, args.clients, server.pid)
        results["floor_write"] = closed_loop(
            base, world["key"], [("/bench/floor", {})] * len(jobs), args.clients, server.pid
        )
    finally:
        server.terminate()
        server.wait(10)
    results["repricing"] = repricing(10_000, 20)
    results["repricing_db"] = repricing_db(10_000, 20)
    pp, fp, co, fw, rp, rd = (
        results[k] for k in ("product_page", "floor_page", "checkout", "floor_write", "repricing", "repricing_db")
    )
    print(f"commerce benchmark ({results['machine']['database']}, {os.cpu_count()} cpus)")
    print(f"{'workload':34} {'rate/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'cpu ms/req':>10} {'fail':>5}")
    for name, r, rate_key in (
        (f"product page @{args.rate:g}/s", pp, "achieved_per_s"),
        (f"floor page @{args.rate:g}/s", fp, "achieved_per_s"),
        (f"checkout, {args.clients} clients", co, "per_s"),
        (f"floor write, {args.clients} clients", fw, "per_s"),
    ):
        print(
            f"{name:34} {r[rate_key]:9.1f} {r['p50_ms']:8.1f} {r['p99_ms']:8.1f} {r['server_cpu_ms_per_request']:10.2f} {r['failures']:5d}"
        )
    print(
        f"product page / floor: p99 ×{pp['p99_ms'] / fp['p99_ms']:.2f}, cpu ×{pp['server_cpu_ms_per_request'] / fp['server_cpu_ms_per_request']:.2f}"
    )
    print(
        f"checkout / floor write: rate ×{co['per_s'] / fw['per_s']:.2f}, cpu ×{co['server_cpu_ms_per_request'] / fw['server_cpu_ms_per_request']:.2f}"
    )
    print(
        f"re-pricing {rp['prices']} prices (10 000 × 20): bulk {rp['bulk_cpu_s']:.3f} s cpu, naive {rp['naive_cpu_s']:.3f} s "
        f"(×{rp['naive_over_bulk']:.2f}); through the database {rd['wall_s']:.3f} s wall, {rd['cpu_s']:.3f} s cpu"
    )
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(results, indent=2, default=str))
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
