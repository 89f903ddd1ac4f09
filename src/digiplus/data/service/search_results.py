"""What a catalogue search answers, shared by its two engines (search_sql.py and
search_memory.py): the query, the outcome, and the page's datasets read by primary key."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from digiplus.data.models import Dataset
from digiplus.data.service.search_facets import codes_of

FACETS = ("publisher", "theme", "licence", "format", "access")
Sort = Literal["relevance", "title", "modified"]


@dataclass
class SearchQuery:
    q: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    sort: Sort = "relevance"
    page: int = 1
    limit: int = 20


@dataclass(frozen=True, slots=True)
class SearchHitRow:
    """What a hit list shows of a dataset (the same attribute names as ``Dataset``)."""

    id: str
    org_id: str
    title_zh: str
    title_en: str
    description_zh: str
    description_en: str
    themes: list[str]
    licence: str
    access_rights: str
    modified: datetime


@dataclass
class SearchOutcome:
    total: int
    datasets: list[SearchHitRow]
    formats: dict[str, list[str]]
    facets: dict[str, list[tuple[str, int]]]
    suggestion: str | None = None


def ordered(counts: dict[str, int]) -> list[tuple[str, int]]:
    return sorted(((v, c) for v, c in counts.items() if c), key=lambda vc: (-vc[1], vc[0]))


def page_outcome(
    session: Session, total: int, facets: dict[str, list[tuple[str, int]]], page: list[tuple[str, int]]
) -> SearchOutcome:
    """The page's datasets, read by primary key in one statement (no ORM objects)."""
    ids = [dataset_id for dataset_id, _ in page]
    by_id: dict[str, SearchHitRow] = {}
    if ids:
        for row in session.execute(
            select(
                Dataset.id,
                Dataset.org_id,
                Dataset.title_zh,
                Dataset.title_en,
                Dataset.description_zh,
                Dataset.description_en,
                Dataset.themes,
                Dataset.licence,
                Dataset.access_rights,
                Dataset.modified,
            ).where(Dataset.id.in_(ids))
        ):
            by_id[row.id] = SearchHitRow(**row._mapping)
    datasets = [by_id[i] for i in ids if i in by_id]
    formats = {dataset_id: sorted(codes_of("format", bits)) for dataset_id, bits in page}
    return SearchOutcome(total=total, datasets=datasets, formats=formats, facets=facets)
