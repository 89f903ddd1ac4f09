"""DCAT-AP 3 out: a catalogue of records as an rdflib graph, JSON-LD or Turtle.

Pure: the caller passes records it already filtered to what the viewer may see
(the data module's access helper decides); nothing here reads the database.

DCAT-AP's SHACL shapes check ranges with ``sh:class`` and no inference, so every
node we point at is typed explicitly (a licence is a ``dct:LicenseDocument``, a
theme a ``skos:Concept`` with a label, a format a ``dct:MediaTypeOrExtent`` …).
A mandatory property we have no value for falls back to one we do (a dataset's
description to its title) rather than leaving the output invalid.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime
from urllib.parse import quote

from rdflib import RDF, RDFS, XSD, BNode, Graph, Literal, URIRef
from rdflib.term import Node

from digiplus.data.dcat.records import (
    DcatAgent,
    DcatCatalog,
    DcatContact,
    DcatDataset,
    DcatDistribution,
    DcatSeries,
    LangText,
)
from digiplus.data.dcat.vocab import ADMS, DCAT, DCT, FOAF, LOCN, SKOS, VCARD, iana_uri, language_uri, theme_label

CONTEXT: dict[str, str] = {
    "dcat": str(DCAT),
    "dct": str(DCT),
    "foaf": str(FOAF),
    "vcard": str(VCARD),
    "skos": str(SKOS),
    "adms": str(ADMS),
    "locn": str(LOCN),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
}
"""The JSON-LD ``@context``: prefixes only, so keys read ``dct:title`` and nothing is fetched."""


def _bind(graph: Graph) -> Graph:
    for prefix, namespace in CONTEXT.items():
        graph.bind(prefix, namespace, override=True)
    return graph


def _slug(value: str) -> str:
    return quote(value, safe="-._~")


def dataset_iri(base: str, dataset: DcatDataset) -> URIRef:
    return URIRef(dataset.uri or f"{base.rstrip('/')}/datasets/{_slug(dataset.identifier)}")


def series_iri(base: str, series: DcatSeries) -> URIRef:
    return URIRef(series.uri or f"{base.rstrip('/')}/series/{_slug(series.identifier)}")


def _typed(graph: Graph, uri: str, *types: URIRef) -> URIRef:
    node = URIRef(uri)
    for kind in types:
        graph.add((node, RDF.type, kind))
    return node


def _texts(graph: Graph, subject: Node, predicate: URIRef, text: LangText) -> None:
    for language, value in text.items():
        if value:
            graph.add((subject, predicate, Literal(value, lang=language or None)))


def _when(value: datetime | date) -> Literal:
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return Literal(moment.astimezone(UTC).replace(microsecond=0).isoformat(), datatype=XSD.dateTime)
    return Literal(value.isoformat(), datatype=XSD.date)


def _agent(graph: Graph, agent: DcatAgent) -> Node:
    node: Node = URIRef(agent.uri) if agent.uri else BNode()
    graph.add((node, RDF.type, FOAF.Agent))
    _texts(graph, node, FOAF.name, agent.name or {"": "—"})
    if agent.type_uri:
        graph.add((node, DCT.type, _concept(graph, agent.type_uri)))
    return node


def _concept(graph: Graph, uri: str) -> URIRef:
    node = _typed(graph, uri, SKOS.Concept)
    english, chinese = theme_label(uri)
    graph.add((node, SKOS.prefLabel, Literal(english, lang="en")))
    if chinese != english:
        graph.add((node, SKOS.prefLabel, Literal(chinese, lang="zh-TW")))
    return node


def _contact(graph: Graph, contact: DcatContact) -> BNode:
    node = BNode()
    graph.add((node, RDF.type, VCARD.Kind))
    graph.add((node, RDF.type, VCARD.Organization))
    if contact.name:
        graph.add((node, VCARD.fn, Literal(contact.name)))
    if contact.email:
        email = contact.email if contact.email.startswith("mailto:") else f"mailto:{contact.email}"
        graph.add((node, VCARD.hasEmail, URIRef(email)))
    if contact.phone:
        graph.add((node, VCARD.hasTelephone, Literal(contact.phone)))
    if contact.url:
        graph.add((node, VCARD.hasURL, URIRef(contact.url)))
    return node


def _distribution(graph: Graph, dataset_node: URIRef, item: DcatDistribution) -> URIRef:
    node = URIRef(f"{dataset_node}/distributions/{_slug(item.identifier)}")
    graph.add((node, RDF.type, DCAT.Distribution))
    graph.add((node, DCT.identifier, Literal(item.identifier)))
    graph.add((node, DCAT.accessURL, _typed(graph, item.access_url, RDFS.Resource)))
    if item.download_url:
        graph.add((node, DCAT.downloadURL, _typed(graph, item.download_url, RDFS.Resource)))
    _texts(graph, node, DCT.title, item.title)
    _texts(graph, node, DCT.description, item.description)
    if item.media_type:
        graph.add((node, DCAT.mediaType, _typed(graph, iana_uri(item.media_type), DCT.MediaType)))
    if item.format:
        graph.add((node, DCT["format"], _typed(graph, item.format, DCT.MediaTypeOrExtent)))
    if item.byte_size is not None:
        graph.add((node, DCAT.byteSize, Literal(item.byte_size, datatype=XSD.nonNegativeInteger)))
    if item.license:
        graph.add((node, DCT.license, _typed(graph, item.license, DCT.LicenseDocument)))
    if item.issued:
        graph.add((node, DCT.issued, _when(item.issued)))
    if item.modified:
        graph.add((node, DCT.modified, _when(item.modified)))
    return node


def add_dataset(graph: Graph, base: str, dataset: DcatDataset, series: dict[str, URIRef] | None = None) -> URIRef:
    """The dataset's triples; ``series`` maps series identifiers to IRIs (unknown ones are left out)."""
    node = dataset_iri(base, dataset)
    graph.add((node, RDF.type, DCAT.Dataset))
    graph.add((node, DCT.identifier, Literal(dataset.identifier)))
    _texts(graph, node, DCT.title, dataset.title)
    _texts(graph, node, DCT.description, dataset.description or dataset.title)
    if dataset.publisher:
        graph.add((node, DCT.publisher, _agent(graph, dataset.publisher)))
    if dataset.contact_point and not dataset.contact_point.is_empty():
        graph.add((node, DCAT.contactPoint, _contact(graph, dataset.contact_point)))
    for theme in dataset.themes:
        graph.add((node, DCAT.theme, _concept(graph, theme)))
    for language, words in dataset.keywords.items():
        for word in words:
            graph.add((node, DCAT.keyword, Literal(word, lang=language or None)))
    if dataset.access_rights:
        graph.add((node, DCT.accessRights, _typed(graph, dataset.access_rights, DCT.RightsStatement)))
    if dataset.accrual_periodicity:
        graph.add((node, DCT.accrualPeriodicity, _typed(graph, dataset.accrual_periodicity, DCT.Frequency)))
    if dataset.temporal_start or dataset.temporal_end:
        period = BNode()
        graph.add((period, RDF.type, DCT.PeriodOfTime))
        if dataset.temporal_start:
            graph.add((period, DCAT.startDate, _when(dataset.temporal_start)))
        if dataset.temporal_end:
            graph.add((period, DCAT.endDate, _when(dataset.temporal_end)))
        graph.add((node, DCT.temporal, period))
    for place in dataset.spatial:
        graph.add((node, DCT.spatial, _typed(graph, place, DCT.Location)))
    if dataset.issued:
        graph.add((node, DCT.issued, _when(dataset.issued)))
    if dataset.modified:
        graph.add((node, DCT.modified, _when(dataset.modified)))
    if dataset.landing_page:
        graph.add((node, DCAT.landingPage, _typed(graph, dataset.landing_page, FOAF.Document)))
    for page in dataset.documentation:
        graph.add((node, FOAF.page, _typed(graph, page, FOAF.Document)))
    for tag in dataset.language:
        uri = language_uri(tag)
        if uri:
            graph.add((node, DCT.language, _typed(graph, uri, DCT.LinguisticSystem)))
    if dataset.version:
        graph.add((node, DCAT.version, Literal(dataset.version)))
    _texts(graph, node, ADMS.versionNotes, dataset.version_notes)
    for identifier in dataset.in_series:
        if series and identifier in series:
            graph.add((node, DCAT.inSeries, series[identifier]))
    for item in dataset.distributions:
        if item.license is None and dataset.license:  # DCAT-AP puts the licence on distributions
            item = replace(item, license=dataset.license)
        graph.add((node, DCAT.distribution, _distribution(graph, node, item)))
    return node


def add_series(graph: Graph, base: str, series: DcatSeries) -> URIRef:
    """A ``dcat:DatasetSeries`` — typed ``dcat:Dataset`` as well (its superclass), so catalogues list it."""
    node = series_iri(base, series)
    graph.add((node, RDF.type, DCAT.DatasetSeries))
    graph.add((node, RDF.type, DCAT.Dataset))
    graph.add((node, DCT.identifier, Literal(series.identifier)))
    _texts(graph, node, DCT.title, series.title)
    _texts(graph, node, DCT.description, series.description or series.title)
    if series.publisher:
        graph.add((node, DCT.publisher, _agent(graph, series.publisher)))
    if series.accrual_periodicity:
        graph.add((node, DCT.accrualPeriodicity, _typed(graph, series.accrual_periodicity, DCT.Frequency)))
    return node


def catalog_graph(catalog: DcatCatalog) -> Graph:
    """The whole catalogue: ``dcat:Catalog`` with its publisher, series, datasets and distributions."""
    graph = _bind(Graph())
    base = catalog.uri
    node = URIRef(catalog.uri)
    graph.add((node, RDF.type, DCAT.Catalog))
    _texts(graph, node, DCT.title, catalog.title)
    _texts(graph, node, DCT.description, catalog.description or catalog.title)
    graph.add((node, DCT.publisher, _agent(graph, catalog.publisher)))
    if catalog.homepage:
        graph.add((node, FOAF.homepage, _typed(graph, catalog.homepage, FOAF.Document)))
    for tag in catalog.language:
        uri = language_uri(tag)
        if uri:
            graph.add((node, DCT.language, _typed(graph, uri, DCT.LinguisticSystem)))
    if catalog.modified:
        graph.add((node, DCT.modified, _when(catalog.modified)))
    series_nodes = {item.identifier: add_series(graph, base, item) for item in catalog.series}
    for series_node in series_nodes.values():
        graph.add((node, DCAT.dataset, series_node))
    for dataset in catalog.datasets:
        graph.add((node, DCAT.dataset, add_dataset(graph, base, dataset, series_nodes)))
    return graph


def dataset_graph(base: str, dataset: DcatDataset, series: tuple[DcatSeries, ...] = ()) -> Graph:
    """One dataset on its own (``/v1/datasets/{id}.jsonld``), with the series it belongs to."""
    graph = _bind(Graph())
    series_nodes = {item.identifier: add_series(graph, base, item) for item in series}
    add_dataset(graph, base, dataset, series_nodes)
    return graph


def to_jsonld(graph: Graph) -> str:
    """JSON-LD compacted with :data:`CONTEXT` (prefixes only; no remote context)."""
    text = graph.serialize(format="json-ld", context=CONTEXT, auto_compact=True, indent=None)
    return json.dumps(json.loads(text), ensure_ascii=False, separators=(",", ":"))


def to_turtle(graph: Graph) -> str:
    return graph.serialize(format="turtle")
