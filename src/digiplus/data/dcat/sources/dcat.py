"""Harvest another DCAT catalogue: RDF (JSON-LD, Turtle, RDF/XML) → dataset records.

The serialisation is chosen by the response's content type (sniffed when the
server says nothing useful). Two things are refused before parsing, because a
parser would otherwise reach out on the source's behalf: JSON-LD with a remote
``@context`` (rdflib would fetch it) and XML with a DOCTYPE (entities).
"""

from __future__ import annotations

import json
import re
import warnings
from collections import defaultdict
from typing import Any

from rdflib import RDF, Graph, Literal, URIRef
from rdflib.term import Node

from digiplus.data.dcat.records import (
    DcatAgent,
    DcatContact,
    DcatDataset,
    DcatDistribution,
    DcatSeries,
    ItemFailure,
    ParsedSource,
)
from digiplus.data.dcat.sources.common import MAX_SHORT, MAX_TEXT, guess_language, parse_date, parse_datetime
from digiplus.data.dcat.vocab import ADMS, DCAT, DCT, FOAF, VCARD, language_tag, media_type_from_uri

RDF_CONTENT_TYPES = {
    "application/ld+json": "json-ld",
    "application/json": "json-ld",
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/rdf+xml": "xml",
    "application/xml": "xml",
    "text/xml": "xml",
    "application/n-triples": "nt",
    "text/n3": "n3",
}
ACCEPT = "application/ld+json, text/turtle;q=0.9, application/rdf+xml;q=0.8"


def rdf_format(content_type: str, body: bytes) -> str | None:
    """The rdflib parser for a response, or ``None`` when it is not RDF we read (HTML, images …)."""
    media = content_type.split(";", 1)[0].strip().lower()
    if media in RDF_CONTENT_TYPES:
        return RDF_CONTENT_TYPES[media]
    if media and media not in ("application/octet-stream", "text/plain"):
        return None
    head = body.lstrip()[:200]
    if head.startswith((b"{", b"[")):
        return "json-ld"
    if head.startswith((b"<?xml", b"<rdf:RDF")):
        return "xml"
    if head.startswith((b"@prefix", b"@base", b"PREFIX", b"<http")):
        return "turtle"
    return None


def _remote_contexts(document: Any) -> bool:
    if isinstance(document, dict):
        for key, value in document.items():
            if key == "@context":
                values = value if isinstance(value, list) else [value]
                if any(isinstance(item, str) for item in values):
                    return True
                if any(_remote_contexts(item) for item in values if isinstance(item, dict)):
                    return True
            elif _remote_contexts(value):
                return True
    elif isinstance(document, list):
        return any(_remote_contexts(item) for item in document)
    return False


def parse_graph(body: bytes, content_type: str) -> Graph | str:
    """The RDF graph, or a reason why the body is not one we accept."""
    fmt = rdf_format(content_type, body)
    if fmt is None:
        shown = content_type.split(";", 1)[0].strip() or "no content type"
        return f"the source answered {shown}, not RDF (JSON-LD, Turtle or RDF/XML)"
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        return "the response is not UTF-8 text"
    if fmt == "json-ld":
        try:
            document = json.loads(text)
        except ValueError as exc:
            return f"the response is not valid JSON ({exc})"
        if _remote_contexts(document):
            return "JSON-LD with a remote @context is not harvested (it would be fetched); send an inline context, Turtle or RDF/XML"
    if fmt == "xml" and re.search(r"<!(DOCTYPE|ENTITY)", text[:10_000], re.IGNORECASE):
        return "XML with a DOCTYPE or entity declarations is refused"
    graph = Graph()
    try:
        with warnings.catch_warnings():  # rdflib's JSON-LD parser uses its own deprecated ConjunctiveGraph
            warnings.simplefilter("ignore", DeprecationWarning)
            graph.parse(data=text, format=fmt)
    except Exception as exc:  # rdflib raises many kinds; any of them means "not valid RDF"
        return f"the response is not valid {fmt} ({type(exc).__name__}: {str(exc)[:200]})"
    return graph


def _texts(graph: Graph, subject: Node, predicate: URIRef, limit: int = MAX_SHORT) -> dict[str, str]:
    found: dict[str, str] = {}
    for value in graph.objects(subject, predicate):
        if isinstance(value, Literal) and str(value).strip():
            text = str(value).strip()[:limit]
            found.setdefault(value.language or guess_language(text), text)
    return found


def _one(graph: Graph, subject: Node, predicate: URIRef) -> Node | None:
    return next(iter(graph.objects(subject, predicate)), None)


def _iri(graph: Graph, subject: Node, predicate: URIRef) -> str | None:
    value = _one(graph, subject, predicate)
    return str(value) if isinstance(value, URIRef) else None


def _iris(graph: Graph, subject: Node, predicate: URIRef) -> tuple[str, ...]:
    return tuple(sorted(str(v) for v in graph.objects(subject, predicate) if isinstance(v, URIRef)))


def _literal(graph: Graph, subject: Node, predicate: URIRef) -> str | None:
    value = _one(graph, subject, predicate)
    return str(value).strip() if isinstance(value, Literal) and str(value).strip() else None


def _agent(graph: Graph, node: Node | None) -> DcatAgent | None:
    if node is None:
        return None
    name = _texts(graph, node, FOAF.name)
    if not name:
        return None
    return DcatAgent(
        name=name, uri=str(node) if isinstance(node, URIRef) else None, type_uri=_iri(graph, node, DCT.type)
    )


def _contact(graph: Graph, node: Node | None) -> DcatContact | None:
    if node is None:
        return None
    email = _iri(graph, node, VCARD.hasEmail) or _literal(graph, node, VCARD.hasEmail)
    contact = DcatContact(
        name=_literal(graph, node, VCARD.fn),
        email=email.removeprefix("mailto:") if email else None,
        phone=_literal(graph, node, VCARD.hasTelephone),
        url=_iri(graph, node, VCARD.hasURL),
    )
    return None if contact.is_empty() else contact


def _identifier(graph: Graph, node: Node) -> str:
    return _literal(graph, node, DCT.identifier) or str(node)


def _distribution(graph: Graph, node: Node) -> DcatDistribution | str:
    access = _iri(graph, node, DCAT.accessURL) or _iri(graph, node, DCAT.downloadURL)
    if access is None:
        return "a distribution has no dcat:accessURL"
    size = _literal(graph, node, DCAT.byteSize)
    media = _iri(graph, node, DCAT.mediaType) or _literal(graph, node, DCAT.mediaType)
    fmt = _iri(graph, node, DCT["format"])
    return DcatDistribution(
        identifier=_identifier(graph, node),
        access_url=access,
        download_url=_iri(graph, node, DCAT.downloadURL),
        title=_texts(graph, node, DCT.title),
        description=_texts(graph, node, DCT.description, MAX_TEXT),
        media_type=media_type_from_uri(media) if media else None,
        format=fmt,
        byte_size=int(size) if size and size.isdigit() else None,
        license=_iri(graph, node, DCT.license),
        issued=parse_datetime(_literal(graph, node, DCT.issued)),
        modified=parse_datetime(_literal(graph, node, DCT.modified)),
    )


def _dataset(graph: Graph, node: Node, series_ids: dict[str, str]) -> DcatDataset | str:
    title = _texts(graph, node, DCT.title)
    if not title:
        return "the dataset has no dct:title"
    distributions = []
    for item in sorted(graph.objects(node, DCAT.distribution), key=str):
        parsed = _distribution(graph, item)
        if isinstance(parsed, str):
            return parsed
        distributions.append(parsed)
    licences = {item.license for item in distributions if item.license}
    keywords: dict[str, list[str]] = defaultdict(list)
    for word in graph.objects(node, DCAT.keyword):
        if isinstance(word, Literal) and str(word).strip():
            text = str(word).strip()[:MAX_SHORT]
            keywords[word.language or guess_language(text)].append(text)
    period = _one(graph, node, DCT.temporal)
    start = end = None
    if period is not None:
        start = parse_date(_literal(graph, period, DCAT.startDate))
        end = parse_date(_literal(graph, period, DCAT.endDate))
    languages = [language_tag(uri) for uri in _iris(graph, node, DCT.language)]
    return DcatDataset(
        identifier=_identifier(graph, node),
        title=title,
        description=_texts(graph, node, DCT.description, MAX_TEXT),
        publisher=_agent(graph, _one(graph, node, DCT.publisher)),
        contact_point=_contact(graph, _one(graph, node, DCAT.contactPoint)),
        themes=_iris(graph, node, DCAT.theme),
        keywords={language: tuple(sorted(words)) for language, words in keywords.items()},
        license=licences.pop() if len(licences) == 1 else None,
        access_rights=_iri(graph, node, DCT.accessRights),
        accrual_periodicity=_iri(graph, node, DCT.accrualPeriodicity),
        temporal_start=start,
        temporal_end=end,
        spatial=_iris(graph, node, DCT.spatial),
        issued=parse_datetime(_literal(graph, node, DCT.issued)),
        modified=parse_datetime(_literal(graph, node, DCT.modified)),
        landing_page=_iri(graph, node, DCAT.landingPage),
        documentation=_iris(graph, node, FOAF.page),
        language=tuple(sorted(tag for tag in languages if tag)),
        version=_literal(graph, node, DCAT.version),
        version_notes=_texts(graph, node, ADMS.versionNotes, MAX_TEXT),
        in_series=tuple(sorted(series_ids[str(s)] for s in graph.objects(node, DCAT.inSeries) if str(s) in series_ids)),
        distributions=tuple(distributions),
        uri=str(node) if isinstance(node, URIRef) else None,
    )


def records_from_graph(graph: Graph, *, max_items: int = 100_000) -> ParsedSource:
    """Every ``dcat:Dataset`` (and ``dcat:DatasetSeries``) in the graph as records, failures beside them."""
    series_nodes = sorted(set(graph.subjects(RDF.type, DCAT.DatasetSeries)), key=str)
    series: list[DcatSeries] = []
    series_ids: dict[str, str] = {}
    failures: list[ItemFailure] = []
    for node in series_nodes:
        title = _texts(graph, node, DCT.title)
        identifier = _identifier(graph, node)
        if not title:
            failures.append(ItemFailure(identifier, "the dataset series has no dct:title"))
            continue
        series_ids[str(node)] = identifier
        series.append(
            DcatSeries(
                identifier=identifier,
                title=title,
                description=_texts(graph, node, DCT.description, MAX_TEXT),
                publisher=_agent(graph, _one(graph, node, DCT.publisher)),
                accrual_periodicity=_iri(graph, node, DCT.accrualPeriodicity),
                uri=str(node) if isinstance(node, URIRef) else None,
            )
        )
    datasets: list[DcatDataset] = []
    nodes = sorted(set(graph.subjects(RDF.type, DCAT.Dataset)) - set(series_nodes), key=str)
    if not nodes and not series:
        return ParsedSource(error="the RDF holds no dcat:Dataset")
    for node in nodes[:max_items]:
        parsed = _dataset(graph, node, series_ids)
        if isinstance(parsed, str):
            failures.append(ItemFailure(_identifier(graph, node), parsed))
        else:
            datasets.append(parsed)
    if len(nodes) > max_items:
        failures.append(
            ItemFailure(None, f"the source lists {len(nodes)} datasets; only the first {max_items} were read")
        )
    return ParsedSource(datasets=tuple(datasets), series=tuple(series), failures=tuple(failures), pages=1)


def parse_dcat(body: bytes, content_type: str, *, max_items: int = 100_000) -> ParsedSource:
    graph = parse_graph(body, content_type)
    if isinstance(graph, str):
        return ParsedSource(error=graph)
    return records_from_graph(graph, max_items=max_items)
