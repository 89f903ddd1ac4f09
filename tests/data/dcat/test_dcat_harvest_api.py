"""Harvest through the API into the catalogue, and the DCAT output of what the caller may see:
round trip of our own catalogue into another org, re-harvest without duplicates, CKAN and
data.gov.tw fixtures, and bad sources leaving nothing behind. SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest
from dcat_samples import sample_catalog, sample_datasets, shapes
from dcat_server import SourceServer, ckan_fixture_packages, ckan_route, datagovtw_fixture
from pyshacl import validate
from rdflib import Graph
from sqlalchemy import func, select

from digiplus.core.db import Database
from digiplus.data.dcat.export import catalog_graph, to_jsonld
from digiplus.data.dcat.sources.dcat import parse_graph
from digiplus.data.models import Dataset, Distribution
from digiplus.data.models_harvest import HarvestedRecord
from digiplus.settings import get_settings

COMPARED = (
    "title_zh", "title_en", "description_zh", "description_en", "keywords_zh", "keywords_en", "themes",
    "licence", "access_rights", "accrual_periodicity", "temporal_start", "temporal_end", "spatial_uri",
    "spatial_label", "version", "contact_name", "contact_email",
)  # fmt: skip


@pytest.fixture(autouse=True)
def _harvest_loopback(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The local test server is on 127.0.0.1, which the SSRF guard refuses unless this is set."""
    monkeypatch.setenv("DIGIPLUS_HARVEST_ALLOW_PRIVATE_NETWORKS", "true")
    monkeypatch.setenv("DIGIPLUS_HARVEST_TIMEOUT_SECONDS", "0.5")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


def _run(api: Any, url: str, kind: str, **extra: Any) -> dict[str, Any]:
    source = api.post("/v1/harvest_sources", json={"url": url, "kind": kind, **extra})
    assert source.status_code == 200, source.text
    run = api.post(f"/v1/harvest_sources/{source.json()['id']}/run")
    assert run.status_code == 200, run.text
    return dict(run.json())


def _rerun(api: Any, run: dict[str, Any]) -> dict[str, Any]:
    again = api.post(f"/v1/harvest_sources/{run['source']}/run")
    assert again.status_code == 200, again.text
    return dict(again.json())


def _counts(run: dict[str, Any]) -> tuple[str, int, int, int, int]:
    return run["status"], run["created_count"], run["updated_count"], run["unchanged_count"], run["failed_count"]


def _datasets(db: Database, org_id: str) -> dict[str, Dataset]:
    with db.session() as session:
        rows = session.scalars(select(Dataset).where(Dataset.org_id == org_id)).all()
        session.expunge_all()
    return {row.title_en or row.title_zh: row for row in rows}


def _serve_catalog(server: SourceServer, path: str, text: str) -> str:
    server.routes[path] = (200, "application/ld+json", text.encode())
    return server.url(path)


def test_round_trip_our_catalogue_into_another_org_and_reharvest_without_duplicates(
    source_server: SourceServer, api_for: Callable[..., Any], make_org: Callable[..., str], db: Database, client: Any
) -> None:
    org_a, org_b = make_org("Taipei DOT"), make_org("Alliance hub")
    api_a, api_b = api_for(org_a, live=True), api_for(org_b, live=True)
    first = _run(api_a, _serve_catalog(source_server, "/origin", to_jsonld(catalog_graph(sample_catalog()))), "dcat")
    assert _counts(first) == ("succeeded", 3, 0, 0, 0)

    exported = client.get("/v1/catalog.jsonld")  # anonymous: the public, live catalogue
    assert exported.status_code == 200
    assert exported.headers["content-type"] == "application/ld+json"
    graph = parse_graph(exported.content, "application/ld+json")
    assert isinstance(graph, Graph)
    ok, _, report = validate(graph, shacl_graph=shapes())
    assert ok, report
    turtle = client.get("/v1/catalog.ttl")
    assert turtle.headers["content-type"] == "text/turtle; charset=utf-8"
    assert len(Graph().parse(data=turtle.text, format="turtle")) == len(graph)

    b_url = _serve_catalog(source_server, "/a", exported.text)
    into_b = _run(api_b, b_url, "dcat")
    assert _counts(into_b) == ("succeeded", 3, 0, 0, 0)
    a_rows, b_rows = _datasets(db, org_a), _datasets(db, org_b)
    assert (
        sorted(a_rows)
        == sorted(b_rows)
        == ["Licensed hotels", "Taipei car park use 2023", "Taipei public car parks: free spaces now"]
    )
    for title, a in a_rows.items():
        b = b_rows[title]
        assert {k: getattr(b, k) for k in COMPARED} == {k: getattr(a, k) for k in COMPARED}, title
        assert (b.series_id is None) == (a.series_id is None)
    parking_a, parking_b = (
        a_rows["Taipei public car parks: free spaces now"],
        b_rows["Taipei public car parks: free spaces now"],
    )
    assert (
        parking_b.keywords_zh == ["交通", "停車場"]
        and parking_b.themes == ["TRAN"]
        and parking_b.licence == "OGDL-Taiwan-1.0"
    )
    with db.session() as session:
        dists = {
            org: sorted(
                (d.format, d.byte_size, d.title)
                for d in session.scalars(select(Distribution).where(Distribution.dataset_id == ds.id))
            )
            for org, ds in (("a", parking_a), ("b", parking_b))
        }
        publisher = session.scalars(
            select(HarvestedRecord.publisher).where(HarvestedRecord.dataset_id == parking_b.id)
        ).one()
    assert dists["a"] == dists["b"] == [("CSV", 88231, "剩餘車位 CSV"), ("PARQUET", 20480, "Free spaces (Parquet)")]
    assert publisher == {  # the original agency, carried through A's catalogue
        "name": {"zh-TW": "臺北市政府交通局", "en": "Taipei City Department of Transportation"},
        "uri": "https://catalogue.example.tw/publishers/org_dot",
    }

    assert _counts(_rerun(api_b, into_b)) == ("succeeded", 0, 0, 3, 0)

    changed = list(sample_datasets())
    changed[2] = replace(changed[2], title={"zh-TW": "旅館業者名冊（新版）", "en": "Licensed hotels (new)"})
    source_server.routes["/origin"] = (
        200,
        "application/ld+json",
        to_jsonld(catalog_graph(sample_catalog(tuple(changed)))).encode(),
    )
    assert _counts(_rerun(api_a, first)) == ("succeeded", 0, 1, 2, 0)
    everything = client.get("/v1/catalog.jsonld").text  # A's and B's copies: harvesting it would copy B's too
    assert everything.count('"dcat:Dataset"') == 8  # 6 datasets + the two orgs' series
    _serve_catalog(source_server, "/a", client.get(f"/v1/catalog.jsonld?publisher={org_a}").text)
    assert _counts(_rerun(api_b, into_b)) == ("succeeded", 0, 1, 2, 0)
    assert sorted(_datasets(db, org_b)) == [
        "Licensed hotels (new)",
        "Taipei car park use 2023",
        "Taipei public car parks: free spaces now",
    ]
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Dataset).where(Dataset.org_id == org_b)) == 3


def test_dcat_output_shows_only_what_the_caller_may_see(
    source_server: SourceServer, api_for: Callable[..., Any], make_org: Callable[..., str], db: Database, client: Any
) -> None:
    org_a = make_org("Publisher")
    api_a, api_other = api_for(org_a, live=True), api_for(make_org("Someone else"), live=True)
    url = _serve_catalog(source_server, "/origin", to_jsonld(catalog_graph(sample_catalog())))
    assert _counts(_run(api_a, url, "dcat", access_rights="restricted"))[:2] == ("succeeded", 3)
    hidden = next(iter(_datasets(db, org_a).values()))

    def titles(response: Any) -> set[str]:
        graph = parse_graph(response.content, "application/ld+json")
        assert isinstance(graph, Graph)
        from digiplus.data.dcat.vocab import DCT

        return {str(t) for t in graph.objects(None, DCT.title) if t.language == "en"}

    assert titles(client.get("/v1/catalog.jsonld")) == {"digiplus data catalogue"}
    assert titles(api_other.get("/v1/catalog.jsonld")) == {"digiplus data catalogue"}
    assert "Licensed hotels" in titles(api_a.get("/v1/catalog.jsonld"))
    assert client.get(f"/v1/datasets/{hidden.id}.jsonld").status_code == 404
    assert api_other.get(f"/v1/datasets/{hidden.id}.jsonld").json()["error"]["code"] == "resource_missing"
    own = api_a.get(f"/v1/datasets/{hidden.id}.jsonld")
    assert own.status_code == 200
    assert f"/v1/datasets/{hidden.id}" in own.text


def test_ckan_fixture_through_the_api(source_server: SourceServer, api: Any, db: Database) -> None:
    source_server.routes["/api/3/action/package_search"] = ckan_route(ckan_fixture_packages())
    run = _run(api, source_server.base, "ckan")
    assert _counts(run) == ("succeeded", 4, 0, 0, 1)
    assert run["failures"] == [
        {"identifier": "a3f6c1d0-1b2c-4d5e-8f90-1a2b3c4d5e04", "reason": "the package has no title"}
    ]
    assert run["pages"] == 1
    fetched = api.get(f"/v1/harvest_runs/{run['id']}")
    assert fetched.json() == run
    assert _counts(_rerun(api, run)) == ("succeeded", 0, 0, 4, 1)
    rows = _datasets(db, db_org(db, run))
    hotels = rows["Licensed hotels in Taiwan"]
    assert (hotels.title_zh, hotels.licence, hotels.accrual_periodicity, hotels.themes) == (
        "旅館業者名冊",
        "proprietary",
        "MONTHLY",
        ["EDUC"],
    )
    parking = rows["臺北市公有停車場即時剩餘車位"]
    assert (parking.licence, parking.spatial_label, parking.version) == ("CC-BY-4.0", "臺北市", "2.1")


def db_org(db: Database, run: dict[str, Any]) -> str:
    with db.session() as session:
        return (
            session.scalars(select(HarvestedRecord.org_id).where(HarvestedRecord.source_id == run["source"])).first()
            or ""
        )


def test_datagovtw_fixture_through_the_api(source_server: SourceServer, api: Any, db: Database) -> None:
    source_server.routes["/api/front/dataset/export"] = (200, "application/json", datagovtw_fixture())
    run = _run(api, source_server.url("/api/front/dataset/export?format=json"), "datagovtw")
    assert _counts(run) == ("succeeded", 3, 0, 0, 1)
    assert run["failures"] == [{"identifier": "99999", "reason": "the row has no 資料集名稱 (title)"}]
    rows = _datasets(db, db_org(db, run))
    calendar = rows["中華民國政府行政機關辦公日曆表"]
    assert (calendar.licence, calendar.accrual_periodicity, calendar.themes) == ("OGDL-Taiwan-1.0", "ANNUAL", ["GOVE"])
    assert calendar.landing_page == "https://data.gov.tw/dataset/14718"


@pytest.mark.parametrize(
    ("kind", "answer", "delay", "error"),
    [
        (
            "dcat",
            (200, "text/html", b"<html>hello</html>"),
            0.0,
            "the source answered text/html, not RDF (JSON-LD, Turtle or RDF/XML)",
        ),
        ("datagovtw", (200, "application/json", b"[{]"), 0.0, "the response is not valid JSON"),
        ("ckan", (500, "text/plain", b"boom"), 0.0, "page 1 (start=0): the source answered HTTP 500"),
        ("datagovtw", (200, "application/json", b"[]"), 2.0, "timed out after 0.5 s"),
    ],
)
def test_a_bad_source_gives_a_failed_run_and_writes_nothing(
    source_server: SourceServer,
    api: Any,
    db: Database,
    kind: str,
    answer: tuple[int, str, bytes],
    delay: float,
    error: str,
) -> None:
    for path in ("/src", "/src/api/3/action/package_search"):
        source_server.routes[path] = answer
        source_server.delays[path] = delay
    run = _run(api, source_server.url("/src"), kind)
    assert run["status"] == "failed"
    assert run["error"].startswith(error), run["error"]
    assert (run["created_count"], run["updated_count"], run["unchanged_count"]) == (0, 0, 0)
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Dataset)) == 0
        assert session.scalar(select(func.count()).select_from(HarvestedRecord)) == 0
    assert api.get(f"/v1/harvest_runs/{run['id']}").json()["error"] == run["error"]


def test_bad_requests_name_the_field(api: Any, api_for: Callable[..., Any]) -> None:
    bad = api.post("/v1/harvest_sources", json={"url": "file:///etc/passwd"})
    assert bad.status_code == 422
    assert bad.json()["error"]["param"] == "url"
    assert "http:// or https://" in bad.json()["error"]["message"]
    made = api.post("/v1/harvest_sources", json={"url": "https://data.gov.tw/api/front/dataset/export?format=json"})
    assert made.json()["kind"] == "datagovtw"
    again = api.post("/v1/harvest_sources", json={"url": "https://data.gov.tw/api/front/dataset/export?format=json"})
    assert again.status_code == 409
    other = api_for()
    assert other.post(f"/v1/harvest_sources/{made.json()['id']}/run").status_code == 404
    viewer = api_for(role="viewer")
    assert viewer.post("/v1/harvest_sources", json={"url": "https://example.org/c.ttl"}).status_code == 403
