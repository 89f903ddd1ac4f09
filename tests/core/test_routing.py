"""The route index (core/api/routing.py) changes how fast a request finds its route, never which."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from fastapi.routing import _IncludedRouter
from starlette.routing import Match

from digiplus.app import create_app
from digiplus.core.api.routing import PrefixedRouter, _paths, literal_prefix


def _resolve(app: Any, scope: dict[str, Any], *, indexed: bool) -> tuple[Match, Any]:
    """The route a request reaches: the first full match, else the first partial one (a 405)."""
    partial = None
    for route in app.router.routes:
        if not indexed and isinstance(route, PrefixedRouter):
            match, _ = _IncludedRouter.matches(route, scope)  # the plain way, without the prefix test
        else:
            match, _ = route.matches(scope)
        if match == Match.NONE:
            continue
        found = route._match(scope)[2] if isinstance(route, _IncludedRouter) else route
        if match == Match.FULL:
            return match, found
        partial = partial or (match, found)
    return partial or (Match.NONE, None)


@cache
def _app() -> Any:
    return create_app(run_worker=False)


def _scope(method: str, path: str) -> dict[str, Any]:
    return {"type": "http", "method": method, "path": path, "root_path": "", "headers": [], "query_string": b""}


def test_every_route_is_reached_as_without_the_index() -> None:
    app = _app()
    assert sum(isinstance(r, PrefixedRouter) for r in app.router.routes) >= 20
    samples = {re.sub(r"\{[^}]+\}", "x1", path) for route in app.router.routes for path in _paths(route)}
    samples |= {"/", "/nowhere", "/v1/nowhere", "/shop", "/login/", "/v1/ledger/transfers/"}
    assert len(samples) > 250
    # The index looks at the path only (a method that does not fit is a partial match either way).
    for path in sorted(samples):
        scope = _scope("GET", path)
        assert _resolve(app, scope, indexed=True) == _resolve(app, scope, indexed=False), path


def test_a_router_declines_paths_outside_its_prefixes() -> None:
    app = _app()
    ledger = next(r for r in app.router.routes if isinstance(r, PrefixedRouter) and "/v1/ledger/accounts" in r.prefixes)
    assert ledger.matches(_scope("GET", "/v1/payment_intents"))[0] == Match.NONE
    assert ledger.matches(_scope("GET", "/v1/ledger/accounts"))[0] == Match.FULL
    assert literal_prefix("/shop/{slug}/p/{handle}") == "/shop/"


def test_the_openapi_document_lists_every_api_route() -> None:
    paths = _app().openapi()["paths"]
    assert "/v1/ledger/transfers" in paths and "/v1/payment_intents" in paths and len(paths) > 150
