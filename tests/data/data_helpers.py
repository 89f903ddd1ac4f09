"""Helpers for the catalogue's tests: publish a dataset, upload a file, run its job."""

from __future__ import annotations

from typing import Any

ApiClient = Any  # tests/conftest.py ApiClient: a TestClient with a key

DATASET = {
    "title_zh": "臺北市公有停車場即時剩餘車位",
    "title_en": "Taipei public parking lots: available spaces in real time",
    "description_zh": "臺北市政府交通局提供之公有停車場剩餘車位資料。",
    "description_en": "Remaining spaces of the city's public car parks, updated every minute.",
    "keywords_zh": ["停車", "交通"],
    "keywords_en": ["parking", "transport"],
    "themes": ["TRAN", "REGI"],
    "contact_name": "交通局資訊科",
    "contact_email": "data@dot.gov.taipei",
    "licence": "OGDL-Taiwan-1.0",
    "accrual_periodicity": "1MIN",
    "spatial_label": "臺北市",
    "spatial_uri": "https://sws.geonames.org/1668341/",
}


def make_dataset(api: ApiClient, **overrides: Any) -> dict[str, Any]:
    r = api.post("/v1/datasets", json={**DATASET, **overrides})
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def upload(api: ApiClient, dataset_id: str, content: bytes, filename: str = "data.csv", **form: str) -> dict[str, Any]:
    """Upload and return the job as it ends (the TestClient runs background tasks before returning)."""
    r = api.post(
        "/v1/ingest_jobs", data={"dataset": dataset_id, **form}, files={"file": (filename, content, "text/csv")}
    )
    assert r.status_code == 200, r.text
    job = r.json()
    r = api.get(f"/v1/ingest_jobs/{job['id']}")
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def patch(api: ApiClient, url: str, body: dict[str, Any]) -> Any:
    return api.client.patch(url, json=body, headers={"Authorization": f"Bearer {api.secret}"})
