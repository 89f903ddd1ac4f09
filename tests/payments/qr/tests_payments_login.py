"""Log a test client in as an owner of an organisation (for the payments pages)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from digiplus.core.db import Database
from digiplus.identity import service
from digiplus.identity.schemas import UserCreate

PASSWORD = "correct horse battery staple"


def logged_in(client: TestClient, db: Database, org_id: str, locale: str = "en") -> TestClient:
    with db.session() as s:
        user = service.create_user(s, UserCreate(email="qr@example.com", name="Q", password=PASSWORD, locale=locale))  # type: ignore[arg-type]
        service.add_member(s, None, org_id, user.id, "owner")
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token
    r = client.post(
        "/login",
        data={"email": "qr@example.com", "password": PASSWORD, "next": "/", "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert r.status_code in (302, 303), r.text
    return client
