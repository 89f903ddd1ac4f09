"""Harvest throughput: datasets/s from a generated 5,000-dataset CKAN portal served locally.

Three workloads in one run, each harvesting the same portal (``package_search`` pages of
1,000 served by http.server on 127.0.0.1) into its own org of a fresh database:

* ``bulk``: the real path — fetch and parse every page, then one transaction for the whole
  source (bulk inserts, one search-index write);
* ``re-harvest``: the same source again, everything unchanged (hash comparison only);
* ``naive``: the baseline — the same fetched records written one transaction per dataset
  (look up its link, insert dataset, distributions, link and search document, commit).

CKAN's own harvester does about 1 dataset/s (the figure in issue 7). Prints a table and
writes ``var/bench/harvest.json``. ``BENCH_DATASETS`` changes the size; ``BENCH_DATABASE_URL``
runs on PostgreSQL instead of a fresh SQLite file.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

DATASETS = int(os.environ.get("BENCH_DATASETS", "5000"))
ROWS = 1000
OUT = Path("var/bench/harvest.json")
THEMES = [("transport", "交通", "停車場"), ("tourism", "觀光", "旅館"), ("health", "醫療", "診所"),
          ("economy", "經濟", "零售"), ("culture", "文化", "展演")]  # fmt: skip
CITIES = ["臺北市", "新北市", "桃園市", "臺中市", "臺南市", "高雄市"]


def generate(n: int) -> list[dict[str, Any]]:
    packages = []
    for i in range(n):
        group, zh_group, noun = THEMES[i % len(THEMES)]
        city = CITIES[i % len(CITIES)]
        pid = f"00000000-0000-4000-8000-{i:012d}"
        packages.append(
            {
                "id": pid,
                "name": f"dataset-{i}",
                "title": f"{city}{noun}資料 {i}",
                "title_translated": {"zh_TW": f"{city}{noun}資料 {i}", "en": f"{group.title()} data of {city} #{i}"},
                "notes": f"{city}的{noun}統計與清單，第 {i} 號資料集，每月更新。",
                "license_id": ["cc-by", "cc-zero", "odc-by", "other-closed"][i % 4],
                "metadata_created": "2023-01-01T00:00:00.000000",
                "metadata_modified": f"2024-{1 + i % 12:02d}-01T00:00:00.000000",
                "organization": {"name": f"agency-{i % 40}", "title": f"{city}政府{zh_group}局"},
                "maintainer": "資料管理員",
                "maintainer_email": f"data{i % 40}@example.gov.tw",
                "state": "active",
                "private": False,
                "url": "",
                "version": "1.0",
                "tags": [{"name": noun}, {"name": zh_group}, {"name": group}],
                "groups": [{"name": group, "title": group.title()}],
                "extras": [{"key": "frequency", "value": "monthly"}, {"key": "spatial_text", "value": city}],
                "resources": [
                    {
                        "id": f"{pid}-csv",
                        "name": "CSV",
                        "format": "CSV",
                        "mimetype": "text/csv",
                        "size": 1000 + i,
                        "url": f"https://files.example.gov.tw/{i}.csv",
                        "url_type": "upload",
                    },
                    {
                        "id": f"{pid}-api",
                        "name": "API",
                        "format": "JSON",
                        "mimetype": "application/json",
                        "url": f"https://api.example.gov.tw/v1/datasets/{i}",
                    },
                ],
            }
        )
    return packages


def serve(packages: list[dict[str, Any]]) -> ThreadingHTTPServer:
    pages: dict[tuple[int, int], bytes] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            query = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
            start, rows = int(query.get("start", "0")), int(query.get("rows", "10"))
            if (start, rows) not in pages:
                result = {"count": len(packages), "results": packages[start : start + rows]}
                pages[(start, rows)] = json.dumps({"success": True, "result": result}, ensure_ascii=False).encode()
            body = pages[(start, rows)]
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main() -> None:
    data_dir = tempfile.mkdtemp(prefix="bench-harvest-")
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{data_dir}/bench.db"
    os.environ.update(
        DIGIPLUS_DATA_DIR=data_dir,
        DIGIPLUS_DATABASE_URL=url,
        DIGIPLUS_WORKER_ENABLED="false",
        DIGIPLUS_LOG_LEVEL="WARNING",
        DIGIPLUS_HARVEST_ALLOW_PRIVATE_NETWORKS="true",
    )
    from sqlalchemy import select

    from digiplus.core.context import Caller
    from digiplus.core.db import get_database, utcnow
    from digiplus.core.ids import id_for
    from digiplus.core.migrate import upgrade
    from digiplus.data.dcat.harvest import HttpFetcher, harvest
    from digiplus.data.models import Dataset
    from digiplus.data.models_harvest import HarvestedRecord
    from digiplus.data.service import harvest_sources
    from digiplus.data.service.harvest import _distribution_rows, _doc, _link, dataset_values, record_hash, store_run
    from digiplus.data.service.search import write_docs
    from digiplus.identity import service as identity
    from digiplus.identity.schemas import OrganizationCreate

    if url.startswith("postgresql"):
        from sqlalchemy import create_engine

        with create_engine(url).begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    upgrade()
    db = get_database()
    server = serve(generate(DATASETS))
    portal = f"http://127.0.0.1:{server.server_address[1]}/api/3/action/package_search"
    fetcher = HttpFetcher(timeout=60)
    with db.session() as session:
        bulk_org = identity.create_organization(session, OrganizationCreate(name="Bulk harvester", kind="agency")).id  # type: ignore[arg-type]
        naive_org = identity.create_organization(session, OrganizationCreate(name="Naive harvester", kind="agency")).id  # type: ignore[arg-type]
    results: dict[str, dict[str, Any]] = {}

    def bulk(label: str) -> None:
        caller = Caller.system(bulk_org, False)
        with db.session() as session:
            source_id = harvest_sources.get_or_create_source(session, caller, portal, "ckan").id
        started = time.perf_counter()
        t0 = utcnow()
        parsed = harvest(portal, "ckan", fetcher, rows=ROWS)
        fetched = time.perf_counter()
        with db.session() as session:
            run = store_run(session, caller, source_id, parsed, t0)
            counts = (run.created_count, run.updated_count, run.unchanged_count, run.failed_count)
        done = time.perf_counter()
        results[label] = {"seconds": done - started, "fetch_parse_seconds": fetched - started,
                          "write_seconds": done - fetched, "created_updated_unchanged_failed": counts,
                          "datasets_per_second": len(parsed.datasets) / (done - started)}  # fmt: skip

    def naive() -> None:
        caller = Caller.system(naive_org, False)
        with db.session() as session:
            source = harvest_sources.get_or_create_source(session, caller, portal, "ckan")
            source_id, access = source.id, source.access_rights
        started = time.perf_counter()
        parsed = harvest(portal, "ckan", fetcher, rows=ROWS)
        fetched = time.perf_counter()
        for record in parsed.datasets:  # one transaction per dataset
            with db.session() as session:
                source = harvest_sources.get_source(session, caller, source_id)
                link = session.scalars(
                    select(HarvestedRecord).where(
                        HarvestedRecord.source_id == source_id, HarvestedRecord.original_id == record.identifier
                    )
                ).one_or_none()
                if link is not None:
                    continue
                dataset = Dataset(id=id_for("dataset"), org_id=caller.org_id, livemode=False,
                                  source_uri=f"{portal}#{record.identifier}", **dataset_values(record, access, None))  # fmt: skip
                dists = _distribution_rows(caller, dataset.id, record.distributions)
                session.add(dataset)
                session.flush()
                session.add_all([*dists, _link(caller, source, "dataset", record.identifier, record_hash(record, access),
                                               dataset_id=dataset.id, record=record)])  # fmt: skip
                session.flush()
                write_docs(session, [_doc(dataset, record, dists)])
        done = time.perf_counter()
        results["naive (1 transaction per dataset)"] = {"seconds": done - started, "fetch_parse_seconds": fetched - started,
                                                        "write_seconds": done - fetched,
                                                        "datasets_per_second": len(parsed.datasets) / (done - started)}  # fmt: skip

    bulk("bulk (1 transaction per source run)")
    bulk("re-harvest, all unchanged")
    naive()
    server.shutdown()
    ckan = {"datasets_per_second": 1.0, "note": "CKAN's harvester, as quoted in issue 7 (data.gov)"}
    print(f"\nHarvest of a generated {DATASETS}-dataset CKAN portal (pages of {ROWS}), {db.engine.dialect.name}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}\n")  # fmt: skip
    print(f"{'workload':40} {'total s':>9} {'fetch+parse s':>14} {'write s':>9} {'datasets/s':>11}")
    for label, r in results.items():
        print(
            f"{label:40} {r['seconds']:9.2f} {r['fetch_parse_seconds']:14.2f} {r['write_seconds']:9.2f} {r['datasets_per_second']:11.0f}"
        )
    print(f"{'CKAN harvester (issue 7)':40} {'':>9} {'':>14} {'':>9} {1:11.0f}")
    bulk_rate = results["bulk (1 transaction per source run)"]["datasets_per_second"]
    naive_rate = results["naive (1 transaction per dataset)"]["datasets_per_second"]
    print(f"\nbulk / naive: {bulk_rate / naive_rate:.1f}x; bulk / CKAN: {bulk_rate:.0f}x")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"datasets": DATASETS, "database": db.engine.dialect.name, "cores": os.cpu_count(),
                               "python": sys.version.split()[0], "results": results, "ckan_reference": ckan}, indent=2))  # fmt: skip
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
