"""Fixtures of the web page tests: users who belong to an org, and browsers logged in as them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from web_browser import PASSWORD, Browser, Member

from digiplus.core.db import Database
from digiplus.identity import service
from digiplus.identity.schemas import OrganizationCreate, UserCreate


@pytest.fixture
def make_member(db: Database) -> Callable[..., Member]:
    """``make_member(email, role="owner", org_id=None)``: a user with a membership (in a new org unless given)."""

    def _make(
        email: str = "ada@example.com",
        role: str = "owner",
        org_id: str | None = None,
        org_name: str = "Night Market Snacks",
        locale: str = "en",
    ) -> Member:
        with db.session() as session:
            if org_id is None:
                org_id = service.create_organization(session, OrganizationCreate(name=org_name, kind="merchant")).id
            user = service.create_user(
                session,
                UserCreate(email=email, name=email.split("@")[0].title(), password=PASSWORD, locale=locale),  # type: ignore[arg-type]
            )
            service.add_member(session, None, org_id, user.id, role)  # type: ignore[arg-type]
            return Member(user_id=user.id, email=email, org_id=org_id)

    return _make


@pytest.fixture
def make_browser(app: Any) -> Iterator[Callable[..., Browser]]:
    """``make_browser(member=None)``: a fresh browser, logged in as ``member`` when one is given."""
    clients: list[TestClient] = []

    def _make(member: Member | None = None) -> Browser:
        client = TestClient(app)
        client.__enter__()  # one event loop thread per browser, not one per request
        clients.append(client)
        browser = Browser(client, member)
        if member is not None:
            response = browser.login(member.email)
            assert response.status_code == 303, response.text
        return browser

    yield _make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def owner(make_member: Callable[..., Member]) -> Member:
    return make_member()


@pytest.fixture
def browser(make_browser: Callable[..., Browser], owner: Member) -> Browser:
    """The owner of a fresh org, logged in."""
    return make_browser(owner)
