"""Ingest through the API: formats, encodings, the typed error report, schema correction,
and that a failed ingest publishes nothing."""

from __future__ import annotations

import io
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from data_helpers import ApiClient, make_dataset, patch, upload

CSV = "站名,區域,總車位,剩餘車位,收費,更新時間,啟用日\n府前廣場,信義區,1200,35,true,2026-11-30T08:00:00+08:00,2001-05-01\n市民廣場,信義區,420,0,false,2026-11-30 08:00:00,2005/1/9\n"


def test_utf8_csv_becomes_typed_parquet_with_preview_and_profile(api: ApiClient) -> None:
    ds = make_dataset(api)
    job = upload(api, ds["id"], CSV.replace("2005/1/9", "2005-01-09").encode())
    assert job["status"] == "succeeded", job
    assert job["encoding"] == "utf-8" and job["delimiter"] == ","
    assert job["rows_read"] == 2 and job["progress"] == 1.0
    assert [(f["name"], f["type"]) for f in job["table_schema"]["fields"]] == [
        ("站名", "string"),
        ("區域", "string"),
        ("總車位", "integer"),
        ("剩餘車位", "integer"),
        ("收費", "boolean"),
        ("更新時間", "datetime"),
        ("啟用日", "date"),
    ]
    preview = api.get(f"/v1/datasets/{ds['id']}/preview?limit=5").json()
    assert preview["columns"][:3] == ["站名", "區域", "總車位"]
    assert preview["rows"] == [
        ["府前廣場", "信義區", 1200, 35, True, "2026-11-30T00:00:00+00:00", "2001-05-01"],
        ["市民廣場", "信義區", 420, 0, False, "2026-11-30T08:00:00+00:00", "2005-01-09"],
    ]
    assert preview["row_count"] == 2
    prof = api.get(f"/v1/datasets/{ds['id']}/profile").json()
    total = next(c for c in prof["columns"] if c["name"] == "總車位")
    assert total == {
        "name": "總車位",
        "type": "integer",
        "count": 2,
        "nulls": 0,
        "distinct": 2,
        "distinct_exact": True,
        "min": 420,
        "max": 1200,
        "mean": 810.0,
        "top_values": [{"value": 1200, "count": 1}, {"value": 420, "count": 1}],
    }
    dists = api.get(f"/v1/datasets/{ds['id']}/distributions").json()["data"]
    assert [(d["kind"], d["format"], d["original_format"], d["row_count"]) for d in dists] == [
        ("file", "PARQUET", "CSV", 2)
    ]
    assert api.get(f"/v1/datasets/{ds['id']}").json()["version"] == "1"


def test_big5_and_bom_and_semicolons_are_detected(api: ApiClient) -> None:
    ds = make_dataset(api)
    text = "名稱;數量\n臺北車站;12\n高雄車站;7\n"
    big5 = upload(api, ds["id"], text.encode("cp950"))
    assert (big5["status"], big5["encoding"], big5["delimiter"]) == ("succeeded", "cp950", ";")
    bom = upload(api, ds["id"], "\ufeff".encode() + text.replace(";", ",").encode())
    assert (bom["status"], bom["encoding"], bom["delimiter"]) == ("succeeded", "utf-8-sig", ",")
    rows = api.get(f"/v1/datasets/{ds['id']}/preview").json()
    assert rows["columns"] == ["名稱", "數量"] and rows["rows"] == [["臺北車站", 12], ["高雄車站", 7]]
    revisions = api.get(f"/v1/datasets/{ds['id']}/revisions").json()["data"]
    assert [r["version"] for r in revisions] == ["2", "1"]


def test_xlsx_and_parquet(api: ApiClient, tmp_path: Any) -> None:
    ds = make_dataset(api)
    table = pa.table({"city": ["臺北市", "臺中市"], "visitors": [1_200_000, 830_000], "ratio": [0.5, 0.25]})
    buf = io.BytesIO()
    pq.write_table(table, buf)
    job = upload(api, ds["id"], buf.getvalue(), "tourism.parquet")
    assert job["status"] == "succeeded" and job["format"] == "PARQUET"
    assert [f["type"] for f in job["table_schema"]["fields"]] == ["string", "integer", "number"]

    from openpyxl import Workbook

    wb = Workbook()
    sheet = wb.active
    sheet.append(["館名", "入館人次", "開館日"])
    sheet.append(["國立故宮博物院", 3_800_000, "1965-11-12"])
    sheet.append(["國立臺灣博物館", 520_000, "1908-10-24"])
    path = tmp_path / "museums.xlsx"
    wb.save(path)
    job = upload(api, ds["id"], path.read_bytes(), "museums.xlsx")
    assert job["status"] == "succeeded", job
    assert job["format"] == "XLSX"
    assert [(f["name"], f["type"]) for f in job["table_schema"]["fields"]] == [
        ("館名", "string"),
        ("入館人次", "integer"),
        ("開館日", "date"),
    ]
    assert api.get(f"/v1/datasets/{ds['id']}/preview").json()["rows"][0] == ["國立故宮博物院", 3800000, "1965-11-12"]


def test_ragged_rows_huge_cells_and_wrong_types_give_an_exact_report(api: ApiClient) -> None:
    ds = make_dataset(api)
    huge = "x" * 70_000
    tail = "".join(f"{i},n{i},{i}\n" for i in range(6, 40))
    content = f"id,name,count\n1,a,3\n2,b,4,extra\n3,c\n4,{huge},5\n5,e,many\n{tail}".encode()
    job = upload(api, ds["id"], content)
    assert job["status"] == "failed"
    assert job["error_count"] == 4
    assert [(e["code"], e["row"], e["field"]) for e in job["errors"]] == [
        ("extra-cell", 3, None),
        ("missing-cell", 4, None),
        ("huge-cell", 5, "name"),
        ("type-error", 6, "count"),
    ]
    assert job["errors"][3]["message"] == "'many' is not a valid integer."
    assert job["failure"] == "4 problem(s) in the data; nothing was published."
    # nothing published: no distribution, no revision, no data
    assert api.get(f"/v1/datasets/{ds['id']}/distributions").json()["data"] == []
    assert api.get(f"/v1/datasets/{ds['id']}/revisions").json()["data"] == []
    assert api.get(f"/v1/datasets/{ds['id']}/preview").status_code == 404


def test_schema_correction_revalidates_and_publishes(api: ApiClient) -> None:
    ds = make_dataset(api)
    rows = "\n".join(f"{i},{100 + i}" for i in range(1, 30))
    job = upload(api, ds["id"], f"站號,郵遞區號\n{rows}\n31,N/A\n".encode())
    assert job["status"] == "failed"
    assert [(e["code"], e["row"], e["field"], e["value"]) for e in job["errors"]] == [
        ("type-error", 31, "郵遞區號", "N/A")
    ]
    schema = api.get(f"/v1/datasets/{ds['id']}/schema").json()
    assert schema["status"] == "draft" and schema["ingest_job"] == job["id"]

    # An unknown field is named; a bad type is refused before anything runs.
    bad = patch(api, f"/v1/datasets/{ds['id']}/schema", {"fields": [{"name": "nope", "type": "string"}]})
    assert bad.status_code == 422 and bad.json()["error"]["param"] == "fields[0].name"

    fixed = patch(
        api,
        f"/v1/datasets/{ds['id']}/schema",
        {"fields": [{"name": "郵遞區號", "type": "string", "new_name": "zip"}], "change_note": "郵遞區號是文字"},
    )
    assert fixed.status_code == 200, fixed.text
    job2 = api.get(f"/v1/ingest_jobs/{fixed.json()['id']}").json()
    assert job2["status"] == "succeeded", job2
    schema = api.get(f"/v1/datasets/{ds['id']}/schema").json()
    assert schema["status"] == "current"
    assert [(f["name"], f["type"]) for f in schema["fields"]] == [("站號", "integer"), ("zip", "string")]
    revisions = api.get(f"/v1/datasets/{ds['id']}/revisions").json()["data"]
    assert [(r["version"], r["change_note"], r["row_count"]) for r in revisions] == [("1", "郵遞區號是文字", 30)]

    # A constraint the data breaks: the new job fails and the published revision stays.
    strict = patch(
        api, f"/v1/datasets/{ds['id']}/schema", {"fields": [{"name": "站號", "constraints": {"maximum": 20}}]}
    )
    job3 = api.get(f"/v1/ingest_jobs/{strict.json()['id']}").json()
    assert job3["status"] == "failed" and job3["error_count"] == 10
    assert job3["errors"][0] == {
        "code": "constraint-error",
        "row": 22,
        "field": "站號",
        "message": "'21' is above the maximum 20.",
        "value": "21",
    }
    assert len(api.get(f"/v1/datasets/{ds['id']}/revisions").json()["data"]) == 1
    assert api.get(f"/v1/datasets/{ds['id']}/preview").json()["row_count"] == 30


def test_csv_export_neutralises_formulas(api: ApiClient) -> None:
    ds = make_dataset(api)
    upload(api, ds["id"], b'name,note\nalice,"=HYPERLINK(""http://x"")"\nbob,+1\ncarol,@SUM(A1)\ndave,plain\n')
    r = api.get(f"/v1/datasets/{ds['id']}/download.csv")
    assert r.status_code == 200
    assert r.content.decode("utf-8-sig").splitlines() == [
        '"name","note"',
        '"alice","\'=HYPERLINK(""http://x"")"',
        '"bob","\'+1"',
        '"carol","\'@SUM(A1)"',
        '"dave","plain"',
    ]


def test_undecodable_file_and_empty_file(api: ApiClient) -> None:
    ds = make_dataset(api)
    r = api.post("/v1/ingest_jobs", data={"dataset": ds["id"]}, files={"file": ("x.csv", b"", "text/csv")})
    assert r.status_code == 422 and r.json()["error"]["code"] == "file_empty"
    job = upload(api, ds["id"], b"a,b\n1,2\n", encoding="utf-16")
    assert job["status"] == "failed" and job["failure"].startswith("The file")


def test_a_job_a_stopped_process_left_running_is_run_again_then_given_up(
    api: ApiClient, db: Any, monkeypatch: Any
) -> None:
    """A crash mid-ingest leaves the job ``running`` with a stale heartbeat: the worker queues it
    again and runs it from the staged file; after MAX_ATTEMPTS runs it is marked failed."""
    from datetime import timedelta

    from sqlalchemy import update

    from digiplus.core.db import utcnow
    from digiplus.data.api import ingest as ingest_api
    from digiplus.data.models import IngestJob
    from digiplus.data.service import ingest

    monkeypatch.setattr(ingest_api, "schedule", lambda background, job_id: None)  # the request's run never happens
    jobs = []
    for _ in range(2):
        ds = make_dataset(api)
        job = upload(api, ds["id"], CSV.replace("2005/1/9", "2005-01-09").encode())
        assert job["status"] == "queued"
        assert ingest.claim_job(db, job["id"])  # the run that crashed
        jobs.append(job["id"])
    old = utcnow() - ingest.STALE_AFTER - timedelta(seconds=1)
    with db.session() as session:
        session.execute(update(IngestJob).where(IngestJob.id.in_(jobs)).values(heartbeat=old, rows_read=1))
        session.execute(update(IngestJob).where(IngestJob.id == jobs[1]).values(attempts=ingest.MAX_ATTEMPTS))
    assert ingest.run_queued_ingest_jobs(db) == 1

    again = api.get(f"/v1/ingest_jobs/{jobs[0]}").json()
    assert (again["status"], again["rows_read"]) == ("succeeded", 2)
    given_up = api.get(f"/v1/ingest_jobs/{jobs[1]}").json()
    assert given_up["status"] == "failed"
    assert "stopped 3 times" in given_up["failure"]
    # A job still sending heartbeats is left alone.
    ds = make_dataset(api)
    live = upload(api, ds["id"], CSV.encode())["id"]
    assert ingest.claim_job(db, live)
    assert ingest.run_queued_ingest_jobs(db) == 0
    assert api.get(f"/v1/ingest_jobs/{live}").json()["status"] == "running"
