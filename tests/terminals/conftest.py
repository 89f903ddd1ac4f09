"""Fixtures of the terminals tests: a merchant with a profile and a paired terminal, and a payer."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from terminal_helpers import (
    CSRF_FIELD,
    PASSWORD,
    Payer,
    Shop,
    TerminalClient,
    Web,
    funded_wallet,
    merchant,
    pair_terminal,
)

from digiplus.core.db import Database
from digiplus.identity import service as identity
from digiplus.identity.schemas import UserCreate
from digiplus.terminals.service import supervisors


@pytest.fixture(autouse=True)
def _cheap_pins(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id with test-sized costs (the hash is still argon2id; production keeps the defaults)."""
    monkeypatch.setattr(supervisors, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def shop(api_for: Callable[..., Any], make_org: Callable[..., str]) -> Shop:
    org = make_org("阿明蚵仔煎 A-Ming's Oysters", kind="merchant")
    api = api_for(org)
    return Shop(org, api, merchant(api))


@pytest.fixture
def terminal(client: TestClient, shop: Shop) -> TerminalClient:
    device, _ = pair_terminal(client, shop.api)
    return device


@pytest.fixture
def payer(api_for: Callable[..., Any], make_org: Callable[..., str]) -> Payer:
    org = make_org("林美 Lin Mei", kind="consumer")
    api = api_for(org)
    return Payer(org, api, funded_wallet(api, 5_000_00))


@pytest.fixture
def web_for(app: Any, db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Web]]:
    """``web_for(org_id, role="owner", locale="en")``: a browser logged in as a new member of the org."""
    monkeypatch.setattr(identity, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    clients: list[TestClient] = []
    counter = iter(range(1000))

    def _make(org_id: str, role: str = "owner", locale: str = "en") -> Web:
        email = f"user{next(counter)}@example.com"
        with db.session() as s:
            user = identity.create_user(s, UserCreate(email=email, name="Lin", password=PASSWORD, locale=locale))  # type: ignore[arg-type]
            identity.add_member(s, None, org_id, user.id, role)  # type: ignore[arg-type]
        client = TestClient(app)
        client.__enter__()
        clients.append(client)
        token = CSRF_FIELD.search(client.get("/login").text)
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
