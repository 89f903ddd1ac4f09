"""DCAT-AP 3 export: SHACL conformance (the published shapes, pyshacl) and the serialisations."""

from __future__ import annotations

import json
from dataclasses import replace

from dcat_samples import BASE, sample_catalog, sample_datasets, sample_series, shapes
from pyshacl import validate
from rdflib import RDF, Graph, Literal, URIRef

from digiplus.data.dcat.export import catalog_graph, dataset_graph, to_jsonld, to_turtle
from digiplus.data.dcat.records import DcatAgent
from digiplus.data.dcat.sources.dcat import parse_graph
from digiplus.data.dcat.vocab import DCAT, DCT, FOAF


def conforms(graph: Graph) -> tuple[bool, str]:
    ok, _, text = validate(graph, shacl_graph=shapes())
    return bool(ok), str(text)


def test_the_catalogue_conforms_to_the_dcat_ap_3_shapes() -> None:
    ok, report = conforms(catalog_graph(sample_catalog()))
    assert ok, report


def test_the_shapes_do_catch_a_broken_catalogue() -> None:
    """The validation is not vacuous: a publisher without a name, or a dataset without a title, fails."""
    graph = catalog_graph(sample_catalog())
    graph.remove((None, FOAF.name, None))
    ok, report = conforms(graph)
    assert not ok
    assert "Result Path: foaf:name" in report

    untitled = catalog_graph(sample_catalog())
    untitled.remove((URIRef(f"{BASE}/datasets/ds_hotels"), DCT.title, None))
    assert not conforms(untitled)[0]


def test_jsonld_and_turtle_carry_the_same_graph_with_language_tags() -> None:
    graph = catalog_graph(sample_catalog())
    text = to_jsonld(graph)
    document = json.loads(text)
    assert document["@context"]["dcat"] == "http://www.w3.org/ns/dcat#"
    assert all(isinstance(v, str) for v in document["@context"].values())  # no remote context
    from_jsonld = parse_graph(text.encode(), "application/ld+json")
    assert isinstance(from_jsonld, Graph)
    from_turtle = Graph().parse(data=to_turtle(graph), format="turtle")
    assert len(from_jsonld) == len(from_turtle) == len(graph)
    parking = URIRef(f"{BASE}/datasets/ds_parking")
    titles = set(from_turtle.objects(parking, DCT.title))
    assert titles == {
        Literal("臺北市公有停車場即時剩餘車位", lang="zh-TW"),
        Literal("Taipei public car parks: free spaces now", lang="en"),
    }
    assert (parking, DCAT.inSeries, URIRef(f"{BASE}/series/ser_parking")) in from_jsonld
    catalog = URIRef(BASE)
    assert set(from_jsonld.objects(catalog, DCAT.dataset)) == {
        URIRef(f"{BASE}/datasets/ds_parking"),
        URIRef(f"{BASE}/datasets/ds_parking_2023"),
        URIRef(f"{BASE}/datasets/ds_hotels"),
        URIRef(f"{BASE}/series/ser_parking"),
    }
    assert set(from_jsonld.subjects(RDF.type, DCAT.Distribution)) == {
        URIRef(f"{BASE}/datasets/ds_parking/distributions/dist_parking_csv"),
        URIRef(f"{BASE}/datasets/ds_parking/distributions/dist_parking_parquet"),
        URIRef(f"{BASE}/datasets/ds_parking_2023/distributions/dist_2023_xlsx"),
    }


def test_only_the_records_given_are_exported() -> None:
    public_only = sample_catalog(datasets=sample_datasets()[2:])
    graph = catalog_graph(public_only)
    assert set(graph.subjects(RDF.type, DCAT.Distribution)) == set()
    assert {str(s) for s in graph.subjects(DCT.identifier, None)} == {
        f"{BASE}/datasets/ds_hotels",
        f"{BASE}/series/ser_parking",
    }


def test_mandatory_fallbacks_keep_sparse_records_valid() -> None:
    """A harvested dataset with no description and a publisher with no name still exports validly."""
    sparse = replace(sample_datasets()[2], description={}, publisher=DcatAgent(name={}), contact_point=None)
    ok, report = conforms(catalog_graph(sample_catalog(datasets=(sparse,))))
    assert ok, report


def test_one_dataset_document_conforms() -> None:
    graph = dataset_graph(BASE, sample_datasets()[0], sample_series())
    ok, report = conforms(graph)
    assert ok, report
    assert (URIRef(f"{BASE}/datasets/ds_parking"), RDF.type, DCAT.Dataset) in graph
