"""Route matching that looks only at the routers a request's path can reach (ADR 0023).

FastAPI (0.16x) matches a request by asking every included router in turn, and each router
asks every one of its routes: with ~350 routes the shop's product page cost 4.9 ms of matching
before its handler ran, a payment's POST 0.7 ms. ``index_routes(app)`` gives each included
router of the app the literal prefixes of its paths (``/v1/ledger/accounts/{id}`` →
``/v1/ledger/accounts/``) and has it answer "no match" at once, with one ``str.startswith``,
for a path outside them. What matches, and in which order, is unchanged: a router whose paths
could match is asked exactly as before (``tests/core/test_routing.py`` checks every route).

``_IncludedRouter`` is FastAPI's own (private) class: the subclass keeps every ``isinstance``
check of FastAPI (OpenAPI, redirects, telemetry) working. The version is pinned in ``uv.lock``;
an upgrade that changes the class fails ``tests/core/test_routing.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.routing import _IncludedRouter
from starlette.routing import Match
from starlette.types import Scope


def literal_prefix(path: str) -> str:
    """The part of a route's path before its first parameter: ``/shop/{slug}/p/{h}`` → ``/shop/``."""
    return path.split("{", 1)[0]


def route_path(scope: Scope) -> str:
    """The path routes match against (without the app's ``root_path``), as Starlette computes it."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


@dataclass
class PrefixedRouter(_IncludedRouter):
    """An included router that declines, without looking, a path none of its routes can match."""

    prefixes: tuple[str, ...] = ()

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if not route_path(scope).startswith(self.prefixes):
            return Match.NONE, {}
        return super().matches(scope)


def _paths(route: Any) -> Iterator[str]:
    if isinstance(route, _IncludedRouter):
        for candidate in route.effective_candidates():
            yield from _paths(candidate)
    else:
        path = getattr(route, "path_format", None) or getattr(route, "path", None)
        yield path if isinstance(path, str) else "/"


def index_routes(app: FastAPI) -> int:
    """Give each included router of ``app`` its prefixes; returns how many routers were indexed.

    Call it once every router is included. A router included later is matched the plain way.
    """
    routes = app.router.routes
    indexed = 0
    for i, route in enumerate(routes):
        if type(route) is not _IncludedRouter:
            continue
        prefixes = tuple(sorted({literal_prefix(path) for path in _paths(route)}))
        routes[i] = PrefixedRouter(
            original_router=route.original_router, include_context=route.include_context, prefixes=prefixes
        )
        indexed += 1
    return indexed
