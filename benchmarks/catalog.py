"""The data catalogue's figures: search latency, (re)index time and ingest throughput, each
beside a naive baseline measured in the same run.

    python benchmarks/catalog.py --quick        # 10,000 datasets, 200,000 CSV rows
    python benchmarks/catalog.py                # 100,000 datasets, 1,000,000 CSV rows
    python benchmarks/catalog.py --pg-url postgresql+psycopg://postgres@127.0.0.1:5432/catalog_bench

* datasets: a generator of bilingual agency and enterprise datasets (transport, tourism,
  retail, health, culture) inserted in bulk, then ``reindex_all`` timed (tokenise every
  dataset, write the search documents, facets and the FTS5 table / tsvector + GIN);
* search: the catalogue search service in-process — the in-memory engine the API uses and
  the SQL engine — beside a plain ``LIKE '%word%'`` scan over titles, descriptions and
  keywords with the same access rule, the same queries; the in-memory index's load time,
  size, and the cost of the first search after a write;
  then over HTTP against uvicorn in a subprocess, anonymous, at 50 requests/s paced
  (open loop, 8 client threads) and flat out (8 client threads back to back);
* ingest: a CSV (8 columns: text, integers, a decimal, a boolean, a date, a datetime)
  through the ingest job (encoding/delimiter detection, schema inference, validation,
  profile, Parquet through the lake), beside row-by-row INSERTs of the same rows.

Prints a table and the machine, writes var/bench/catalog.json. Client and server share
the machine's cores, so HTTP latencies include the load generator's own CPU use.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import _serve  # noqa: E402
from _serve import cpu_seconds, free_port  # noqa: E402
from sqlalchemy import Column, Integer, MetaData, String, Table, and_, func, insert, or_, select  # noqa: E402

from digiplus.core.db import Database, set_database  # noqa: E402
from digiplus.settings import get_settings  # noqa: E402

CITIES = [
    ("臺北市", "Taipei City"),
    ("新北市", "New Taipei City"),
    ("桃園市", "Taoyuan City"),
    ("臺中市", "Taichung City"),
    ("臺南市", "Tainan City"),
    ("高雄市", "Kaohsiung City"),
    ("基隆市", "Keelung City"),
    ("新竹市", "Hsinchu City"),
    ("嘉義市", "Chiayi City"),
    ("宜蘭縣", "Yilan County"),
    ("花蓮縣", "Hualien County"),
    ("臺東縣", "Taitung County"),
    ("屏東縣", "Pingtung County"),
    ("南投縣", "Nantou County"),
    ("彰化縣", "Changhua County"),
    ("雲林縣", "Yunlin County"),
    ("苗栗縣", "Miaoli County"),
    ("澎湖縣", "Penghu County"),
    ("金門縣", "Kinmen County"),
    ("連江縣", "Lienchiang County"),
]
SUBJECTS = {
    "TRAN": [
        ("公有停車場", "public parking lots", "剩餘車位", "available spaces"),
        ("公車", "bus", "動態資訊", "arrival times"),
        ("公共自行車", "bike-share", "站點", "stations"),
        ("捷運", "MRT", "進出站人次", "ridership"),
        ("交通事故", "traffic accidents", "統計", "statistics"),
        ("路邊停車", "on-street parking", "收費", "fees"),
    ],
    "ECON": [
        ("夜市攤商", "night-market stalls", "營業額", "turnover"),
        ("零售業", "retail", "銷售額", "sales"),
        ("商圈", "shopping districts", "人流", "foot traffic"),
        ("電子支付", "e-payments", "交易筆數", "transactions"),
    ],
    "HEAL": [
        ("醫院", "hospital", "病床數", "beds"),
        ("診所", "clinics", "門診人次", "outpatient visits"),
        ("藥局", "pharmacies", "位置", "locations"),
        ("疫苗", "vaccination", "接種人數", "doses"),
    ],
    "EDUC": [
        ("博物館", "museums", "入館人次", "visitors"),
        ("圖書館", "libraries", "借閱", "loans"),
        ("藝文活動", "arts events", "場次", "events"),
        ("古蹟", "historic sites", "清單", "register"),
    ],
    "REGI": [
        ("觀光景點", "tourist spots", "遊客人次", "visitors"),
        ("旅館", "hotels", "住房率", "occupancy"),
        ("民宿", "homestays", "登記", "registrations"),
        ("溫泉", "hot springs", "水質", "water quality"),
    ],
}
CADENCE = [
    ("即時", "real-time", "1MIN"),
    ("每日", "daily", "DAILY"),
    ("每月", "monthly", "MONTHLY"),
    ("年度", "annual", "ANNUAL"),
]
LICENCES = ["OGDL-Taiwan-1.0"] * 6 + ["CC-BY-4.0", "CC-BY-4.0", "CC0-1.0", "proprietary"]
QUERIES = [
    "停車場",
    "剩餘車位",
    "公車",
    "醫院病床",
    "博物館",
    "觀光",
    "臺中市 公車",
    "parking",
    "hospital",
    "museum",
    "bus arrival",
    "hotel occupancy",
]


def prepare(url: str, data_dir: str) -> Database:
    os.environ.update(
        DIGIPLUS_DATABASE_URL=url,
        DIGIPLUS_DATA_DIR=data_dir,
        DIGIPLUS_WORKER_ENABLED="false",
        DIGIPLUS_LOG_LEVEL="WARNING",
        DIGIPLUS_RATE_LIMIT="1000000/second",
        # The load comes from one address, far faster than a visitor (the limiter would answer 429).
        DIGIPLUS_ANONYMOUS_RATE_LIMIT="1000000/second",
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
    from digiplus.data.service.search import forget_search_tables

    upgrade(url)
    forget_search_tables()
    return db


COLUMNS = {
    "TRAN": [("站名", "station"), ("剩餘車位", "available"), ("更新時間", "updated_at")],
    "ECON": [("商圈", "district"), ("營業額", "turnover"), ("月份", "month")],
    "HEAL": [("院所名稱", "facility"), ("病床數", "beds"), ("地址", "address")],
    "EDUC": [("館名", "venue"), ("入館人次", "visitors"), ("日期", "date")],
    "REGI": [("景點", "spot"), ("遊客人次", "visitors"), ("月份", "month")],
}


def _distributions(rng: random.Random, dataset: dict[str, Any], theme: str) -> list[dict[str, Any]]:
    """One to three distributions, as a catalogue has: a file with a Table Schema (its column
    names are indexed), often an API, sometimes a second file format."""
    from digiplus.core.ids import id_for

    fields = [{"name": en, "title": zh, "type": "string"} for zh, en in COLUMNS[theme]]
    formats = ["CSV"] + (["JSON"] if rng.random() < 0.5 else []) + (["XLSX"] if rng.random() < 0.2 else [])
    return [
        {
            "id": id_for("distribution"),
            "org_id": dataset["org_id"],
            "livemode": True,
            "created": dataset["modified"],
            "modified": dataset["modified"],
            "dataset_id": dataset["id"],
            "kind": "api" if fmt == "JSON" else "file",
            "format": fmt,
            "title": f"{dataset['title_zh']} ({fmt})",
            "table_schema": {"fields": fields} if fmt == "CSV" else None,
        }
        for fmt in formats
    ]


def generate(db: Database, n: int, seed: int = 7) -> list[str]:
    """``n`` bilingual datasets from 200 publishers, each with one to three distributions,
    inserted in bulk; returns the org ids."""
    from digiplus.core.ids import id_for
    from digiplus.data.models import Dataset, Distribution
    from digiplus.identity.models import Organization

    rng = random.Random(seed)
    orgs = []
    for i in range(200):
        city_zh, city_en = CITIES[i % len(CITIES)]
        kind = "agency" if i % 3 else "enterprise"
        name = f"{city_zh}政府資料處 {i}" if kind == "agency" else f"{city_en} Data Co. {i}"
        orgs.append(
            {
                "id": id_for("organization"),
                "name": name,
                "kind": kind,
                "country": "TW",
                "default_currency": "TWD",
                "created": datetime.now(UTC),
            }
        )
    with db.session() as session:
        session.execute(insert(Organization), orgs)
    start = datetime(2020, 1, 1, tzinfo=UTC)
    rows: list[dict[str, Any]] = []
    dists: list[dict[str, Any]] = []
    for _ in range(n):
        theme = rng.choice(list(SUBJECTS))
        subj_zh, subj_en, what_zh, what_en = rng.choice(SUBJECTS[theme])
        city_zh, city_en = rng.choice(CITIES)
        cad_zh, cad_en, freq = rng.choice(CADENCE)
        year = rng.randint(2015, 2026)
        title_zh = f"{city_zh}{subj_zh}{cad_zh}{what_zh}" + ("" if rng.random() < 0.6 else f"（{year}年）")
        title_en = f"{city_en} {subj_en}: {cad_en} {what_en}" + ("" if rng.random() < 0.6 else f" ({year})")
        access = rng.choices(["public", "alliance", "restricted"], weights=[90, 5, 5])[0]
        modified = start + timedelta(minutes=rng.randint(0, 3_000_000))
        rows.append(
            {
                "id": id_for("dataset"),
                "org_id": rng.choice(orgs)["id"],
                "livemode": True,
                "created": modified,
                "issued": modified,
                "modified": modified,
                "title_zh": title_zh,
                "title_en": title_en,
                "description_zh": f"{city_zh}提供之{subj_zh}{what_zh}資料，{cad_zh}更新，欄位包含日期、地點與數量。",
                "description_en": f"{what_en.capitalize()} of {subj_en} in {city_en}, updated {cad_en}; columns give the date, place and count.",
                "keywords_zh": [subj_zh, what_zh, city_zh],
                "keywords_en": [subj_en, what_en],
                "themes": [theme] + (["REGI"] if theme != "REGI" and rng.random() < 0.3 else []),
                "contact_name": "資料窗口",
                "contact_email": "opendata@example.tw",
                "licence": rng.choice(LICENCES),
                "access_rights": access,
                "access_alliance_id": "all_BENCH" if access == "alliance" else None,
                "accrual_periodicity": freq,
                "spatial_label": city_zh,
                "spatial_uri": "",
                "landing_page": "",
                "version": "1",
                "temporal_start": date(year, 1, 1),
                "temporal_end": date(year, 12, 31),
            }
        )
        dists += _distributions(rng, rows[-1], theme)
        if len(rows) == 5000:
            with db.session() as session:
                session.execute(insert(Dataset), rows)
                session.execute(insert(Distribution), dists)
            rows, dists = [], []
    if rows:
        with db.session() as session:
            session.execute(insert(Dataset), rows)
            session.execute(insert(Distribution), dists)
    return [o["id"] for o in orgs]


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def like_search(db: Database, q: str, limit: int = 20) -> int:
    """The baseline: every word as LIKE '%word%' over titles, descriptions and keywords, with
    the same access rule (anonymous: live and public), a count and one page by modified."""
    from digiplus.data.models import Dataset
    from digiplus.data.service.access import visible_datasets

    text_cols = [Dataset.title_zh, Dataset.title_en, Dataset.description_zh, Dataset.description_en]
    with db.read_session() as session:
        words = q.split()
        where = [visible_datasets(session, None)]
        for w in words:
            pattern = f"%{w}%"
            where.append(or_(*[c.like(pattern) for c in text_cols], func.lower(Dataset.title_en).like(pattern.lower())))
        total = session.scalar(select(func.count()).select_from(Dataset).where(and_(*where))) or 0
        list(session.scalars(select(Dataset.id).where(and_(*where)).order_by(Dataset.modified.desc()).limit(limit)))
        return int(total)


def service_search(db: Database, q: str) -> int:
    """The search service as the API runs it: the in-memory engine (the default)."""
    from digiplus.data.service.search import SearchQuery, search_memory

    with db.read_session() as session:
        return search_memory(session, None, SearchQuery(q=q, limit=20)).total


def sql_search(db: Database, q: str) -> int:
    """The same search by the SQL engine (one statement over the FTS5 / GIN index)."""
    from digiplus.data.service.search import SearchQuery, search_sql

    with db.read_session() as session:
        return search_sql(session, None, SearchQuery(q=q, limit=20)).total


def memory_index_figures(db: Database, org_id: str) -> dict[str, Any]:
    """The in-memory index: CPU to load it in a fresh process state, its posting lists' size,
    and the CPU of the first search after one write (the catch-up every process pays)."""
    from digiplus.core.context import Caller
    from digiplus.data.schemas import DatasetCreate
    from digiplus.data.service import datasets
    from digiplus.data.service.search_memory import current_snapshot, forget_loaded_indexes

    forget_loaded_indexes()
    cpu = time.process_time()
    with db.read_session() as session:
        snap = current_snapshot(session)
    load_cpu = time.process_time() - cpu
    postings = sum(seg.docs.nbytes + seg.freq.nbytes for seg in snap.segments)
    with db.session() as session:
        datasets.create_dataset(
            session,
            Caller.system(org_id, True),
            DatasetCreate(title_zh="新店停車場（基準）", title_en="Xindian parking"),
        )
    cpu = time.process_time()
    service_search(db, QUERIES[0])
    catch_up_ms = (time.process_time() - cpu) * 1000
    return {
        "load_cpu_s": round(load_cpu, 2),
        "postings_mb": round(postings / 1e6, 1),
        "first_search_after_a_write_cpu_ms": round(catch_up_ms, 1),
    }


def pg_backends_cpu(db: Database) -> dict[int, float]:
    """CPU seconds so far of every PostgreSQL backend serving the benchmark's database (the
    server runs on this machine): the database's share of the work, which the client's own
    CPU time does not show. Empty on SQLite, which runs inside the process."""
    if db.engine.dialect.name != "postgresql":
        return {}
    with db.engine.connect() as conn:
        pids = list(
            conn.exec_driver_sql("SELECT pid FROM pg_stat_activity WHERE datname = current_database()").scalars()
        )
    out = {}
    for pid in pids:
        try:
            out[pid] = cpu_seconds(pid)
        except OSError:
            continue
    return out


def pg_cpu_since(db: Database, before: dict[int, float]) -> float:
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in pg_backends_cpu(db).items())


def time_calls(fn: Any, db: Database, rounds: int) -> tuple[list[float], float]:
    """Latencies (ms) of every call, and the CPU time per call (ms: this process and, on
    PostgreSQL, the database's backends)."""
    out = []
    cpu, pg = time.process_time(), pg_backends_cpu(db)
    for _ in range(rounds):
        for q in QUERIES:
            t = time.perf_counter()
            fn(db, q)
            out.append((time.perf_counter() - t) * 1000)
    used = time.process_time() - cpu + pg_cpu_since(db, pg)
    return out, used * 1000 / len(out)


def first_views(port: int) -> dict[str, float]:
    """The catalogue home right after the server started (templates, translations and the
    empty query's counts all cold), then warm; and a search page."""
    import httpx

    out = {}
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
        for label, url in (
            ("data_cold_ms", "/data"),
            ("data_second_ms", "/data"),
            ("data_search_cold_ms", "/data?q=停車場"),
        ):
            t = time.perf_counter()
            r = client.get(url)
            out[label] = round((time.perf_counter() - t) * 1000, 1)
            if r.status_code != 200:
                raise RuntimeError(f"GET {url} answered {r.status_code}")
        warm = []
        for _ in range(20):
            t = time.perf_counter()
            client.get("/data")
            warm.append((time.perf_counter() - t) * 1000)
        out["data_warm_p50_ms"] = round(pct(warm, 50), 1)
    return out


def start_server(url: str, data_dir: str, port: int) -> subprocess.Popen[bytes]:
    env = {
        "DIGIPLUS_DATABASE_URL": url,
        "DIGIPLUS_DATA_DIR": data_dir,
        "DIGIPLUS_WORKER_ENABLED": "false",
        "DIGIPLUS_LOG_LEVEL": "WARNING",
    }
    return _serve.start_server(port, env)


def http_load(port: int, seconds: float, rate: float | None, clients: int = 8) -> dict[str, Any]:
    """Open loop at ``rate`` requests/s (each request has its slot; latency counts from the
    slot, so a queue shows), or flat out with ``rate`` None."""
    import httpx

    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    start = time.perf_counter() + 0.2
    slots = iter(range(10**9))

    def worker(k: int) -> None:
        rng = random.Random(k)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            while True:
                with lock:
                    slot = next(slots)
                due = start + slot / rate if rate else time.perf_counter()
                if due - start > seconds:
                    return
                delay = due - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                q = rng.choice(QUERIES)
                params: dict[str, Any] = {"q": q}
                if rng.random() < 0.25:
                    params["theme"] = rng.choice(list(SUBJECTS))
                r = client.get("/v1/catalog/search", params=params)
                took = (time.perf_counter() - due) * 1000
                with lock:
                    latencies.append(took)
                    if r.status_code != 200:
                        errors[0] += 1

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    return {
        "requests": len(latencies),
        "errors": errors[0],
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(pct(latencies, 50), 2),
        "p95_ms": round(pct(latencies, 95), 2),
        "p99_ms": round(pct(latencies, 99), 2),
    }


def write_csv(path: Path, rows: int) -> None:
    rng = random.Random(3)
    stations = [f"{c}{s}" for c, _ in CITIES for s in ("車站", "停車場", "轉運站", "公園", "市場")]
    base = datetime(2026, 1, 1, tzinfo=UTC)
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("站名,序號,剩餘車位,總車位,費率,營業中,日期,更新時間\n")
        chunk = []
        for i in range(rows):
            ts = base + timedelta(seconds=i * 7)
            chunk.append(
                f"{rng.choice(stations)},{i},{rng.randint(0, 500)},{rng.randint(500, 1500)},{rng.randint(10, 80)}.{rng.randint(0, 9)},"
                f"{'true' if rng.random() < 0.9 else 'false'},{ts.date().isoformat()},{ts.strftime('%Y-%m-%dT%H:%M:%S')}+08:00\n"
            )
            if len(chunk) == 50_000:
                out.write("".join(chunk))
                chunk = []
        out.write("".join(chunk))


def bench_ingest(db: Database, csv_path: Path, rows: int, org_id: str, baseline_rows: int) -> dict[str, Any]:
    from digiplus.core.context import Caller
    from digiplus.data.schemas import DatasetCreate
    from digiplus.data.service import datasets, ingest

    caller = Caller.system(org_id, True)
    with db.session() as session:
        ds = datasets.create_dataset(
            session, caller, DatasetCreate(title_zh="停車場即時資料（基準）", title_en="Parking bench")
        )
    t = time.perf_counter()
    with db.session() as session, csv_path.open("rb") as stream:
        job = ingest.stage_upload(session, caller, ds.id, stream, csv_path.name)
    staged = time.perf_counter() - t
    t, cpu = time.perf_counter(), time.process_time()
    done = ingest.run_ingest_job(db, job.id)
    took, took_cpu = time.perf_counter() - t, time.process_time() - cpu
    if done.status != "succeeded":
        raise RuntimeError(f"ingest failed: {done.failure} {done.errors[:3]}")
    # Baseline: the same rows, one INSERT per row, in one transaction (values parsed as the job would).
    meta = MetaData()
    table = Table(
        "bench_rows",
        meta,
        Column("id", Integer, primary_key=True, autoincrement=True),
        *[Column(f"c{i}", String(200)) for i in range(8)],
    )
    meta.drop_all(db.engine)
    meta.create_all(db.engine)
    t = time.perf_counter()
    with db.session() as session, csv_path.open(encoding="utf-8") as src:
        next(src)
        for k, line in enumerate(src):
            if k >= baseline_rows:
                break
            cells = line.rstrip("\n").split(",")
            session.execute(insert(table).values({f"c{i}": v for i, v in enumerate(cells)}))
    naive = time.perf_counter() - t
    meta.drop_all(db.engine)
    return {
        "rows": rows,
        "bytes": done.bytes_total,
        "stage_s": round(staged, 2),
        "ingest_s": round(took, 2),
        "ingest_rows_per_s": round(rows / took),
        "ingest_cpu_s": round(took_cpu, 2),
        "ingest_rows_per_cpu_s": round(rows / took_cpu),
        "end_to_end_rows_per_s": round(rows / (took + staged)),
        "row_by_row_rows": baseline_rows,
        "row_by_row_rows_per_s": round(baseline_rows / naive),
    }


def bench_backend(name: str, url: str, args: argparse.Namespace, out: dict[str, Any], csv_path: Path | None) -> None:
    from digiplus.data.service.search import reindex_all

    with tempfile.TemporaryDirectory() as data_dir:
        db = prepare(url, data_dir)
        n = 10_000 if args.quick else args.datasets
        t = time.perf_counter()
        orgs = generate(db, n)
        generated = time.perf_counter() - t
        t, cpu, pg = time.perf_counter(), time.process_time(), pg_backends_cpu(db)
        with db.session() as session:
            indexed = reindex_all(session)
        reindex_s = time.perf_counter() - t
        reindex_cpu = time.process_time() - cpu + pg_cpu_since(db, pg)
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")
        print(
            f"[{name}] {n:,} datasets generated in {generated:.1f} s, reindexed {indexed:,} in {reindex_s:.1f} s "
            f"({reindex_cpu:.1f} s CPU)"
        )
        rounds = 3
        memory = memory_index_figures(db, orgs[0])
        print(f"[{name}] in-memory index: {memory}")
        fts, fts_cpu = time_calls(service_search, db, rounds)
        sql, sql_cpu = time_calls(sql_search, db, rounds)
        like, like_cpu = time_calls(like_search, db, rounds)
        totals = {q: (service_search(db, q), sql_search(db, q), like_search(db, q)) for q in QUERIES}
        print(
            f"[{name}] in-process search p50 {pct(fts, 50):.1f} ms p95 {pct(fts, 95):.1f} ms ({fts_cpu:.1f} ms CPU); "
            f"SQL engine p50 {pct(sql, 50):.1f} ms ({sql_cpu:.1f} ms CPU); "
            f"LIKE p50 {pct(like, 50):.1f} ms p95 {pct(like, 95):.1f} ms ({like_cpu:.1f} ms CPU)"
        )
        port = free_port()
        proc = start_server(url, data_dir, port)
        try:
            views = first_views(port)
            print(f"[{name}] catalogue pages: {views}")
            http_load(port, 2, None, clients=2)  # warm up
            cpu, pg = cpu_seconds(proc.pid), pg_backends_cpu(db)
            paced = http_load(port, args.seconds, 50.0)
            used = cpu_seconds(proc.pid) - cpu + pg_cpu_since(db, pg)
            paced["server_cpu_ms_per_request"] = round(used * 1000 / paced["requests"], 2)
            print(f"[{name}] HTTP at 50 req/s: {paced}")
            cpu, pg = cpu_seconds(proc.pid), pg_backends_cpu(db)
            flat = http_load(port, args.seconds / 2, None)
            used = cpu_seconds(proc.pid) - cpu + pg_cpu_since(db, pg)
            flat["server_cpu_ms_per_request"] = round(used * 1000 / flat["requests"], 2)
            print(f"[{name}] HTTP flat out: {flat}")
        finally:
            proc.terminate()
            proc.wait(timeout=10)
        ingest = None
        if csv_path is not None:
            rows = 200_000 if args.quick else args.rows
            ingest = bench_ingest(db, csv_path, rows, orgs[0], baseline_rows=min(rows, 50_000))
            print(f"[{name}] ingest: {ingest}")
        out["results"].append(
            {
                "database": name,
                "datasets": n,
                "reindex_s": round(reindex_s, 2),
                "reindex_cpu_s": round(reindex_cpu, 2),
                "reindex_datasets_per_s": round(n / reindex_s),
                "search_inprocess_p50_ms": round(pct(fts, 50), 2),
                "search_inprocess_p95_ms": round(pct(fts, 95), 2),
                "search_inprocess_cpu_ms": round(fts_cpu, 2),
                "sql_engine_p50_ms": round(pct(sql, 50), 2),
                "sql_engine_cpu_ms": round(sql_cpu, 2),
                "memory_index": memory,
                "like_p50_ms": round(pct(like, 50), 2),
                "like_p95_ms": round(pct(like, 95), 2),
                "like_cpu_ms": round(like_cpu, 2),
                "pages": views,
                "totals_memory_sql_like": totals,
                "http_50rps": paced,
                "http_flat_out": flat,
                "ingest": ingest,
            }
        )
        db.dispose()


def print_summary(results: list[dict[str, Any]]) -> None:
    """One table: each figure, its target, the baseline of the same run and the ratio."""
    print(f"\n{'figure':44} {'database':10} {'measured':>12} {'target':>10} {'baseline':>12} {'ratio':>7}")

    def line(figure: str, db: str, value: float, target: str, baseline: float | None, better_low: bool) -> None:
        ratio = "" if not baseline or not value else f"{(baseline / value if better_low else value / baseline):.1f}x"
        base = "" if baseline is None else f"{baseline:,.1f}"
        print(f"{figure:44} {db:10} {value:>12,.1f} {target:>10} {base:>12} {ratio:>7}")

    for r in results:
        d, h, f, p = r["database"], r["http_50rps"], r["http_flat_out"], r["pages"]
        n = f"{r['datasets']:,}"
        line(f"search p50 ms, in-process ({n})", d, r["search_inprocess_p50_ms"], "", r["like_p50_ms"], True)
        line(f"search p95 ms, in-process ({n})", d, r["search_inprocess_p95_ms"], "", r["like_p95_ms"], True)
        line("search CPU ms per query (vs LIKE)", d, r["search_inprocess_cpu_ms"], "", r["like_cpu_ms"], True)
        line(
            "search CPU ms per query (vs SQL engine)", d, r["search_inprocess_cpu_ms"], "", r["sql_engine_cpu_ms"], True
        )
        m = r["memory_index"]
        line("in-memory index load CPU s (per process)", d, m["load_cpu_s"], "", None, True)
        line("in-memory posting lists MB", d, m["postings_mb"], "", None, True)
        line("first search after a write, CPU ms", d, m["first_search_after_a_write_cpu_ms"], "", None, True)
        line("HTTP p50 ms at 50 req/s", d, h["p50_ms"], "", None, True)
        line("HTTP p95 ms at 50 req/s", d, h["p95_ms"], "<= 50", None, True)
        line("HTTP server CPU ms per request at 50 req/s", d, h["server_cpu_ms_per_request"], "", None, True)
        line("HTTP flat out req/s", d, f["rps"], ">= 50", None, False)
        line(f"reindex s ({n})", d, r["reindex_s"], "<= 60", None, True)
        line("reindex CPU s", d, r["reindex_cpu_s"], "", None, True)
        line("/data first view ms (cold server)", d, p["data_cold_ms"], "", None, True)
        line("/data warm p50 ms", d, p["data_warm_p50_ms"], "", None, True)
        i = r["ingest"]
        if i:
            line(
                f"ingest rows/s ({i['rows']:,} CSV rows)",
                d,
                i["ingest_rows_per_s"],
                ">= 200000",
                i["row_by_row_rows_per_s"],
                False,
            )
            line("ingest rows per CPU second", d, i["ingest_rows_per_cpu_s"], "", None, False)


def pg_reachable(url: str) -> bool:
    from sqlalchemy import create_engine

    try:
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
    parser.add_argument("--quick", action="store_true", help="10,000 datasets, 200,000 CSV rows")
    parser.add_argument("--datasets", type=int, default=100_000)
    parser.add_argument("--rows", type=int, default=1_000_000, help="CSV rows to ingest")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of the paced HTTP run")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("DIGIPLUS_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/catalog_bench"),
    )
    parser.add_argument("--no-pg", action="store_true")
    args = parser.parse_args()
    machine = {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "processor": platform.processor() or platform.machine(),
    }
    print(f"machine: {machine['cpus']} CPUs, {machine['platform']}, Python {machine['python']}")
    out: dict[str, Any] = {"machine": machine, "quick": args.quick, "results": []}
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "parking.csv"
        write_csv(csv_path, 200_000 if args.quick else args.rows)
        bench_backend("sqlite", f"sqlite:///{tmp}/bench.db", args, out, csv_path)
        if not args.no_pg and pg_reachable(args.pg_url):
            bench_backend("postgresql", args.pg_url, args, out, csv_path)
    print_summary(out["results"])
    target = ROOT / "var" / "bench" / "catalog.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(out, indent=2, ensure_ascii=False))
    print(f"\nwrote {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
