"""API keys and users: stored hashed, shown once, revocable once, last use recorded; argon2id passwords."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from digiplus.core.audit.models import AuditEntry
from digiplus.core.db import Database, utcnow
from digiplus.core.errors import AuthenticationFailed
from digiplus.identity import service
from digiplus.identity.api_key_cache import api_key_cache
from digiplus.identity.models import ApiKey, User
from digiplus.identity.schemas import UserCreate


def test_the_secret_is_shown_once_and_stored_only_as_a_digest(api: Any, db: Database) -> None:
    made = api.post("/v1/api_keys", json={"name": "shown once"}).json()
    secret = made["secret"]
    assert made["redacted"] == f"sk_test_…{secret[-4:]}"
    listed = next(k for k in api.get("/v1/api_keys").json()["data"] if k["id"] == made["id"])
    assert "secret" not in listed
    with db.session() as session:
        row = session.get(ApiKey, made["id"])
        assert row is not None
        assert row.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
        stored = [str(v) for v in row.__dict__.values()]
    assert not any(secret in value for value in stored)


def test_last_use_is_recorded_coarsely(api: Any, db: Database) -> None:
    key_id = api.get("/v1/api_keys").json()["data"][0]["id"]
    with db.session() as session:
        first_use = session.get(ApiKey, key_id).last_used_at  # type: ignore[union-attr]
    assert first_use is not None
    api.get("/v1/account")
    with db.session() as session:
        assert session.get(ApiKey, key_id).last_used_at == first_use  # type: ignore[union-attr]
    with db.engine.begin() as conn:
        conn.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=utcnow() - timedelta(minutes=2)))
    api_key_cache.clear()  # two minutes on, this process has long forgotten the key (it keeps it for seconds)
    api.get("/v1/account")
    listed = api.get("/v1/api_keys").json()["data"][0]
    assert listed["last_used_at"] >= int(first_use.timestamp())


def test_revoking_twice_records_one_entry(api_for: Any, make_org: Any, db: Database) -> None:
    org = make_org()
    owner, other = api_for(org, role="owner"), api_for(org)
    other_id = other.get("/v1/api_keys").json()["data"][0]["id"]
    assert owner.post(f"/v1/api_keys/{other_id}/revoke").json()["revoked"] is True
    again = owner.post(f"/v1/api_keys/{other_id}/revoke")
    assert (again.status_code, again.json()["revoked"]) == (200, True)
    with db.session() as session:
        actions = session.scalars(select(AuditEntry.action).where(AuditEntry.target_id == other_id)).all()
    assert sorted(actions) == ["api_key.created", "api_key.revoked"]


def test_a_key_may_revoke_itself(api: Any) -> None:
    own = api.get("/v1/api_keys").json()["data"][0]["id"]
    assert api.post(f"/v1/api_keys/{own}/revoke").status_code == 200
    assert api.get("/v1/account").status_code == 401


def test_passwords_are_argon2id_and_checked(db: Database) -> None:
    with db.session() as session:
        user = service.create_user(session, UserCreate(email="Ana@Example.com", name="Ana", password="a long password"))
        assert user.email == "ana@example.com"
        assert user.password_hash.startswith("$argon2id$")
        assert service.authenticate_user(session, " ANA@example.com ", "a long password").id == user.id
        for email, password in [("ana@example.com", "a wrong password"), ("nobody@example.com", "a long password")]:
            with pytest.raises(AuthenticationFailed) as refused:
                service.authenticate_user(session, email, password)
            assert (refused.value.code, refused.value.message) == ("invalid_login", "Wrong email or password.")


def test_an_inactive_user_cannot_log_in(db: Database) -> None:
    with db.session() as session:
        service.create_user(session, UserCreate(email="old@example.com", name="Old", password="a long password"))
    with db.engine.begin() as conn:
        conn.execute(update(User).values(is_active=False))
    with db.session() as session, pytest.raises(AuthenticationFailed):
        service.authenticate_user(session, "old@example.com", "a long password")
