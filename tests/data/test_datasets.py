"""Dataset metadata through the API: series, external API distributions, updates, events and audit."""

from __future__ import annotations

from typing import Any

from data_helpers import DATASET, ApiClient, make_dataset
from sqlalchemy import select

from digiplus.core.audit.models import AuditEntry
from digiplus.core.db import Database
from digiplus.core.events.models import Event


def test_dataset_shape_series_and_api_distribution(api: ApiClient, db: Database) -> None:
    series = api.post("/v1/dataset_series", json={"title_zh": "停車場資料系列", "title_en": "Parking series"})
    assert series.status_code == 200, series.text
    ds = make_dataset(api, series_id=series.json()["id"], temporal_start="2024-01-01", temporal_end="2024-12-31")
    assert ds["object"] == "dataset" and ds["id"].startswith("ds_")
    assert ds["title"] == {"zh-TW": DATASET["title_zh"], "en": DATASET["title_en"]}
    assert ds["keywords"] == {"zh-TW": ["停車", "交通"], "en": ["parking", "transport"]}
    assert ds["contact_point"] == {"name": "交通局資訊科", "email": "data@dot.gov.taipei"}
    assert ds["licence_uri"] == "https://data.gov.tw/license"
    assert ds["temporal"] == {"start": "2024-01-01", "end": "2024-12-31"}
    assert ds["spatial"] == {"label": "臺北市", "uri": "https://sws.geonames.org/1668341/"}
    assert (ds["series_id"], ds["access_rights"], ds["accrual_periodicity"], ds["formats"]) == (
        series.json()["id"],
        "public",
        "1MIN",
        [],
    )
    r = api.post(
        f"/v1/datasets/{ds['id']}/distributions",
        json={"access_url": "https://tdx.transportdata.tw/api/basic/v1/Parking", "format": "json", "title": "TDX API"},
    )
    assert r.status_code == 200, r.text
    dist = r.json()
    assert (dist["kind"], dist["format"], dist["media_type"], dist["download_url"]) == (
        "api",
        "JSON",
        "application/json",
        None,
    )
    assert api.get(f"/v1/datasets/{ds['id']}").json()["formats"] == ["JSON"]
    search = api.get("/v1/catalog/search", params={"q": "停車場", "format": "JSON"}).json()
    assert [h["id"] for h in search["data"]] == [ds["id"]]
    with db.session() as session:
        events = [e.type for e in session.scalars(select(Event).order_by(Event.id))]
        audited = session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        actions = [a.action for a in audited if a.action.startswith("data.")]
    assert events == ["data.dataset.created", "data.distribution.created"]
    assert actions == ["data.dataset_series.created", "data.dataset.created", "data.distribution.created"]


def test_update_changes_only_given_fields_and_checks_access(api: ApiClient, api_for: Any) -> None:
    ds = make_dataset(api)
    outsider = api.post(f"/v1/datasets/{ds['id']}", json={"access_rights": "alliance", "access_alliance_id": "all_01X"})
    assert outsider.status_code == 422
    assert (outsider.json()["error"]["code"], outsider.json()["error"]["param"]) == (
        "alliance_not_member",
        "access_alliance_id",
    )
    alliance = api.post("/v1/alliances", json={"name_en": "Parking data club", "role": "agency"}).json()["id"]
    r = api.post(f"/v1/datasets/{ds['id']}", json={"access_rights": "alliance", "access_alliance_id": alliance})
    assert r.status_code == 200, r.text
    assert (r.json()["access_rights"], r.json()["title"]["zh-TW"]) == ("alliance", DATASET["title_zh"])
    r = api.post(f"/v1/datasets/{ds['id']}", json={"access_rights": "public"})
    assert (r.json()["access_rights"], r.json()["access_alliance_id"]) == ("public", None)
    bad = api.post(f"/v1/datasets/{ds['id']}", json={"access_rights": "alliance"})
    assert bad.status_code == 422 and bad.json()["error"]["param"] == "access_alliance_id"
    bad = api.post(f"/v1/datasets/{ds['id']}", json={"themes": ["XXXX"]})
    assert bad.status_code == 422
    other_series = api_for().post("/v1/dataset_series", json={"title_en": "Not yours"}).json()["id"]
    r = api.post(f"/v1/datasets/{ds['id']}", json={"series_id": other_series})
    assert r.status_code == 404 and r.json()["error"]["param"] == "series_id"


def test_vocabularies_are_public(client: Any) -> None:
    vocab = client.get("/v1/catalog/vocabularies").json()
    assert [t["code"] for t in vocab["themes"]][:3] == ["AGRI", "ECON", "EDUC"]
    ogdl = next(x for x in vocab["licences"] if x["code"] == "OGDL-Taiwan-1.0")
    assert ogdl["uri"] == "https://data.gov.tw/license" and ogdl["zh-TW"] == "政府資料開放授權條款－第1版"
