"""A browser for the page tests: a TestClient that fills in the CSRF token of the page it saw."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi.testclient import TestClient

PASSWORD = "correct horse battery staple"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page has no CSRF field"
    return found.group(1)


@dataclass
class Member:
    user_id: str
    email: str
    org_id: str


@dataclass
class Browser:
    """A TestClient with its own cookies, that fills in the CSRF token of the page it last saw."""

    client: TestClient
    member: Member | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def get(self, url: str, **kw: Any) -> httpx.Response:
        return self.client.get(url, **kw)

    def token(self, url: str = "/") -> str:
        return csrf_of(self.client.get(url).text)

    def post(
        self, url: str, data: dict[str, Any] | None = None, *, csrf_from: str | None = "/", **kw: Any
    ) -> httpx.Response:
        form = dict(data or {})
        if csrf_from is not None:
            form.setdefault("csrf_token", self.token(csrf_from))
        kw.setdefault("follow_redirects", False)
        return self.client.post(url, data=form, **kw)

    def login(self, email: str, password: str = PASSWORD, next_path: str = "/") -> httpx.Response:
        return self.post("/login", {"email": email, "password": password, "next": next_path}, csrf_from="/login")
