"""The public catalogue: ``/data`` (search, facets, sorting, pages) and ``/data/publishers/{org}``.

Open to anonymous visitors (the public, live catalogue, as an open-data portal); a logged-in
viewer sees what its org may see in its mode. Server-rendered; HTMX swaps only the results
when a facet box is ticked, and every state is a plain GET URL (shareable, indexable).
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import Path, Query, Request
from markupsafe import Markup, escape
from starlette.responses import Response

from digiplus.core.api.deps import SessionDep
from digiplus.data.pages.common import Labels, absolute, respond, viewer
from digiplus.data.service.pages_support import get_publisher, org_names
from digiplus.data.service.search import FACETS, SearchOutcome, SearchQuery, search
from digiplus.web.deps import OptionalPageDep
from digiplus.web.errors import page_router

router = page_router()
PER_PAGE = 20
FACET_SHOWN = 8
Filter = Annotated[list[str] | None, Query(max_length=20)]
Sort = Literal["relevance", "title", "modified"]


def snippet(text: str, q: str, width: int = 160) -> Markup:
    """A piece of ``text`` around the first word of ``q`` found in it, that word marked."""
    text = " ".join(text.split())
    words = [w for w in q.split() if w]
    at, hit = -1, ""
    for w in words:
        at = text.lower().find(w.lower())
        if at >= 0:
            hit = text[at : at + len(w)]
            break
    if at < 0:
        return escape(text[:width] + ("…" if len(text) > width else ""))
    start = max(0, at - width // 3)
    end = min(len(text), start + width)
    before, after = text[start:at], text[at + len(hit) : end]
    return Markup("{}{}<mark>{}</mark>{}{}").format(
        "…" if start else "", before, hit, after, "…" if end < len(text) else ""
    )


def _url(base: str, q: str, filters: dict[str, list[str]], sort: str, page: int = 1) -> str:
    params: list[tuple[str, str]] = [("q", q)] if q else []
    for facet in FACETS:
        params += [(facet, v) for v in filters.get(facet, [])]
    if sort != "relevance":
        params.append(("sort", sort))
    if page > 1:
        params.append(("page", str(page)))
    return base + ("?" + urlencode(params) if params else "")


def _results_context(
    session: SessionDep, outcome: SearchOutcome, base: str, q: str, filters: dict[str, list[str]], sort: str, page: int
) -> dict[str, Any]:
    ids = {d.org_id for d in outcome.datasets} | {v for v, _ in outcome.facets.get("publisher", [])}
    pages = max(1, math.ceil(outcome.total / PER_PAGE))
    facets = {}
    for facet in FACETS:
        values = outcome.facets.get(facet, [])
        chosen = set(filters.get(facet, []))
        shown = [(v, c) for v, c in values[:FACET_SHOWN]] + [(v, c) for v, c in values[FACET_SHOWN:] if v in chosen]
        facets[facet] = [(v, c, v in chosen) for v, c in shown]
    return {
        "q": q,
        "filters": filters,
        "sort": sort,
        "outcome": outcome,
        "facets": facets,
        "names": org_names(session, sorted(ids)),
        "page_no": page,
        "pages": pages,
        "base": base,
        "page_url": lambda n: _url(base, q, filters, sort, n),
        "sort_url": lambda s: _url(base, q, filters, s, 1),
        "snippet": snippet,
        "any_filter": any(filters.values()),
    }


def _run_search(
    session: SessionDep, page_caller: Any, q: str, filters: dict[str, list[str]], sort: Sort, page: int
) -> SearchOutcome:
    query = SearchQuery(q=q.strip(), filters=filters, sort=sort, page=page, limit=PER_PAGE)
    return search(session, page_caller, query)


@router.get("/data")
def catalogue_page(
    request: Request,
    session: SessionDep,
    page: OptionalPageDep,
    q: Annotated[str, Query(max_length=200)] = "",
    publisher: Filter = None,
    theme: Filter = None,
    licence: Filter = None,
    format: Filter = None,
    access: Filter = None,
    sort: Sort = "relevance",
    page_no: Annotated[int, Query(alias="page", ge=1, le=500)] = 1,
) -> Response:
    view = viewer(request, page)
    raw = {"publisher": publisher, "theme": theme, "licence": licence, "format": format, "access": access}
    filters = {k: [x for x in v if x][:20] for k, v in raw.items() if v}
    outcome = _run_search(session, view.caller, q, filters, sort, page_no)
    context = _results_context(session, outcome, "/data", q.strip(), filters, sort, page_no)
    labels = Labels(view.locale)
    context |= {
        "canonical": absolute(_url("/data", "", {}, "relevance", 1)),
        # A result page is for people; the catalogue home and dataset pages are for search engines.
        "noindex": bool(q.strip() or context["any_filter"] or sort != "relevance" or page_no > 1),
        "L": labels,
    }
    return respond(view, "data/catalogue.html", context, fragment="data/_results.html")


@router.get("/data/publishers/{org_id}")
def publisher_page(
    request: Request,
    org_id: Annotated[str, Path(max_length=64, pattern=r"^org_[A-Za-z0-9]+$")],
    session: SessionDep,
    page: OptionalPageDep,
    q: Annotated[str, Query(max_length=200)] = "",
    theme: Filter = None,
    format: Filter = None,
    licence: Filter = None,
    access: Filter = None,
    sort: Sort = "modified",
    page_no: Annotated[int, Query(alias="page", ge=1, le=500)] = 1,
) -> Response:
    view = viewer(request, page)
    publisher = get_publisher(session, view.caller, org_id)
    raw = {"theme": theme, "licence": licence, "format": format, "access": access}
    filters = {k: [x for x in v if x][:20] for k, v in raw.items() if v}
    outcome = _run_search(session, view.caller, q, filters | {"publisher": [org_id]}, sort, page_no)
    base = f"/data/publishers/{org_id}"
    context = _results_context(session, outcome, base, q.strip(), filters, sort, page_no)
    context["facets"].pop("publisher", None)
    context |= {
        "publisher": publisher,
        "canonical": absolute(base),
        "noindex": bool(q.strip() or filters or page_no > 1),
    }
    return respond(view, "data/publisher.html", context, fragment="data/_results.html")
