"""The paths ADR 0013 added for speed, held to the same answers: the empty query's cached
counts follow every write, the one-statement search agrees with a plain count, a reindex
never reuses a document id, and the JSON the route builds by hand is a valid SearchResult."""

from __future__ import annotations

from typing import Any

import pytest
from data_helpers import ApiClient, make_dataset
from sqlalchemy import func, select

from digiplus.core.db import Database
from digiplus.data.models import Dataset, SearchDoc
from digiplus.data.schemas import SearchHit, SearchResult
from digiplus.data.serializers import search_hit, search_hit_json
from digiplus.data.service.search import SearchQuery, reindex_all, search
from digiplus.data.service.search_facets import FORMAT_CODES, THEME_CODES, bits_of, codes_of, count_bits


@pytest.fixture
def live_api(api_for: Any) -> ApiClient:
    return api_for(live=True)


def _facet(result: dict[str, Any], name: str) -> dict[str, int]:
    return {f["value"]: f["count"] for f in result["facets"][name]}


def test_the_empty_query_counts_follow_creates_updates_and_deletes(live_api: ApiClient, client: Any) -> None:
    first = make_dataset(live_api, themes=["TRAN"], licence="CC0-1.0")
    home = client.get("/v1/catalog/search").json()
    assert home["total"] == 1 and _facet(home, "theme") == {"TRAN": 1}
    assert client.get("/v1/catalog/search").json() == home  # answered from the cache: the same
    second = make_dataset(live_api, title_zh="醫院病床", themes=["HEAL"], licence="CC0-1.0")
    home = client.get("/v1/catalog/search").json()
    assert home["total"] == 2 and _facet(home, "theme") == {"TRAN": 1, "HEAL": 1}
    assert _facet(home, "licence") == {"CC0-1.0": 2}
    r = live_api.post(f"/v1/datasets/{first['id']}", json={"licence": "CC-BY-4.0", "themes": ["EDUC"]})
    assert r.status_code == 200, r.text
    home = client.get("/v1/catalog/search").json()
    assert _facet(home, "licence") == {"CC-BY-4.0": 1, "CC0-1.0": 1}
    assert _facet(home, "theme") == {"EDUC": 1, "HEAL": 1}
    assert live_api.delete(f"/v1/datasets/{second['id']}").status_code == 200
    home = client.get("/v1/catalog/search").json()
    assert home["total"] == 1 and [h["id"] for h in home["data"]] == [first["id"]]
    assert _facet(home, "theme") == {"EDUC": 1}
    # A filtered empty query is cached under its own key.
    assert client.get("/v1/catalog/search", params={"theme": "HEAL"}).json()["total"] == 0
    assert client.get("/v1/catalog/search", params={"theme": "EDUC"}).json()["total"] == 1


def test_restricted_data_is_not_counted_for_anonymous_visitors_even_cached(
    live_api: ApiClient, client: Any, db: Database
) -> None:
    make_dataset(live_api)
    make_dataset(live_api, title_zh="內部資料", access_rights="restricted")
    assert client.get("/v1/catalog/search").json()["total"] == 1
    assert _facet(client.get("/v1/catalog/search").json(), "access") == {"public": 1}
    mine = live_api.get("/v1/catalog/search").json()
    assert mine["total"] == 2 and _facet(mine, "access") == {"public": 1, "restricted": 1}
    assert client.get("/v1/catalog/search").json()["total"] == 1


def test_totals_and_facets_equal_plain_counts(live_api: ApiClient, client: Any, db: Database) -> None:
    for i, (themes, licence) in enumerate(
        [(["TRAN"], "CC0-1.0"), (["TRAN", "REGI"], "CC-BY-4.0"), (["HEAL"], "CC0-1.0")]
    ):
        make_dataset(live_api, title_zh=f"停車場資料 {i}", themes=themes, licence=licence)
    result = client.get("/v1/catalog/search", params={"q": "停車場", "limit": 2}).json()
    with db.read_session() as session:
        live = session.scalar(select(func.count()).select_from(Dataset).where(Dataset.livemode.is_(True)))
    assert result["total"] == live == 3
    assert len(result["data"]) == 2 and result["has_more"] is True
    assert _facet(result, "theme") == {"TRAN": 2, "REGI": 1, "HEAL": 1}
    assert _facet(result, "licence") == {"CC0-1.0": 2, "CC-BY-4.0": 1}
    assert [f["value"] for f in result["facets"]["licence"]] == ["CC0-1.0", "CC-BY-4.0"]  # count, then value
    rest = client.get("/v1/catalog/search", params={"q": "停車場", "limit": 2, "page": 2}).json()
    assert len(rest["data"]) == 1
    assert {h["id"] for h in result["data"]} | {h["id"] for h in rest["data"]} == {
        h["id"] for h in client.get("/v1/catalog/search", params={"q": "停車場"}).json()["data"]
    }


def test_the_hand_built_json_is_a_valid_search_result(live_api: ApiClient, client: Any, db: Database) -> None:
    made = make_dataset(live_api, themes=["TRAN"])
    body = client.get("/v1/catalog/search", params={"q": "停車場"}).json()
    assert SearchResult.model_validate(body).model_dump(mode="json") == body
    with db.read_session() as session:
        row = search(session, None, SearchQuery(q="停車場")).datasets[0]
        dataset = session.get_one(Dataset, made["id"])
        assert search_hit(row, ["CSV"]) == SearchHit.model_validate(search_hit_json(dataset, ["CSV"]))


def test_reindex_gives_new_ids_and_the_same_answers(live_api: ApiClient, client: Any, db: Database) -> None:
    make_dataset(live_api, themes=["TRAN"])
    make_dataset(live_api, title_zh="全國醫院病床數統計", title_en="Hospital beds", themes=["HEAL"])
    before = client.get("/v1/catalog/search").json()
    with db.read_session() as session:
        old_ids = set(session.scalars(select(SearchDoc.doc_id)))
    with db.session() as session:
        assert reindex_all(session) == 2
    with db.read_session() as session:
        new_ids = set(session.scalars(select(SearchDoc.doc_id)))
    assert len(new_ids) == 2 and min(new_ids) > max(old_ids)
    assert client.get("/v1/catalog/search").json() == before
    assert client.get("/v1/catalog/search", params={"q": "病床"}).json()["total"] == 1


def test_bit_sets_round_trip_every_code() -> None:
    assert codes_of("theme", bits_of("theme", THEME_CODES)) == list(THEME_CODES)
    assert codes_of("format", bits_of("format", ["PARQUET", "CSV"])) == ["CSV", "PARQUET"]
    assert bits_of("format", ["NOT-A-FORMAT"]) == 0
    assert len(FORMAT_CODES) == len(set(FORMAT_CODES))
    groups = [(bits_of("theme", ["TRAN", "REGI"]), 3), (bits_of("theme", ["TRAN"]), 2)]
    assert count_bits("theme", groups) == {"TRAN": 5, "REGI": 3}
