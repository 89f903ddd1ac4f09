"""A logged-in test browser for the commerce pages (CSRF filled in from the page)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Web:
    client: TestClient

    def get(self, url: str, **kw: Any) -> Any:
        return self.client.get(url, **kw)

    def token(self, url: str = "/") -> str:
        found = CSRF.search(self.client.get(url).text)
        assert found, f"{url} has no CSRF field"
        return found.group(1)

    def post(self, url: str, data: dict[str, Any] | None = None, **kw: Any) -> Any:
        form = dict(data or {})
        form.setdefault("csrf_token", self.token())
        kw.setdefault("follow_redirects", False)
        return self.client.post(url, data=form, **kw)
