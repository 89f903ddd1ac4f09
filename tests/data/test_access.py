"""The access rule: restricted and alliance-only data never reaches those not allowed —
not in search, metadata, schema, preview, profile, downloads or lists; writes need a key."""

from __future__ import annotations

from typing import Any

import pytest
from data_helpers import ApiClient, make_dataset, patch, upload

from digiplus.core.context import Caller
from digiplus.core.db import Database
from digiplus.data.models import Dataset
from digiplus.data.service.access import can_see

CSV = "站名,剩餘車位\n府前廣場,35\n".encode()
READS = ("", "/schema", "/preview", "/profile", "/download.csv", "/download.parquet", "/distributions", "/revisions")


@pytest.fixture
def world(api_for: Any, make_org: Any) -> dict[str, Any]:
    publisher_org = make_org("臺北市政府交通局", "agency")
    publisher = api_for(publisher_org, live=True)
    other = api_for(make_org("Another Co", "enterprise"), live=True)
    founded = publisher.post("/v1/alliances", json={"name_en": "Parking data club", "role": "agency"})
    assert founded.status_code == 200, founded.text
    made = {
        "public": make_dataset(publisher, title_zh="公開停車場資料")["id"],
        "restricted": make_dataset(publisher, title_zh="內部停車場資料", access_rights="restricted")["id"],
        "alliance": make_dataset(
            publisher, title_zh="聯盟停車場資料", access_rights="alliance", access_alliance_id=founded.json()["id"]
        )["id"],
    }
    for dataset_id in made.values():
        assert upload(publisher, dataset_id, CSV)["status"] == "succeeded"
    return {"publisher": publisher, "other": other, "ids": made, "org": publisher_org}


def _search_ids(client: Any, headers: dict[str, str] | None = None, **params: str) -> set[str]:
    r = client.get("/v1/catalog/search", params={"q": "停車場", **params}, headers=headers or {})
    assert r.status_code == 200
    return {hit["id"] for hit in r.json()["data"]}


def test_anonymous_and_other_orgs_see_only_public_data(world: dict[str, Any], client: Any) -> None:
    ids, other = world["ids"], world["other"]
    assert _search_ids(client) == {ids["public"]}
    assert _search_ids(client, {"Authorization": f"Bearer {other.secret}"}) == {ids["public"]}
    facets = client.get("/v1/catalog/search", params={"q": "停車場"}).json()["facets"]["access"]
    assert facets == [{"value": "public", "count": 1}]
    for hidden in ("restricted", "alliance"):
        for suffix in READS:
            url = f"/v1/datasets/{ids[hidden]}{suffix}"
            anonymous = client.get(url)
            assert anonymous.status_code == 404, url
            assert anonymous.json()["error"]["code"] == "resource_missing"
            assert other.get(url).status_code == 404, url
    for suffix in READS:
        assert client.get(f"/v1/datasets/{ids['public']}{suffix}").status_code == 200, suffix
    listed = {d["id"] for d in client.get("/v1/datasets?limit=100").json()["data"]}
    assert listed == {ids["public"]}


def test_the_publisher_sees_everything_it_published(world: dict[str, Any]) -> None:
    ids, publisher = world["ids"], world["publisher"]
    assert _search_ids(publisher.client, {"Authorization": f"Bearer {publisher.secret}"}) == set(ids.values())
    for dataset_id in ids.values():
        assert publisher.get(f"/v1/datasets/{dataset_id}/preview").json()["rows"] == [["府前廣場", 35]]
    mine = {d["id"] for d in publisher.get("/v1/datasets?mine=true").json()["data"]}
    assert mine == set(ids.values())


def test_test_mode_data_stays_out_of_the_live_catalogue(world: dict[str, Any], api_for: Any, client: Any) -> None:
    sandbox = api_for(world["org"], live=False)
    test_id = make_dataset(sandbox, title_zh="測試停車場資料")["id"]
    assert test_id not in _search_ids(client)
    assert client.get(f"/v1/datasets/{test_id}").status_code == 404
    assert world["publisher"].get(f"/v1/datasets/{test_id}").status_code == 404  # live key, test object
    assert _search_ids(client, {"Authorization": f"Bearer {sandbox.secret}"}) == {test_id}


def test_writes_need_a_key_with_data_write_and_the_owner(world: dict[str, Any], client: Any, api_for: Any) -> None:
    ids, other = world["ids"], world["other"]
    assert client.post("/v1/datasets", json={"title_zh": "x"}).status_code == 401
    viewer = api_for(world["org"], live=True, role="viewer")
    denied = viewer.post("/v1/datasets", json={"title_zh": "x"})
    assert denied.status_code == 403 and denied.json()["error"]["type"] == "permission_error"
    # another org cannot change, upload to, re-type or delete a dataset, even a public one
    assert other.post(f"/v1/datasets/{ids['public']}", json={"title_zh": "改"}).status_code == 404
    assert other.delete(f"/v1/datasets/{ids['public']}").status_code == 404
    r = other.post("/v1/ingest_jobs", data={"dataset": ids["public"]}, files={"file": ("a.csv", CSV, "text/csv")})
    assert r.status_code == 404 and r.json()["error"]["param"] == "dataset"
    assert patch(other, f"/v1/datasets/{ids['public']}/schema", {"fields": [{"name": "站名"}]}).status_code == 404
    assert other.get(f"/v1/ingest_jobs/{_job_of(world)}").status_code == 404
    assert client.get("/v1/datasets", headers={"Authorization": "Bearer sk_test_wrong"}).status_code == 401


def _job_of(world: dict[str, Any]) -> str:
    job = upload(world["publisher"], world["ids"]["public"], CSV)
    return str(job["id"])


def test_alliance_and_access_checks_in_the_model(world: dict[str, Any], db: Database) -> None:
    with db.session() as session:
        alliance = session.get_one(Dataset, world["ids"]["alliance"])
        assert can_see(session, Caller.system(world["org"], True), alliance) is True
        assert can_see(session, None, alliance) is False
        assert can_see(session, Caller.system(world["org"], False), alliance) is False  # other mode


def test_invalid_metadata_is_refused_with_the_field(api: ApiClient) -> None:
    cases = [
        ({"title_zh": ""}, "a dataset needs a title"),
        ({"themes": ["CARS"]}, "unknown theme 'CARS'"),
        ({"licence": "WTFPL"}, "unknown licence 'WTFPL'"),
        ({"access_rights": "alliance"}, "needs access_alliance_id"),
        ({"contact_email": "not-an-email"}, "should match pattern"),
        ({"temporal_start": "2026-01-02", "temporal_end": "2025-01-01"}, "temporal_end is before temporal_start"),
    ]
    for change, words in cases:
        r = api.post("/v1/datasets", json={"title_zh": "資料", **change})
        assert r.status_code == 422, change
        assert words in r.json()["error"]["message"], (change, r.json())
