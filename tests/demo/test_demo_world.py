"""The demo world generator and ``digiplus demo``."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select
from typer.testing import CliRunner

from digiplus.core.audit.models import AuditEntry
from digiplus.core.db import Database
from digiplus.demo import cli as demo_cli
from digiplus.demo.service import DEMO_ORGS, DEMO_PASSWORD, MERCHANT_SLUG, build_demo_world
from digiplus.identity import service as identity
from digiplus.identity.models import ORG_KINDS, ApiKey, Membership, Organization, User
from digiplus.settings import Settings

PEOPLE = sum(len(org.people) for org in DEMO_ORGS)


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """The world has 17 users; argon2id at its production cost would make these tests take ~20 s."""
    monkeypatch.setattr(identity, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def _counts(db: Database) -> tuple[int, int, int, int]:
    with db.session() as session:
        return (
            session.scalar(select(func.count()).select_from(Organization)) or 0,
            session.scalar(select(func.count()).select_from(User)) or 0,
            session.scalar(select(func.count()).select_from(Membership)) or 0,
            session.scalar(select(func.count()).select_from(AuditEntry)) or 0,
        )


def test_every_kind_of_organisation_and_every_role(db: Database) -> None:
    with db.session() as session:
        world = build_demo_world(session)
    assert world.created == len(DEMO_ORGS) + 2 * PEOPLE
    with db.session() as session:
        kinds = Counter(session.scalars(select(Organization.kind)))
        merchant_roles = set(
            session.scalars(select(Membership.role).where(Membership.org_id == world.orgs[MERCHANT_SLUG].id))
        )
    assert set(kinds) == set(ORG_KINDS)
    assert kinds["merchant"] == 3  # a night-market stall, a clinic, a campus shop
    assert merchant_roles == {"owner", "admin", "developer", "analyst", "viewer"}
    assert len(world.logins) == PEOPLE
    assert {login.email for login in world.logins} == {p.email for org in DEMO_ORGS for p in org.people}


def test_building_twice_duplicates_nothing(db: Database) -> None:
    with db.session() as session:
        first = build_demo_world(session)
    after_first = _counts(db)
    with db.session() as session:
        second = build_demo_world(session)
    assert second.created == 0
    assert _counts(db) == after_first
    assert {slug: org.id for slug, org in second.orgs.items()} == {slug: org.id for slug, org in first.orgs.items()}
    # every state change of the first run is in the audit trail: orgs, users, memberships, and the
    # merchant's ledger (one entry for the accounts, one per transfer batch)
    books = first.books
    assert books is not None
    assert after_first == (len(DEMO_ORGS), PEOPLE, PEOPLE, len(DEMO_ORGS) + 2 * PEOPLE + 1 + books.batches)


def test_demo_logins_use_the_documented_password(db: Database) -> None:
    with db.session() as session:
        build_demo_world(session)
    with db.session() as session:
        user = identity.authenticate_user(session, "ming@oyster.example", DEMO_PASSWORD)
        assert user.name == "林志明 Lin Chih-ming"
        assert identity.membership_role(session, user.id, build_demo_world(session).merchant.id) == "owner"


def test_printed_test_key_works_and_each_run_prints_a_new_one(
    db: Database, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from digiplus.cli import app

    runner = CliRunner()
    first = runner.invoke(app, ["demo", "--no-serve", "--port", "8123", "--scale", "0.02"])
    assert first.exit_code == 0, first.output
    assert "http://127.0.0.1:8123/" in first.output
    assert f"Password  {DEMO_PASSWORD}" in first.output
    assert "stall@oyster.example" in first.output
    secret = re.findall(r"sk_test_[A-Za-z0-9_\-]+", first.output)[0]

    served: list[dict[str, Any]] = []
    monkeypatch.setattr("digiplus.cli.serve", lambda **options: served.append(options))
    second = runner.invoke(app, ["demo", "--scale", "0.02"])  # serves: with real option values, not typer's
    assert second.exit_code == 0, second.output
    assert served == [{"host": "127.0.0.1", "port": 8000, "worker": True, "workers": 1}]
    assert "nothing duplicated" in second.output
    assert re.findall(r"sk_test_[A-Za-z0-9_\-]+", second.output)[0] != secret

    response = client.get("/v1/account", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200
    body = response.json()
    assert body["object"] == "organization"
    assert body["kind"] == "merchant"
    assert body["name"] == DEMO_ORGS[0].name
    assert body["livemode"] is False
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(ApiKey).where(ApiKey.livemode.is_(False))) == 2


def test_refused_in_production(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    production = Settings(env="production", secret_key="x" * 40, database_url=db.url)
    monkeypatch.setattr(demo_cli, "get_settings", lambda: production)
    from digiplus.cli import app

    result = CliRunner().invoke(app, ["demo", "--no-serve"])
    assert result.exit_code == 1
    assert "refused in production" in result.output
    assert _counts(db) == (0, 0, 0, 0)
