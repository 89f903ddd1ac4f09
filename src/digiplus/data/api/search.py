"""``/v1/catalog/search`` and ``/v1/catalog/vocabularies``: open to anonymous visitors."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from digiplus.core.api.deps import SessionDep
from digiplus.core.api.responses import ERROR_RESPONSES
from digiplus.data.api.deps import MaybeCaller
from digiplus.data.schemas import SearchResult
from digiplus.data.serializers import search_hit_json
from digiplus.data.service.search import SearchQuery, search
from digiplus.data.vocab import ACCESS_RIGHTS, FORMATS, FREQUENCIES, LICENCES, THEMES

router = APIRouter(prefix="/v1/catalog", tags=["data"], responses=ERROR_RESPONSES)
Filter = Annotated[list[str] | None, Query(max_length=20)]


@router.get("/search", response_model=SearchResult, summary="Full-text search of the catalogue, with facets")
def search_catalog(
    session: SessionDep,
    caller: MaybeCaller,
    q: Annotated[str, Query(max_length=200, description="Words in Chinese or English; empty lists everything.")] = "",
    publisher: Filter = None,
    theme: Filter = None,
    licence: Filter = None,
    format: Filter = None,
    access: Filter = None,
    sort: Literal["relevance", "title", "modified"] = "relevance",
    page: Annotated[int, Query(ge=1, le=500)] = 1,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> JSONResponse:
    """Every word must match (Chinese by its character pairs, so a word inside a longer title
    is found). Facet counts are over the whole filtered result. Restricted and alliance-only
    datasets appear only to those allowed to see them."""
    filters = {"publisher": publisher, "theme": theme, "licence": licence, "format": format, "access": access}
    query = SearchQuery(q=q, filters={k: v for k, v in filters.items() if v}, sort=sort, page=page, limit=limit)
    outcome = search(session, caller, query)
    # The SearchResult shape (response_model, for the schema) built as plain JSON values: the
    # hot path skips a model per hit and the response validation (tests check the shape).
    return JSONResponse(
        {
            "object": "search_result",
            "query": q,
            "total": outcome.total,
            "page": page,
            "limit": limit,
            "has_more": page * limit < outcome.total,
            "data": [search_hit_json(d, outcome.formats.get(d.id, [])) for d in outcome.datasets],
            "facets": {k: [{"value": v, "count": c} for v, c in values] for k, values in outcome.facets.items()},
            "suggestion": outcome.suggestion,
        }
    )


@router.get("/vocabularies", summary="The codes datasets use: themes, licences, frequencies, access rights, formats")
def vocabularies() -> dict[str, Any]:
    return {
        "object": "vocabularies",
        "themes": [{"code": c, "en": en, "zh-TW": zh} for c, (en, zh) in THEMES.items()],
        "licences": [
            {"code": x.code, "uri": x.uri, "en": x.title_en, "zh-TW": x.title_zh, "open": x.open}
            for x in LICENCES.values()
        ],
        "frequencies": [{"code": c, "en": en, "zh-TW": zh} for c, (en, zh) in FREQUENCIES.items()],
        "access_rights": [{"code": c, "eu": eu, "en": en, "zh-TW": zh} for c, (eu, en, zh) in ACCESS_RIGHTS.items()],
        "formats": [{"code": c, "media_type": m} for c, m in FORMATS.items()],
    }
