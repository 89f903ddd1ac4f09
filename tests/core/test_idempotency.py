"""``Idempotency-Key`` on POST, through ``POST /v1/api_keys``."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from digiplus.core.api.idempotency import IdempotencyClaim, IdempotencyKey, IdempotencyMiddleware, purge_expired
from digiplus.core.api.ratelimit import reset_rate_limits
from digiplus.core.db import Database, utcnow
from digiplus.identity import service
from digiplus.identity.models import ApiKey
from digiplus.settings import get_settings


def count(db: Database, model: Any) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def create(api: Any, key: str | None, body: Any = None, **kw: Any) -> Any:
    headers = {"Idempotency-Key": key} if key else {}
    return api.post("/v1/api_keys", json=body if body is not None else {"name": "checkout"}, headers=headers, **kw)


def test_same_key_same_body_replays_the_first_response(api: Any, db: Database) -> None:
    before = count(db, ApiKey)
    first = create(api, "order-1")
    assert first.status_code == 200
    assert "Idempotent-Replayed" not in first.headers
    again = create(api, "order-1")
    assert again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert again.content == first.content  # byte for byte, secret included
    assert again.headers["content-type"] == first.headers["content-type"]
    assert again.headers["Request-Id"] != first.headers["Request-Id"]
    assert count(db, ApiKey) == before + 1


def test_same_json_in_another_layout_is_the_same_request(api: Any) -> None:
    first = api.post(
        "/v1/api_keys",
        content=b'{"name": "n", "role": "analyst"}',
        headers={"Idempotency-Key": "layout", "Content-Type": "application/json"},
    )
    again = api.post(
        "/v1/api_keys",
        content=b'{"role":"analyst","name":"n"}',
        headers={"Idempotency-Key": "layout", "Content-Type": "application/json"},
    )
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]


def test_same_key_other_body_is_422(api: Any, db: Database) -> None:
    assert create(api, "order-2", {"name": "one"}).status_code == 200
    keys = count(db, ApiKey)
    other = create(api, "order-2", {"name": "two"})
    assert other.status_code == 422
    assert other.json()["error"] == {
        "type": "idempotency_error",
        "code": "idempotency_key_reused",
        "message": "This Idempotency-Key was used with other parameters; use a new key for a new request.",
        "param": "Idempotency-Key",
    }
    assert count(db, ApiKey) == keys


def test_same_key_on_another_url_is_422(api: Any) -> None:
    made = create(api, "order-3")
    assert made.status_code == 200
    other = api.post(f"/v1/api_keys/{made.json()['id']}/revoke", headers={"Idempotency-Key": "order-3"})
    assert other.status_code == 422
    assert other.json()["error"]["type"] == "idempotency_error"


def test_keys_are_scoped_per_api_key(api_for: Any, make_org: Any, db: Database) -> None:
    org = make_org()
    first, second = api_for(org), api_for(org)
    before = count(db, ApiKey)
    a, b = create(first, "shared"), create(second, "shared")
    assert (a.status_code, b.status_code) == (200, 200)
    assert "Idempotent-Replayed" not in b.headers
    assert a.json()["id"] != b.json()["id"]
    assert count(db, ApiKey) == before + 2
    with db.session() as session:
        scopes = session.scalars(select(IdempotencyKey.scope).where(IdempotencyKey.key == "shared")).all()
    assert len(set(scopes)) == 2


def test_without_a_key_nothing_is_stored(api: Any, db: Database) -> None:
    a, b = create(api, None), create(api, None)
    assert a.json()["id"] != b.json()["id"]
    assert count(db, IdempotencyKey) == 0


def test_a_401_is_not_stored(client: Any, make_org: Any, db: Database) -> None:
    make_org()
    headers = {"Authorization": "Bearer sk_test_nope", "Idempotency-Key": "k401"}
    response = client.post("/v1/api_keys", json={"name": "x"}, headers=headers)
    assert response.status_code == 401
    assert count(db, IdempotencyKey) == 0


@pytest.mark.parametrize(
    ("body", "status"),
    [({"name": 5}, 422), ({"role": "owner"}, 403)],
)
def test_a_refused_request_is_not_stored_so_a_fixed_retry_works(
    api: Any, db: Database, body: dict[str, Any], status: int
) -> None:
    refused = create(api, "fix-me", body)
    assert refused.status_code == status
    assert count(db, IdempotencyKey) == 0
    fixed = create(api, "fix-me", {"name": "fixed"})
    assert fixed.status_code == 200
    assert "Idempotent-Replayed" not in fixed.headers


def test_a_429_is_not_stored(api: Any, db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    assert api.get("/v1/account").status_code == 200
    monkeypatch.setenv("DIGIPLUS_RATE_LIMIT", "1/minute")
    get_settings.cache_clear()
    reset_rate_limits()
    try:
        assert api.get("/v1/account").status_code == 200
        limited = create(api, "busy")
        assert limited.status_code == 429
        assert count(db, IdempotencyKey) == 0
    finally:
        monkeypatch.delenv("DIGIPLUS_RATE_LIMIT")
        get_settings.cache_clear()
        reset_rate_limits()


@pytest.fixture
def slow_create(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[threading.Event, threading.Event]]:
    """Makes key creation wait inside the handler: (entered, release)."""
    entered, release = threading.Event(), threading.Event()
    real = service.create_api_key

    def waiting(*args: Any, **kw: Any) -> Any:
        entered.set()
        assert release.wait(10)
        return real(*args, **kw)

    monkeypatch.setattr(service, "create_api_key", waiting)
    yield entered, release
    release.set()


@pytest.fixture
def slow_finish(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[threading.Event, threading.Event]]:
    """Makes the middleware wait after the handler committed, before the response is stored."""
    entered, release = threading.Event(), threading.Event()
    real = IdempotencyMiddleware._finish

    def waiting(self: IdempotencyMiddleware, *args: Any) -> None:
        entered.set()
        assert release.wait(10)
        real(self, *args)

    monkeypatch.setattr(IdempotencyMiddleware, "_finish", waiting)
    yield entered, release
    release.set()


@pytest.mark.parametrize("slow_part", ["slow_create", "slow_finish"])
def test_concurrent_duplicate_is_409(api: Any, db: Database, request: pytest.FixtureRequest, slow_part: str) -> None:
    entered, release = request.getfixturevalue(slow_part)
    before = count(db, ApiKey)
    results: dict[str, Any] = {}
    first = threading.Thread(target=lambda: results.setdefault("first", create(api, "race")))
    first.start()
    assert entered.wait(10)
    duplicate = create(api, "race")
    release.set()
    first.join(10)
    assert duplicate.status_code == 409
    assert duplicate.json()["error"] == {
        "type": "idempotency_error",
        "code": "idempotency_key_in_use",
        "message": "A request with this Idempotency-Key is still being processed; retry shortly.",
        "param": "Idempotency-Key",
    }
    assert results["first"].status_code == 200
    assert count(db, ApiKey) == before + 1
    retry = create(api, "race")  # once the first is done, the duplicate gets its answer
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.json() == results["first"].json()


def test_a_stale_claim_may_be_retried(api: Any, db: Database) -> None:
    assert create(api, "crashed").status_code == 200
    with db.engine.begin() as conn:  # as if the first request had died after claiming the key
        conn.execute(
            update(IdempotencyKey).values(
                status="in_progress", response_status=None, created=utcnow() - timedelta(minutes=6)
            )
        )
    retry = create(api, "crashed")
    assert retry.status_code == 200
    assert "Idempotent-Replayed" not in retry.headers


def test_a_key_expires_after_the_ttl(api: Any, db: Database) -> None:
    first = create(api, "old", {"name": "first"})
    ttl = timedelta(hours=get_settings().idempotency_ttl_hours)
    assert ttl >= timedelta(hours=24)
    with db.engine.begin() as conn:
        conn.execute(update(IdempotencyKey).values(created=utcnow() - ttl + timedelta(minutes=1)))
    assert create(api, "old", {"name": "first"}).headers["Idempotent-Replayed"] == "true"
    with db.engine.begin() as conn:
        conn.execute(update(IdempotencyKey).values(created=utcnow() - ttl - timedelta(minutes=1)))
    reused = create(api, "old", {"name": "other"})
    assert reused.status_code == 200
    assert "Idempotent-Replayed" not in reused.headers
    assert reused.json()["id"] != first.json()["id"]
    assert count(db, IdempotencyKey) == 1


def test_purge_removes_only_expired_keys(api: Any, db: Database) -> None:
    create(api, "keep")
    create(api, "drop")
    with db.engine.begin() as conn:
        conn.execute(
            update(IdempotencyKey).where(IdempotencyKey.key == "drop").values(created=utcnow() - timedelta(hours=25))
        )
    assert purge_expired(db, 24) == 1
    with db.session() as session:
        assert session.scalars(select(IdempotencyKey.key)).all() == ["keep"]


def test_an_overlong_key_is_400(api: Any, db: Database) -> None:
    response = create(api, "k" * 256)
    assert response.status_code == 400
    assert (response.json()["error"]["code"], response.json()["error"]["param"]) == (
        "idempotency_key_invalid",
        "Idempotency-Key",
    )
    assert count(db, IdempotencyKey) == 0


def test_get_requests_ignore_the_header(api: Any, db: Database) -> None:
    assert api.get("/v1/account", headers={"Idempotency-Key": "g"}).status_code == 200
    assert count(db, IdempotencyKey) == 0


def test_the_stored_answer_commits_with_the_change(api: Any, db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """The key and its answer are written in the request's own transaction: if storing the answer
    fails, the change it answers is rolled back too (no key made, no key stored)."""
    before = count(db, ApiKey)

    def broken(*args: Any, **kw: Any) -> None:
        raise RuntimeError("the database refused the stored answer")

    monkeypatch.setattr(IdempotencyClaim, "store", broken)
    with pytest.raises(RuntimeError, match="refused the stored answer"):
        create(api, "atomic")
    assert (count(db, ApiKey), count(db, IdempotencyKey)) == (before, 0)
    monkeypatch.undo()
    retried = create(api, "atomic")
    assert retried.status_code == 200
    assert "Idempotent-Replayed" not in retried.headers
    assert (count(db, ApiKey), count(db, IdempotencyKey)) == (before + 1, 1)


def test_a_duplicate_in_another_process_is_409_or_waits_for_the_answer(
    api: Any, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another server process (another app: its own set of keys in flight) sends the same key while the
    first holds its claim. PostgreSQL: the advisory lock on the key answers 409 at once. SQLite: the
    duplicate waits for the one write lock, then gets the stored answer."""
    from fastapi.testclient import TestClient

    from digiplus.app import create_app

    entered, release = threading.Event(), threading.Event()
    real = service.create_api_key

    def claimed_then_waiting(session: Any, *args: Any, **kw: Any) -> Any:
        session.execute(select(1))  # the transaction begins: the key is claimed
        entered.set()
        assert release.wait(10)
        return real(session, *args, **kw)

    monkeypatch.setattr(service, "create_api_key", claimed_then_waiting)
    results: dict[str, Any] = {}
    first = threading.Thread(target=lambda: results.setdefault("first", create(api, "two-processes")))
    first.start()
    assert entered.wait(10)
    with TestClient(create_app(run_worker=False)) as other_process:
        headers = {"Authorization": f"Bearer {api.secret}", "Idempotency-Key": "two-processes"}
        duplicate = threading.Thread(
            target=lambda: results.setdefault(
                "duplicate", other_process.post("/v1/api_keys", json={"name": "checkout"}, headers=headers)
            )
        )
        duplicate.start()
        duplicate.join(1.0)
        if db.engine.dialect.name == "postgresql":
            assert not duplicate.is_alive()
            assert results["duplicate"].status_code == 409
            assert results["duplicate"].json()["error"]["code"] == "idempotency_key_in_use"
        release.set()
        first.join(10)
        duplicate.join(10)
    assert results["first"].status_code == 200
    if db.engine.dialect.name != "postgresql":
        assert results["duplicate"].status_code == 200
        assert results["duplicate"].headers["Idempotent-Replayed"] == "true"
        assert results["duplicate"].json() == results["first"].json()
    assert count(db, IdempotencyKey) == 1


def test_a_route_that_opens_no_transaction_is_replayed_too(api: Any, db: Database) -> None:
    """QR decoding reads nothing from the database: its answer is stored after it, in a short
    transaction of its own, with the same checks."""
    payload = "00020101021129370016A000000677010111011300668012345675802TH530376463046197"
    first = api.post("/v1/qr/decode", json={"payload": payload}, headers={"Idempotency-Key": "decode-1"})
    assert first.status_code == 200
    assert "Idempotent-Replayed" not in first.headers
    again = api.post("/v1/qr/decode", json={"payload": payload}, headers={"Idempotency-Key": "decode-1"})
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.content == first.content
    other = api.post("/v1/qr/decode", json={"payload": payload + "0"}, headers={"Idempotency-Key": "decode-1"})
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    assert count(db, IdempotencyKey) == 1
