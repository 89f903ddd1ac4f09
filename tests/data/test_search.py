"""Catalogue search: Chinese substrings, English stems, facets, sorting, paging, reindex."""

from __future__ import annotations

from typing import Any

import pytest
from data_helpers import ApiClient, make_dataset, upload

from digiplus.core.db import Database
from digiplus.data.service.search import reindex_all


@pytest.fixture
def live_api(api_for: Any) -> ApiClient:
    """A live-mode key: what anonymous visitors see is the live catalogue."""
    return api_for(live=True)


def _titles(result: dict[str, Any]) -> list[str]:
    return [hit["title"]["zh-TW"] for hit in result["data"]]


def _seed(api: ApiClient) -> dict[str, str]:
    made = {
        "parking": make_dataset(api)["id"],
        "bus": make_dataset(
            api,
            title_zh="新北市公車動態資訊",
            title_en="New Taipei bus arrivals",
            description_zh="公車到站時間",
            description_en="Estimated bus arrival times at every stop.",
            keywords_zh=["公車"],
            keywords_en=["bus"],
            themes=["TRAN"],
            licence="CC-BY-4.0",
        )["id"],
        "hospital": make_dataset(
            api,
            title_zh="全國醫院病床數統計",
            title_en="Hospital beds by county",
            description_zh="各縣市醫院一般病床與特殊病床數",
            description_en="General and special hospital beds in each county.",
            keywords_zh=["醫療"],
            keywords_en=["health", "hospitals"],
            themes=["HEAL"],
            licence="CC0-1.0",
        )["id"],
    }
    return made


def test_chinese_substring_finds_the_longer_title(live_api: ApiClient, client: Any) -> None:
    _seed(live_api)
    r = client.get("/v1/catalog/search", params={"q": "停車場"})
    assert r.status_code == 200
    assert _titles(r.json()) == ["臺北市公有停車場即時剩餘車位"]
    assert _titles(client.get("/v1/catalog/search", params={"q": "剩餘車位"}).json()) == [
        "臺北市公有停車場即時剩餘車位"
    ]
    assert _titles(client.get("/v1/catalog/search", params={"q": "病床"}).json()) == ["全國醫院病床數統計"]
    # A word the title does not contain in that order: 車停 is not a bigram of any title.
    assert client.get("/v1/catalog/search", params={"q": "車停"}).json()["total"] == 0
    # A single character is a unigram.
    assert _titles(client.get("/v1/catalog/search", params={"q": "床"}).json()) == ["全國醫院病床數統計"]


def test_english_words_are_stemmed_and_mixed_queries_work(live_api: ApiClient, client: Any) -> None:
    _seed(live_api)
    assert _titles(client.get("/v1/catalog/search", params={"q": "Parking"}).json()) == ["臺北市公有停車場即時剩餘車位"]
    assert _titles(client.get("/v1/catalog/search", params={"q": "hospital"}).json()) == ["全國醫院病床數統計"]
    assert _titles(client.get("/v1/catalog/search", params={"q": "arrival 公車"}).json()) == ["新北市公車動態資訊"]
    both = client.get("/v1/catalog/search", params={"q": "taipei", "sort": "title"}).json()
    assert both["total"] == 2
    assert _titles(both) == ["新北市公車動態資訊", "臺北市公有停車場即時剩餘車位"]


def test_column_names_are_searchable(live_api: ApiClient, client: Any) -> None:
    ds = make_dataset(
        live_api,
        title_zh="觀光遊憩據點",
        title_en="Tourist spots",
        keywords_zh=[],
        keywords_en=[],
        description_zh="",
        description_en="",
    )
    assert client.get("/v1/catalog/search", params={"q": "遊客人次"}).json()["total"] == 0
    job = upload(live_api, ds["id"], "景點名稱,遊客人次\n日月潭,6000000\n".encode())
    assert job["status"] == "succeeded"
    hits = client.get("/v1/catalog/search", params={"q": "遊客人次"}).json()
    assert [h["id"] for h in hits["data"]] == [ds["id"]]
    assert hits["data"][0]["formats"] == ["PARQUET"]


def test_facets_count_the_filtered_result_and_filters_combine(live_api: ApiClient, client: Any) -> None:
    ids = _seed(live_api)
    everything = client.get("/v1/catalog/search").json()
    assert everything["total"] == 3
    assert {f["value"]: f["count"] for f in everything["facets"]["theme"]} == {"TRAN": 2, "REGI": 1, "HEAL": 1}
    assert {f["value"]: f["count"] for f in everything["facets"]["licence"]} == {
        "OGDL-Taiwan-1.0": 1,
        "CC-BY-4.0": 1,
        "CC0-1.0": 1,
    }
    transport = client.get("/v1/catalog/search", params={"theme": "TRAN"}).json()
    assert transport["total"] == 2
    assert {f["value"]: f["count"] for f in transport["facets"]["licence"]} == {"OGDL-Taiwan-1.0": 1, "CC-BY-4.0": 1}
    one = client.get("/v1/catalog/search", params={"theme": "TRAN", "licence": "CC-BY-4.0"}).json()
    assert [h["id"] for h in one["data"]] == [ids["bus"]]
    two_licences = client.get("/v1/catalog/search", params=[("licence", "CC-BY-4.0"), ("licence", "CC0-1.0")]).json()
    assert two_licences["total"] == 2
    paged = client.get("/v1/catalog/search", params={"limit": 2, "page": 2, "sort": "title"}).json()
    assert paged["total"] == 3 and len(paged["data"]) == 1 and paged["has_more"] is False


def test_updates_and_deletes_keep_the_index_and_reindex_rebuilds_it(
    live_api: ApiClient, client: Any, db: Database
) -> None:
    ids = _seed(live_api)
    r = live_api.post(f"/v1/datasets/{ids['bus']}", json={"title_zh": "新北市公共自行車站點"})
    assert r.status_code == 200, r.text
    assert client.get("/v1/catalog/search", params={"q": "公車動態"}).json()["total"] == 0
    assert client.get("/v1/catalog/search", params={"q": "自行車"}).json()["total"] == 1
    assert live_api.delete(f"/v1/datasets/{ids['hospital']}").status_code == 200
    assert client.get("/v1/catalog/search", params={"q": "病床"}).json()["total"] == 0
    with db.session() as session:
        assert reindex_all(session) == 2
    assert _titles(client.get("/v1/catalog/search", params={"q": "停車場"}).json()) == ["臺北市公有停車場即時剩餘車位"]
    assert client.get("/v1/catalog/search", params={"q": "自行車"}).json()["total"] == 1


def test_bad_search_input_is_refused(client: Any) -> None:
    assert client.get("/v1/catalog/search", params={"sort": "random"}).status_code == 422
    assert client.get("/v1/catalog/search", params={"q": "x" * 201}).status_code == 422
    odd = client.get("/v1/catalog/search", params={"q": '"停車" OR * NEAR( ) \'; DROP'})
    assert odd.status_code == 200 and odd.json()["total"] == 0


def test_search_reads_beside_an_open_write_transaction(live_api: ApiClient, db: Database) -> None:
    """Search takes no write lock (Database.read_session): on SQLite a search while another
    transaction holds the write lock answers at once instead of waiting for it."""
    from sqlalchemy import text

    from digiplus.data.service.search import SearchQuery, search

    _seed(live_api)
    with db.session() as writer:
        writer.execute(text("UPDATE data_datasets SET version = version"))  # holds the write lock
        with db.read_session() as reader:
            outcome = search(reader, None, SearchQuery(q="停車場"))
    assert [d.title_zh for d in outcome.datasets] == ["臺北市公有停車場即時剩餘車位"]
