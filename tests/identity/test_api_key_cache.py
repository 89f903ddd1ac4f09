"""The per-process API-key cache: forgotten on revocation here, and within the revocation check (1 s) elsewhere."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, update

from digiplus.core.context import Caller
from digiplus.core.db import Database, utcnow
from digiplus.identity.api_key_cache import ApiKeyCache, api_key_cache
from digiplus.identity.models import ApiKey

CALLER = Caller(org_id="org_1", livemode=False, role="developer", actor_kind="api_key", actor_id="key_1")


def test_a_revocation_by_another_process_is_honoured_within_the_revocation_check(
    api: Any, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [time.monotonic()]
    monkeypatch.setattr(api_key_cache, "clock", lambda: now[0])
    api_key_cache.clear()  # whatever earlier tests left: the next request checks, then caches its key
    key_id = api.get("/v1/api_keys").json()["data"][0]["id"]  # the key is cached, the check just ran
    with db.engine.begin() as conn:  # as another server process would: this one's cache is not told
        conn.execute(update(ApiKey).where(ApiKey.id == key_id).values(revoked_at=utcnow()))
    now[0] += 0.5
    assert api.get("/v1/account").status_code == 200  # within DIGIPLUS_API_KEY_REVOCATION_CHECK_SECONDS (1)
    now[0] += 0.51  # the check is due: it runs before the cache is used, and drops the revoked key
    refused = api.get("/v1/account")
    assert (refused.status_code, refused.json()["error"]["code"]) == (401, "api_key_revoked")


def test_an_unrevoked_key_stays_cached_across_revocation_checks(
    api: Any, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [time.monotonic()]
    monkeypatch.setattr(api_key_cache, "clock", lambda: now[0])
    api_key_cache.clear()
    assert api.get("/v1/account").status_code == 200
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        now[0] += 60  # many checks later (still within DIGIPLUS_API_KEY_CACHE_SECONDS, 300)
        assert api.get("/v1/account").status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    key_reads = [s for s in statements if "FROM api_keys" in s]
    assert len(key_reads) == 1 and "revoked_at >=" in key_reads[0]  # the check only, not the key itself


def test_the_revocation_check_looks_back_from_the_last_one_and_drops_only_revoked_keys() -> None:
    now = [100.0]
    cache = ApiKeyCache(clock=lambda: now[0])
    asked: list[datetime] = []

    def revoked_since(since: datetime) -> list[str]:
        asked.append(since)
        return ["d_revoked"]

    cache.put("d_revoked", CALLER, None, 300, cache.generation())
    cache.put("d_kept", CALLER, None, 300, cache.generation())
    assert cache.revocations_due()
    before = utcnow()
    cache.check_revocations(revoked_since, 1.0)
    assert not cache.revocations_due()
    assert cache.get("d_revoked") is None and cache.get("d_kept") is not None
    assert before - timedelta(minutes=1, seconds=1) < asked[0] <= utcnow() - timedelta(minutes=1)
    now[0] = 100.99
    cache.check_revocations(revoked_since, 1.0)  # not due yet: nothing asked
    assert len(asked) == 1
    now[0] = 101.0
    cache.check_revocations(revoked_since, 1.0)
    assert len(asked) == 2 and asked[1] <= asked[0] + timedelta(seconds=1)  # from the last check's start


def test_an_entry_lives_for_its_ttl_and_none_is_kept_with_ttl_zero() -> None:
    now = [100.0]
    cache = ApiKeyCache(clock=lambda: now[0])
    cache.put("d1", CALLER, None, 5, cache.generation())
    cache.put("d2", CALLER, None, 0, cache.generation())
    now[0] = 104.9
    entry = cache.get("d1")
    assert entry is not None and entry.caller == CALLER
    assert cache.get("d2") is None
    now[0] = 105.0
    assert cache.get("d1") is None


def test_a_lookup_that_overlapped_a_revocation_is_not_remembered() -> None:
    cache = ApiKeyCache()
    generation = cache.generation()  # a request starts reading its key …
    cache.forget("d_revoked")  # … while some key is revoked
    cache.put("d1", CALLER, None, 5, generation)
    assert cache.get("d1") is None
    cache.put("d1", CALLER, None, 5, cache.generation())
    assert cache.get("d1") is not None


def test_the_oldest_entry_goes_when_full() -> None:
    cache = ApiKeyCache(max_entries=2)
    for name in ("d1", "d2", "d3"):
        cache.put(name, CALLER, None, 5, cache.generation())
    assert [cache.get(n) is not None for n in ("d1", "d2", "d3")] == [False, True, True]
