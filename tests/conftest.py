"""Test set-up: one migrated database per run (SQLite by default, PostgreSQL when
``DIGIPLUS_TEST_DATABASE_URL`` is set), emptied after every test.

Tests commit for real (requests, the worker and idempotency claims use their own
connections, as in production), so isolation is by emptying every table after
each test rather than by rolling back one shared transaction.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete

from digiplus.core.api.ratelimit import reset_rate_limits
from digiplus.core.context import Caller
from digiplus.core.db import Base, Database, set_database
from digiplus.registry import load_models
from digiplus.settings import get_settings


def _worker_database_url(url: str, worker_id: str) -> str:
    """Under pytest-xdist each worker gets its own PostgreSQL database (``test_gw0``…), made on first use."""
    if worker_id == "master" or not url.startswith("postgresql"):
        return url
    from sqlalchemy import create_engine, make_url, text

    base = make_url(url)
    name = f"{base.database}_{worker_id}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first() is None:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Iterator[Database]:
    data_dir = tmp_path_factory.mktemp("var")
    url = os.environ.get("DIGIPLUS_TEST_DATABASE_URL") or f"sqlite:///{data_dir}/test.db"
    url = _worker_database_url(url, worker_id)
    os.environ["DIGIPLUS_DATABASE_URL"] = url
    os.environ["DIGIPLUS_DATA_DIR"] = str(data_dir)
    os.environ["DIGIPLUS_WORKER_ENABLED"] = "false"
    os.environ["DIGIPLUS_LOG_JSON"] = "false"
    os.environ["DIGIPLUS_LOG_LEVEL"] = "WARNING"
    os.environ["DIGIPLUS_WARM_UP"] = "false"  # each test builds what it needs, when it needs it
    # Every anonymous test request comes from one address ("testclient"), far faster than a
    # visitor: tests of the anonymous limit itself lower it (tests/core/test_api_conventions.py).
    os.environ.setdefault("DIGIPLUS_ANONYMOUS_RATE_LIMIT", "100000/second")
    get_settings.cache_clear()
    load_models()
    db = Database(url)
    set_database(db)
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:  # start from an empty schema every run
            conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    from digiplus.core.migrate import upgrade

    upgrade(url)
    yield db
    db.dispose()
    set_database(None)


@pytest.fixture(autouse=True)
def _clean(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "database" not in request.fixturenames:
        return
    db: Database = request.getfixturevalue("database")
    with db.engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(delete(table))
    reset_rate_limits()


@pytest.fixture
def db(database: Database) -> Database:
    return database


@pytest.fixture
def app(database: Database) -> Any:
    from digiplus.app import create_app

    return create_app(run_worker=False)


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@pytest.fixture
def make_org(db: Database) -> Callable[..., str]:
    from digiplus.identity import service
    from digiplus.identity.schemas import OrganizationCreate

    def _make(name: str = "Test Merchant", kind: str = "merchant") -> str:
        with db.session() as session:
            return service.create_organization(session, OrganizationCreate(name=name, kind=kind)).id  # type: ignore[arg-type]

    return _make


@pytest.fixture
def make_key(db: Database) -> Callable[..., str]:
    from digiplus.identity import service
    from digiplus.identity.schemas import ApiKeyCreate

    def _make(org_id: str, live: bool = False, role: str = "developer") -> str:
        with db.session() as session:
            _, secret = service.create_api_key(
                session,
                Caller.system(org_id, live),
                ApiKeyCreate(role=role),  # type: ignore[arg-type]
            )
        return secret

    return _make


class ApiClient:
    """A TestClient that sends one API key on every call."""

    def __init__(self, client: TestClient, secret: str) -> None:
        self.client, self.secret = client, secret

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.secret}", **(extra or {})}

    def get(self, url: str, **kw: Any) -> Any:
        return self.client.get(url, headers=self._headers(kw.pop("headers", None)), **kw)

    def post(self, url: str, **kw: Any) -> Any:
        return self.client.post(url, headers=self._headers(kw.pop("headers", None)), **kw)

    def delete(self, url: str, **kw: Any) -> Any:
        return self.client.delete(url, headers=self._headers(kw.pop("headers", None)), **kw)


@pytest.fixture
def api_for(client: TestClient, make_org: Callable[..., str], make_key: Callable[..., str]) -> Callable[..., ApiClient]:
    """``api_for(org_id=None, live=False)``: an API client with a fresh key (and org)."""

    def _make(org_id: str | None = None, live: bool = False, role: str = "developer") -> ApiClient:
        return ApiClient(client, make_key(org_id or make_org(), live=live, role=role))

    return _make


@pytest.fixture
def api(api_for: Callable[..., ApiClient]) -> ApiClient:
    return api_for()


ROOT = Path(__file__).resolve().parents[1]
