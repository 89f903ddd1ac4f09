"""The audit log page: the org's hash-chained history, newest first, for owners and admins."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Query
from starlette.responses import Response

from digiplus.core.api.deps import SessionDep
from digiplus.core.audit import service
from digiplus.web.deps import CallerDep, PageDep
from digiplus.web.errors import page_router
from digiplus.web.i18n import N_
from digiplus.web.service import actor_labels
from digiplus.web.shell import NavItem, page_response

router = page_router()
NAV = (NavItem(N_("Audit log"), "/audit", "audit", permission="audit.read", order=40),)
PAGE_SIZE = 50


def summarize(values: dict[str, Any] | None) -> str:
    """``{"name": "x", "role": "viewer"}`` → ``name=x, role=viewer`` (lists and dicts as compact JSON)."""
    if not values:
        return ""
    parts = []
    for key, value in values.items():
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        parts.append(f"{key}={shown}")
    return ", ".join(parts)


@router.get("/audit")
def audit_log(
    session: SessionDep,
    page: PageDep,
    caller: CallerDep,
    before: int | None = Query(default=None, ge=1),
) -> Response:
    page.section = "audit"
    result = service.list_entries(session, caller, limit=PAGE_SIZE, before_seq=before)
    actors = actor_labels(session, caller, {e.actor_id for e in result.entries})
    rows = [(entry, summarize(entry.before), summarize(entry.after)) for entry in result.entries]
    context = {
        "rows": rows,
        "actors": actors,
        "older_url": None if result.older_before is None else f"/audit?before={result.older_before}",
        "newer_url": _page_url(result.newer_before),
    }
    return page_response(page, "audit/log.html", context, fragment="audit/_entries.html")


def _page_url(before: int | None) -> str | None:
    if before is None:
        return None
    return "/audit" if before == 0 else f"/audit?before={before}"
