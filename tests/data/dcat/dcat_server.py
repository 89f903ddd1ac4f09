"""A real HTTP server for harvest tests (http.server in a thread), so nothing is mocked."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

FIXTURES = Path(__file__).parent / "fixtures"

Answer = tuple[int, str, bytes]
Route = Answer | Callable[[dict[str, str]], Answer]


class SourceServer:
    """Serve ``routes`` (path → answer or function of the query) on 127.0.0.1; count requests per path."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.delays: dict[str, float] = {}
        self.hits: dict[str, int] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                server.hits[parts.path] = server.hits.get(parts.path, 0) + 1
                route = server.routes.get(parts.path)
                if parts.path in server.delays:
                    time.sleep(server.delays[parts.path])
                if route is None:
                    status, ctype, body = 404, "text/plain", b"not found"
                elif callable(route):
                    status, ctype, body = route({k: v[0] for k, v in parse_qs(parts.query).items()})
                else:
                    status, ctype, body = route
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout tests)
                    pass

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def ckan_route(packages: list[dict[str, Any]]) -> Callable[[dict[str, str]], Answer]:
    """``package_search`` over ``packages``, honouring ``rows`` and ``start`` as CKAN does."""

    def answer(query: dict[str, str]) -> Answer:
        rows, start = int(query.get("rows", "10")), int(query.get("start", "0"))
        body = {
            "help": "package_search",
            "success": True,
            "result": {"count": len(packages), "results": packages[start : start + rows], "sort": query.get("sort")},
        }
        return 200, "application/json;charset=utf-8", json.dumps(body, ensure_ascii=False).encode()

    return answer


def ckan_fixture_packages() -> list[dict[str, Any]]:
    document = json.loads((FIXTURES / "ckan_package_search.json").read_text("utf-8"))
    packages: list[dict[str, Any]] = document["result"]["results"]
    return packages


def datagovtw_fixture() -> bytes:
    return (FIXTURES / "datagovtw_export.json").read_bytes()
