"""Logged-in browsers for the commerce pages (the same shape as the payments page tests')."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from digiplus.core.db import Database
from digiplus.identity import service
from digiplus.identity.schemas import UserCreate

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


@pytest.fixture
def web_for(app: Any, db: Database) -> Iterator[Callable[..., Web]]:
    clients: list[TestClient] = []
    counter = iter(range(1000))

    def _make(org_id: str, role: str = "owner", locale: str = "en") -> Web:
        email = f"shopper{next(counter)}@example.com"
        with db.session() as s:
            user = service.create_user(s, UserCreate(email=email, name="Lin", password=PASSWORD, locale=locale))  # type: ignore[arg-type]
            service.add_member(s, None, org_id, user.id, role)  # type: ignore[arg-type]
        client = TestClient(app)
        client.__enter__()
        clients.append(client)
        token = CSRF.search(client.get("/login").text)
        assert token
        r = client.post(
            "/login",
            data={"email": email, "password": PASSWORD, "next": "/", "csrf_token": token.group(1)},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
        return Web(client)

    yield _make
    for client in clients:
        client.__exit__(None, None, None)
