"""The per-process API-key cache: seconds long, forgotten on revocation here, bounded by its TTL elsewhere."""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import update

from digiplus.core.context import Caller
from digiplus.core.db import Database, utcnow
from digiplus.identity.api_key_cache import ApiKeyCache, api_key_cache
from digiplus.identity.models import ApiKey

CALLER = Caller(org_id="org_1", livemode=False, role="developer", actor_kind="api_key", actor_id="key_1")


def test_a_revocation_by_another_process_is_honoured_once_the_entry_expires(
    api: Any, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    key_id = api.get("/v1/api_keys").json()["data"][0]["id"]
    with db.engine.begin() as conn:  # as another server process would: this one's cache is not told
        conn.execute(update(ApiKey).where(ApiKey.id == key_id).values(revoked_at=utcnow()))
    assert api.get("/v1/account").status_code == 200  # still within DIGIPLUS_API_KEY_CACHE_SECONDS (5)
    later = time.monotonic() + 5.01
    monkeypatch.setattr(api_key_cache, "clock", lambda: later)
    refused = api.get("/v1/account")
    assert (refused.status_code, refused.json()["error"]["code"]) == (401, "api_key_revoked")


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
