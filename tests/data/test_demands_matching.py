"""Suggested matches: the NumPy encoder gives the reference model's vectors, embeddings are
kept fresh by the worker task, and a clearly matching dataset ranks first — in English and in
Chinese — among what the demander may see."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from data_helpers import make_dataset, upload

from digiplus.core.db import Database
from digiplus.core.worker import run_once
from digiplus.data.models_alliances import DatasetEmbedding
from digiplus.data.service.embedding import get_encoder
from digiplus.data.service.matching import refresh_embeddings, stale_dataset_ids

# Computed once with sentence-transformers 5 on PyTorch (SentenceTransformer(model dir).encode(
# ..., normalize_embeddings=True)) from the same package's files.
REFERENCE_FIRST_8 = {
    "A man is eating food.": [0.033242, 0.004406, -0.006277, 0.048379, -0.138702, -0.033617, 0.101128, -0.054385],
    "臺北市公有停車場即時剩餘車位": [0.052868, 0.065902, 0.05337, -0.035452, -0.041257, 0.101264, 0.031848, 0.070405],
}
REFERENCE_COSINES = [
    ("A man is eating food.", "A man is eating a piece of bread.", 0.755337),
    ("臺北市公有停車場即時剩餘車位", "Taipei parking lots available spaces", 0.247253),
]


def test_the_numpy_encoder_gives_the_reference_vectors() -> None:
    encoder = get_encoder()
    texts = list(REFERENCE_FIRST_8)
    vectors = encoder.encode(texts)
    assert vectors.shape == (2, 384) and vectors.dtype == np.float32
    for text, vector in zip(texts, vectors, strict=True):
        assert np.allclose(vector[:8], REFERENCE_FIRST_8[text], atol=2e-6), text
        assert abs(float(np.linalg.norm(vector)) - 1.0) < 1e-5
    for a, b, cosine in REFERENCE_COSINES:
        va, vb = encoder.encode([a, b])
        assert abs(float(va @ vb) - cosine) < 2e-6, (a, b)
    # Batching and padding change nothing: a text alone and in a batch of longer ones.
    alone = encoder.encode(["A man is eating food."])[0]
    mixed = encoder.encode(["A man is eating food.", "word " * 300, ""])
    assert np.allclose(alone, mixed[0], atol=1e-6)


CORPUS = {
    "parking": {
        "title_zh": "臺北市公有停車場即時剩餘車位",
        "title_en": "Taipei public parking lots: available spaces in real time",
        "description_en": "Remaining spaces of the city's public car parks, updated every minute.",
        "keywords_en": ["parking", "transport"],
    },
    "bus": {
        "title_zh": "新北市公車預估到站時間",
        "title_en": "New Taipei bus estimated arrival times",
        "description_en": "Estimated time of arrival of city buses at each stop.",
        "keywords_en": ["bus", "public transport"],
    },
    "hospital": {
        "title_zh": "醫院門診人次統計",
        "title_en": "Hospital outpatient visits by department",
        "description_en": "Monthly outpatient visits of public hospitals by medical department.",
        "keywords_en": ["health", "hospital"],
        "themes": ["HEAL"],
    },
    "night_market": {
        "title_zh": "夜市攤位與營業時間",
        "title_en": "Night market stalls and opening hours",
        "description_en": "Stalls of the city's night markets, what they sell and when they open.",
        "keywords_en": ["night market", "food"],
        "themes": ["ECON"],
    },
    "air": {
        "title_zh": "空氣品質監測站即時資料",
        "title_en": "Air quality monitoring stations",
        "description_en": "Hourly PM2.5, PM10 and ozone readings of the monitoring network.",
        "keywords_en": ["air quality", "pollution"],
        "themes": ["ENVI"],
    },
    "tourism": {
        "title_zh": "來臺旅客人數按居住地分",
        "title_en": "Visitor arrivals by country of residence",
        "description_en": "Monthly arrivals of foreign visitors to Taiwan by country.",
        "keywords_en": ["tourism", "visitors"],
        "themes": ["ECON"],
    },
}


@pytest.fixture
def market(api_for: Any, make_org: Any, db: Database) -> dict[str, Any]:
    publisher = api_for(make_org("Open Data Co", "enterprise"), live=True)
    demander = api_for(make_org("Nav App Inc", "enterprise"), live=True)
    ids = {name: make_dataset(publisher, **{"themes": ["TRAN"], **fields})["id"] for name, fields in CORPUS.items()}
    # A restricted dataset that would match perfectly: the demander may not see it.
    ids["hidden"] = make_dataset(
        publisher, title_en="Car park free spaces, real time", title_zh="停車場剩餘車位", access_rights="restricted"
    )["id"]
    # The demander's own dataset is never suggested to it.
    ids["own"] = make_dataset(demander, title_en="Our car park sensor feed", title_zh="停車場感測資料")["id"]
    assert refresh_embeddings(db) == len(ids)
    return {"publisher": publisher, "demander": demander, "ids": ids}


def _suggest(api: Any, demand: dict[str, Any]) -> list[dict[str, Any]]:
    created = api.post("/v1/data_demands", json=demand)
    assert created.status_code == 200, created.text
    r = api.get(f"/v1/data_demands/{created.json()['id']}/suggestions", params={"limit": 5})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["model"] == "all-MiniLM-L6-v2"
    return body["data"]  # type: ignore[no-any-return]


RANKING = [
    ({"title_en": "Where can drivers find a free car park space in Taipei right now?"}, "parking"),
    ({"title_zh": "徵求臺北市停車場剩餘車位資料"}, "parking"),
    ({"title_en": "Sensor readings of air pollution (fine particulate matter)"}, "air"),
    ({"title_zh": "空氣污染監測數據"}, "air"),
    ({"title_en": "How many tourists come from Japan each month?"}, "tourism"),
    ({"title_en": "Street food vendors at night: locations and hours"}, "night_market"),
    ({"title_zh": "各科門診就診人數"}, "hospital"),
]


def test_a_clearly_matching_dataset_ranks_first(market: dict[str, Any]) -> None:
    # One corpus for every case (building it, embeddings included, is the slow part).
    ids = market["ids"]
    for demand, expected in RANKING:
        found = _suggest(market["demander"], demand)
        assert found[0]["dataset"] == ids[expected], (demand, [(f["title"]["en"], f["score"]) for f in found])
        assert found[0]["semantic"] is not None
        assert ids["hidden"] not in {f["dataset"] for f in found}
        assert ids["own"] not in {f["dataset"] for f in found}
        assert [f["score"] for f in found] == sorted((f["score"] for f in found), reverse=True)


def test_suggestions_are_for_the_demander_only(market: dict[str, Any]) -> None:
    created = market["demander"].post("/v1/data_demands", json={"title_en": "parking"}).json()
    r = market["publisher"].get(f"/v1/data_demands/{created['id']}/suggestions")
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_demander"


def test_embeddings_follow_changes_through_the_worker(market: dict[str, Any], db: Database) -> None:
    ids, publisher = market["ids"], market["publisher"]
    with db.session() as session:
        assert stale_dataset_ids(session) == []
        before = session.get_one(DatasetEmbedding, ids["bus"]).vector
    r = publisher.post(f"/v1/datasets/{ids['bus']}", json={"title_en": "Hourly rainfall by station"})
    assert r.status_code == 200, r.text
    new = make_dataset(publisher, title_en="Bike sharing stations")["id"]
    assert upload(publisher, new, b"station,bikes\nTaipei 101,12\n")["status"] == "succeeded"
    with db.session() as session:
        assert sorted(stale_dataset_ids(session)) == sorted([ids["bus"], new])
    assert run_once(db)["data.embeddings"] == 2
    with db.session() as session:
        assert stale_dataset_ids(session) == []
        assert session.get_one(DatasetEmbedding, ids["bus"]).vector != before
    assert refresh_embeddings(db, force=True) == len(ids) + 1
