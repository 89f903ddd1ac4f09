"""Logged-in browsers for the commerce pages (the same shape as the payments page tests')."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from commerce_web import CSRF, PASSWORD, Web
from fastapi.testclient import TestClient

from digiplus.core.db import Database
from digiplus.identity import service
from digiplus.identity.schemas import UserCreate


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
