"""Harvest parsing from real HTTP (a local server): CKAN paging, data.gov.tw, DCAT, and bad sources."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from dcat_samples import sample_catalog, sample_datasets, sample_series
from dcat_server import SourceServer, ckan_fixture_packages, ckan_route, datagovtw_fixture

from digiplus.data.dcat import vocab
from digiplus.data.dcat.export import catalog_graph, to_jsonld, to_turtle
from digiplus.data.dcat.harvest import HttpFetcher, guess_kind, harvest
from digiplus.data.dcat.records import DcatDataset, DcatDistribution, ItemFailure

LOCAL = HttpFetcher(allow_private=True, timeout=5)


def test_ckan_pages_through_package_search_and_maps_fields(source_server: SourceServer) -> None:
    source_server.routes["/api/3/action/package_search"] = ckan_route(ckan_fixture_packages())
    seen: list[tuple[int, int | None]] = []
    parsed = harvest(source_server.base, "ckan", LOCAL, rows=2, progress=lambda n, total: seen.append((n, total)))
    assert parsed.error is None
    assert parsed.pages == 3
    assert seen == [(2, 5), (4, 5), (5, 5)]
    assert [d.identifier for d in parsed.datasets] == [
        "a3f6c1d0-1b2c-4d5e-8f90-1a2b3c4d5e01",
        "a3f6c1d0-1b2c-4d5e-8f90-1a2b3c4d5e02",
        "a3f6c1d0-1b2c-4d5e-8f90-1a2b3c4d5e03",
        "a3f6c1d0-1b2c-4d5e-8f90-1a2b3c4d5e05",
    ]
    assert parsed.failures == (ItemFailure("a3f6c1d0-1b2c-4d5e-8f90-1a2b3c4d5e04", "the package has no title"),)

    parking, hotels, vendors, buses = parsed.datasets
    assert parking.title == {"zh-TW": "臺北市公有停車場即時剩餘車位"}
    assert parking.description == {"zh-TW": "臺北市公有路外停車場之即時剩餘車位數，每分鐘更新。"}
    assert parking.keywords == {"zh-TW": ("交通", "停車場"), "en": ("parking",)}
    assert parking.themes == (vocab.theme_uri("TRAN"),)
    assert parking.license == vocab.LICENCES["cc-by-4.0"]
    assert parking.accrual_periodicity == vocab.frequency_uri("UPDATE_CONT")
    assert parking.spatial == (vocab.PLACES["臺北市"],)
    assert parking.temporal_start == date(2019, 1, 1)
    assert parking.issued == datetime(2019, 3, 11, 8, 29, 12, tzinfo=UTC)
    assert parking.modified == datetime(2024, 5, 2, 3, 4, 5, tzinfo=UTC)
    assert parking.version == "2.1"
    assert parking.publisher is not None
    assert parking.publisher.name == {"zh-TW": "臺北市政府交通局"}
    assert parking.publisher.uri == f"{source_server.base}/organization/taipei-dot"
    assert parking.contact_point is not None
    assert (parking.contact_point.name, parking.contact_point.email) == ("交通局資訊室", "dot-data@gov.taipei")
    assert parking.landing_page == f"{source_server.base}/dataset/taipei-parking-availability"
    json_dist, csv_dist = parking.distributions
    assert json_dist == DcatDistribution(
        identifier="5b1e6f2a-0c3d-4e5f-9a8b-7c6d5e4f3a01",
        access_url="https://tcgbusfs.blob.core.windows.net/blobtcmsv/TCMSV_allavailable.json",
        download_url="https://tcgbusfs.blob.core.windows.net/blobtcmsv/TCMSV_allavailable.json",
        title={"zh-TW": "即時剩餘車位 JSON"},
        media_type="application/json",
        format=vocab.file_type_uri("JSON"),
        byte_size=412093,
        license=vocab.LICENCES["cc-by-4.0"],
        issued=datetime(2019, 3, 11, 8, 30, tzinfo=UTC),
        modified=datetime(2024, 5, 2, 3, 4, 5, tzinfo=UTC),
    )
    assert csv_dist.format == vocab.file_type_uri("CSV")

    assert hotels.title == {"en": "Licensed hotels in Taiwan", "zh-TW": "旅館業者名冊"}  # ckanext-fluent
    assert hotels.accrual_periodicity == vocab.frequency_uri("MONTHLY")
    assert hotels.themes == (vocab.theme_uri("EDUC"),)  # the "tourism" group
    assert hotels.keywords == {"en": ("hotels", "tourism")}
    assert hotels.license == vocab.LICENCES["odc-by"]
    assert vendors.license is None  # "other-closed" names no licence document
    assert vendors.description == {}
    assert buses.license == vocab.LICENCES["cc0-1.0"]
    assert buses.distributions[0].format == vocab.file_type_uri("GEOJSON")


def test_datagovtw_export_maps_the_chinese_fields(source_server: SourceServer) -> None:
    source_server.routes["/api/front/dataset/export"] = (200, "application/json", datagovtw_fixture())
    parsed = harvest(source_server.url("/api/front/dataset/export?format=json"), "datagovtw", LOCAL)
    assert parsed.error is None
    assert [d.identifier for d in parsed.datasets] == ["128435", "6564", "14718"]
    assert parsed.failures == (ItemFailure("99999", "the row has no 資料集名稱 (title)"),)
    parking, hotels, calendar = parsed.datasets
    assert parking.title == {"zh-TW": "臺北市公有停車場即時剩餘車位"}
    assert parking.publisher is not None and parking.publisher.name == {"zh-TW": "臺北市政府交通局"}
    assert parking.license == vocab.OGDL_TW
    assert parking.themes == (vocab.theme_uri("TRAN"),)
    assert parking.accrual_periodicity == vocab.frequency_uri("CONT")
    assert parking.landing_page == "https://data.gov.tw/dataset/128435"
    assert parking.documentation == ("https://data.taipei/dataset/detail?id=1",)
    assert parking.issued == datetime(2015, 8, 27, tzinfo=UTC)
    assert parking.modified == datetime(2024, 5, 1, 10, 20, 30, tzinfo=UTC)
    assert parking.column_names == ("id(停車場編號)", "availablecar(剩餘汽車位)", "availablemotor(剩餘機車位)")
    assert [(d.format, d.download_url) for d in parking.distributions] == [
        (vocab.file_type_uri("JSON"), "https://tcgbusfs.blob.core.windows.net/blobtcmsv/TCMSV_allavailable.json"),
        (vocab.file_type_uri("CSV"), "https://data.taipei/api/frontstage/tpeod/dataset/resource.download?rid=1a2b"),
    ]
    assert parking.contact_point is not None and parking.contact_point.phone == "02-27256888#1234"
    assert hotels.accrual_periodicity == vocab.frequency_uri("MONTHLY")
    assert hotels.column_names == ("Id", "Name", "Add", "Tel", "Rooms")
    assert hotels.themes == (vocab.theme_uri("EDUC"),)
    assert calendar.accrual_periodicity == vocab.frequency_uri("ANNUAL")
    assert calendar.themes == (vocab.theme_uri("GOVE"),)


def test_datagovtw_metadata_api_shape_is_read_too() -> None:
    from digiplus.data.dcat.sources.datagovtw import parse_datagovtw

    item = {
        "datasetid": "157477",
        "title": "政府資料開放平臺資料集清單",
        "description": "集中列示資料集之詮釋資料",
        "license": "1",
        "publisherOID": "2.16.886.101.20003.20082|數位發展部",
        "publisherContactName": "多元創新司",
        "publisherContactEmail": "opendata@moda.gov.tw",
        "updateFrequency": {"regularupdate": "1", "Frequency": "1", "unittime": "日"},
        "coverageStartedDate": "2014-01-01",
        "coverageEndedDate": "",
        "publishedDate": "2013-11-01",
        "modifiedDate": "2023-04-21 15:43:26",
        "spatialCoverage": "臺灣",
        "distribution": [{"resourceDescription": "每日凌晨 1 時更新"}],
    }
    parsed = parse_datagovtw(json.dumps({"success": True, "result": [item]}).encode(), "application/json")
    (dataset,) = parsed.datasets
    assert dataset.publisher is not None and dataset.publisher.name == {"zh-TW": "數位發展部"}
    assert dataset.license == vocab.OGDL_TW
    assert dataset.accrual_periodicity == vocab.frequency_uri("DAILY")
    assert (dataset.temporal_start, dataset.temporal_end) == (date(2014, 1, 1), None)
    assert dataset.spatial == (vocab.PLACES["臺灣"],)
    assert dataset.modified == datetime(2023, 4, 21, 15, 43, 26, tzinfo=UTC)
    assert dataset.distributions == ()  # a distribution without a URL is not one


def _as_exported(dataset: DcatDataset) -> DcatDataset:
    """What export promises to carry: the dataset licence moves onto licence-less distributions."""
    return replace(
        dataset,
        distributions=tuple(d if d.license else replace(d, license=dataset.license) for d in dataset.distributions),
    )


@pytest.mark.parametrize(
    ("content_type", "serialise"),
    [
        ("application/ld+json", lambda g: to_jsonld(g)),
        ("text/turtle; charset=utf-8", lambda g: to_turtle(g)),
        ("application/rdf+xml", lambda g: g.serialize(format="xml")),
    ],
)
def test_dcat_source_round_trips_our_export(source_server: SourceServer, content_type: str, serialise: object) -> None:
    graph = catalog_graph(sample_catalog())
    source_server.routes["/catalog"] = (200, content_type, serialise(graph).encode())  # type: ignore[operator]
    parsed = harvest(source_server.url("/catalog"), "dcat", LOCAL)
    assert parsed.error is None and parsed.failures == ()
    assert [s.identifier for s in parsed.series] == ["ser_parking"]
    assert replace(parsed.series[0], uri=None) == sample_series()[0]
    by_id = {d.identifier: replace(d, uri=None) for d in parsed.datasets}
    assert by_id == {d.identifier: _as_exported(d) for d in sample_datasets()}


@pytest.mark.parametrize(
    ("kind", "answer", "reason"),
    [
        ("dcat", (200, "text/html", b"<html><body>Welcome</body></html>"), "the source answered text/html, not RDF"),
        ("ckan", (200, "text/html", b"<html>maintenance</html>"), "page 1 (start=0): the response is not valid JSON"),
        ("ckan", (200, "application/json", b'{"success": tru'), "page 1 (start=0): the response is not valid JSON"),
        ("ckan", (200, "application/json", b'{"success": true, "result": 3}'), "has no result.results list"),
        ("datagovtw", (200, "application/json", b'{"rows": '), "the response is not valid JSON"),
        ("datagovtw", (200, "application/json", b'"just a string"'), "expected a JSON array of datasets"),
        ("datagovtw", (500, "text/plain", b"Internal Server Error"), "the source answered HTTP 500"),
        ("dcat", (500, "text/plain", b"oops"), "the source answered HTTP 500"),
        ("dcat", (200, "text/turtle", b"@prefix broken"), "the response is not valid turtle"),
        ("dcat", (200, "application/ld+json", b'{"@context": "https://example.org/ctx.jsonld"}'), "remote @context"),
        ("dcat", (200, "application/rdf+xml", b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "x">]><x/>'), "DOCTYPE"),
        ("dcat", (200, "text/turtle", b"<http://a> <http://b> <http://c> ."), "the RDF holds no dcat:Dataset"),
    ],
)
def test_garbage_sources_fail_with_a_reason(
    source_server: SourceServer, kind: str, answer: tuple[int, str, bytes], reason: str
) -> None:
    source_server.routes["/src"] = answer
    source_server.routes["/src/api/3/action/package_search"] = answer
    parsed = harvest(source_server.url("/src"), kind, LOCAL)  # type: ignore[arg-type]
    assert parsed.datasets == ()
    assert parsed.error is not None and reason in parsed.error, parsed.error


def test_a_ckan_page_failing_midway_fails_the_whole_harvest(source_server: SourceServer) -> None:
    pages = ckan_route(ckan_fixture_packages())

    def flaky(query: dict[str, str]) -> tuple[int, str, bytes]:
        return (500, "text/plain", b"down") if query.get("start") == "2" else pages(query)

    source_server.routes["/api/3/action/package_search"] = flaky
    parsed = harvest(source_server.base, "ckan", LOCAL, rows=2)
    assert parsed.datasets == ()
    assert parsed.error == "page 2 (start=2): the source answered HTTP 500"


def test_a_slow_source_times_out(source_server: SourceServer) -> None:
    source_server.routes["/slow"] = (200, "application/json", b"[]")
    source_server.delays["/slow"] = 1.5
    parsed = harvest(source_server.url("/slow"), "datagovtw", HttpFetcher(allow_private=True, timeout=0.3))
    assert parsed.error == "timed out after 0.3 s"


def test_an_oversized_answer_is_refused(source_server: SourceServer) -> None:
    source_server.routes["/big"] = (200, "application/json", datagovtw_fixture())
    parsed = harvest(source_server.url("/big"), "datagovtw", HttpFetcher(allow_private=True, max_bytes=1000))
    assert parsed.error is not None and "over the 1000-byte limit" in parsed.error


def test_loopback_is_refused_unless_allowed(source_server: SourceServer) -> None:
    source_server.routes["/src"] = (200, "application/json", datagovtw_fixture())
    parsed = harvest(source_server.url("/src"), "datagovtw", HttpFetcher(allow_private=False))
    assert parsed.error is not None
    assert parsed.error.startswith("refused before connecting: the URL host '127.0.0.1' resolves to a non-public")
    assert source_server.hits == {}
    assert harvest("ftp://example.org/x", "dcat", LOCAL).error == "the URL must start with http:// or https://"


def test_kind_is_guessed_from_the_url() -> None:
    assert guess_kind("https://demo.ckan.org/api/3/action/package_search") == "ckan"
    assert guess_kind("https://data.gov.tw/api/front/dataset/export?format=json") == "datagovtw"
    assert guess_kind("https://data.europa.eu/catalogue.ttl") == "dcat"
