"""What a DCAT-AP 3 catalogue holds, as plain frozen records: the shape both ways.

The catalogue's own tables are turned into these records for export, and every
harvest source (another DCAT catalogue, a CKAN Action API, data.gov.tw's export)
is parsed into them before anything touches the database. They are pure data:
no session, no HTTP, no rdflib.

Multilingual text is a mapping from a BCP 47 language tag (``zh-TW``, ``en``, or
whatever a harvested source used) to the text. Controlled values are the full
vocabulary URIs (see :mod:`digiplus.data.dcat.vocab`), never local codes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

LangText = Mapping[str, str]
"""Text per language tag, e.g. ``{"zh-TW": "公有停車場", "en": "Public car parks"}``."""


def pick_text(text: LangText, *preferred: str) -> str:
    """The text in the first preferred language present, else any, else ``""``."""
    for language in (*preferred, "zh-TW", "en"):
        if text.get(language):
            return text[language]
    return next((value for value in text.values() if value), "")


@dataclass(frozen=True)
class DcatAgent:
    """``foaf:Agent``: a publisher (or creator). ``name`` is required by DCAT-AP."""

    name: LangText
    uri: str | None = None
    type_uri: str | None = None  # ADMS publisher type, e.g. …/publishertype/NationalAuthority


@dataclass(frozen=True)
class DcatContact:
    """``vcard:Kind``: who answers questions about a dataset."""

    name: str | None = None
    email: str | None = None
    phone: str | None = None
    url: str | None = None

    def is_empty(self) -> bool:
        return not (self.name or self.email or self.phone or self.url)


@dataclass(frozen=True)
class DcatDistribution:
    """``dcat:Distribution``: one way to get the data (a file, an API)."""

    identifier: str
    access_url: str
    title: LangText = field(default_factory=dict)
    description: LangText = field(default_factory=dict)
    download_url: str | None = None
    media_type: str | None = None  # IANA media type, e.g. text/csv
    format: str | None = None  # EU file-type URI, e.g. …/file-type/CSV
    byte_size: int | None = None
    license: str | None = None
    issued: datetime | None = None
    modified: datetime | None = None


@dataclass(frozen=True)
class DcatSeries:
    """``dcat:DatasetSeries``: datasets published separately but belonging together (e.g. yearly)."""

    identifier: str
    title: LangText
    description: LangText = field(default_factory=dict)
    publisher: DcatAgent | None = None
    accrual_periodicity: str | None = None
    uri: str | None = None


@dataclass(frozen=True)
class DcatDataset:
    """``dcat:Dataset`` with the DCAT-AP 3 properties the catalogue keeps.

    ``identifier`` is the id in the catalogue it comes from (ours, or the
    harvested source's): together with the harvest source it is the dataset's
    stable identity. ``uri`` is its IRI when one is known (harvested RDF).
    ``column_names`` is not a DCAT property; it carries a source's column list
    (data.gov.tw's 主要欄位說明) into search.
    """

    identifier: str
    title: LangText
    description: LangText = field(default_factory=dict)
    publisher: DcatAgent | None = None
    contact_point: DcatContact | None = None
    themes: tuple[str, ...] = ()
    keywords: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    license: str | None = None
    access_rights: str | None = None
    accrual_periodicity: str | None = None
    temporal_start: date | None = None
    temporal_end: date | None = None
    spatial: tuple[str, ...] = ()
    issued: datetime | None = None
    modified: datetime | None = None
    landing_page: str | None = None
    documentation: tuple[str, ...] = ()
    language: tuple[str, ...] = ()
    version: str | None = None
    version_notes: LangText = field(default_factory=dict)
    in_series: tuple[str, ...] = ()  # identifiers of DcatSeries in the same catalogue
    distributions: tuple[DcatDistribution, ...] = ()
    column_names: tuple[str, ...] = ()
    uri: str | None = None


@dataclass(frozen=True)
class DcatCatalog:
    """``dcat:Catalog``: the catalogue itself, what it lists and who publishes it."""

    uri: str
    title: LangText
    description: LangText
    publisher: DcatAgent
    homepage: str | None = None
    language: tuple[str, ...] = ()
    modified: datetime | None = None
    datasets: tuple[DcatDataset, ...] = ()
    series: tuple[DcatSeries, ...] = ()


@dataclass(frozen=True)
class ItemFailure:
    """One item of a source that could not be turned into a dataset, and why."""

    identifier: str | None
    reason: str


@dataclass(frozen=True)
class ParsedSource:
    """What a harvest source gave: datasets (and series) plus per-item failures.

    ``error`` is set when the source as a whole failed (unreachable, not JSON, a
    500 …); then nothing from it may be written, even if some pages had arrived.
    """

    datasets: tuple[DcatDataset, ...] = ()
    series: tuple[DcatSeries, ...] = ()
    failures: tuple[ItemFailure, ...] = ()
    error: str | None = None
    pages: int = 0
